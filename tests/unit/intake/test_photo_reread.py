"""A photo's header read again closer: unsure captions and names, and the empty caption place of a
value no label claims, in one bounded tesseract run."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from o2c.intake.pages import photo
from o2c.intake.pages.geometry import layout_pages
from o2c.intake.text import TextDocument, Word, make_page

SHARED = Path(__file__).resolve().parents[4] / "shared" / "corpus" / "synthetic" / "docs"


def _doc(rows, image=None) -> TextDocument:
    """rows of (y, [(x, phrase, height, confidence)]), each word 9 px per letter."""
    words = []
    for y, phrases in rows:
        for x, phrase, h, conf in phrases:
            for token in phrase.split():
                words.append(Word(token, x, y, x + 9 * len(token), y + h, conf))
                x += 9 * len(token) + 5
    page = make_page(1, 1900.0, 2400.0, words, ocr=True)
    page.ocr_image = image
    return TextDocument("t.jpg", "image", [page])


def _form(**conf):
    return _doc([
        (230.0, [(210, "Northwind Surgery Pavilion", 40, 0.95)]),
        (360.0, [(220, "Patient MRN", 15, 0.95)]),
        (380.0, [(470, "MRN 0011223", 20, 0.95), (1220, "CS-9001", 20, 0.92)]),
        (430.0, [(220, "Procedure", 15, 0.95), (990, "Surgeon", 15, 0.95)]),
        (450.0, [(470, "TKA", 20, conf.get("tka", 0.2)), (1220, "Ann Lee", 20, conf.get("surgeon", 0.3))]),
        (560.0, [(220, "Vendor", 15, 0.95), (990, "Rendon nen", 15, 0.0)]),
        (580.0, [(470, "Acme Ortho", 20, 0.95), (1220, "honda Miles", 40, 0.08)]),
        (780.0, [(420, "REF 7201-0500", 18, 0.3)]),
    ])


def _texts(boxes):
    return [" ".join(w.text for w in b.words) if b.words is not None else "(caption place)" for b in boxes]


def test_unsure_captions_and_names_are_read_again_but_not_other_fields_values():
    lay, = layout_pages(_form())
    boxes = photo.header_boxes(lay)
    texts = _texts(boxes)
    assert texts[0] == "Rendon nen"  # least sure first
    assert "honda Miles" in texts and "Ann Lee" in texts  # a name, and the surgeon's name
    assert "TKA" not in texts  # the procedure is labelled and no name: left as read
    assert "REF 7201-0500" not in texts  # stickers are below the header zone
    assert texts.count("(caption place)") == 1  # CS-9001 has no caption; MRN 0011223 has
    gap = next(b for b in boxes if b.words is None)
    assert gap.x1 >= 1220 + 9 * 7 and gap.x0 < 1220 and gap.y0 < 380


def test_the_number_of_boxes_is_capped_and_a_clean_page_has_none():
    rows = [(100.0 + 40 * k, [(200, f"Name{k}", 15, 0.1)]) for k in range(20)]
    lay, = layout_pages(_doc(rows))
    assert len(photo.header_boxes(lay)) == photo.MAX_BOXES
    clean = _doc([(360.0, [(220, "Patient MRN", 15, 0.95)]), (380.0, [(470, "MRN 0011223", 20, 0.95)])])
    assert photo.header_boxes(layout_pages(clean)[0]) == []


def test_a_fax_transmission_line_is_left_as_read():
    rows = [(10.0, [(0, "OCT 30", 20, 0.3), (200, "2026", 20, 0.3), (300, "14:09", 20, 0.9), (450, "FROM:", 20, 0.9),
                    (600, "LAKESHORE", 20, 0.2), (900, "TO:", 20, 0.9)])]
    assert photo.header_boxes(layout_pages(_doc(rows))[0]) == []


def test_a_surer_reading_replaces_the_phrase_and_a_caption_is_added_only_when_it_is_a_label():
    doc = _form()
    page = doc.pages[0]
    lay, = layout_pages(doc)
    boxes = photo.header_boxes(lay)
    found = []
    for b in boxes:
        if b.words is None:
            found.append([Word("Case", b.x0 + 40, b.y0 + 2, b.x0 + 80, b.y0 + 16, 0.93),
                          Word("#", b.x0 + 85, b.y0 + 2, b.x0 + 95, b.y0 + 16, 0.93)])
        elif b.words[0].text == "Rendon":
            found.append([Word("Vendor", 990, 560, 1044, 575, 0.96), Word("Rep", 1049, 560, 1076, 575, 0.96)])
        elif b.words[0].text == "Ann":
            found.append([Word("Ann", 1220, 450, 1247, 470, 0.2)])  # no surer: kept
        else:
            found.append([])
    assert photo.apply_readings(page, boxes, found)
    texts = [w.text for w in page.words]
    assert "Rendon" not in texts and "Vendor" in texts and "Rep" in texts
    assert "Case" in texts and "Lee" in texts
    assert any("Case #" in line.text for line in page.lines)


def test_junk_read_in_an_empty_caption_place_is_not_added():
    doc = _form()
    page = doc.pages[0]
    boxes = [b for b in photo.header_boxes(layout_pages(doc)[0]) if b.words is None]
    before = list(page.words)
    junk = [[Word("ieee", boxes[0].x0 + 5, boxes[0].y0 + 2, boxes[0].x0 + 60, boxes[0].y0 + 16, 0.9)]]
    assert not photo.apply_readings(page, boxes, junk)
    assert page.words == before


def test_box_rules_are_cleared_and_writing_stays():
    from PIL import Image, ImageDraw

    crop = Image.new("L", (200, 60), 220)
    draw = ImageDraw.Draw(crop)
    draw.line([(0, 5), (199, 5)], fill=20, width=2)  # the top of a form box
    draw.line([(3, 0), (3, 59)], fill=20, width=2)  # its left side
    draw.rectangle([60, 25, 70, 45], fill=30)  # a letter's stroke
    out = photo.clear_rules(crop)
    assert out.getpixel((100, 5)) > 150 and out.getpixel((3, 30)) > 150
    assert out.getpixel((65, 35)) < 60


def _rendered_form():
    """A form box as a photo shows it: a small caption in its corner, a bold value, box rules."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1000, 400), 225)
    draw = ImageDraw.Draw(image)
    small, big = ImageFont.load_default(size=18), ImageFont.load_default(size=30)
    draw.rectangle([100, 100, 800, 190], outline=30, width=3)
    draw.text((112, 106), "Case #", font=small, fill=40)
    draw.text((420, 135), "CS-260027", font=big, fill=10)
    return image


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
def test_all_boxes_are_read_in_one_tesseract_run(monkeypatch):
    from o2c.intake import text

    calls = []
    real = text._tesseract_words
    monkeypatch.setattr(text, "_tesseract_words", lambda *a: calls.append(1) or real(*a))
    doc = _doc([(140.0, [(420, "CS-260027", 28, 0.95)])], image=_rendered_form())
    page = doc.pages[0]
    page.seconds = 1.0
    boxes = [photo.Box(100, 100, 400, 140, 16), photo.Box(400, 125, 700, 175, 28, []),
             photo.Box(100, 300, 300, 380, 16)]
    found = photo.read_boxes(page, boxes)
    assert len(calls) == 1
    assert "Case" in [w.text for w in found[0]]
    assert any("260027" in w.text for w in found[1]) and found[2] == []
    case = next(w for w in found[0] if w.text == "Case")
    assert 100 <= case.x0 < 160 and 100 <= case.y0 < 135  # mapped back to page coordinates
    assert page.seconds > 1.0  # the time is the page's


@pytest.mark.skipif(not (SHARED / "doc-0007.jpg").is_file() or shutil.which("tesseract") is None,
                    reason="shared corpus or tesseract absent")
def test_photographed_case_sheet_gets_its_lost_captions_back():
    from o2c.intake.layout import parse_page_document
    from o2c.intake.text import acquire

    doc = acquire((SHARED / "doc-0007.jpg").read_bytes(), "doc-0007.jpg")
    result = parse_page_document(doc)
    assert result["procedure"]["case_id"] == "CS-260027"
    assert result["rep_raw"] and result["rep_raw"].split()[0].lower().endswith("honda")


def test_a_caption_does_not_claim_the_next_columns_value_and_a_printed_name_gets_its_caption_place():
    doc = _doc([
        (230.0, [(210, "Northwind Surgery Pavilion", 40, 0.95)]),
        (360.0, [(220, "Patient MRN", 15, 0.95)]),
        (380.0, [(470, "MRN 0011223", 20, 0.95)]),
        (560.0, [(220, "OR Room", 15, 0.95)]),
        # the right-hand box's caption lost to "eet"; the left box's handwritten value is first on the band
        (566.0, [(990, "eet", 15, 0.2)]),
        (590.0, [(470, "Suite B", 20, 0.9), (1220, "Shonda Miles", 20, 0.95)]),
    ])
    lay, = layout_pages(doc)
    boxes = photo.header_boxes(lay)
    texts = _texts(boxes)
    assert "eet" in texts  # "OR Room" names "Suite B", not the next box's caption
    assert not [b for b in boxes if b.words is None]  # the heading is no name in a box; "eet" fills Shonda's
    # a printed name whose caption was lost entirely: the place of its caption is read
    doc = _doc([(230.0, [(210, "Northwind Surgery Pavilion", 40, 0.95)]), (360.0, [(220, "Patient MRN", 15, 0.95)]),
                (380.0, [(470, "MRN 0011223", 20, 0.95)]), (590.0, [(1220, "Shonda Miles", 20, 0.95)])])
    place = [b for b in photo.header_boxes(layout_pages(doc)[0]) if b.words is None]
    assert len(place) == 1 and place[0].x1 >= 1220 + 9 * 6 and place[0].x0 < 1220 and place[0].y0 < 590
