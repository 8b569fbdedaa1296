"""Photographed case sheets: the facility is the heading, handwritten names are whole, stickers whose
barcode agrees with their print are sure, and an unread device entry keeps the sheet in review."""
from __future__ import annotations

from o2c.intake.layout import BARCODE_AGREES, _barcode_agrees, _sticker_lines, parse_page_document
from o2c.intake.pages.geometry import Segment, layout_pages
from o2c.intake.pages.labels import find_labels
from o2c.intake.text import TextDocument, Word, make_page


def _page(rows: list[tuple[float, list[tuple[float, str, float]]]], ocr: bool = True, conf: float = 0.9) -> TextDocument:
    """rows of (y, [(x, phrase, height)]): phrases far apart, each word 9 px per letter."""
    words = []
    for y, phrases in rows:
        for x, phrase, h in phrases:
            for token in phrase.split():
                words.append(Word(token, x, y, x + 9 * len(token), y + h, conf))
                x += 9 * len(token) + 5
    return TextDocument("t.jpg", "image", [make_page(1, 1900.0, 2400.0, words, ocr=ocr)])


def _sheet(**extra_rows) -> TextDocument:
    rows = [
        (230.0, [(210, "Northwind Surgery Pavilion", 40), (1100, "IMPLANT USAGE RECORD", 25)]),
        (360.0, [(220, "Patient MRN", 15), (470, "MRN 0011223", 20), (990, "Case #", 15), (1220, "CS-9001", 20)]),
        (430.0, [(220, "Date of Surgery", 15), (470, "10/30/2026", 20), (990, "Surgeon", 15),
                 (1220, "Ann Lee, MD", 20)]),
        # a handwritten rep name: tall letters, wide gaps between its words
        (560.0, [(220, "Vendor", 15), (470, "Acme Ortho", 20), (990, "Vendor Rep", 15), (1220, "Jon", 48),
                 (1268, "Bakerfield", 48)]),
        (780.0, [(420, "REF 7201-0500", 18)]),
        (830.0, [(420, "LOT L31246", 18)]),
        (880.0, [(420, "SN SN882211", 18)]),
        (2150.0, [(1000, "Rep signature / date", 18)]),
    ]
    return _page(rows)


def test_facility_is_the_heading_not_a_tall_handwritten_value():
    doc = parse_page_document(_sheet())
    assert doc["customer_name_raw"] == "Northwind Surgery Pavilion"


def test_handwritten_name_split_by_wide_gaps_is_read_whole():
    doc = parse_page_document(_sheet())
    assert doc["rep_raw"] == "Jon Bakerfield"
    assert doc["procedure"]["case_id"] == "CS-9001"


def test_signature_caption_is_not_a_label():
    seg = Segment([Word(t, 10 + 60 * i, 10, 60 + 60 * i, 22, 0.9) for i, t in enumerate("Rep signature / date".split())],
                  1, 0)
    assert find_labels(seg, ocr=True) == []
    seg = Segment([Word("Rep", 10, 10, 40, 22, 0.9), Word("Jon", 50, 10, 80, 22, 0.9)], 1, 0)
    assert [h.field for h in find_labels(seg, ocr=True)] == ["rep_raw"]


def test_reader_confidence_ignores_fields_the_order_does_not_use():
    rows = [(230.0, [(210, "Northwind Surgery Pavilion", 40)]),
            (360.0, [(220, "Date of Surgery", 15), (470, "10/30/2026", 20)]),
            (430.0, [(220, "OR Room", 15), (470, "OR 6", 48)]),
            (780.0, [(420, "REF 7201-0500", 18)]), (830.0, [(420, "LOT L31246", 18)])]
    doc = _page(rows)
    for w in doc.pages[0].words:
        if w.text in ("OR", "6") and w.y1 - w.y0 > 40:
            w.confidence = 0.1
    assert parse_page_document(doc)["confidence"] > 0.5


def test_barcode_agreeing_with_print_makes_a_faint_sticker_sure():
    doc = _page([(780.0, [(420, "REF 7201-0500", 18)]), (830.0, [(420, "LOT L31246", 18)]),
                 (880.0, [(420, "SN SN882211", 18)])], conf=0.3)
    symbol = {"bbox": (240, 790, 390, 900), "udi": "(01)00847120002633(10)L31246(21)SN882211",
              "gtin": "00847120002633", "lot": "L31246", "serial": "SN882211", "expiry": None, "taken": False}
    line, = _sticker_lines(layout_pages(doc), {1: [dict(symbol)]})
    assert line["confidence"] == BARCODE_AGREES and line["lot"] == "L31246"
    other = dict(symbol, lot="L99999")
    line, = _sticker_lines(layout_pages(doc), {1: [other]})
    assert line["confidence"] < 0.5 and line["lot"] == "L99999"  # the barcode wins, but nothing is sure


def test_barcode_agreement_needs_a_printed_value():
    assert _barcode_agrees({"lot": "L1O2", "serial": None}, {"lot": "L102", "serial": "S1"})
    assert not _barcode_agrees({"lot": None, "serial": None}, {"lot": "L102", "serial": "S1"})
    assert not _barcode_agrees({"lot": "L102", "serial": "S9"}, {"lot": "L102", "serial": "S1"})


def test_unreadable_handwritten_entry_keeps_the_sheet_in_review():
    rows = [(230.0, [(210, "Northwind Surgery Pavilion", 40)]),
            (360.0, [(220, "Date of Surgery", 15), (470, "10/30/2026", 20)]),
            (780.0, [(420, "REF 7201-0500", 18)]), (830.0, [(420, "LOT L31246", 18)]),
            (1040.0, [(220, "(no sticker)", 15)]),
            (1120.0, [(230, "lot 4b9??", 50)]), (1190.0, [(230, "sn GNI", 50)])]
    doc = parse_page_document(_page(rows))
    assert len(doc["lines"]) == 1
    assert doc["confidence"] <= 0.05
    assert any("device entry could not be read" in w for w in doc["warnings"])


def test_handwritten_lot_split_from_its_key_is_not_taken_for_the_item():
    from o2c.intake.pages.stickers import read_sticker, sticker_clusters
    rows = [(1040.0, [(220, "(no sticker)", 15)]), (1120.0, [(230, "lot", 50), (330, "46947", 50)]),
            (1190.0, [(230, "sn GNI", 50)])]
    lay, = layout_pages(_page(rows))
    cluster, = sticker_clusters(lay)
    assert any(s.text == "lot 46947" for s in cluster)  # the key and its value, one phrase
    assert read_sticker(cluster) is None  # no item could be read: an unread entry, not item "46947"


def test_partly_read_entry_becomes_a_line_kept_as_read_for_the_stock_check():
    rows = [(230.0, [(210, "Northwind Surgery Pavilion", 40)]),
            (360.0, [(220, "Date of Surgery", 15), (470, "10/30/2026", 20)]),
            (780.0, [(420, "REF 7201-0500", 18)]), (830.0, [(420, "LOT L31246", 18)]),
            (1040.0, [(220, "(no sticker)", 15)]),
            (1120.0, [(230, "lot", 50), (330, "46947", 50)]), (1190.0, [(230, "sn GNI 9501", 50)])]
    doc = parse_page_document(_page(rows))
    assert len(doc["lines"]) == 2
    entry = doc["lines"][1]
    assert entry["item_id"] is None and entry["catalog_raw"] is None
    assert (entry["lot"], entry["serial"]) == ("46947", "GNI9501") and entry["source"]["unread"]
    assert doc["confidence"] <= 0.05  # still in review until stock corroborates it
