"""Credit holds, statements and KPIs on both engines, on the demo master data.

Opening receivables: OB-5001 (D-100, issued 2026-08-14, due 09-13, 12,450.10), OB-5002 (D-200,
issued 10-02, due 11-01, 3,310.45), OB-5003 (D-300, issued 06-20, due 08-04, 980.00). Credit limits:
D-100 500,000, D-200 150,000, D-300 80,000.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from o2c.billing.render.statement import balance
from o2c.cash.service import ApplicationRequest, record_payment
from o2c.kernel.errors import Conflict
from o2c.masterdata.service import load_master_data
from o2c.orders.model import LineRequest, OrderRequest
from o2c.orders.service import allocate_order, create_order, ship_order
from o2c.receivables.credit import approve_release, evaluate_holds, is_on_hold, list_holds, request_release
from o2c.receivables.kpis import ar_balance, kpi_report
from o2c.receivables.statements import build_statement, statement_pdf
from o2c.storage import schema as t
from o2c.storage.uow import unit_of_work

AS_OF = date(2026, 11, 20)


@pytest.fixture
def loaded(db_url, demo_master):
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
    return db_url


def holds(as_of: date, actor: str = "system") -> list[dict]:
    with unit_of_work(actor) as uow:
        return evaluate_holds(uow, as_of)


def hold_state(customer_id: str) -> tuple[bool, list[str]]:
    with unit_of_work(read_only=True) as uow:
        return is_on_hold(uow.conn, customer_id)


def test_holds_set_on_days_past_due_and_credit_limit_then_clear(loaded):
    assert holds(AS_OF) == [{"customer_id": "D-300", "change": "set", "reasons": [
        {"code": "past_due", "message": "an invoice is 108 days past due (hold after 90)"}]}]
    with unit_of_work("credit") as uow:
        uow.conn.execute(update(t.customers).where(t.customers.c.customer_id == "D-200").values(
            credit_limit=Decimal("3000.00")))
    changes = holds(AS_OF)
    assert [(c["customer_id"], c["change"]) for c in changes] == [("D-200", "set")]
    assert hold_state("D-200") == (True, ["open receivables 3,310.45 USD exceed the credit limit 3,000.00 USD"])
    assert hold_state("D-100") == (False, [])
    with unit_of_work("cash") as uow:
        record_payment(uow, amount=Decimal("980.00"), value_date=AS_OF, customer_id="D-300",
                       applications=[ApplicationRequest("OB-5003", Decimal("980.00"))])
    assert holds(AS_OF) == [{"customer_id": "D-300", "change": "cleared", "reasons": []}]
    with unit_of_work(read_only=True) as uow:
        kinds = [r.event_type for r in uow.conn.execute(select(t.outbox.c.event_type).where(
            t.outbox.c.event_type.like("customer.hold%")).order_by(t.outbox.c.created_at))]
    assert sorted(kinds) == ["customer.hold_cleared", "customer.hold_set", "customer.hold_set"]


def test_a_manual_hold_is_left_alone(loaded):
    with unit_of_work("credit") as uow:
        uow.conn.execute(update(t.customers).where(t.customers.c.customer_id == "D-100").values(on_hold=True))
    holds(AS_OF)
    assert hold_state("D-100") == (True, ["placed on credit hold by hand"])


def test_release_needs_a_second_person_and_lasts_its_period(loaded):
    holds(AS_OF)
    with unit_of_work("alice") as uow:
        request = request_release(uow, "D-300", "paying by wire today, confirmed by their CFO")
    with pytest.raises(Conflict) as refused:
        with unit_of_work("alice") as uow:
            approve_release(uow, request)
    assert refused.value.code == "same_person"
    with unit_of_work(read_only=True) as uow:
        pending = list_holds(uow.conn)
    assert pending[0]["release_request"]["requested_by"] == "alice"
    with unit_of_work("bob") as uow:
        result = approve_release(uow, request, as_of=AS_OF)
    assert result["override_until"] == "2026-12-20" and result["approved_by"] == "bob"
    assert hold_state("D-300") == (False, [])
    assert holds(AS_OF + timedelta(days=10)) == []                      # released: not put back yet
    later = {c["customer_id"]: c["change"] for c in holds(date(2026, 12, 21))}
    assert later["D-300"] == "set"                                       # the release ran out
    with unit_of_work(read_only=True) as uow:
        actions = [r.action for r in uow.conn.execute(select(t.audit_log.c.action).where(
            t.audit_log.c.entity == "customer", t.audit_log.c.entity_id == "D-300",
            t.audit_log.c.action.like("hold%")).order_by(t.audit_log.c.seq))]
    assert actions == ["hold_set", "hold_release_requested", "hold_released", "hold_set"]


def test_statement_from_the_database(loaded):
    with unit_of_work("cash") as uow:
        record_payment(uow, amount=Decimal("1000.00"), value_date=AS_OF, customer_id="D-100",
                       applications=[ApplicationRequest("OB-5001", Decimal("1000.00"))])
        record_payment(uow, amount=Decimal("50.00"), value_date=AS_OF, customer_id="D-100", bank_ref="CHK 9912")
    with unit_of_work(read_only=True) as uow:
        statement = build_statement(uow.conn, "D-100", AS_OF)
        pdf = statement_pdf(uow.conn, "D-100", AS_OF)
    assert [(l.invoice_number, l.open_amount, l.days_past_due, l.kind) for l in statement.lines] == [
        ("OB-5001", Decimal("11450.10"), 68, "invoice"), ("CHK 9912", Decimal("-50.00"), 0, "payment")]
    assert balance(statement.lines) == Decimal("11400.10")
    assert pdf.startswith(b"%PDF")


def test_kpis_from_the_ledger_and_payments(loaded):
    """Pay OB-5002 in full on 11-15 by bank file (automatic) and 100.00 of OB-5001 by hand.

    AR on 11-20 = 16,740.55 - 3,310.45 - 100.00 = 13,330.10. Countback: November has no sales (20
    days), October 3,310.45 (31 days, 10,019.65 left), September none (30 days), August 12,450.10
    covers the rest: 10,019.65 / 12,450.10 x 31 = 24.948 -> DSO = 20 + 31 + 30 + 24.948 = 105.9.
    Nothing is current, so best possible DSO is 0 and ADD = DSO.
    CEI over 10-22..11-20: beginning AR 16,740.55, no sales, ending 13,330.10, current 0:
    (16,740.55 - 13,330.10) / 16,740.55 = 20.4 %."""
    with unit_of_work("cash") as uow:
        record_payment(uow, amount=Decimal("3310.45"), value_date=date(2026, 11, 15), customer_id="D-200", fmt="bai2",
                       applications=[ApplicationRequest("OB-5002", Decimal("3310.45"))])
    with unit_of_work("clerk") as uow:
        record_payment(uow, amount=Decimal("100.00"), value_date=date(2026, 11, 16), customer_id="D-100",
                       applications=[ApplicationRequest("OB-5001", Decimal("100.00"))])
    with unit_of_work(read_only=True) as uow:
        assert ar_balance(uow.conn, date(2026, 11, 14)) == 1674055
        report = kpi_report(uow.conn, AS_OF)
    assert report["dso"]["days"] == "105.9" and report["dso"]["ar"] == "13330.10"
    assert report["best_possible_dso"] == "0.0" and report["average_days_delinquent"] == "105.9"
    assert report["cei"]["percent"] == "20.4"
    assert report["auto_match"] == {"payments": {"auto": 1, "total": 2, "rate": "50.0"},
                                    "lines": {"auto": 1, "total": 2, "rate": "50.0"}}
    assert report["aging"]["61-90"] == "12350.10" and report["aging"]["90+"] == "980.00"
    assert [p["dso"] for p in report["dso_trend"]][-1] == "105.9"


def test_time_to_invoice_and_unbilled_usage(loaded):
    ordered = datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc)
    with unit_of_work("orders", now=ordered) as uow:
        order_id = create_order(uow, OrderRequest("stock", "D-100", ordered.date(), (LineRequest("K-1001", 1),)))
        allocate_order(uow, order_id)
        create_order(uow, OrderRequest("bill_only", "D-100", date(2026, 11, 12), (
            LineRequest("K-1001", 1, lot="L24003", serial="SN900103"),)))
    with unit_of_work("warehouse", now=ordered + timedelta(days=1, hours=12)) as uow:
        ship_order(uow, order_id)
    with unit_of_work(read_only=True) as uow:
        report = kpi_report(uow.conn, AS_OF)
    assert report["time_to_invoice"]["stock"] == {"invoices": 1, "average_days": "1.50", "median_days": "1.50",
                                                  "max_days": "1.50"}
    unbilled = report["unbilled_usage"]
    assert (unbilled["amount"], unbilled["orders"], unbilled["oldest_days"]) == ("2150.00", 1, 8)
