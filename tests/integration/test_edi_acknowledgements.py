"""An 850 that arrives by EDI is answered with a 997 and, once decided, an 855."""
from pathlib import Path

from o2c.formats.x12 import read_x12
from o2c.intake.edi_out import outbound_messages
from o2c.intake.service import ingest_document
from o2c.masterdata.service import load_master_data
from o2c.storage.uow import unit_of_work

PO_850 = (Path(__file__).parents[1] / "data" / "harborview_850.edi").read_text()


def test_an_850_is_acknowledged_with_997_and_855(db_url, demo_master):
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
        result = ingest_document(uow, PO_850.encode(), "po.edi", channel="edi", sender="HARBORVIEW")
    assert result.status == "created", result.exceptions
    with unit_of_work(read_only=True) as uow:
        messages = outbound_messages(uow.conn)
    by_set = {m["payload"]["transaction"]: m["payload"] for m in messages}
    assert set(by_set) == {"997", "855"}
    ack = read_x12(by_set["997"]["content"], "997")
    (interchange,) = ack.interchanges
    assert interchange.receiver_id == "HARBORVIEW"
    segments = [s.tag for _, _, tx in ack.transactions("997") for s in tx.segments]
    assert "AK1" in segments and "AK9" in segments
    po_ack = read_x12(by_set["855"]["content"], "855")
    (_, _, tx), = po_ack.transactions("855")
    bak = next(s for s in tx.segments if s.tag == "BAK")
    assert bak.get(3) == "HV-90417" and bak.get(8) == result.order_id
    assert [s.get(1) for s in tx.segments if s.tag == "ACK"] == ["IA", "IA"]
    # control numbers never repeat
    controls = [read_x12(m["payload"]["content"], "x").interchanges[0].control_number for m in messages]
    assert len(set(controls)) == len(controls)


def test_the_same_interchange_again_sends_nothing_new(db_url, demo_master):
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
        ingest_document(uow, PO_850.encode(), "po.edi", channel="edi", sender="HARBORVIEW")
        again = ingest_document(uow, PO_850.encode(), "po-again.edi", channel="edi", sender="HARBORVIEW")
    assert again.status == "duplicate"
    with unit_of_work(read_only=True) as uow:
        assert len(outbound_messages(uow.conn)) == 2


def test_a_broken_interchange_gets_a_rejecting_997(db_url, demo_master):
    broken = PO_850.replace("SE*8*0001~", "SE*5*0001~")
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
        result = ingest_document(uow, broken.encode(), "bad.edi", channel="edi", sender="HARBORVIEW")
    assert result.status == "rejected"
    with unit_of_work(read_only=True) as uow:
        payloads = {m["payload"]["transaction"]: m["payload"] for m in outbound_messages(uow.conn)}
    ack = read_x12(payloads["997"]["content"], "997")
    segments = {s.tag: s for _, _, tx in ack.transactions("997") for s in tx.segments}
    assert segments["AK5"].get(1) == "R" and segments["AK9"].get(1) == "R"
    (_, _, tx), = read_x12(payloads["855"]["content"], "855").transactions("855")
    assert next(s for s in tx.segments if s.tag == "BAK").get(2) == "RJ"


def test_invoices_and_acknowledgements_never_share_a_control_number(db_url, demo_master):
    from sqlalchemy import select

    from o2c.billing.documents import invoice_x12
    from o2c.orders.service import allocate_order, ship_order
    from o2c.storage import schema as t
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
        result = ingest_document(uow, PO_850.encode(), "po.edi", channel="edi", sender="HARBORVIEW")
        allocate_order(uow, result.order_id)
        shipment = ship_order(uow, result.order_id)
        invoice = uow.conn.execute(select(t.invoices.c.invoice_number).where(
            t.invoices.c.shipment_id == shipment)).scalar_one()
        x810 = invoice_x12(uow, invoice)
    with unit_of_work(read_only=True) as uow:
        acks = [m["payload"]["content"] for m in outbound_messages(uow.conn)]
    controls = [read_x12(text, "x").interchanges[0].control_number for text in [*acks, x810]]
    assert len(controls) == 3 and len(set(controls)) == 3
