"""Text acquisition: every input kind becomes pages of positioned, confidence-scored words."""
from __future__ import annotations

import io
import os

import pytest

from o2c.intake.text import acquire, estimate_skew, group_lines, Word
import test_layout_fixtures as F

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def test_text_pdf_words_and_lines():
    doc = acquire(F.html_pdf(F.PO_HTML), "po.pdf")
    assert doc.source_kind == "text_pdf"
    page = doc.pages[0]
    assert not page.ocr
    assert any(w.text == "RO-77120" and w.confidence == 1.0 for w in page.words)
    header = next(l for l in page.lines if "Catalog" in l.text)
    assert header.text.split()[:3] == ["Line", "Catalog", "#"]
    assert all(w.x0 < w.x1 and w.y0 < w.y1 for w in page.words)


def test_scanned_pdf_is_rendered_and_ocrd():
    from PIL import Image

    png = F.text_image(["PO Number: 4500012345", "Qty 2 EA 7103-1204"], size=(1275, 400))
    pdf = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(pdf, format="PDF", resolution=150)
    doc = acquire(pdf.getvalue(), "scan.pdf")
    assert doc.source_kind == "scanned_pdf"
    assert doc.pages[0].ocr
    assert "4500012345" in doc.text
    assert all(0.0 <= w.confidence <= 1.0 for w in doc.pages[0].words)


def test_multipage_tiff_fax_is_two_pages():
    tif = F.text_image(["PURCHASE ORDER 77", "Item 7402-3514"], size=(1275, 300), fmt="TIFF", frames=2)
    doc = acquire(tif, "fax.tif")
    assert doc.source_kind == "image"
    assert len(doc.pages) == 2
    assert "7402-3514" in doc.pages[1].text


def test_skew_is_estimated_and_corrected():
    from PIL import Image

    png = F.text_image(["SKEWED LINE OF TEXT NUMBER ONE", "SECOND LINE 1234", "THIRD LINE 5678",
                        "FOURTH LINE OF TEXT"], size=(1275, 500), angle=2.0)
    angle = estimate_skew(Image.open(io.BytesIO(png)).convert("L"))
    assert abs(angle + 2.0) <= 0.5  # rotating back by the opposite angle straightens it
    doc = acquire(png, "skewed.png")
    assert "SECOND LINE 1234" in doc.text


@pytest.mark.parametrize("angle", [-9.5, -6.0, 0.5, 5.25, 8.0])
def test_phone_photo_rotations_up_to_ten_degrees_are_found(angle):
    from PIL import Image

    png = F.text_image(["SKEWED LINE OF TEXT NUMBER ONE", "SECOND LINE 1234", "THIRD LINE 5678",
                        "FOURTH LINE OF TEXT", "FIFTH LINE 99 ITEMS"], size=(1275, 1650), angle=angle)
    assert abs(estimate_skew(Image.open(io.BytesIO(png)).convert("L")) + angle) <= 0.25


def test_a_page_beyond_the_search_is_not_turned_further():
    from PIL import Image

    png = F.text_image(["SKEWED LINE OF TEXT NUMBER ONE", "SECOND LINE 1234", "THIRD LINE 5678"],
                       size=(1275, 900), angle=7.0)
    assert abs(estimate_skew(Image.open(io.BytesIO(png)).convert("L"), max_angle=4.0)) <= 4.0


def test_an_eight_degree_photo_is_read_and_barcode_points_follow_the_turn():
    from PIL import Image

    png = F.text_image(["SECOND LINE 1234", "THIRD LINE 5678"], size=(1275, 700), angle=8.0)
    doc = acquire(png, "turned.png")
    page = doc.pages[0]
    assert "SECOND LINE 1234" in doc.text and abs(page.ocr_angle + 8.0) <= 0.25
    # a mark on the image as it came lands where the straightened image shows it
    im = Image.new("L", (400, 300), 255)
    im.putpixel((300, 60), 0)
    turned = im.rotate(-8.0, resample=Image.NEAREST, fillcolor=255)
    straight = turned.rotate(8.0, resample=Image.NEAREST, fillcolor=255)
    target = next((x, y) for y in range(300) for x in range(400) if straight.getpixel((x, y)) < 128)
    source = next((x, y) for y in range(300) for x in range(400) if turned.getpixel((x, y)) < 128)
    from o2c.intake.text import Page
    p = Page(1, 400, 300, [], ocr=True, ocr_angle=8.0)
    x, y = p.image_point(*source)
    assert abs(x - target[0]) <= 2 and abs(y - target[1]) <= 2
    assert Page(1, 400, 300, []).image_point(5, 7) == (5, 7)


def test_csv_and_xlsx_are_tables():
    csv_doc = acquire(b"Item,Description,Qty,Unit Price\n7402-3514,SCREW,10,42.24\n", "order.csv")
    assert csv_doc.source_kind == "spreadsheet"
    assert csv_doc.pages[0].lines[1].text == "7402-3514 SCREW 10 42.24"

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Item", "Qty", "Price"])
    ws.append(["7402-3514", 10, 42.24])
    buf = io.BytesIO()
    wb.save(buf)
    doc = acquire(buf.getvalue(), "order.xlsx")
    assert doc.source_kind == "spreadsheet"
    assert doc.pages[0].lines[1].text == "7402-3514 10 42.24"


def test_plain_text_keeps_columns():
    doc = acquire(b"PO #: 123456\n\nQty  Item\n2    7402-3514\n", "po.txt")
    assert doc.source_kind == "text"
    lines = doc.pages[0].lines
    assert lines[-1].words[1].x0 == lines[-2].words[1].x0


def test_group_lines_tolerates_uneven_baselines():
    words = [Word("a", 0, 10, 5, 20), Word("b", 10, 12, 15, 21), Word("c", 0, 40, 5, 50)]
    lines = group_lines(words)
    assert [l.text for l in lines] == ["a b", "c"]


@pytest.mark.corpus
def test_corpus_fax_page_ocr_time(corpus_dir):
    """One fax page: our whole acquisition stays close to tesseract alone on the same page."""
    import time

    import pytesseract
    from PIL import Image

    path = corpus_dir / "synthetic/docs/doc-0024.tif"
    if not path.exists():
        pytest.skip("corpus document missing")
    data = path.read_bytes()
    im = Image.open(io.BytesIO(data))
    im.seek(0)
    t0 = time.perf_counter()
    pytesseract.image_to_data(im.convert("L"))
    bare = time.perf_counter() - t0
    t0 = time.perf_counter()
    doc = acquire(data, path.name)
    ours = doc.pages[0].seconds
    assert ours <= 1.3 * bare + 0.3
    assert "7" in doc.text


def test_a_tall_ocr_blob_does_not_merge_the_lines_it_spans():
    # OCR read a column of line numbers as one word three lines tall: it must not glue the rows
    words = [Word("7402-3514", 100, 100, 180, 120), Word("2", 300, 101, 310, 121),
             Word("7402-3520", 100, 130, 180, 150), Word("1", 300, 131, 310, 151),
             Word("8830-1102", 100, 160, 180, 180), Word("5", 300, 161, 310, 181),
             Word("OURW", 40, 98, 60, 182, 0.0)]
    lines = group_lines(words)
    assert [[w.text for w in line.words if w.text != "OURW"] for line in lines] == [
        ["7402-3514", "2"], ["7402-3520", "1"], ["8830-1102", "5"]]
    assert sum(w.text == "OURW" for line in lines for w in line.words) == 1


def test_page_image_goes_to_tesseract_uncompressed():
    from PIL import Image

    from o2c.intake.text import _uncompressed

    im = Image.new("RGB", (20, 10), "white")
    sent = _uncompressed(im)
    assert sent.mode == "L" and sent.format == "PPM"


def test_numeric_cells_are_read_again_from_the_page_image():
    from o2c.intake.text import Page, reread_cells

    png = F.text_image(["Qty 19 EA 450.00 8550.00"], size=(1275, 140))
    doc = acquire(png, "cells.png")
    page = doc.pages[0]
    assert page.ocr_image is not None
    nineteen = next(w for w in page.words if w.text == "19")
    amount = next(w for w in page.words if w.text == "8550.00")
    before = page.seconds
    found = reread_cells(page, [(nineteen.x0 - 10, nineteen.y0 - 6, nineteen.x1 + 10, nineteen.y1 + 6),
                                (amount.x0 - 10, amount.y0 - 6, amount.x1 + 10, amount.y1 + 6)],
                         text_height=nineteen.height)
    assert [" ".join(w.text for w in ws) for ws in found] == ["19", "8550.00"]
    assert abs(found[0][0].x0 - nineteen.x0) < 12 and abs(found[0][0].yc - nineteen.yc) < 8
    assert page.seconds > before  # the second reading is part of the page's OCR time
    # a page without an OCR image (a text PDF) has nothing to read again
    assert reread_cells(Page(1, 100, 100, []), [(0, 0, 10, 10)]) == [[]]


# ------------------------------------------------------------------ tesseract in this process
def _program_words(im, config):
    import pytesseract

    from o2c.intake.text import _tesseract_words, _uncompressed

    class ProgramOnly:
        """pytesseract as seen by _tesseract_words, with the in-process engine switched off."""
        Output = pytesseract.Output

        @staticmethod
        def image_to_data(image, config, output_type):
            return pytesseract.image_to_data(image, config=config, output_type=output_type)

    from o2c.intake import text
    engines, text._ENGINES = text._ENGINES, text._Engines()
    text._ENGINES._loaded, text._ENGINES._lib = True, None
    try:
        return [(w.text, w.x0, w.y0, w.x1, w.y1, round(w.confidence, 4))
                for w in _tesseract_words(ProgramOnly, _uncompressed(im), config)]
    finally:
        text._ENGINES = engines


def _library_words(im, config):
    import pytesseract

    from o2c.intake import text
    if text._ENGINES._library() is None:
        pytest.skip("libtesseract cannot be loaded here")
    return [(w.text, w.x0, w.y0, w.x1, w.y1, round(w.confidence, 4))
            for w in text._tesseract_words(pytesseract, im, config)]


def test_the_library_reads_the_words_the_program_reads():
    """Same pixels, same words, boxes and confidences, for a page and for a whitelisted cell strip;
    the whitelist of one read does not leak into the next."""
    from PIL import Image

    page = Image.open(io.BytesIO(F.text_image(["PO 4500012038 Qty 19 EA 450.00", "K-1001 Shell 52mm 8550.00"],
                                              size=(1275, 200)))).convert("L")
    for config in ("--psm 3", "--psm 6 -c tessedit_char_whitelist=0123456789.,$", "--psm 4"):
        assert _library_words(page, config) == _program_words(page, config), config
    texts = [w[0] for w in _library_words(page, "--psm 3")]
    assert "K-1001" in texts and "PO" in texts  # letters again after a digits-only read


def test_an_option_only_the_program_knows_goes_to_the_program(monkeypatch):
    from o2c.intake.text import _Engines

    assert _Engines._parse("--psm 6 -c tessedit_char_whitelist=0123") == (6, (("tessedit_char_whitelist", "0123"),))
    assert _Engines._parse("--oem 0") is None
    engines = _Engines()
    monkeypatch.setenv("O2C_OCR_ENGINE", "program")
    assert engines.read(__import__("PIL.Image").Image.new("L", (50, 20), 255), "--psm 3") is None


def test_ocr_of_a_page_costs_no_model_load(tmp_path):
    """The point of the library: a second page (or a re-read of a few cells) costs its reading, not
    another start of tesseract with its model load. CPU time, compared with the program on a tiny
    image (which is nearly all model load)."""
    import resource
    import subprocess
    import time

    from PIL import Image, ImageDraw

    tiny = Image.new("L", (240, 60), 255)
    ImageDraw.Draw(tiny).text((10, 20), "123.45", fill=0)
    _library_words(tiny, "--psm 6")  # the engine's one model load
    path = tmp_path / "tiny.png"
    tiny.save(path)

    def program():
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(["tesseract", str(path), "stdout", "--psm", "6", "tsv"], capture_output=True, check=True,
                       env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime

    def library():
        began = time.process_time()
        _library_words(tiny, "--psm 6")
        return time.process_time() - began

    assert min(library() for _ in range(3)) < 0.5 * min(program() for _ in range(3))
