"""997, 855, 856 and 810 writers: valid envelopes, and what we write reads back to the same values."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from o2c.billing.document import DocumentLine, InvoiceDocument, Party
from o2c.formats.x12 import (Envelope, FunctionalAck997, LineAcknowledgement, PoAcknowledgement855,
                             SetAcknowledgement, ShipNotice856, ShippedItem, ShippedOrder, X12Error, accept_order,
                             acknowledge_group, format_segment, parse_810, parse_855, parse_856, parse_997, read_850,
                             read_x12, write_810, write_855, write_856, write_997)

HOSPITAL_850 = "~".join([
    "ISA*00*          *00*          *ZZ*MERCYGEN       *ZZ*KEYSTONE       *261120*0930*U*00401*000000101*0*P*>",
    "GS*PO*MERCYGEN*KEYSTONE*20261120*0930*101*X*004010", "ST*850*0001", "BEG*00*SA*4500012345**20261120",
    "PO1*1*2*EA*1450.00*PE*VC*7103-1204*BP*MGH-55", "PO1*2*1*BX*266.5*PE*IN*MGH-77", "PO1*0003*3*EA***BP*MGH-99",
    "CTT*3*6", "SE*7*0001", "GE*1*101", "IEA*1*000000101"]) + "~"

ENVELOPE = Envelope(sender_id="KEYSTONE", receiver_id="MERCYGEN", interchange_control=1207, group_control=88,
                    created=datetime(2026, 11, 21, 14, 5, tzinfo=timezone.utc))


def _only(text: str, set_id: str):
    parsed = read_x12(text, source="out.edi")  # strict: any count or control fault raises
    (interchange, group, transaction), = parsed.transactions(set_id)
    return interchange, group, transaction


def test_envelope_is_fixed_width_with_the_callers_control_numbers():
    text = write_997(ENVELOPE, [FunctionalAck997("PO", "101", (SetAcknowledgement("850", "0001"),))])
    isa = text.split("~")[0]
    assert len(isa) == 105 and isa.endswith("*>")
    interchange, group, transaction = _only(text, "997")
    assert (interchange.control_number, group.control_number, group.functional_id) == ("000001207", "88", "FA")
    assert (interchange.sender_id, interchange.receiver_id) == ("KEYSTONE", "MERCYGEN")
    assert text.rstrip().endswith("IEA*1*000001207~")


def test_997_accepting_a_group_as_read():
    (interchange, group, _), = read_x12(HOSPITAL_850).transactions()
    ack = acknowledge_group(group)
    text = write_997(ENVELOPE, [ack])
    assert "AK9*A*1*1*1" in text
    assert parse_997(_only(text, "997")[2]) == ack


def test_997_with_a_rejected_set_reports_partial_acceptance():
    ack = FunctionalAck997("PO", "55", (SetAcknowledgement("850", "0001"),
                                        SetAcknowledgement("850", "0002", "R", ("4", "5"))), received_count=2)
    text = write_997(ENVELOPE, [ack])
    assert "AK5*R*4*5" in text and "AK9*P*2*2*1" in text
    assert parse_997(_only(text, "997")[2]) == ack


def test_855_echoes_the_order_with_a_verdict_per_line():
    (po,) = read_850(HOSPITAL_850)
    ack = accept_order(po, date(2026, 11, 21), seller_order="SO-1001",
                       verdicts={"2": ("IB", Decimal("1"), date(2026, 12, 1)), "0003": ("IR", Decimal("0"), None)})
    assert ack.ack_type == "AC"
    text = write_855(ENVELOPE, [ack])
    assert "ACK*IB*1*BX*068*20261201" in text
    assert "PO1*1*2*EA*1450.00**VC*7103-1204*BP*MGH-55" in text
    assert parse_855(_only(text, "855")[2]) == ack


def test_855_refuses_an_unknown_line_status():
    ack = PoAcknowledgement855("PO1", None, date(2026, 11, 21),
                               lines=(LineAcknowledgement("1", Decimal(1), "EA", None, "OK"),))
    with pytest.raises(X12Error, match="ACK01"):
        write_855(ENVELOPE, [ack])


NOTICE = ShipNotice856(
    shipment_id="SH-5001", ship_date=date(2026, 11, 22), ship_time="1530", carrier="UPSN", tracking_number="1Z999",
    ship_to_name="Mercy General - Receiving", ship_to_qualifier="92", ship_to_code="DOCK2",
    orders=(ShippedOrder("4500012345", date(2026, 11, 20), (
        ShippedItem("1", "7103-1204", Decimal("2"), "EA", gtin="00885074257105", customer_item_ref="MGH-55",
                    lot="L44512", serials=("S-1", "S-2"), expiry=date(2028, 3, 31)),
        ShippedItem("2", "7303-0001", Decimal("1"), "BX"),
    )), ShippedOrder("4500012399", None, (ShippedItem("1", "7105-0110", Decimal("1"), "EA", lot="L9"),))),
)


def test_856_hierarchy_shipment_order_item_with_lot_and_serials():
    text = write_856(ENVELOPE, [NOTICE])
    hl = [line for line in text.split("~") if line.startswith("HL")]
    assert hl == ["HL*1**S", "HL*2*1*O", "HL*3*2*I", "HL*4*2*I", "HL*5*1*O", "HL*6*5*I"]
    assert "LIN*1*VP*7103-1204*UK*00885074257105*BP*MGH-55*LT*L44512~SN1**2*EA~REF*LT*L44512~REF*SE*S-1~REF*SE*S-2" in text
    assert "CTT*6~" in text


def test_856_reads_back_to_the_same_notice():
    assert parse_856(_only(write_856(ENVELOPE, [NOTICE]), "856")[2]) == NOTICE


SELLER = Party("KEYSTONE", "Keystone Orthopedics", "10 Forge Rd", None, "Malvern", "PA", "19355", gln="0614141000005")
BUYER = Party("C-1001", "Mercy General Hospital", "1 Mercy Way", "Suite 4", "Durham", "NC", "27609")
INVOICE = InvoiceDocument(
    number="INV-2026-0042", kind="invoice", issue_date=date(2026, 11, 22), due_date=date(2026, 12, 22),
    currency="USD", seller=SELLER, buyer=BUYER,
    lines=(DocumentLine(1, "7103-1204", "ACETABULAR SHELL 52MM", Decimal("2"), "EA", Decimal("1450.00"),
                        Decimal("2900.00"), gtin="00885074257105", customer_item_ref="MGH-55", lot="L44512",
                        serial="S-1", expiry=date(2028, 3, 31)),
           DocumentLine(2, "7303-0001", "SET SCREW BX/5", Decimal("1"), "BX", Decimal("266.5"), Decimal("266.50"))),
    subtotal=Decimal("3166.50"), tax_total=Decimal("0"), freight=Decimal("45.25"), total=Decimal("3211.75"),
    ship_to=Party("S-1001-02", "Mercy General - Receiving", "1 Mercy Way", "Dock 2", "Durham", "NC", "27609"),
    po_number="4500012345", order_id="SO-1001", payment_terms="2/10 NET30",
    discount_percent=Decimal("2"), discount_days=10,
)


def test_810_segments_for_terms_total_in_cents_and_freight():
    text = write_810(ENVELOPE, [INVOICE])
    assert "BIG*20261122*INV-2026-0042**4500012345~" in text
    assert "REF*PO*4500012345~" in text
    assert "ITD*08*3*2*20261202*10*20261222*30*****2/10 NET30~" in text
    assert "IT1*1*2*EA*1450.00**VC*7103-1204*UK*00885074257105*BP*MGH-55*LT*L44512*SN*S-1~" in text
    assert "TDS*321175~" in text and "SAC*C*D240***4525~" in text and "CTT*2~" in text
    assert "N1*SE*Keystone Orthopedics*UL*0614141000005~" in text


def test_810_reads_back_to_the_invoice_values():
    back = parse_810(_only(write_810(ENVELOPE, [INVOICE]), "810")[2])
    assert (back.number, back.issue_date, back.po_number, back.kind) == ("INV-2026-0042", INVOICE.issue_date,
                                                                       "4500012345", "invoice")
    assert (back.total, back.freight, back.tax_total) == (INVOICE.total, INVOICE.freight, Decimal(0))
    assert (back.discount_percent, back.discount_days, back.net_days) == (Decimal("2"), 10, 30)
    assert back.parties["BT"] == ("Mercy General Hospital", "91", "C-1001")
    assert back.parties["ST"] == ("Mercy General - Receiving", "91", "S-1001-02")
    assert back.line_count == 2
    for ours, line in zip(back.lines, INVOICE.lines):
        assert (int(ours.line_no), ours.quantity, ours.uom, ours.unit_price) == (
            line.line_no, line.quantity, line.uom, line.unit_price)
        assert ours.product_id("VC") == line.item_id and ours.description == line.description
        assert ours.product_id("LT") == line.lot and ours.product_id("SN") == line.serial
    assert sum(l.quantity * l.unit_price for l in back.lines) + back.freight == back.total


def test_810_credit_memo_names_the_original_invoice():
    from dataclasses import replace
    memo = replace(INVOICE, kind="credit_memo", number="CM-7", original_invoice="INV-2026-0042", freight=Decimal(0),
                   total=Decimal("3166.50"))
    back = parse_810(_only(write_810(ENVELOPE, [memo]), "810")[2])
    assert back.kind == "credit_memo" and back.references["OI"] == "INV-2026-0042"
    assert back.freight == Decimal(0) and back.total == Decimal("3166.50")


def test_several_sets_in_one_interchange_get_their_own_control_numbers():
    text = write_810(ENVELOPE, [INVOICE, INVOICE], first_control=41)
    assert [t.control_number for _, _, t in read_x12(text).transactions()] == ["0041", "0042"]


def test_a_value_containing_a_separator_is_refused():
    with pytest.raises(X12Error, match="separator"):
        format_segment(("PID", "F", None, None, None, "SCREW 5*45MM"))


def test_floats_are_refused_when_writing():
    with pytest.raises(X12Error, match="float"):
        format_segment(("IT1", "1", 2.5))


def test_trailing_empty_elements_are_dropped():
    assert format_segment(("N1", "ST", "Dock", None, None)) == "N1*ST*Dock"
