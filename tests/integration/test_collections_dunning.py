"""Dunning runs, promises to pay and disputes on both engines, with the books checked as they change.

The demo master data opens three receivables: OB-5001 (D-100, due 2026-09-13, 12,450.10),
OB-5002 (D-200, due 2026-11-01, 3,310.45) and OB-5003 (D-300, due 2026-08-04, 980.00).
"""
from __future__ import annotations

import socket
from datetime import date
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, insert, select

from o2c.audit.service import verify
from o2c.billing.delivery import SmtpSettings
from o2c.billing.service import issue_invoice
from o2c.cash.service import ApplicationRequest, record_payment
from o2c.kernel.errors import Conflict, InvalidValue
from o2c.ledger.model import AR
from o2c.ledger.service import account_balance, trial_balance
from o2c.masterdata.service import load_master_data
from o2c.receivables.disputes import list_disputes, open_deductions_from_payments, open_dispute, resolve_dispute
from o2c.receivables.dunning import list_letters, run_dunning
from o2c.receivables.promises import list_promises, record_promise
from o2c.receivables.service import open_items
from o2c.receivables.worklist import collections_worklist
from o2c.storage import schema as t
from o2c.storage.uow import unit_of_work


@pytest.fixture
def loaded(db_url, demo_master):
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
    return db_url


def events(kind: str) -> list[dict]:
    with unit_of_work(read_only=True) as uow:
        return [dict(r) for r in uow.conn.execute(select(t.outbox).where(t.outbox.c.event_type == kind)
                                                  .order_by(t.outbox.c.created_at)).mappings()]


def books_balance() -> None:
    with unit_of_work(read_only=True) as uow:
        assert sum(trial_balance(uow.conn).values()) == 0
        assert account_balance(uow.conn, AR) == sum(i["open_minor"] for i in open_items(uow.conn))
        assert verify(uow.conn) == []


def dun(as_of: date, **kwargs):
    with unit_of_work("collector") as uow:
        return run_dunning(uow, as_of, **kwargs)


def levels(run) -> dict[str, str]:
    return {number: letter.level for letter in run.letters for number in letter.invoices}


def test_each_invoice_gets_each_level_once_as_it_ages(loaded):
    first = dun(date(2026, 11, 20))
    assert levels(first) == {"OB-5001": "final_notice", "OB-5002": "second_notice", "OB-5003": "final_notice"}
    assert all(l.pdf.startswith(b"%PDF") and l.status == "rendered" for l in first.letters)
    assert dun(date(2026, 11, 20)).letters == []
    assert dun(date(2026, 11, 25)).letters == []            # OB-5002 is 24 days late: still second notice
    later = dun(date(2026, 12, 1))
    assert levels(later) == {"OB-5002": "final_notice"}
    sent = events("dunning.sent")
    assert len(sent) == 4 and sent[-1]["payload"]["invoices"] == ["OB-5002"]
    with unit_of_work(read_only=True) as uow:
        letters = list_letters(uow.conn, "D-200")
    assert [l["level"] for l in letters] == ["second_notice", "final_notice"]
    books_balance()


def test_a_paid_invoice_is_not_dunned(loaded):
    with unit_of_work("test") as uow:
        record_payment(uow, amount=Decimal("3310.45"), value_date=date(2026, 11, 3), customer_id="D-200",
                       applications=[ApplicationRequest("OB-5002", Decimal("3310.45"))])
    assert "OB-5002" not in levels(dun(date(2026, 11, 20)))


def test_broken_promise_escalates_at_once_and_a_kept_one_pauses_dunning(loaded):
    assert levels(dun(date(2026, 11, 5))) == {"OB-5001": "final_notice", "OB-5002": "friendly_reminder",
                                              "OB-5003": "final_notice"}
    with unit_of_work("collector") as uow:
        broken = record_promise(uow, invoice_numbers=["OB-5002"], amount=Decimal("3310.45"),
                                promised_date=date(2026, 11, 10), contact="AP clerk", made_on=date(2026, 11, 6))
    assert dun(date(2026, 11, 8)).letters == []
    run = dun(date(2026, 11, 11))                  # only 10 days late, but the promise broke yesterday
    assert levels(run) == {"OB-5002": "second_notice"} and run.letters[0].reasons == ["broken_promise"]
    assert [e["aggregate_id"] for e in events("promise.broken")] == [str(broken)]
    assert dun(date(2026, 11, 12)).letters == []   # the break was answered; no second escalation
    with unit_of_work(read_only=True) as uow:
        assert list_promises(uow.conn, "D-200")[0]["status"] == "broken"


def test_promise_kept_by_payment_before_its_date(loaded):
    with unit_of_work("collector") as uow:
        promise = record_promise(uow, invoice_numbers=["OB-5001"], amount=Decimal("5000.00"),
                                 promised_date=date(2026, 11, 30), made_on=date(2026, 11, 20))
    with unit_of_work("test") as uow:
        record_payment(uow, amount=Decimal("5000.00"), value_date=date(2026, 11, 25), customer_id="D-100",
                       applications=[ApplicationRequest("OB-5001", Decimal("5000.00"))])
    run = dun(date(2026, 12, 1))
    assert run.promises == [{"promise_id": promise, "status": "kept", "customer_id": "D-100", "invoices": ["OB-5001"],
                             "amount_minor": 500000, "paid_minor": 500000, "promised_date": "2026-11-30"}]
    assert len(events("promise.kept")) == 1


def test_promise_refusals(loaded):
    with pytest.raises(Conflict):
        with unit_of_work("c") as uow:
            record_promise(uow, invoice_numbers=["OB-5001", "OB-5002"], amount=Decimal("1"),
                           promised_date=date(2026, 12, 1))
    with pytest.raises(InvalidValue):
        with unit_of_work("c") as uow:
            record_promise(uow, invoice_numbers=["OB-5001"], amount=Decimal("0"), promised_date=date(2026, 12, 1))


def test_disputed_invoice_leaves_dunning_and_worklist_until_written_off(loaded):
    with unit_of_work("collector") as uow:
        dispute = open_dispute(uow, invoice_number="OB-5003", reason_code="damaged", owner="dana", note="box crushed")
    assert "OB-5003" not in levels(dun(date(2026, 11, 20)))
    with unit_of_work(read_only=True) as uow:
        assert "D-300" not in [e.customer_id for e in collections_worklist(uow.conn, date(2026, 11, 20))]
    with pytest.raises(Conflict):
        with unit_of_work("collector") as uow:
            open_dispute(uow, invoice_number="OB-5003", reason_code="damaged", owner="dana")
    with unit_of_work("controller") as uow:
        result = resolve_dispute(uow, dispute, "write_off")
    assert result["written_off_minor"] == 98000
    with unit_of_work(read_only=True) as uow:
        invoice = uow.conn.execute(select(t.invoices).where(t.invoices.c.invoice_number == "OB-5003")).mappings().one()
        assert (invoice["open_minor"], invoice["status"]) == (0, "written_off")
        assert trial_balance(uow.conn)["6900 Bad debt and write-offs"] == 98000
    assert [e["event_type"] for e in events("dispute.opened") + events("dispute.resolved")] == [
        "dispute.opened", "dispute.resolved"]
    assert len(events("invoice.written_off")) == 1
    books_balance()


def test_dispute_resolved_by_credit_memo_or_payment_resumes_dunning(loaded):
    with unit_of_work("billing") as uow:
        memo = issue_invoice(uow, customer_id="D-200", kind="credit_memo", issue_date=date(2026, 11, 15), lines=[
            {"line_no": 1, "item_id": "K-1001", "description": "price correction", "quantity": 1, "uom": "EA",
             "unit_price": Decimal("100.00")}])
        other = issue_invoice(uow, customer_id="D-100", kind="credit_memo", issue_date=date(2026, 11, 15), lines=[
            {"line_no": 1, "item_id": "K-1001", "description": "other customer", "quantity": 1, "uom": "EA",
             "unit_price": Decimal("10.00")}])
    with unit_of_work("collector") as uow:
        priced = open_dispute(uow, invoice_number="OB-5002", reason_code="pricing", owner="dana",
                              amount=Decimal("100.00"))
    with pytest.raises(Conflict):
        with unit_of_work("collector") as uow:
            resolve_dispute(uow, priced, "credit_memo", credit_memo=other)
    with unit_of_work("collector") as uow:
        resolve_dispute(uow, priced, "credit_memo", credit_memo=memo)
    with unit_of_work("collector") as uow:
        unfounded = open_dispute(uow, invoice_number="OB-5001", reason_code="not_received", owner="dana")
    assert "OB-5001" not in levels(dun(date(2026, 11, 20)))
    with unit_of_work("collector") as uow:
        resolve_dispute(uow, unfounded, "customer_paid", note="POD signed by receiving")
    assert "OB-5001" in levels(dun(date(2026, 11, 21)))
    with unit_of_work(read_only=True) as uow:
        rows = {r["dispute_id"]: r for r in list_disputes(uow.conn)}
    assert rows[priced]["resolution"] == "credit_memo" and rows[priced]["credit_memo"] == memo
    assert rows[unfounded]["note"] == "POD signed by receiving"
    books_balance()


def test_deductions_kept_back_by_payers_become_cases(loaded):
    with unit_of_work("cash") as uow:
        payment = record_payment(uow, amount=Decimal("3000.00"), value_date=date(2026, 11, 3), customer_id="D-200",
                                 applications=[ApplicationRequest("OB-5002", Decimal("3000.00"))])
        uow.conn.execute(insert(t.cash_deductions).values(
            payment_id=payment, invoice_number="OB-5002", amount_minor=31045, reason="SHORT SHIP 2 EA",
            status="open", created_at=uow.now))
    with unit_of_work("collector") as uow:
        created = open_deductions_from_payments(uow, owner="dana")
        assert open_deductions_from_payments(uow, owner="dana") == []
    with unit_of_work(read_only=True) as uow:
        case = list_disputes(uow.conn, "open")[0]
    assert (case["dispute_id"], case["kind"], case["reason_code"], case["amount"]) == (
        created[0], "deduction", "short_shipment", "310.45")
    assert "OB-5002" not in levels(dun(date(2026, 11, 20)))
    with unit_of_work("controller") as uow:
        resolve_dispute(uow, created[0], "write_off")
    with unit_of_work(read_only=True) as uow:
        assert uow.conn.execute(select(t.cash_deductions.c.status)).scalar_one() == "resolved"
    books_balance()


class _Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_letters_are_emailed_and_failed_ones_retried(loaded):
    closed = SmtpSettings("127.0.0.1", _free_port(), sender="ar@keystone.example", timeout=2)
    failed = dun(date(2026, 11, 20), send=True, smtp=closed)
    assert {l.status for l in failed.letters} == {"failed"} and len(events("dunning.delivery_failed")) == 3
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        smtp = SmtpSettings("127.0.0.1", controller.port, sender="ar@keystone.example", timeout=5)
        retry = dun(date(2026, 11, 21), send=True, smtp=smtp)
    finally:
        controller.stop()
    assert retry.letters == [] and {l.status for l in retry.retried} == {"sent"}
    assert sorted(e.rcpt_tos[0] for e in inbox.envelopes) == [
        "ap@harborview.example", "billing@lakeside-ortho.example", "orders@cedarridge.example"]
    assert b"application/pdf" in inbox.envelopes[0].content
    with unit_of_work(read_only=True) as uow:
        assert uow.conn.execute(select(func.count()).where(t.dunning_letters.c.status == "sent")).scalar_one() == 3


def test_a_level_already_reached_cannot_be_stored_again(loaded):
    """The database backs the rule: a run that raced another and planned the same (invoice, level)
    is refused as a whole, so no invoice ever gets a level twice."""
    from o2c.receivables.collections import STANDARD_POLICY, DunningAction
    from o2c.receivables.dunning import _store_letter
    dun(date(2026, 11, 20))
    stale = DunningAction("OB-5003", "D-300", 3, STANDARD_POLICY.level(3), 108, 98000, "USD", "days_past_due")
    with pytest.raises(Conflict):
        with unit_of_work("collector") as uow:
            _store_letter(uow, [stale], date(2026, 11, 20), b"%PDF")
    assert len(events("dunning.sent")) == 3
