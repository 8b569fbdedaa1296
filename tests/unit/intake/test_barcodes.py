"""Barcode decoding: generated symbols (round trip, rotation, tiny images) and zxing-cpp's real samples."""
from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from o2c.formats.gs1 import GS1Error
from o2c.formats.hibc import mod43_check_character
from o2c.intake.barcodes import create_barcode_image, create_gs1_datamatrix, decode_barcodes
from o2c.kernel.errors import InvalidValue

HRI = "(01)00885074257105(10)L44512(17)280331(21)SN0042"


def _only(symbols):
    assert len(symbols) == 1, symbols
    return symbols[0]


def test_gs1_datamatrix_round_trip_keeps_gs_separator():
    s = _only(decode_barcodes(create_gs1_datamatrix(HRI)))
    assert (s.format, s.symbology_identifier, s.is_gs1) == ("DataMatrix", "]d2", True)
    assert s.text == "0100885074257105" + "10L44512\x1d" + "17280331" + "21SN0042"
    assert (s.udi.gtin, s.udi.lot, s.udi.serial, s.udi.expiry) == ("00885074257105", "L44512", "SN0042",
                                                                  date(2028, 3, 31))
    assert s.step == "original"


def test_writer_refuses_invalid_gs1():
    with pytest.raises(GS1Error):
        create_gs1_datamatrix("(01)00885074257106(10)L1")


def test_position_is_on_the_original_image_after_rotation():
    base = create_gs1_datamatrix(HRI)
    canvas = Image.new("L", (400, 300), 255)
    canvas.paste(base, (250, 40))
    for angle in (0, 90, 180):
        img = canvas.rotate(angle, expand=True, fillcolor=255)
        s = _only(decode_barcodes(img))
        left, top, right, bottom = s.bbox
        assert 0 <= left < right <= img.width and 0 <= top < bottom <= img.height
        assert s.udi.lot == "L44512"


def test_bbox_matches_where_the_symbol_was_pasted():
    canvas = Image.new("L", (500, 400), 255)
    canvas.paste(create_gs1_datamatrix(HRI, scale=5), (300, 200))
    left, top, right, bottom = _only(decode_barcodes(canvas)).bbox
    assert 295 <= left <= 330 and 195 <= top <= 230 and right > left + 50 and bottom > top + 50


def test_tiny_blurred_image_needs_and_gets_the_upscale_step():
    tiny = create_gs1_datamatrix(HRI, scale=1)
    tiny = tiny.resize((tiny.width * 3 // 2, tiny.height * 3 // 2), Image.Resampling.BILINEAR)
    assert decode_barcodes(tiny, preprocess=False) == []
    s = _only(decode_barcodes(tiny))
    assert s.step == "upscale" and s.udi.serial == "SN0042"
    assert s.bbox[2] <= tiny.width and s.bbox[3] <= tiny.height      # mapped back to the small image


def test_gs1_128_and_hibc_code128():
    s = _only(decode_barcodes(create_barcode_image("(01)00885074257105(17)280331(10)L44512", "Code128",
                                                   gs1_data=True)))
    assert (s.symbology_identifier, s.udi.lot) == ("]C1", "L44512")
    hibc = "+A123BJC5D6E71/$$3280331L44512"
    hibc += mod43_check_character(hibc)
    h = _only(decode_barcodes(create_barcode_image(hibc, "Code128")))
    assert (h.udi.issuer, h.udi.di, h.udi.lot) == ("HIBCC", "A123BJC5D6E71", "L44512")


def test_qr_digital_link_and_plain_url():
    dl = _only(decode_barcodes(create_barcode_image(
        "https://id.gs1.org/01/00885074257105/10/L44512?17=280331", "QRCode", scale=4)))
    assert dl.udi.gtin == "00885074257105" and dl.udi.expiry == date(2028, 3, 31)
    plain = _only(decode_barcodes(create_barcode_image("https://example.com/hello", "QRCode", scale=4)))
    assert plain.udi is None and plain.udi_error is None


def test_bad_check_character_is_reported_not_parsed():
    s = _only(decode_barcodes(create_barcode_image("+A123BJC5D6E71H", "Code128")))
    assert s.udi is None and "check character" in s.udi_error


def test_bytes_and_path_inputs(tmp_path):
    img = create_gs1_datamatrix(HRI)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    assert _only(decode_barcodes(buf.getvalue())).udi.lot == "L44512"
    path = tmp_path / "label.png"
    path.write_bytes(buf.getvalue())
    assert _only(decode_barcodes(path)).udi.lot == "L44512"
    assert _only(decode_barcodes(str(path))).udi.lot == "L44512"


def test_blank_and_unreadable():
    assert decode_barcodes(Image.new("L", (200, 200), 255)) == []
    with pytest.raises(InvalidValue):
        decode_barcodes(b"not an image")


# A defocused DataBar photo: about 1.8 px per module under a blur of sigma ~1.6 px, so a one-module
# space between one-module bars is left with ~2% contrast (below the WebP noise) and the element widths
# cannot be measured. Tried without success: zxing-cpp with every binarizer, try_downscale/try_invert
# off, is_pure, formats=DataBar; rotations (180, +-3.4 deg deskew) and mirroring; LANCZOS upscale
# 2-4x; autocontrast, equalize, gamma, fixed thresholds 120-230, background flattening; SHARPEN and
# unsharp masks; Richardson-Lucy deconvolution (Gaussian PSF 1.0-2.5 px, 2-D and along rows, 5-200
# iterations) also on row-averaged deskewed profiles; zbar (pyzbar + libzbar0) on the same variants.
KNOWN_UNREADABLE = {"rss14-1/15.webp"}


def test_zxing_gs1_samples_decode_to_their_expected_text(corpus_dir):
    root = corpus_dir / "real" / "gs1_udi_barcodes" / "zxing-cpp-images"
    images = sorted(p for p in root.glob("*/*") if p.suffix in (".png", ".webp"))
    assert len(images) >= 240
    passed, failed = 0, []
    for image in images:
        name = image.relative_to(root).as_posix()
        expected = image.with_suffix(".txt").read_bytes().decode("utf-8")
        hits = [s for s in decode_barcodes(image) if s.text == expected]
        if not hits:
            failed.append(name)
            continue
        passed += 1
        result = image.with_suffix(".result.txt")
        if result.exists():
            meta = dict(line.split("=", 1) for line in result.read_text().splitlines() if "=" in line)
            if "symbologyIdentifier" in meta:
                assert hits[0].symbology_identifier == meta["symbologyIdentifier"].strip(), name
    print(f"zxing GS1 samples: {passed}/{len(images)} decoded to the expected text")
    assert set(failed) <= KNOWN_UNREADABLE, failed
