"""Worklist scoring and credit hold reasons, worked by hand."""
from datetime import date, timedelta
from decimal import Decimal

from o2c.receivables.collections import (DunningHistory, OpenItem, PaymentBehaviour, average_days_late, hold_reasons,
                                         risk_factor, score_worklist)

AS_OF = date(2026, 11, 20)


def item(number, customer, days, open_minor):
    return OpenItem(number, customer, AS_OF - timedelta(days=days), open_minor)


def test_risk_grows_with_lateness_broken_promises_and_disputes():
    assert risk_factor(PaymentBehaviour()) == Decimal("1")
    # 15 days late on average = +0.5, two broken promises = +1.0, one dispute = +0.25
    assert risk_factor(PaymentBehaviour(Decimal(15), 2, 1)) == Decimal("2.75")
    # lateness is capped at 90 days (+3)
    assert risk_factor(PaymentBehaviour(Decimal(400))) == Decimal("4")


def test_score_is_amount_times_days_past_due_times_risk():
    """C-1: 1,000.00 x 10 days + 500.00 x 40 days = 30,000 currency-days, risk 1 -> 30,000.
    C-2: 2,000.00 x 12 days = 24,000, but it pays 30 days late on average (risk 2) -> 48,000.
    C-3 has only a disputed invoice and an invoice not yet due: not on the list."""
    items = [item("A", "C-1", 10, 100000), item("B", "C-1", 40, 50000), item("C", "C-2", 12, 200000),
             item("D", "C-3", 50, 900000), item("E", "C-3", -5, 900000)]
    behaviour = {"C-2": PaymentBehaviour(Decimal(30))}
    history = DunningHistory(disputed=frozenset({"D"}))
    entries = score_worklist(items, behaviour, history, AS_OF)
    assert [(e.customer_id, e.score) for e in entries] == [("C-2", Decimal("48000.00")), ("C-1", Decimal("30000.00"))]
    assert entries[1].past_due_minor == 150000 and entries[1].oldest_days_past_due == 40
    assert entries[0].reasons[0] == "2,000.00 USD past due on 1 invoice(s), oldest 12 days"
    assert "pays 30.0 days late on average" in entries[0].reasons


def test_promised_invoices_count_a_quarter_and_say_so():
    items = [item("A", "C-1", 20, 100000)]
    entries = score_worklist(items, {}, DunningHistory(promised=frozenset({"A"})), AS_OF)
    assert entries[0].score == Decimal("5000.00")        # 1,000.00 x 20 x 0.25
    assert any("promise to pay pending on A" in r for r in entries[0].reasons)


def test_average_days_late_ignores_early_payment():
    due = date(2026, 10, 1)
    pairs = [(due, date(2026, 10, 11)), (due, date(2026, 9, 25)), (due, date(2026, 10, 21))]
    assert average_days_late(pairs) == Decimal("10.00")       # (10 + 0 + 20) / 3
    assert average_days_late([]) == Decimal(0)


def test_hold_reasons_for_credit_limit_and_days_past_due():
    assert hold_reasons(open_ar_minor=100000, credit_limit_minor=100000, oldest_days_past_due=90,
                        past_due_days=90) == []
    reasons = hold_reasons(open_ar_minor=100001, credit_limit_minor=100000, oldest_days_past_due=91, past_due_days=90)
    assert [r.code for r in reasons] == ["over_credit_limit", "past_due"]
    assert reasons[0].message == "open receivables 1,000.01 USD exceed the credit limit 1,000.00 USD"
    assert hold_reasons(open_ar_minor=10**9, credit_limit_minor=None, oldest_days_past_due=0, past_due_days=90) == []
