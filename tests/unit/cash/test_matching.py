"""The engine on hand-made cases: every strategy, the edge cases, and the ways it must refuse."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from o2c.cash.book import OpenItemBook
from o2c.cash.customers import CustomerDirectory
from o2c.cash.matching import CashMatcher, MatchConfig, match_payment
from o2c.cash.model import BankAccount, CustomerProfile, OpenItem
from o2c.cash.payment import IncomingPayment, RemittanceLine
from o2c.cash.strategies import APPLICATION_STRATEGIES, Candidate, Outcome, application_strategy

PAID_ON = date(2026, 11, 20)


def item(number, customer, amount, invoice_date=date(2026, 10, 1), disc=D(0), days=0):
    return OpenItem(number, customer, D(amount), D(amount), invoice_date, None, "USD", None, disc, days)


def customers():
    return CustomerDirectory([
        CustomerProfile("C1", "Eastbrook General Hospital", accounts=(BankAccount("111222333", "021000021"),)),
        CustomerProfile("C2", "Summit Valley Hospital"),
        CustomerProfile("C3", "Lakeshore Surgery Center"),
    ])


def book(*items):
    return OpenItemBook(items or [
        item("INV-1001", "C1", "1000.00", date(2026, 9, 1)),
        item("INV-1002", "C1", "2500.00", date(2026, 9, 15)),
        item("INV-1003", "C1", "799.99", date(2026, 10, 1)),
        item("INV-2001", "C2", "1500.00", date(2026, 10, 2)),
        item("INV-2002", "C2", "640.00", date(2026, 10, 3)),
    ])


def pay(amount, payer=None, refs=(), text=None, account=None, when=PAID_ON, lines=None):
    remit = tuple(lines) if lines is not None else tuple(RemittanceLine(r) for r in refs)
    return IncomingPayment("t", "test", "REF1", D(amount), value_date=when, payer_name=payer,
                           payer_account=account, free_text=text, remittance=remit)


def run(payment, the_book=None, config=None):
    return match_payment(payment, the_book or book(), customers(), config)


def applied(result):
    return {a.invoice_number: a.amount for a in result.applications}


# ------------------------------------------------------------------ references

def test_exact_reference_exact_amount():
    r = run(pay("1000.00", "EASTBROOK GEN HOSP", ["INV-1001"]))
    assert r.status == "applied" and applied(r) == {"INV-1001": D("1000.00")} and r.customer_id == "C1"
    assert r.confidence >= 0.95 and r.explanation


def test_reference_in_free_text_without_dash():
    r = run(pay("640.00", "SUMMIT VLY HOSP", text="ACH CREDIT REMIT: INV2002"))
    assert r.status == "applied" and applied(r) == {"INV-2002": D("640.00")}


def test_ocr_reference_corroborated_by_customer():
    r = run(pay("600.00", "SUMMIT VALLEY HOSPITAL", text="OBI:INV-20O2"))
    assert r.status == "partial" and applied(r) == {"INV-2002": D("600.00")}


def test_ocr_reference_corroborated_by_amount_alone():
    r = run(pay("640.00", "SOMEONE ELSE", ["INV-20O2"]))
    assert applied(r) == {"INV-2002": D("640.00")}


def test_ocr_reference_without_corroboration_is_not_applied():
    r = run(pay("333.00", "SOMEONE ELSE", ["INV-20O2"]))
    assert r.status == "exception" and not r.applications
    assert r.suggestions and r.suggestions[0].applications[0].invoice_number == "INV-2002"


def test_unknown_reference_from_unknown_payer_stays_unapplied():
    r = run(pay("1551.60", "ACME DENTAL LAB INC", text="INV 94101"))
    assert r.status == "unapplied" and not r.applications and r.unapplied_amount == D("1551.60")


def test_bare_number_in_free_text_needs_corroboration():
    r = run(pay("77.00", "NOBODY", text="ORIGINATOR 1001 PAYMENT"))
    assert not r.applications


def test_short_pay_keeps_the_reason():
    line = RemittanceLine("INV-1002", amount_paid=D("2380.00"), adjustment=D("120.00"),
                          adjustment_reason="PRICING DISPUTE")
    r = run(pay("2380.00", "EASTBROOK GEN HOSP", lines=[line]))
    assert r.status == "partial" and applied(r) == {"INV-1002": D("2380.00")}
    assert [(d.invoice_number, d.amount, d.reason) for d in r.deductions] == [("INV-1002", D("120.00"), "PRICING DISPUTE")]


def test_short_pay_without_line_amount():
    r = run(pay("900.00", "EASTBROOK GEN HOSP", ["INV-1001"]))
    assert r.status == "partial" and applied(r) == {"INV-1001": D("900.00")}
    assert r.deductions[0].amount == D("100.00") and r.deductions[0].reason == "short payment"


def test_overpay_leaves_the_rest_on_account():
    r = run(pay("1048.50", "EASTBROOK GEN HOSP", ["INV-1001"]))
    assert r.status == "partial" and applied(r) == {"INV-1001": D("1000.00")}
    assert r.unapplied_amount == D("48.50")


def test_multi_reference_exact_total():
    r = run(pay("3500.00", "EASTBROOK GEN HOSP", text="REMIT: INV-1001 1,000.00; INV-1002 2,500.00"))
    assert r.status == "applied" and applied(r) == {"INV-1001": D("1000.00"), "INV-1002": D("2500.00")}


@pytest.mark.parametrize("order, expected", [
    ("oldest_first", {"INV-1001": D("1000.00"), "INV-1002": D("1000.00")}),
    ("referenced_first", {"INV-1002": D("2000.00")}),
])
def test_partial_allocation_order(order, expected):
    p = pay("2000.00", "EASTBROOK GEN HOSP", ["INV-1002", "INV-1001"])
    r = run(p, config=MatchConfig(allocation_order=order))
    assert r.status == "partial" and applied(r) == expected


def test_reference_to_another_customer_with_exact_number_is_honoured():
    r = run(pay("1500.00", "EASTBROOK GEN HOSP", ["INV-2001"]))
    assert applied(r) == {"INV-2001": D("1500.00")} and r.customer_id == "C2"


def test_settled_reference_is_not_applied_twice():
    the_book = book()
    matcher = CashMatcher(the_book, customers())
    first = matcher.match_and_apply(pay("1000.00", "EASTBROOK GEN HOSP", ["INV-1001"]))
    assert first.status == "applied" and not the_book.is_open("INV-1001")
    second = matcher.match_and_apply(pay("1000.00", "NOBODY", ["INV-1001"]))
    assert not second.applications


def test_earlier_payments_reduce_the_book():
    the_book = book()
    matcher = CashMatcher(the_book, customers())
    matcher.match_and_apply(pay("400.00", "EASTBROOK GEN HOSP", ["INV-1001"]))
    r = matcher.match_and_apply(pay("600.00", "EASTBROOK GEN HOSP", ["INV-1001"]))
    assert r.status == "applied" and applied(r) == {"INV-1001": D("600.00")}


# ------------------------------------------------------------------ discounts

def disc_book():
    return book(item("INV-3001", "C3", "2392.13", date(2026, 11, 10), D(2), 10),
                item("INV-3002", "C3", "5000.00", date(2026, 9, 1), D(2), 10))


@pytest.mark.parametrize("day, status", [(date(2026, 11, 20), "applied"), (date(2026, 11, 21), "partial")])
def test_discount_boundary_day(day, status):
    r = run(pay("2344.29", "LAKESHORE SURGERY CTR", ["INV-3001"], when=day), disc_book())
    assert r.status == status and applied(r) == {"INV-3001": D("2344.29")}
    if status == "applied":
        assert r.applications[0].discount_taken == D("47.84") and not r.deductions
    else:
        assert r.deductions[0].amount == D("47.84")


def test_discount_stated_by_the_payer():
    line = RemittanceLine("INV-3001", amount_paid=D("2344.29"), discount=D("47.84"))
    r = run(pay("2344.29", "LAKESHORE SURGERY CTR", lines=[line]), disc_book())
    assert r.status == "applied" and r.applications[0].discount_taken == D("47.84")


def test_discount_found_by_amount_without_reference():
    r = run(pay("2344.29", "LAKESHORE SURGERY CENTER"), disc_book())
    assert r.status == "applied" and applied(r) == {"INV-3001": D("2344.29")}
    assert r.strategy == "discount_amount"


def test_late_discount_without_reference_is_not_applied():
    r = run(pay("2344.29", "LAKESHORE SURGERY CENTER", when=date(2026, 12, 1)), disc_book())
    assert not r.applications


# ------------------------------------------------------------------ amounts only

def test_no_remittance_unique_amount_of_recognised_payer():
    r = run(pay("2500.00", "EASTBROOK GEN HOSP"))
    assert r.status == "applied" and applied(r) == {"INV-1002": D("2500.00")} and r.strategy == "exact_amount"


def test_account_identifies_the_payer():
    r = run(pay("2500.00", "XYZ TREASURY", account="111222333"))
    assert applied(r) == {"INV-1002": D("2500.00")}


def test_same_amount_of_another_customer_is_never_taken():
    r = run(pay("1500.00", "EASTBROOK GEN HOSP"))   # INV-2001 belongs to C2
    assert not r.applications and r.status in ("unapplied", "exception")


def test_same_amount_with_unknown_payer_is_only_a_suggestion():
    r = run(pay("1500.00", "J SMITH"))
    assert r.status == "exception" and not r.applications
    assert r.suggestions[0].applications[0].invoice_number == "INV-2001"


def test_two_items_with_the_amount_are_ambiguous():
    the_book = book(item("A", "C3", "1708.69", date(2026, 9, 1)), item("B", "C3", "1708.69", date(2026, 9, 5)))
    r = run(pay("1708.69", "LAKESHORE SURGERY CENTER LLC"), the_book)
    assert r.status == "exception" and not r.applications
    assert [s.applications[0].invoice_number for s in r.suggestions] == ["A", "B"]


def test_no_match_stays_unapplied():
    r = run(pay("3438.59", "EASTBROOK GEN HOSP"))
    assert r.status == "unapplied" and r.customer_id == "C1" and r.unapplied_amount == D("3438.59")


def test_unique_combination_is_applied():
    r = run(pay("3299.99", "EASTBROOK GEN HOSP"))   # 2500.00 + 799.99
    assert r.status == "applied" and applied(r) == {"INV-1002": D("2500.00"), "INV-1003": D("799.99")}
    assert r.strategy == "combination"


def test_ambiguous_combination_is_an_exception():
    the_book = book(item("A", "C3", "100.00"), item("B", "C3", "200.00"), item("C", "C3", "300.00"),
                    item("D", "C3", "400.00"))
    r = run(pay("500.00", "LAKESHORE SURGERY CENTER"), the_book)
    assert r.status == "exception" and not r.applications and len(r.suggestions) >= 2


def test_exhausted_combination_budget_is_not_applied():
    items = [item(f"X{k}", "C3", f"{1000 + 7 * k}.13") for k in range(40)]
    target = sum(i.open_amount for i in items[::5])
    r = run(pay(str(target), "LAKESHORE SURGERY CENTER"), book(*items), MatchConfig(subset_node_budget=200))
    assert not r.applications


def test_unidentified_payer_gets_no_combination():
    r = run(pay("3299.99", "J SMITH"))
    assert not r.applications


def test_debit_is_not_matched():
    p = IncomingPayment("t", "test", "R", D("10.00"), is_credit=False)
    assert run(p).status == "unapplied"


# ------------------------------------------------------------------ registry

def test_strategies_run_in_configured_order_and_can_be_added():
    calls = []

    @application_strategy("test_probe")
    def probe(ctx):
        calls.append(ctx.payment.bank_ref)
        return Outcome((Candidate("test_probe", 0.99, "C1", ()),))

    try:
        config = MatchConfig(strategies=("test_probe", "exact_amount"))
        r = run(pay("2500.00", "EASTBROOK GEN HOSP"), config=config)
        assert calls == ["REF1"] and r.strategy == "test_probe"
        r = run(pay("2500.00", "EASTBROOK GEN HOSP"), config=MatchConfig(strategies=("exact_amount",)))
        assert r.strategy == "exact_amount"
    finally:
        APPLICATION_STRATEGIES.pop("test_probe")


def test_bare_number_of_the_same_customer_needs_the_amount_too():
    r = run(pay("77.00", "EASTBROOK GEN HOSP", text="CHECK 1002 TRACE 99"))
    assert "INV-1002" not in applied(r)
    r = run(pay("2500.00", "EASTBROOK GEN HOSP", text="CHECK 1002"))
    assert applied(r) == {"INV-1002": D("2500.00")}
