"""Photographed sticker sheets: one sticker is one unit (blocks split by their keys, each decoded
symbol on the sticker it is printed on) and the stock a case drew from names an unreadable rep."""
from __future__ import annotations

from o2c.intake.layout import UNREAD_ENTRY_WARNING, _assign_symbols, _sticker_lines
from o2c.intake.master_index import MasterIndex
from o2c.intake.pages.geometry import PageLayout, Segment
from o2c.intake.pages.stickers import split_stickers, sticker_clusters
from o2c.intake.resolve import resolve
from o2c.intake.text import Word

LH = 18.0


def seg(text: str, x: float, y: float, conf: float = 0.95) -> Segment:
    return Segment([Word(text, x, y, x + 9 * len(text), y + LH, conf)], 1, int(y))


def page(*segs: Segment) -> PageLayout:
    lines: dict[int, list[Segment]] = {}
    for s in segs:
        lines.setdefault(round(s.y0), []).append(s)
    return PageLayout(1, 1700, 2200, [sorted(v, key=lambda s: s.x0) for _, v in sorted(lines.items())], LH, True)


def _two_stickers_close(second_ref: bool = True) -> PageLayout:
    """Two stickers stacked so closely that their phrases cluster as one block; EXP printed in a
    right-hand column, apart from the sticker's REF/LOT column."""
    segs = [seg("REF: 5213-0504 FEMORAL COMPONENT", 280, 800), seg("LOT: L79747", 280, 830),
            seg("SN: SN672871", 430, 830), seg("EXP: 2027-11-07", 590, 831),
            seg("LOT: L13077", 280, 910), seg("SN: SN873179", 430, 910), seg("EXP: 2030-02-10", 590, 911)]
    if second_ref:
        segs.append(seg("REF: 5210-0330 TIBIAL TRAY", 280, 880))
    return page(*segs)


def test_a_block_of_two_stickers_is_split_one_unit_each():
    clusters = sticker_clusters(_two_stickers_close())
    texts = [[s.text for s in c] for c in clusters]
    assert len(clusters) == 2, texts
    assert texts[0][0].startswith("REF: 5213") and "EXP: 2027-11-07" in texts[0] and "LOT: L79747" in texts[0]
    assert texts[1][0].startswith("REF: 5210") and "LOT: L13077" in texts[1] and "EXP: 2030-02-10" in texts[1]
    lines = _sticker_lines([_two_stickers_close()], {}, [])
    assert [(ln["catalog_raw"], ln["lot"], ln["serial"]) for ln in lines] == [
        ("5213-0504", "L79747", "SN672871"), ("5210-0330", "L13077", "SN873179")]


def test_a_second_sticker_whose_ref_is_unread_holds_the_sheet():
    unread: list = []
    lines = _sticker_lines([_two_stickers_close(second_ref=False)], {}, unread)
    assert [ln["lot"] for ln in lines if not ln["source"].get("unread")] == ["L79747"]
    assert len(unread) == 1 and "LOT: L13077" in [s.text for s in unread[0]]


def test_split_keeps_a_single_sticker_whole():
    one = [seg("REF 5104-1205", 280, 800), seg("LOT L68875", 280, 830), seg("SN SN189946", 280, 860),
           seg("EXP 2029-07-12", 280, 890), seg("(01)00850034511030(17)290712(10)L68875", 280, 940)]
    assert split_stickers(one, LH) == [sorted(one, key=lambda s: (s.y0, s.x0))]


def test_each_symbol_goes_to_the_sticker_it_is_printed_on():
    boxes = [(280, 800, 700, 960), (280, 1040, 700, 1210), None]
    sym_low = {"bbox": (290, 1150, 690, 1190)}   # inside the second sticker
    sym_high = {"bbox": (290, 900, 690, 940)}    # inside the first
    assert _assign_symbols(boxes, [sym_low, sym_high], LH) == {0: sym_high, 1: sym_low}
    # one symbol per sticker; a symbol far from every sticker goes to none
    assert _assign_symbols(boxes, [{"bbox": (290, 1900, 690, 1940)}], LH) == {}


def test_a_decoded_symbol_no_sticker_took_holds_the_sheet():
    lay = page(seg("REF 5104-1205", 280, 800), seg("LOT L68875", 280, 830))
    stray = {"bbox": (280, 1500, 680, 1540), "udi": "(01)00850034511030(10)L55555", "gtin": "00850034511030",
             "lot": "L55555", "serial": None, "expiry": None, "taken": False}
    unread: list = []
    lines = _sticker_lines([lay], {1: [stray]}, unread)
    assert [ln["lot"] for ln in lines] == ["L68875"]
    assert len(unread) == 1 and "L55555" in unread[0][0].text


# ------------------------------------------------------------------ stock
def _world(*units) -> MasterIndex:
    return MasterIndex.from_rows(
        customers=[{"customer_id": "C-5", "name": "St. Aldric Hospital"}],
        sites=[{"site_id": "S-5", "customer_id": "C-5", "name": "St. Aldric Hospital", "kind": "facility",
                "state": "OH"}],
        items=[{"item_id": "5312-4040", "description": "CANCELLOUS SCREW", "uom": "EA"},
               {"item_id": "5102-2810", "description": "ACETABULAR LINER", "uom": "EA"}],
        reps=[{"rep_id": "R-2", "name": "Kevin Albright", "territory": "Ohio / Kentucky"},
              {"rep_id": "R-4", "name": "Derek Fontaine", "territory": "Ohio / Nebraska"},
              {"rep_id": "R-9", "name": "Omar Haddad", "territory": "Central California"}],
        locations=[{"location_id": "CON-5", "kind": "consignment", "site_id": "S-5", "customer_id": "C-5"},
                   {"location_id": "TRK-R-2", "kind": "trunk", "rep_id": "R-2"},
                   {"location_id": "TRK-R-4", "kind": "trunk", "rep_id": "R-4"},
                   {"location_id": "TRK-R-9", "kind": "trunk", "rep_id": "R-9"}],
        inventory=[dict(zip(("location_id", "item_id", "lot", "serial", "quantity"), u)) for u in units])


def _sheet(rep_raw="Wvin Nbcight", conf=0.3, warnings=()) -> dict:
    def ln(n, item, lot, serial):
        return {"line_no": n, "item_id": None, "item_raw": f"REF {item}", "catalog_raw": item, "customer_item_ref": None,
                "quantity": "1", "uom": "EA", "unit_price": None, "lot": lot, "serial": serial, "expiry": None,
                "udi": None, "confidence": conf, "source": {"page": 1, "bbox": [0, 0, 1, 1]}}
    return {"document_type": "case_sheet", "customer_id": None, "site_id": None, "facility_raw": "St. Aldric Hospital",
            "procedure": {"date": "2026-03-06", "physician_raw": None}, "rep_id": None, "rep_raw": rep_raw,
            "source_kind": "image", "confidence": conf, "warnings": list(warnings),
            "header_sources": {"procedure.date": {"page": 1, "bbox": [0, 0, 1, 1], "confidence": 0.92}},
            "lines": [ln(1, "5312-4040", "L45509", None), ln(2, "5102-2810", "L12952", "SN205228")]}


def test_an_unreadable_rep_is_the_one_covering_rep_whose_trunk_holds_the_units():
    master = _world(("CON-5", "5312-4040", "L45509", None, "1"), ("TRK-R-2", "5102-2810", "L12952", "SN205228", "1"),
                    ("TRK-R-4", "5102-2810", "L12950", "SN205220", "1"))
    doc = resolve(_sheet(), master)
    assert doc["rep_id"] == "R-2"
    assert any("R-2 taken from the trunk" in w for w in doc["warnings"])
    assert not any("not found" in w for w in doc["warnings"])


def test_units_in_two_trunks_or_none_identify_no_rep():
    both = _world(("CON-5", "5312-4040", "L45509", None, "1"), ("TRK-R-2", "5102-2810", "L12952", "SN205228", "1"),
                  ("TRK-R-4", "5102-2810", "L12952", "SN205228", "1"))
    assert resolve(_sheet(), both)["rep_id"] is None
    # a trunk of a rep whose territory does not cover the facility names nobody
    far = _world(("CON-5", "5312-4040", "L45509", None, "1"), ("TRK-R-9", "5102-2810", "L12952", "SN205228", "1"))
    assert resolve(_sheet(), far)["rep_id"] is None
    # two lines from two reps' trunks: no single rep
    split = _world(("TRK-R-4", "5312-4040", "L45509", None, "1"), ("TRK-R-2", "5102-2810", "L12952", "SN205228", "1"))
    assert resolve(_sheet(), split)["rep_id"] is None


def test_a_sheet_of_units_all_on_hand_reads_as_sure_as_its_lines():
    master = _world(("CON-5", "5312-4040", "L45509", None, "1"), ("CON-5", "5102-2810", "L12952", "SN205228", "1"))
    doc = resolve(_sheet(rep_raw=None), master)
    assert [ln["confidence"] for ln in doc["lines"]] == [0.9, 0.9]
    assert doc["confidence"] == 0.9
    # an entry the reader could not read, or a line not exactly on hand, keeps the sheet as read
    held = resolve(_sheet(rep_raw=None, warnings=[f"page 1: {UNREAD_ENTRY_WARNING} ('LOT 1'): key it"]), master)
    assert held["confidence"] == 0.3
    other = _world(("CON-5", "5312-4040", "L45509", None, "1"), ("CON-5", "5102-2810", "L12952", "SN205229", "1"))
    assert resolve(_sheet(rep_raw=None), other)["confidence"] == 0.3


# ------------------------------------------------------------------ near misses settled by stock
def test_serial_near_miss_is_a_few_glyphs_of_a_long_serial():
    from o2c.intake.master_index import serial_near_miss

    assert serial_near_miss("SN56859", "SN568590")       # one dropped
    assert serial_near_miss("SN88S9A4", "SN885994")      # two changed
    assert serial_near_miss("5N885994", "SN885994") is False  # the same after folding: not a miss
    assert not serial_near_miss("SN88!MMU", "SN885994")  # four changed
    assert not serial_near_miss("SN73", "SN730534")      # half of it
    assert not serial_near_miss("reseed", "SN330771")
    assert not serial_near_miss("SN12", "SN13")          # too short to tell
    # a well-formed serial a digit off may be another unit of the lot, not a garbled reading
    assert not serial_near_miss("SN205228", "SN205229") and not serial_near_miss("SN205228", "SN205299")
    assert not serial_near_miss("SN-205228", "SN205229") and not serial_near_miss("SN205228", "SN-205229")
    assert serial_near_miss("SN8859!4", "SN885994")      # a glyph that is no character at all


def _one_line_sheet(lot, serial, conf=0.6) -> dict:
    doc = _sheet(rep_raw=None, conf=conf)
    doc["lines"] = [dict(doc["lines"][1], lot=lot, serial=serial)]
    return doc


def test_a_garbled_serial_of_the_one_unit_of_an_exact_lot_is_that_unit():
    master = _world(("CON-5", "5102-2810", "L12952", "SN205228", "1"), ("CON-5", "5102-2810", "L12953", "SN205229", "1"))
    doc = resolve(_one_line_sheet("L12952", "SN20522"), master)
    line = doc["lines"][0]
    assert (line["lot"], line["serial"]) == ("L12952", "SN205228")
    assert line["source"]["corroborated_by"] == "inventory" and line["source"]["read_as"]["serial"] == "SN20522"
    assert line["confidence"] == 0.75
    assert any("near miss" in w for w in doc["warnings"])
    # a read serial at least as sure as printed is still only moderately sure once corrected
    assert resolve(_one_line_sheet("L12952", "SN2O5B2", conf=0.95), master)["lines"][0]["confidence"] == 0.75


def test_a_garbled_serial_stays_as_read_unless_exactly_one_unit_fits():
    two = _world(("CON-5", "5102-2810", "L12952", "SN205228", "1"), ("TRK-R-2", "5102-2810", "L12952", "SN205221", "1"),
                 ("CON-5", "5102-2810", "L12952", "SN205299", "1"))
    assert resolve(_one_line_sheet("L12952", "SN20522"), two)["lines"][0]["serial"] == "SN20522"
    one = _world(("CON-5", "5102-2810", "L12952", "SN205228", "1"))
    # too far off, or a lot not read exactly
    assert resolve(_one_line_sheet("L12952", "SN88!MMU"), one)["lines"][0]["serial"] == "SN88!MMU"
    assert resolve(_one_line_sheet("L12953", "SN20522"), one)["lines"][0]["serial"] == "SN20522"
    # the reading is exactly another real unit's serial (held elsewhere): not a near miss of this one
    other = _world(("CON-5", "5102-2810", "L12952", "SN205228", "1"), ("TRK-R-9", "5102-2810", "L77777", "SN20522", "1"))
    assert resolve(_one_line_sheet("L12952", "SN20522"), other)["lines"][0]["serial"] == "SN20522"


def test_a_lot_read_without_its_letter_is_the_unit_whose_digits_and_serial_agree():
    master = _world(("CON-5", "5312-4040", "L45509", None, "1"), ("CON-5", "5102-2810", "L70374", "SN331219", "1"))
    doc = _sheet(rep_raw="Perck FE ont zine")
    doc["lines"][1].update(lot="70374", serial="SN331219")
    out = resolve(doc, master)
    assert (out["lines"][1]["lot"], out["lines"][1]["serial"]) == ("L70374", "SN331219")
    assert out["lines"][1]["source"]["read_as"]["lot"] == "70374"
    # a digit off as well, or the serial disagreeing, is not the unit
    for lot, serial in (("70375", "SN331219"), ("70374", "SN331210")):
        doc["lines"][1].update(lot=lot, serial=serial)
        assert resolve(doc, master)["lines"][1]["lot"] == lot


def test_a_lot_without_its_letter_still_names_the_rep_whose_trunk_holds_it():
    master = _world(("CON-5", "5312-4040", "L45509", None, "1"), ("TRK-R-2", "5102-2810", "L12952", "SN205228", "1"),
                    ("TRK-R-4", "5102-2810", "L12950", "SN205220", "1"))
    doc = _sheet()
    doc["lines"][1]["lot"] = "12952"
    out = resolve(doc, master)
    assert out["rep_id"] == "R-2" and out["lines"][1]["lot"] == "L12952"
    # the same digits in two covering reps' trunks: nobody
    both = _world(("CON-5", "5312-4040", "L45509", None, "1"), ("TRK-R-2", "5102-2810", "L12952", "SN205228", "1"),
                  ("TRK-R-4", "5102-2810", "A12952", "SN205228", "1"))
    assert resolve(doc, both)["rep_id"] is None
