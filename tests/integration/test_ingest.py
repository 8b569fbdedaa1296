"""Intake on a real database (SQLite, and PostgreSQL when one is reachable): documents become orders,
exceptions, duplicates or refusals; the queue corrects, approves and learns.

Extraction is replaced by a fake that returns hand-written section-2 dicts for known bytes, so these
tests prove intake and validation, not reading; one test runs the real pipeline to prove learning.
"""
from __future__ import annotations

from copy import deepcopy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from o2c.intake import queue
from o2c.intake.service import ingest_document
from o2c.intake.snapshot import master_index
from o2c.kernel.errors import Conflict
from o2c.masterdata.service import load_master_data
from o2c.storage import schema as t
from o2c.storage.uow import unit_of_work
from tests.dbtools import ENGINES, fresh_copy, make_pg_template, make_sqlite_template


MASTER = {
    "customers.csv": """customer_id,name,kind,gpo_id,email,phone,payment_terms,credit_limit,currency,edi_id,tax_rate
C-1,Mercy General Hospital,hospital,GPO-1,purchasing@mercygeneral.org,+19165550134,NET30,1500000.00,USD,MERCYGEN,0.00
C-2,Bayside Surgical Partners,asc,,orders@baysidesurgical.com,+18135550133,NET30,1000.00,USD,,0.00
""",
    "sites.csv": """site_id,customer_id,name,address1,address2,city,state,postal_code,country,kind
S-1-02,C-1,Mercy General Hospital - Central Receiving,2100 Capitol Ave,,Sacramento,CA,95816,US,ship_to
S-1-03,C-1,Mercy General Hospital,4001 J Street,,Sacramento,CA,95816,US,facility
S-2-02,C-2,Bayside Surgical Partners,10 Bay St,,Tampa,FL,33602,US,ship_to
""",
    "items.csv": """item_id,description,gtin,uom,pack_size,list_price,lot_controlled,serial_controlled,shelf_life_days,tracked_device,is_kit
7103-1204,ACETABULAR SHELL 52MM,00847120000103,EA,1,1500.00,true,true,1825,true,false
7403-4020,CANCELLOUS SCREW 4.0 X 20MM BX/5,00847120000288,BX,5,170.00,true,false,1825,false,false
""",
    "contracts.csv": """contract_id,item_id,unit_price,gpo_id,customer_id,uom,min_quantity,start_date,end_date
K-1,7103-1204,1450.00,GPO-1,,EA,1,2025-01-01,2027-12-31
""",
    "reps.csv": """rep_id,name,phone,email,agency,territory,kind
R-1,Jake Morrison,+19165550142,jmorrison@keystone-ortho.com,,Northern California,employee
""",
    "locations.csv": """location_id,kind,name,customer_id,site_id,rep_id
WH-01,warehouse,Keystone DC,,,
CON-1-03,consignment,Mercy General Consignment Closet,C-1,S-1-03,
TRK-R-1,trunk,Trunk Stock - Jake Morrison,,,R-1
""",
    "inventory.csv": """location_id,item_id,quantity,lot,serial,expiry
WH-01,7103-1204,1,L100,SN100,2030-01-31
WH-01,7103-1204,1,L101,SN101,2030-01-31
CON-1-03,7103-1204,1,L1,SN1,2030-01-31
CON-1-03,7103-1204,1,L9,SN9,2026-06-25
CON-1-03,7403-4020,2,L7,,2030-12-20
TRK-R-1,7103-1204,1,L5,SN5,2030-03-31
""",
    "physicians.csv": """physician_id,name,npi,site_id
P-1,Thomas Nguyen,1388409967,S-1-03
""",
    "open_items.csv": """invoice_number,customer_id,invoice_date,due_date,amount,currency,po_number
INV-1,C-2,2026-05-01,2026-06-01,5000.00,USD,PO-OLD
""",
}

RECEIVED = "2026-11-20T09:00:00+00:00"


def _write_master(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in MASTER.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _load(url: str, master: Path) -> None:
    with unit_of_work("test", url=url) as uow:
        load_master_data(uow, master)


@pytest.fixture(scope="module")
def sqlite_loaded(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ingest")
    return make_sqlite_template(folder, lambda url: _load(url, _write_master(folder / "master")))


@pytest.fixture(scope="module")
def postgres_loaded(tmp_path_factory):
    master = _write_master(tmp_path_factory.mktemp("pg") / "master")
    yield from make_pg_template("o2c_ingest_tpl", lambda url: _load(url, master))


@pytest.fixture(params=ENGINES)
def db(request, tmp_path, monkeypatch):
    """A fresh copy of a migrated database holding the master data above."""
    yield from fresh_copy(request, tmp_path, monkeypatch, "sqlite_loaded", "postgres_loaded")


# ------------------------------------------------------------------ documents, as extraction would read them
def po(number="4500012345", *lines, customer="C-1", **extra) -> dict:
    doc = {"document_type": "purchase_order", "customer_id": customer, "customer_name_raw": "Mercy General",
           "site_id": "S-1-02" if customer == "C-1" else "S-2-02", "po_number": number, "order_date": "2026-11-19",
           "currency": "USD", "procedure": None, "rep_id": None, "confidence": 0.95, "warnings": [],
           "lines": list(lines) or [line()]}
    doc.update(extra)
    return doc


def line(item="7103-1204", qty="2", price="1450.00", no=1, **extra) -> dict:
    return {"line_no": no, "item_id": item, "item_raw": f"{item} SHELL", "customer_item_ref": None, "quantity": qty,
            "uom": extra.pop("uom", "EA"), "unit_price": price, "lot": None, "serial": None, "expiry": None, **extra}


def usage(*lines, date="2026-11-18", **extra) -> dict:
    doc = {"document_type": "usage_report", "customer_id": "C-1", "site_id": "S-1-03", "po_number": None,
           "order_date": None, "procedure": {"date": date, "physician_id": "P-1", "patient_ref": None,
                                              "case_id": None},
           "rep_id": "R-1", "confidence": 0.95, "warnings": [], "lines": list(lines)}
    doc.update(extra)
    return doc


class FakeReader:
    """Extraction for known bytes: the bytes are the document, the dict is what reading it gives."""

    def __init__(self):
        self.documents: dict[bytes, dict] = {}

    def add(self, data: bytes, extraction: dict) -> bytes:
        self.documents[data] = extraction
        return data

    def __call__(self, data: bytes, filename: str, **_options) -> dict:
        return deepcopy(self.documents.get(data, {"document_type": "unknown", "lines": [],
                                                  "warnings": ["not a document this reader knows"]}))


@pytest.fixture
def reader() -> FakeReader:
    return FakeReader()


def ingest(reader, data: bytes, name="doc.pdf", channel="upload", **kw):
    with unit_of_work("test") as uow:
        return ingest_document(uow, data, name, channel=channel, received_at=RECEIVED, extractor=reader, **kw)


def count(table) -> int:
    with unit_of_work(read_only=True) as uow:
        return uow.conn.execute(select(func.count()).select_from(table)).scalar_one()


def order(order_id: str) -> tuple[dict, list[dict]]:
    with unit_of_work(read_only=True) as uow:
        head = uow.conn.execute(select(t.orders).where(t.orders.c.order_id == order_id)).mappings().one()
        lines = uow.conn.execute(select(t.order_lines).where(t.order_lines.c.order_id == order_id)
                                 .order_by(t.order_lines.c.line_no)).mappings().all()
        return dict(head), [dict(l) for l in lines]


# ------------------------------------------------------------------ tests
def test_a_clean_po_becomes_a_priced_stock_order_with_audit_and_event(db, reader):
    result = ingest(reader, reader.add(b"po-1", po()))
    assert result.status == "created" and result.exceptions == []
    head, lines = order(result.order_id)
    assert head["order_type"] == "stock" and head["po_number"] == "4500012345"
    assert head["source_document_id"] == result.document_id
    assert [(l["item_id"], l["quantity"], str(l["unit_price"])) for l in lines] == [("7103-1204", 2, "1450.00")]
    with unit_of_work(read_only=True) as uow:
        doc = uow.conn.execute(select(t.documents).where(t.documents.c.document_id == result.document_id)).mappings().one()
        events = uow.conn.execute(select(t.outbox.c.event_type)).scalars().all()
        audited = uow.conn.execute(select(t.audit_log.c.action).where(t.audit_log.c.entity == "document")).scalars().all()
    assert doc["content"] == b"po-1" and doc["status"] == "created" and doc["channel"] == "upload"
    assert "document.created" in events and "order.confirmed" in events and audited == ["ingested"]


def test_the_same_bytes_again_change_nothing(db, reader):
    first = ingest(reader, reader.add(b"po-1", po()))
    before = [count(x) for x in (t.documents, t.orders, t.audit_log, t.outbox, t.intake_exceptions)]
    again = ingest(reader, b"po-1", name="again.pdf")
    assert again.status == "duplicate" and again.document_id == first.document_id
    assert again.order_id == first.order_id and first.document_id in again.exceptions[0]["message"]
    assert [count(x) for x in (t.documents, t.orders, t.audit_log, t.outbox, t.intake_exceptions)] == before


def test_the_same_po_by_another_channel_is_a_duplicate(db, reader):
    first = ingest(reader, reader.add(b"edi-850", po()), name="po.edi", channel="edi")
    second = ingest(reader, reader.add(b"email", po()), name="po.eml", channel="email")
    assert second.status == "duplicate" and second.order_id is None
    assert [e["code"] for e in second.exceptions] == ["duplicate"]
    assert first.document_id in second.exceptions[0]["message"]
    assert count(t.orders) == 1


def test_same_lines_without_a_po_number_by_a_second_channel_is_a_duplicate(db, reader):
    ingest(reader, reader.add(b"a", po()), channel="edi")
    second = ingest(reader, reader.add(b"b", po(None)), channel="email")
    assert second.status == "duplicate"


def test_price_mismatch_then_approval_bills_the_contract_price(db, reader):
    result = ingest(reader, reader.add(b"po-price", po("PO-9", line(price="2100.00"))))
    assert result.status == "exception" and [e["code"] for e in result.exceptions] == ["price_mismatch"]
    assert count(t.orders) == 0
    with unit_of_work(read_only=True) as uow:
        entries = queue.list_queue(uow.conn, code="price_mismatch")
    assert [e["document_id"] for e in entries] == [result.document_id]
    with unit_of_work("approver") as uow:
        approved = queue.approve(uow, result.document_id)
    assert approved["status"] == "created"
    _, lines = order(approved["order_id"])
    assert str(lines[0]["unit_price"]) == "1450.00"
    with unit_of_work(read_only=True) as uow:
        assert queue.list_queue(uow.conn) == []
        shown = queue.show(uow.conn, result.document_id)
    assert shown["status"] == "created" and {e["status"] for e in shown["exceptions"]} == {"resolved"}


def test_unknown_item_needs_a_correction_and_the_correction_creates_the_order(db, reader):
    result = ingest(reader, reader.add(b"po-unknown", po("PO-7", line(item=None, item_raw="ZX-99001 SHELL"))))
    assert [e["code"] for e in result.exceptions] == ["unknown_item"]
    with pytest.raises(Conflict), unit_of_work("approver") as uow:
        queue.approve(uow, result.document_id)
    with unit_of_work("clerk") as uow:
        corrected = queue.correct(uow, result.document_id, lines={1: {"item_id": "7103-1204"}})
    assert corrected["status"] == "created" and corrected["order_id"]
    assert corrected["learned"] == [{"kind": "customer_item", "alias": "C-1|ZX-99001", "target": "7103-1204"}]
    with unit_of_work(read_only=True) as uow:
        index = master_index(uow.conn)
    assert index.item_by_customer_ref("C-1", "ZX-99001").id == "7103-1204"


def test_a_usage_report_bills_the_used_units_from_the_closet_and_the_po_confirms_it(db, reader):
    report = usage(line(qty="1", price=None, lot="L1"), line(item="7403-4020", qty="1", uom="BX", price=None,
                                                              lot="L7", no=2))
    used = ingest(reader, reader.add(b"sms", report), channel="sms")
    assert used.status == "created", used.exceptions
    head, lines = order(used.order_id)
    assert head["order_type"] == "bill_only" and head["ship_from"] == "CON-1-03"
    assert [(l["item_id"], l["lot"], l["serial"], l["qty_shipped"]) for l in lines] == [
        ("7103-1204", "L1", "SN1", 1), ("7403-4020", "L7", None, 1)]
    with unit_of_work(read_only=True) as uow:
        left = uow.conn.execute(select(t.stock_balances.c.quantity).where(
            t.stock_balances.c.location_id == "CON-1-03", t.stock_balances.c.lot == "L1")).scalar_one()
        invoiced = uow.conn.execute(select(func.count()).select_from(t.invoices)
                                    .where(t.invoices.c.order_id == used.order_id)).scalar_one()
    assert left == 0 and invoiced == 1
    bill_only_po = po("PO-BILL-1", line(qty="1", lot="L1"), line(item="7403-4020", qty="5", uom="EA", price="34.00",
                                                                   no=2), procedure={"date": "2026-11-18"})
    confirmed = ingest(reader, reader.add(b"bill-only-po", bill_only_po))
    assert confirmed.status == "created" and confirmed.order_id == used.order_id
    head, _ = order(used.order_id)
    assert head["po_number"] == "PO-BILL-1" and count(t.orders) == 1


def test_a_unit_from_the_reps_trunk_is_found_there(db, reader):
    result = ingest(reader, reader.add(b"trunk", usage(line(qty="1", price=None, lot="L5"))), channel="sms")
    assert result.status == "created"
    head, _ = order(result.order_id)
    assert head["ship_from"] == "TRK-R-1"


def test_expired_and_missing_lots_are_exceptions(db, reader):
    expired = ingest(reader, reader.add(b"expired", usage(line(qty="1", price=None, lot="L9"))), channel="sms")
    assert [e["code"] for e in expired.exceptions] == ["expired_lot"]
    assert "2026-06-25" in expired.exceptions[0]["message"]
    missing = ingest(reader, reader.add(b"missing", usage(line(qty="1", price=None, lot="L404"), date="2026-11-17")),
                     channel="sms")
    assert [e["code"] for e in missing.exceptions] == ["lot_not_at_location"]
    # quality reviewed the expired unit: approval bills it and the unit leaves the closet
    with unit_of_work("quality") as uow:
        approved = queue.approve(uow, expired.document_id)
    assert approved["status"] == "created"


def test_credit_hold_when_past_due_exceeds_the_limit(db, reader):
    result = ingest(reader, reader.add(b"held", po("PO-H", line(price=None), customer="C-2")))
    assert [e["code"] for e in result.exceptions] == ["credit_hold"]
    assert "credit limit" in result.exceptions[0]["message"]


def test_unreadable_input_is_rejected_with_the_reason(db, reader):
    result = ingest(reader, b"\x00\x01garbage")
    assert result.status == "rejected" and result.order_id is None
    assert result.exceptions[0]["code"] == "unreadable" and "not a document" in result.exceptions[0]["message"]
    with unit_of_work(read_only=True) as uow:
        assert queue.list_queue(uow.conn) == []


def test_reject_and_rerun(db, reader):
    result = ingest(reader, reader.add(b"no-po", po(None)))
    assert [e["code"] for e in result.exceptions] == ["missing_po"]
    reader.documents[b"no-po"] = po("PO-LATE")       # e.g. a better reader, or a learned alias
    with unit_of_work("clerk") as uow:
        rerun = queue.rerun(uow, result.document_id, extractor=reader)
    assert rerun["status"] == "created"
    other = ingest(reader, reader.add(b"no-po-2", po(None, line(qty="1"))))
    with unit_of_work("clerk") as uow:
        rejected = queue.reject(uow, other.document_id, "customer withdrew the order")
    assert rejected["status"] == "rejected"
    with unit_of_work(read_only=True) as uow:
        assert queue.list_queue(uow.conn) == []
        assert queue.list_queue(uow.conn, status="rejected")[0]["document_id"] == other.document_id


EMAIL = """From: Buyer <purchasing@mercygeneral.org>
To: Keystone Orders <orders@keystone-ortho.com>
Subject: Order - PO# {po}
Date: Thu, 19 Nov 2026 10:00:00 -0500
Content-Type: text/plain; charset="utf-8"
MIME-Version: 1.0

Please enter this order for Mercy General Hospital.

PO#: {po}
PO date: 11/19/2026
Ship to: Mercy General Hospital - Central Receiving, 2100 Capitol Ave, Sacramento CA 95816

   Qty  UOM   Item        Description
     1  EA    ZX-99001   ACETABULAR SHELL 52MM  1,450.00

Regards,
Buyer
"""


def test_a_correction_is_learned_and_used_by_the_next_extraction(db):
    def take(po_number: str):
        with unit_of_work("test") as uow:
            return ingest_document(uow, EMAIL.format(po=po_number).encode(), f"{po_number}.eml", channel="email")

    first = take("4500077001")
    assert first.status == "exception" and "unknown_item" in [e["code"] for e in first.exceptions]
    assert first.extraction["customer_id"] == "C-1"
    with unit_of_work("clerk") as uow:
        queue.correct(uow, first.document_id, lines={1: {"item_id": "7103-1204"}})
    second = take("4500077002")
    assert second.status == "created", second.exceptions
    assert second.extraction["lines"][0]["item_id"] == "7103-1204"


ANONYMOUS = """From: Pat Doe <pat.doe@gmail.com>
To: Keystone Orders <orders@keystone-ortho.com>
Subject: order PO# {po}
Date: Thu, 19 Nov 2026 10:00:00 -0500
Content-Type: text/plain; charset="utf-8"
MIME-Version: 1.0

Hi, please send the following.

PO#: {po}

   Qty  UOM   Item        Description
     1  EA    7103-1204   ACETABULAR SHELL 52MM

Thanks, Pat
"""


def test_the_customer_chosen_for_an_unknown_sender_is_remembered(db):
    def take(po_number: str):
        with unit_of_work("test") as uow:
            return ingest_document(uow, ANONYMOUS.format(po=po_number).encode(), f"{po_number}.eml", channel="email")

    first = take("88001")
    assert "unknown_customer" in [e["code"] for e in first.exceptions]
    with unit_of_work("clerk") as uow:
        corrected = queue.correct(uow, first.document_id, header={"customer_id": "C-1"})
    assert corrected["learned"] == [{"kind": "sender_customer", "alias": "pat.doe@gmail.com", "target": "C-1"}]
    assert corrected["status"] == "created"
    second = take("88002")
    assert second.extraction["customer_id"] == "C-1" and second.status == "created", second.exceptions


def test_the_snapshot_holds_closet_units_on_hand_and_follows_stock_moves(db, reader):
    with unit_of_work(read_only=True) as uow:
        before = master_index(uow.conn)
    assert ("CON-1-03", "L1", "SN1") in {(u["location_id"], u["lot"], u["serial"]) for u in before.inventory}
    used = ingest(reader, reader.add(b"sms", usage(line(qty="1", price=None, lot="L1"))), channel="sms")
    assert used.status == "created", used.exceptions
    with unit_of_work(read_only=True) as uow:
        after = master_index(uow.conn)
    assert ("L1", "SN1") not in {(u["lot"], u["serial"]) for u in after.inventory}
    assert after.items is before.items  # master data was not rebuilt for a stock move
