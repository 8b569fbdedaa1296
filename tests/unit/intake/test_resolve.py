"""Resolution of raw extractions against master data: who, where, what, never invented."""
from __future__ import annotations

import pytest

from o2c.intake.master_index import MasterIndex
from o2c.intake.resolve import resolve, sender_kind


@pytest.fixture(scope="module")
def master() -> MasterIndex:
    return MasterIndex.from_rows(
        customers=[
            {"customer_id": "C-1", "name": "Northfield Memorial Hospital", "email": "buy@northfield.org",
             "edi_id": "NFMH", "currency": "USD"},
            {"customer_id": "C-2", "name": "Pinecrest University Hospital", "email": "buy@pinecrest.edu"},
        ],
        sites=[
            {"site_id": "S-1-02", "customer_id": "C-1", "name": "Northfield Memorial Hospital - Central Receiving",
             "address1": "2010 Division St S", "kind": "ship_to"},
            {"site_id": "S-1-03", "customer_id": "C-1", "name": "Northfield Memorial Hospital",
             "address1": "2000 Division St S", "kind": "facility"},
            {"site_id": "S-2-02", "customer_id": "C-2", "name": "Pinecrest University Hospital - Central Receiving",
             "address1": "40 Duke Cir", "kind": "ship_to"},
            {"site_id": "S-2-03", "customer_id": "C-2", "name": "Pinecrest University Hospital",
             "address1": "2301 Erwin Rd", "kind": "facility"},
            {"site_id": "S-2-04", "customer_id": "C-2", "name": "Pinecrest Orthopaedic Pavilion",
             "address1": "3480 Wake Forest Rd", "kind": "facility"},
            {"site_id": "S-2-05", "customer_id": "C-2", "name": "Pinecrest Orthopaedic Pavilion - Receiving",
             "address1": "3480 Wake Forest Rd", "address2": "Dock 2", "kind": "ship_to"},
        ],
        items=[
            {"item_id": "7103-1204", "description": "ACETABULAR SHELL 52MM", "gtin": "00847120000103", "uom": "EA",
             "pack_size": "1"},
            {"item_id": "7404-0016", "description": "K-WIRE 1.6MM X 150MM BX/10", "uom": "BX", "pack_size": "10"},
        ],
        customer_items=[{"customer_id": "C-2", "customer_item_ref": "100428664", "item_id": "7103-1204"}],
        physicians=[{"physician_id": "P-1", "name": "Elena Vasquez", "site_id": "S-1-03"},
                    {"physician_id": "P-2", "name": "Fatima Rahman", "site_id": "S-2-04"}],
        reps=[{"rep_id": "R-1", "name": "Erik Lindgren", "phone": "+16125550109", "email": "erik@keystone.com"}],
    )


def line(**values) -> dict:
    base = {"line_no": 1, "item_id": None, "item_raw": None, "customer_item_ref": None, "quantity": "1",
            "uom": None, "unit_price": None, "lot": None, "serial": None, "expiry": None, "udi": None}
    base.update(values)
    return base


def raw(**values) -> dict:
    base = {"document_type": "purchase_order", "customer_id": None, "site_id": None, "procedure": None,
            "rep_id": None, "lines": [], "warnings": []}
    base.update(values)
    return base


def test_rep_sms_takes_customer_and_facility_from_text(master):
    doc = resolve(raw(document_type="usage_report", facility_raw="piencrest ortho pavilion",
                      procedure={"date": "2026-11-17", "physician_raw": "dr.rahman", "physician_id": None},
                      lines=[line(item_raw="1 7103-1204 lot L1", catalog_raw="7103-1204", lot="L1")]),
                  master, sender="+16125550109", channel="sms")
    assert (doc["rep_id"], doc["customer_id"], doc["site_id"]) == ("R-1", "C-2", "S-2-04")
    assert doc["procedure"]["physician_id"] == "P-2"
    assert doc["lines"][0]["item_id"] == "7103-1204" and doc["lines"][0]["uom"] == "EA"
    assert doc["lines"][0]["lot"] == "L1"


def test_buyer_email_names_customer_and_ship_to_picks_site(master):
    doc = resolve(raw(ship_to_raw="Northfield Memorial Hospital - Central Receiving, 2010 Division St S",
                      lines=[line(item_raw="2 BX 7404-0016", catalog_raw="7404-0016", quantity="2", uom="BX")]),
                  master, sender="buy@northfield.org")
    assert (doc["customer_id"], doc["site_id"], doc["rep_id"]) == ("C-1", "S-1-02", None)
    assert doc["lines"][0]["quantity_base"] == "20"
    assert doc["field_confidence"]["customer_id"] == 1.0


def test_each_ordered_of_a_boxed_item_is_flagged(master):
    doc = resolve(raw(lines=[line(catalog_raw="7404-0016", quantity="3", uom="EA")]), master,
                  sender="buy@northfield.org")
    assert doc["lines"][0]["quantity_base"] == "3"
    assert any("sold in BX" in w for w in doc["warnings"])


def test_edi_sender_and_ship_to_party(master):
    doc = resolve(raw(edi={"sender_id": "NFMH", "parties": [
        {"role": "ST", "name": "Northfield Memorial Hospital - Central Receiving", "address_lines": ["2010 Division St S"]}]},
        lines=[line(item_raw="7103-1204")]), master)
    assert (doc["customer_id"], doc["site_id"]) == ("C-1", "S-1-02")


def test_named_pavilion_on_a_po_ships_to_its_dock(master):
    doc = resolve(raw(customer_name_raw="Pinecrest Orthopaedic Pavilion", lines=[line(item_raw="7103-1204")]), master)
    assert (doc["customer_id"], doc["site_id"]) == ("C-2", "S-2-05")


def test_customer_part_number_and_gtin(master):
    doc = resolve(raw(lines=[line(item_raw="100428664 SHELL", customer_item_ref="100428664"),
                             line(line_no=2, udi="(01)00847120000103(10)L9")]), master, sender="buy@pinecrest.edu")
    assert [l["item_id"] for l in doc["lines"]] == ["7103-1204", "7103-1204"]


def test_unknown_item_stays_null_with_warning(master):
    doc = resolve(raw(lines=[line(item_raw="7199-0904 REVISION ACETABULAR SHELL 52MM", catalog_raw="7199-0904")]),
                  master, sender="buy@northfield.org")
    assert doc["lines"][0]["item_id"] is None
    assert any("unknown item" in w for w in doc["warnings"])


def test_unknown_sender_and_text_leave_customer_null(master):
    doc = resolve(raw(customer_name_raw="Acme Widgets", lines=[line(item_raw="7103-1204")]), master,
                  sender="x@gmail.com")
    assert doc["customer_id"] is None and doc["site_id"] is None
    assert "customer not identified" in doc["warnings"]


def test_input_is_not_modified(master):
    before = raw(lines=[line(item_raw="7103-1204")])
    resolve(before, master)
    assert before["lines"][0]["item_id"] is None


def test_sender_kind(master):
    assert sender_kind(master, "+16125550109") == "rep"
    assert sender_kind(master, "buy@northfield.org") == "customer"
    assert sender_kind(master, None) == "unknown"


def test_bill_only_po_naming_a_case_goes_to_the_facility(master):
    doc = resolve(raw(customer_name_raw="Pinecrest University Hospital",
                      ship_to_raw="Pinecrest Orthopaedic Pavilion\n3480 Wake Forest Rd",
                      procedure={"date": "2026-11-17", "physician_raw": "Dr. F. Rahman", "physician_id": None},
                      lines=[line(item_raw="7103-1204")]), master)
    assert (doc["customer_id"], doc["site_id"]) == ("C-2", "S-2-04")
    assert doc["procedure"]["physician_id"] == "P-2"


def test_case_sheet_without_facility_is_placed_by_its_surgeon(master):
    doc = resolve(raw(document_type="case_sheet", customer_name_raw="Holt",
                      procedure={"physician_raw": "Elena Vasquez, MD", "physician_id": None},
                      lines=[line(item_raw="7103-1204")]), master)
    assert (doc["customer_id"], doc["site_id"]) == ("C-1", "S-1-03")
    assert any("physician" in w for w in doc["warnings"])


def test_sticker_line_folds_into_the_written_line_of_the_same_unit(master):
    udi = "(01)00847120000103(17)280307(10)L5(21)SN9"
    doc = resolve(raw(document_type="case_sheet", facility_raw="Northfield Memorial",
                      lines=[line(item_raw="REF 7103-1204 LOT L5", lot="L5"),
                             line(line_no=2, item_raw=udi, udi=udi, lot="L5", serial="SN9", expiry="2028-03-07"),
                             line(line_no=3, item_raw="REF 7103-1204 LOT L6", lot="L6"),
                             line(line_no=4, item_raw=udi.replace("L5", "L7"), udi=udi.replace("L5", "L7"), lot="L7")]),
                  master)
    assert [(l["lot"], l["serial"], l["expiry"]) for l in doc["lines"]] == [
        ("L5", "SN9", "2028-03-07"), ("L6", None, None), ("L7", "SN9", "2028-03-07")]
    assert [l["line_no"] for l in doc["lines"]] == [1, 2, 3]


def test_handwritten_rep_on_a_case_sheet_resolves_after_the_facility(master):
    rows = dict(customers=[dict(r) for r in master.customers.values()],
                sites=[dict(r, state="MN") for r in master.sites.values()],
                reps=[{"rep_id": "R-1", "name": "Erik Lindgren", "territory": "Minnesota"},
                      {"rep_id": "R-2", "name": "Anna Lindgren", "territory": "Texas"}])
    local = MasterIndex.from_rows(**rows)
    doc = resolve(raw(document_type="case_sheet", customer_name_raw="Northfield Memorial Hospital",
                      rep_raw="Eric Lindgren"), local)
    assert doc["rep_id"] == "R-1" and doc["field_confidence"]["rep_id"] >= 0.9
    doc = resolve(raw(document_type="case_sheet", customer_name_raw="Northfield Memorial Hospital",
                      rep_raw="Lindgrem"), local)
    assert doc["rep_id"] == "R-1" and any("partly read" in w for w in doc["warnings"])
    doc = resolve(raw(rep_raw="Lindgren"), local)  # no facility: two Lindgrens
    assert doc["rep_id"] is None and any("ambiguous" in w for w in doc["warnings"])


@pytest.fixture(scope="module")
def nails() -> MasterIndex:
    return MasterIndex.from_rows(items=[
        {"item_id": "7301-0933", "description": "TIBIAL NAIL 9MM X 330MM", "gtin": "00847120003302", "uom": "EA"},
        {"item_id": "7301-1036", "description": "TIBIAL NAIL 10MM X 360MM", "gtin": "00847120003609", "uom": "EA"},
        {"item_id": "7103-1204", "description": "ACETABULAR SHELL 52MM", "gtin": "00847120000103", "uom": "EA"},
    ])


def _item_of(master: MasterIndex, **values) -> str | None:
    return resolve(raw(lines=[line(**values)]), master)["lines"][0]["item_id"]


def test_sizes_in_a_description_are_no_part_numbers(nails):
    assert _item_of(nails, item_raw="TIBIAL NAIL 9MM X 330MM") == "7301-0933"
    assert _item_of(nails, item_raw="Tibial nail 10mm x 360mm") == "7301-1036"
    assert _item_of(nails, item_raw="TIBIAL NAIL 9X330") is None  # "9X330" is a size, the rest too vague


def test_an_unknown_number_blocks_a_near_description_but_not_a_close_one(nails):
    # a number-like word we do not know beside a description only near one of ours: unknown item
    assert _item_of(nails, item_raw="100772 TIBIAL NAILS 9 X 330") is None
    # the same word beside our description, word for word: the description decides
    assert _item_of(nails, item_raw="100772 TIBIAL NAIL 9MM X 330MM") == "7301-0933"
    # a catalog number read as such still means an unknown item
    assert _item_of(nails, item_raw="7399-0933 TIBIAL NAIL 9MM X 330MM", catalog_raw="7399-0933") is None


def test_a_gtin_printed_on_the_line_names_the_item(nails):
    assert _item_of(nails, item_raw="GTIN 00847120003609 nail") == "7301-1036"
    assert _item_of(nails, item_raw="847120000103 shell") == "7103-1204"  # GTIN-12, padded
    assert _item_of(nails, item_raw="00847120003608 nail") is None  # check digit wrong: no GTIN


def _closet(*units) -> MasterIndex:
    return MasterIndex.from_rows(
        customers=[{"customer_id": "C-6", "name": "Pinecrest University Hospital"}],
        sites=[{"site_id": "S-6", "customer_id": "C-6", "name": "Pinecrest University Hospital", "kind": "facility"}],
        items=[{"item_id": "7105-0107", "description": "FEMORAL STEM 12", "uom": "EA"},
               {"item_id": "7106-2002", "description": "FEMORAL HEAD 28MM", "uom": "EA"}],
        locations=[{"location_id": "CON-6", "kind": "consignment", "site_id": "S-6", "customer_id": "C-6"}],
        inventory=[dict(zip(("location_id", "item_id", "lot", "serial", "quantity"), u)) for u in units])


def _sheet_with_unread_entry() -> dict:
    return raw(document_type="case_sheet", facility_raw="Pinecrest University Hospital", confidence=0.05,
               header_sources={"procedure.date": {"page": 1, "bbox": [0, 0, 1, 1], "confidence": 0.9}},
               procedure={"date": "2026-10-30", "physician_raw": None},
               lines=[line(item_raw="REF 7106-2002 LOT L51407", catalog_raw="7106-2002", lot="L51407", confidence=0.95),
                      line(line_no=2, item_raw="(no sticker) lot 46947 sn GNI 9501", lot="46947", serial="GNI9501",
                           confidence=0.05, source={"page": 1, "bbox": [0, 0, 1, 1], "unread": True})])


def test_unread_entry_is_the_one_closet_unit_it_fits():
    master = _closet(("CON-6", "7105-0107", "L48947", "SN193501", "1"), ("CON-6", "7105-0107", "L48947", "SN100000", "1"))
    doc = resolve(_sheet_with_unread_entry(), master)
    entry = doc["lines"][1]
    assert (entry["item_id"], entry["lot"], entry["serial"]) == ("7105-0107", "L48947", "SN193501")
    assert entry["source"]["corroborated_by"] == "inventory" and entry["confidence"] == 0.75
    assert entry["source"]["read_as"] == {"lot": "46947", "serial": "GNI9501"}
    assert doc["confidence"] == 0.75  # no longer held down by the unread entry
    assert not any("unknown item" in w for w in doc["warnings"])


def test_unread_entry_two_units_fit_stays_as_read_and_in_review():
    master = _closet(("CON-6", "7105-0107", "L48947", "SN193501", "1"), ("CON-6", "7105-0107", "L48947", "SN195501", "1"))
    doc = resolve(_sheet_with_unread_entry(), master)
    entry = doc["lines"][1]
    assert entry["item_id"] is None and (entry["lot"], entry["serial"]) == ("46947", "GNI9501")
    assert doc["confidence"] == 0.05
    assert any("2 units on hand fit" in w for w in doc["warnings"])
    # a unit elsewhere (another facility's closet) is never taken
    doc = resolve(_sheet_with_unread_entry(), _closet(("CON-9", "7105-0107", "L48947", "SN193501", "1")))
    assert doc["lines"][1]["item_id"] is None


def _sheet_with_printed_lot(lot: str, serial: str | None = None) -> dict:
    return raw(document_type="case_sheet", facility_raw="Pinecrest University Hospital", confidence=0.9,
               procedure={"date": "2026-10-30", "physician_raw": None},
               lines=[line(item_raw=f"REF 7106-2002 LOT {lot}", catalog_raw="7106-2002", lot=lot, serial=serial,
                           confidence=0.9)])


def test_printed_lot_with_a_confused_glyph_is_the_one_unit_on_hand():
    master = _closet(("CON-6", "7106-2002", "L99343", "SN415686", "1"), ("CON-6", "7106-2002", "L99348", "SN415687", "1"))
    doc = resolve(_sheet_with_printed_lot("199343", "SN415686"), master)
    entry = doc["lines"][0]
    assert (entry["item_id"], entry["lot"], entry["serial"]) == ("7106-2002", "L99343", "SN415686")
    assert entry["source"]["read_as"] == {"lot": "199343", "serial": "SN415686"}
    # a lot right as read is left alone; a digit that differs is no glyph confusion: it stays as read
    assert resolve(_sheet_with_printed_lot("L99348"), master)["lines"][0]["lot"] == "L99348"
    assert resolve(_sheet_with_printed_lot("199346"), master)["lines"][0]["lot"] == "199346"
    # two units the reading fits: nobody can tell which, it stays as read
    master = _closet(("CON-6", "7106-2002", "L99343", "SN1", "1"), ("CON-6", "7106-2002", "I99343", "SN2", "1"))
    assert resolve(_sheet_with_printed_lot("199343"), master)["lines"][0]["lot"] == "199343"
    # a unit at another facility's closet is never taken
    master = _closet(("CON-9", "7106-2002", "L99343", "SN415686", "1"))
    assert resolve(_sheet_with_printed_lot("199343"), master)["lines"][0]["lot"] == "199343"


def _faint_sheet(lot: str, serial: str | None, warnings=()) -> dict:
    return raw(document_type="case_sheet", facility_raw="Pinecrest University Hospital", confidence=0.02,
               warnings=list(warnings),
               header_sources={"procedure.date": {"page": 1, "bbox": [0, 0, 1, 1], "confidence": 0.93}},
               procedure={"date": "2026-10-30", "physician_raw": None},
               lines=[line(item_raw=f"REF 7106-2002 LOT {lot}", catalog_raw="7106-2002", lot=lot, serial=serial,
                           confidence=0.02)])


def test_a_faint_sticker_that_is_exactly_a_unit_on_hand_is_read_right_but_the_sheet_stays_as_read():
    master = _closet(("CON-6", "7106-2002", "L99343", "SN415686", "1"))
    doc = resolve(_faint_sheet("L99343", "SN415686"), master)
    assert doc["lines"][0]["confidence"] == 0.9
    # the sheet's reading is not lifted: a faint cluster may have swallowed a second sticker
    assert doc["confidence"] == 0.02
    # a serial not read, another serial, or a unit elsewhere confirms nothing
    for lot, serial, m in (("L99343", None, master), ("L99343", "SN415687", master),
                           ("L99343", "SN415686", _closet(("CON-9", "7106-2002", "L99343", "SN415686", "1")))):
        assert resolve(_faint_sheet(lot, serial), m)["lines"][0]["confidence"] == 0.02
