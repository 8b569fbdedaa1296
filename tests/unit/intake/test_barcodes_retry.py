"""The preprocessing ladder of ``decode_barcodes``: retries only when needed, never a repeated pass."""
from __future__ import annotations

import random

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from o2c.intake import barcodes
from o2c.intake.barcodes import create_gs1_datamatrix, decode_barcodes

HRI = "(01)00885074257105(10)L44512(17)280331(21)SN0042"


@pytest.fixture
def zxing_calls(monkeypatch):
    """Count the zxing passes decode_barcodes makes (and the sizes/modes it scanned)."""
    calls: list[tuple[str, tuple[int, int]]] = []
    real = zxingcpp.read_barcodes

    def counting(image, **kwargs):
        calls.append((image.mode, image.size))
        return real(image, **kwargs)

    monkeypatch.setattr(barcodes.zxingcpp, "read_barcodes", counting)
    return calls


def _text_page(mode: str = "1", size=(1200, 1600)) -> Image.Image:
    """A page of text-like ink blocks and no barcode, like a faxed purchase order."""
    rng = random.Random(3)
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    for y in range(80, size[1] - 80, 40):
        x = 80
        while x < size[0] - 150:
            w = rng.randint(20, 90)
            draw.rectangle((x, y, x + w, y + 14), fill=0)
            x += w + rng.randint(10, 25)
    return page.convert(mode)


def _symbol_on_page(mode: str) -> Image.Image:
    page = Image.new("L", (900, 700), 255)
    page.paste(create_gs1_datamatrix(HRI, scale=5), (500, 300))
    return page.convert(mode)


def test_clean_image_is_read_by_the_first_pass_and_retries_change_nothing(zxing_calls):
    page = _symbol_on_page("L")
    with_retries = decode_barcodes(page)
    assert len(zxing_calls) == 1
    without = decode_barcodes(page, preprocess=False)
    assert with_retries == without
    assert [s.step for s in with_retries] == ["original"] and with_retries[0].udi.serial == "SN0042"


def test_bilevel_page_without_barcode_skips_passes_that_would_repeat_the_first(zxing_calls):
    page = _text_page("1")
    assert decode_barcodes(page) == []
    # contrast stretching and sharpening give back a bilevel page unchanged: only the steps that
    # change pixels are scanned (original, binarise, two rotations)
    full_ladder = len(list(barcodes._steps(page.convert("L"))))
    assert len(zxing_calls) == full_ladder - 2
    assert all(mode == "L" for mode, _ in zxing_calls)      # one byte per pixel, never RGB


def test_grey_page_without_barcode_is_bounded(zxing_calls):
    page = _text_page("L")
    assert decode_barcodes(page) == []
    assert 1 <= len(zxing_calls) <= len(list(barcodes._steps(page)))
    assert decode_barcodes(page, preprocess=False) == []
    assert len(zxing_calls) <= len(list(barcodes._steps(page))) + 1


def test_bilevel_and_palette_images_decode():
    for mode in ("1", "P", "RGB"):
        s = decode_barcodes(_symbol_on_page(mode))
        assert len(s) == 1 and s[0].udi.lot == "L44512", mode


def test_a_result_zxing_marks_invalid_is_not_reported(monkeypatch):
    class Invalid:
        valid = False
        text = ""

    monkeypatch.setattr(barcodes.zxingcpp, "read_barcodes", lambda image, **kw: [Invalid()])
    assert decode_barcodes(_symbol_on_page("L")) == []
