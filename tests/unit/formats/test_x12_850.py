"""850 purchase orders: typed parse, extraction JSON, and every real and synthetic 850 in the corpus."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from o2c.formats.x12 import X12Error, po850_to_extraction, purchase_orders, read_850, read_x12

HOSPITAL_850 = "~\n".join([
    "ISA*00*          *00*          *ZZ*MERCYGEN       *ZZ*KEYSTONE       *261120*0930*U*00401*000000101*0*P*>",
    "GS*PO*MERCYGEN*KEYSTONE*20261120*0930*101*X*004010",
    "ST*850*0001",
    "BEG*00*SA*4500012345**20261120",
    "CUR*BY*USD",
    "REF*DP*ORTHO",
    "PER*BD*Sandra Whitfield*TE*9195550188*EM*sw@mercy.example",
    "DTM*002*20261124",
    "N1*BT*Mercy General Hospital*92*AP01",
    "N1*ST*Mercy General - Receiving*92*DOCK2",
    "N3*1 Mercy Way*Dock 2",
    "N4*Durham*NC*27609*US",
    "PO1*1*2*EA*1450.00*PE*VC*7103-1204*BP*MGH-55*UK*00885074257105*LT*L44512",
    "PID*F****ACETABULAR SHELL 52MM",
    "DTM*036*20280331",
    "PO1*2*1*BX*266.5*PE*IN*MGH-77",
    "PID*F****SET SCREW BX/5",
    "REF*SE*SN-0001",
    "PO1*0003*3*EA***BP*MGH-99",
    "CTT*3*6",
    "AMT*TT*3166.50",
    "SE*20*0001",
    "GE*1*101",
    "IEA*1*000000101",
]) + "~"


@pytest.fixture(scope="module")
def order():
    (po,) = read_850(HOSPITAL_850, source="mercy.edi")
    return po


def test_envelope_ids_and_beg_are_kept(order):
    assert (order.sender_id, order.receiver_id) == ("MERCYGEN", "KEYSTONE")
    assert (order.group_sender, order.group_receiver) == ("MERCYGEN", "KEYSTONE")
    assert (order.interchange_control, order.group_control, order.transaction_control) == ("000000101", "101", "0001")
    assert (order.purpose, order.order_type, order.po_number) == ("00", "SA", "4500012345")
    assert order.order_date == date(2026, 11, 20)
    assert order.currency == "USD"


def test_header_references_contacts_dates_and_parties(order):
    assert order.reference("DP") == "ORTHO"
    assert order.contacts[0].channels == (("TE", "9195550188"), ("EM", "sw@mercy.example"))
    assert order.date_of("002") == date(2026, 11, 24)
    ship_to = order.party("ST")
    assert (ship_to.name, ship_to.id_qualifier, ship_to.id_code) == ("Mercy General - Receiving", "92", "DOCK2")
    assert ship_to.address_lines == ("1 Mercy Way", "Dock 2")
    assert (ship_to.city, ship_to.state, ship_to.postal_code, ship_to.country) == ("Durham", "NC", "27609", "US")


def test_lines_keep_every_product_id_pair_and_exact_numbers(order):
    first, second, third = order.lines
    assert first.product_ids == (("VC", "7103-1204"), ("BP", "MGH-55"), ("UK", "00885074257105"), ("LT", "L44512"))
    assert first.quantity == Decimal("2") and first.unit_price == Decimal("1450.00")
    assert first.descriptions == ("ACETABULAR SHELL 52MM",)
    assert first.date_of("036") == date(2028, 3, 31)
    assert second.unit_price == Decimal("266.5") and second.reference("SE") == "SN-0001"
    assert third.unit_price is None
    assert (order.line_count, order.hash_total, order.amounts) == (3, Decimal("6"), (("TT", Decimal("3166.50")),))


def test_extraction_has_raw_values_and_no_resolved_ids(order):
    extraction = po850_to_extraction(order)
    assert extraction["document_type"] == "purchase_order" and extraction["channel"] == "edi"
    assert extraction["customer_id"] is None and extraction["site_id"] is None
    assert extraction["customer_name_raw"] == "Mercy General Hospital"
    assert (extraction["po_number"], extraction["order_date"], extraction["currency"]) == ("4500012345", "2026-11-20", "USD")
    assert extraction["total"] == "3166.50"
    assert extraction["edi"]["sender_id"] == "MERCYGEN"
    assert extraction["edi"]["ship_to_code"] == "DOCK2"
    assert extraction["edi"]["requested_delivery_date"] == "2026-11-24"
    json.dumps(extraction)  # JSON-ready: no Decimal, no date objects


def test_extraction_lines_prefer_vendor_catalog_then_buyer_part(order):
    first, second, third = po850_to_extraction(order)["lines"]
    assert first["item_raw"] == "7103-1204" and first["customer_item_ref"] == "MGH-55"
    assert (first["quantity"], first["uom"], first["unit_price"]) == ("2", "EA", "1450.00")
    assert (first["lot"], first["expiry"]) == ("L44512", "2028-03-31")
    assert first["udi"] == "(01)00885074257105(17)280331(10)L44512"
    assert second["item_raw"] == "MGH-77" and second["customer_item_ref"] == "MGH-77"
    assert second["serial"] == "SN-0001" and second["unit_price"] == "266.5"
    assert third["line_no"] == 3 and third["unit_price"] is None


def test_line_count_disagreeing_with_ctt_is_a_warning():
    text = HOSPITAL_850.replace("CTT*3*6", "CTT*4*6")
    (po,) = read_850(text)
    assert po850_to_extraction(po)["warnings"] == ["CTT01 states 4 lines, the order has 3"]


def test_a_quantity_that_is_not_a_number_refuses_the_file():
    with pytest.raises(X12Error, match=r"segment \d+ \(PO1\).*PO102"):
        read_850(HOSPITAL_850.replace("PO1*2*1*BX", "PO1*2*one*BX"), source="bad.edi")


def test_an_850_without_beg_is_refused():
    text = HOSPITAL_850.replace("BEG*00*SA*4500012345**20261120~\n", "").replace("SE*20*", "SE*19*")
    with pytest.raises(X12Error, match="no BEG"):
        read_850(text)


# ---------------------------------------------------------------------------------- real corpus

def _real_files(corpus_dir: Path) -> list[Path]:
    folder = corpus_dir / "real" / "x12_edi"
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix not in (".json", ".xml", ".md", ".tsv"))


def _mentions_850(data: bytes) -> bool:
    text = data.decode("cp500") if data.lstrip(b"\xef\xbb\xbf \r\n").startswith(b"\xc9\xe2\xc1") else \
        data.decode("utf-8", "replace")
    return any(f"ST{sep}850{sep}" in text for sep in "*|~^\x7f")


def test_every_real_850_parses_or_is_refused_with_a_reason(corpus_dir):
    parsed, refused = {}, {}
    for path in _real_files(corpus_dir):
        data = path.read_bytes()
        if not _mentions_850(data):
            continue
        try:
            orders = purchase_orders(read_x12(data, source=path.name))
        except X12Error as exc:
            refused[path.name] = str(exc)
            continue
        assert orders, f"{path.name}: an 850 was expected"
        for po in orders:
            extraction = po850_to_extraction(po)
            assert po.po_number, path.name
            assert extraction["lines"], path.name
            assert all(line["quantity"] for line in extraction["lines"]), path.name
            json.dumps(extraction)
        parsed[path.name] = orders
    assert len(parsed) + len(refused) >= 45
    assert len(parsed) >= 42
    # the only refusals are real envelope faults, each named with its segment
    assert set(refused) == {"x12.850.edi", "x12.850a.edi", "x12.810.mandatory-conditions.edi"}
    for name, reason in refused.items():
        assert reason.startswith(name + ": ") and "segment" in reason


def test_wrapped_and_flat_layouts_of_the_same_order_read_the_same(corpus_dir):
    folder = corpus_dir / "real" / "x12_edi" / "bots-plugins" / "850_inbound" / "850"
    variants = ["850-004010-05.x12", "850-004010-07.x12", "850-004010-08.x12", "850-004010-09.x12",
                "850-004010.16.x12"]
    views = []
    for name in variants:
        orders = purchase_orders(read_x12((folder / name).read_bytes()))
        views.append([(po.po_number, [(l.line_no, l.quantity, l.product_ids) for l in po.lines]) for po in orders])
    assert all(view == views[0] for view in views[1:])


def test_node_x12_850_matches_its_mapping_result(corpus_dir):
    folder = corpus_dir / "real" / "x12_edi" / "node-x12"
    expected = json.loads((folder / "850_map_result.json").read_text())
    parsed = read_x12((folder / "850.edi").read_bytes())
    (interchange, group, transaction), = parsed.transactions("850")
    (po,) = purchase_orders(parsed)
    ship_to = po.party("ST")
    assert transaction.set_id == expected["SetID"]
    assert po.transaction_control == expected["ControlNumber"]
    assert po.po_number == expected["OrderNumber"]
    assert (po.release_number or "") == expected["Date"]  # the map reads BEG04, empty in this file
    assert {"Name": ship_to.name, "Destination": ship_to.id_code, "Address": ship_to.address_lines[0],
            "City": ship_to.city, "State": ship_to.state, "Zip": ship_to.postal_code} == expected["ShipTo"]
    assert [{"Quantity": str(l.quantity)} for l in po.lines] == expected["OrderLines"]
    assert [str(len(transaction.segments) + 2), transaction.control_number] == expected["Trailer"]


# ------------------------------------------------------------------------------- synthetic corpus

def _synthetic_850s(corpus_dir: Path) -> list[Path]:
    files = sorted((corpus_dir / "synthetic" / "docs").glob("*.edi"))
    if not files:
        pytest.skip("no synthetic EDI documents")
    return files


def test_synthetic_850s_match_their_truth(corpus_dir):
    for path in _synthetic_850s(corpus_dir):
        truth = json.loads((corpus_dir / "synthetic" / "truth" / f"{path.stem}.json").read_text())
        (po,) = purchase_orders(read_x12(path.read_bytes(), source=path.name))
        got = po850_to_extraction(po)
        assert (got["po_number"], got["order_date"]) == (truth["po_number"], truth["order_date"]), path.name
        assert truth["customer_name_raw"] in (got["customer_name_raw"] or ""), path.name
        assert len(got["lines"]) == len(truth["lines"]), path.name
        edi_text = path.read_text()
        for ours, expected in zip(got["lines"], truth["lines"]):
            assert ours["line_no"] == expected["line_no"]
            assert Decimal(ours["quantity"]) == Decimal(expected["quantity"]), path.name
            assert ours["unit_price"] == expected["unit_price"], path.name
            assert ours["customer_item_ref"] == expected["customer_item_ref"], path.name
            if expected["item_id"] in edi_text:
                assert ours["item_raw"] == expected["item_id"], path.name
            else:
                assert ours["item_raw"] == expected["customer_item_ref"], path.name


# ------------------------------------------------------------------ mapping rules found on real partners' files
def _one_line_850(po1: str, *after: str, header: tuple[str, ...] = ()) -> dict:
    body = ["BEG*00*SA*PO-1**20260105", *header, po1, *after, "CTT*1"]
    text = "~".join([
        "ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         *260105*1200*U*00401*000000007*0*P*>",
        "GS*PO*BUYER*SELLER*20260105*1200*7*X*004010", "ST*850*0001", *body, f"SE*{len(body) + 2}*0001",
        "GE*1*7", "IEA*1*000000007"]) + "~"
    (po,) = read_850(text, source="t.edi")
    return po850_to_extraction(po)


def test_buyer_catalog_number_is_the_customer_item_ref():
    line = _one_line_850("PO1*1*6*EA*12**CB*17920108*VA*12307")["lines"][0]
    assert (line["customer_item_ref"], line["item_raw"]) == ("17920108", "12307")


def test_price_in_ctp_when_po104_is_empty_and_retail_price_is_not_a_unit_price():
    line = _one_line_850("PO1*1*7*EA***UP*058824014093", "CTP**RES*69.95", "CTP**UCP*34.98")["lines"][0]
    assert line["unit_price"] == "34.98"
    retail = _one_line_850("PO1*1*2*UN*10.5*SR*IB*0835201031")["lines"][0]
    assert retail["unit_price"] is None and retail["edi"]["stated_price"] == "10.5"
    assert "retail" in retail["edi"]["price_note"]


def test_price_per_hundred_or_dozen_becomes_a_price_per_ordered_unit():
    assert _one_line_850("PO1*1*300*EA*25*HP*VP*A-1")["lines"][0]["unit_price"] == "0.25"
    assert _one_line_850("PO1*1*24*EA*30*PD*VP*A-1")["lines"][0]["unit_price"] == "2.5"
    assert _one_line_850("PO1*1*2*DZ*30*PD*VP*A-1")["lines"][0]["unit_price"] == "30"


def test_line_currency_pack_charges_and_destinations_are_kept():
    doc = _one_line_850("PO1*1*12*CA*20**VP*A-1", "CUR*BY*CAD", "PO4*6*1*EA", "SAC*C*D240***2000",
                        "SDQ*CA*92*S1*5*S2*7", header=("SAC*A*C310***1550",))
    line = doc["lines"][0]
    assert doc["currency"] == "CAD"
    assert line["edi"]["pack"] == {"pack": "6", "size": "1", "size_uom": "EA", "inner_pack": None}
    assert line["edi"]["charges"][0]["amount"] == "20.00"
    assert doc["edi"]["charges"][0]["amount"] == "15.50"
    assert line["edi"]["destinations"] == [{"location": "S1", "quantity": "5"}, {"location": "S2", "quantity": "7"}]


def test_part_description_qualifier_is_description_not_id():
    line = _one_line_850("PO1**1*KI*225**PD*AQ FREEZER PUSHER*SK*1010700")["lines"][0]
    assert line["item_raw"] == "1010700" and line["description"] == "AQ FREEZER PUSHER"


def test_pipeline_does_not_repeat_a_description_that_is_the_only_item_text():
    from o2c.intake.master_index import MasterIndex
    from o2c.intake.pipeline import extract

    text = "~".join([
        "ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         *260105*1200*U*00401*000000007*0*P*>",
        "GS*PO*BUYER*SELLER*20260105*1200*7*X*004010", "ST*850*0001", "BEG*00*SA*PO-1**20260105",
        "PO1*1*2*EA*5", "PID*F****BONE CEMENT 40G", "SE*5*0001", "GE*1*7", "IEA*1*000000007"]) + "~"
    got = extract(text.encode(), "t.edi", master=MasterIndex.from_rows())
    assert got["lines"][0]["item_raw"] == "BONE CEMENT 40G"


def test_control_characters_as_separators_and_a_total_without_ctt():
    text = "\x1c\r\n".join([
        "\x1d".join(["ISA", "00", " " * 10, "00", " " * 10, "ZZ", "BUYER          ", "ZZ", "SELLER         ",
                     "260105", "1200", "U", "00401", "000000007", "0", "P", "\x1f"]),
        "GS\x1dPO\x1dBUYER\x1dSELLER\x1d20260105\x1d1200\x1d7\x1dX\x1d004010", "ST\x1d850\x1d0001",
        "BEG\x1d00\x1dSA\x1dPO-9\x1d\x1d20260105", "PO1\x1d1\x1d2\x1dEA\x1d5\x1d\x1dVP\x1dA-1",
        "AMT\x1dTT\x1d10", "SE\x1d5\x1d0001", "GE\x1d1\x1d7", "IEA\x1d1\x1d000000007"]) + "\x1c"
    (po,) = read_850(text, source="fs.edi")
    doc = po850_to_extraction(po)
    assert doc["po_number"] == "PO-9" and doc["lines"][0]["item_raw"] == "A-1"
    assert doc["total"] == "10"


def test_an_ebcdic_850_is_read_through_the_pipeline():
    from o2c.intake.master_index import MasterIndex
    from o2c.intake.pipeline import extract

    got = extract(HOSPITAL_850.replace("~\n", "~").encode("cp500"), "po.x12", master=MasterIndex.from_rows())
    assert got["channel"] == "edi" and got["po_number"] == "4500012345" and len(got["lines"]) == 3
