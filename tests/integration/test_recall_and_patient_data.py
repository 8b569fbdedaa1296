"""Recall finds every unit of a lot; patient references are sealed at rest and never shown by default."""
import json
from datetime import date

import pytest
from sqlalchemy import select

from o2c.compliance.protected import mask, seal, unseal
from o2c.compliance.recall import recall_lots
from o2c.masterdata.service import load_master_data
from o2c.orders.model import LineRequest, OrderRequest
from o2c.orders.service import allocate_order, create_order, record_usage, ship_order
from o2c.storage import schema as t
from o2c.storage.uow import unit_of_work

TODAY = date(2026, 11, 20)


def test_seal_round_trip_and_mask():
    sealed = seal("MRN 00123")
    assert sealed != "MRN 00123" and "00123" not in sealed
    assert unseal(sealed) == "MRN 00123"
    assert seal(sealed) == sealed
    assert mask(sealed) == "*******23"


@pytest.fixture
def scenario(db_url, demo_master):
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
        case = create_order(uow, OrderRequest("bill_only", "D-100", TODAY, (
            LineRequest("K-1001", 1, lot="L24003", serial="SN900103"),), site_id="D-100-OR",
            procedure={"date": "2026-11-19", "physician_id": "DP-1", "patient_ref": "MRN 0043312", "case_id": "C-9"}))
        record_usage(uow, case, "CON-D-100")
        stock = create_order(uow, OrderRequest("stock", "D-300", TODAY, (LineRequest("K-2002", 1),)))
        allocate_order(uow, stock)
        ship_order(uow, stock)
    return case, stock


def test_patient_reference_is_not_stored_in_plain_text(scenario):
    case, _ = scenario
    with unit_of_work(read_only=True) as uow:
        raw = uow.conn.exec_driver_sql(f"SELECT procedure FROM orders WHERE order_id = '{case}'").scalar_one()
        read = uow.conn.execute(select(t.orders.c.procedure).where(t.orders.c.order_id == case)).scalar_one()
        audit_text = " ".join(uow.conn.execute(select(t.audit_log.c.payload)).scalars())
        events = json.dumps(list(uow.conn.execute(select(t.outbox.c.payload)).scalars()))
    raw_text = raw if isinstance(raw, str) else json.dumps(raw)
    assert "0043312" not in raw_text and "sealed:v1:" in raw_text
    assert read["patient_ref"] == "MRN 0043312"           # the column type unseals for the application
    assert "0043312" not in audit_text and "0043312" not in events


def test_documents_are_sealed_at_rest(db_url, demo_master):
    from o2c.intake.service import ingest_document
    text = b"harbor view - dr moreno - MRN 0077123\n1 K-1001 lot L24003 s/n SN900103\nbill only"
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
        result = ingest_document(uow, text, "case.txt", channel="sms", sender="+12065550190")
    with unit_of_work(read_only=True) as uow:
        raw = uow.conn.exec_driver_sql(
            f"SELECT content, extraction FROM documents WHERE document_id = '{result.document_id}'").one()
        read = uow.conn.execute(select(t.documents.c.content).where(
            t.documents.c.document_id == result.document_id)).scalar_one()
    assert b"0077123" not in bytes(raw[0])
    assert read == text
    extraction_text = raw[1] if isinstance(raw[1], str) else json.dumps(raw[1])
    assert "0077123" not in extraction_text


def test_recall_finds_implanted_shipped_and_stocked_units(scenario):
    case, stock = scenario
    with unit_of_work(read_only=True) as uow:
        implanted = recall_lots(uow.conn, ["L24003"])
        revealed = recall_lots(uow.conn, ["L24003"], reveal_patient=True)
        shipped = recall_lots(uow.conn, ["L24300"])
    assert [(u["status"], u["serial"], u["customer_id"], u["procedure_date"], u["physician_id"]) for u in implanted] \
        == [("implanted", "SN900103", "D-100", "2026-11-19", "DP-1")]
    assert implanted[0]["patient_ref"].startswith("(protected")
    assert revealed[0]["patient_ref"] == "MRN 0043312"
    statuses = sorted((u["status"], u.get("location_id") or u["customer_id"], u["quantity"]) for u in shipped)
    assert statuses == [("in_stock", "DC-1", 2), ("shipped", "D-300", 1)]
