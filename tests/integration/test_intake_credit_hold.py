"""An automatic credit hold stops new stock orders at intake and says why."""
from datetime import date
from pathlib import Path

from o2c.intake.service import ingest_document
from o2c.masterdata.service import load_master_data
from o2c.receivables.credit import evaluate_holds
from o2c.storage.uow import unit_of_work

PO_850 = (Path(__file__).parents[1] / "data" / "harborview_850.edi").read_bytes()


def test_a_customer_on_hold_gets_a_credit_hold_exception_with_the_reason(db_url, demo_master):
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
        # OB-5001 (D-100, due 2026-09-13) is 98 days past due on 2026-12-20: beyond the 90-day policy
        changes = evaluate_holds(uow, date(2026, 12, 20))
    assert any(c["customer_id"] == "D-100" for c in changes)
    with unit_of_work("test") as uow:
        result = ingest_document(uow, PO_850, "po.edi", channel="edi", sender="HARBORVIEW",
                                 received_at="2026-12-20T10:00:00")
    assert result.status == "exception"
    (hold,) = [e for e in result.exceptions if e["code"] == "credit_hold"]
    assert "on credit hold (" in hold["message"] and "past due" in hold["message"]
