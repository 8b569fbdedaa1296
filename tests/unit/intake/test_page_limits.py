"""Documents too large to read are refused from their headers, before any page is decoded."""
from __future__ import annotations

import io

import pytest

from o2c.intake import pipeline
from o2c.intake.master_index import MasterIndex


def _tiff(frames: int) -> bytes:
    from PIL import Image
    pages = [Image.new("L", (40, 40), 255) for _ in range(frames)]
    out = io.BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:])
    return out.getvalue()


def _pdf(pages: int) -> bytes:
    import pypdfium2
    document = pypdfium2.PdfDocument.new()
    for _ in range(pages):
        document.new_page(612, 792)
    out = io.BytesIO()
    document.save(out)
    document.close()
    return out.getvalue()


@pytest.fixture
def two_pages_at_most(monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_PAGES", 2)


def test_a_tiff_with_more_frames_than_the_limit_is_refused(two_pages_at_most):
    pipeline.check_dimensions(_tiff(2))  # at the limit: read
    with pytest.raises(pipeline.TooLarge, match="3 pages; at most 2 .*split the file"):
        pipeline.check_dimensions(_tiff(3))


def test_a_pdf_with_more_pages_than_the_limit_is_refused(two_pages_at_most):
    pipeline.check_dimensions(_pdf(2))
    with pytest.raises(pipeline.TooLarge, match="the PDF has 3 pages; at most 2"):
        pipeline.check_dimensions(_pdf(3))


def test_extract_says_why_and_reads_nothing(two_pages_at_most, monkeypatch):
    from o2c.intake import text
    monkeypatch.setattr(text, "acquire", lambda *a, **k: pytest.fail("pages were decoded"))
    got = pipeline.extract(_tiff(3), "fax.tif", master=MasterIndex.from_rows(), channel="fax")
    assert got["lines"] == []
    assert any("3 pages" in w for w in got["warnings"]), got["warnings"]
