"""Scale: a generated ledger stays fast and right. The 10k x 100k figure is in the bench, not here."""
from __future__ import annotations

import time

from o2c.cash.bench import generate
from o2c.cash.book import OpenItemBook
from o2c.cash.customers import CustomerDirectory
from o2c.cash.matching import CashMatcher


def test_generated_payments_are_matched_quickly_and_never_wrongly():
    customers, items, payments = generate(n_customers=200, n_items=5000, n_payments=500, seed=3)
    started = time.perf_counter()
    matcher = CashMatcher(OpenItemBook(items), CustomerDirectory(customers))
    results = [(p, matcher.match_and_apply(p)) for p in payments]
    elapsed = time.perf_counter() - started
    wrong = [(p.bank_ref, r.applications) for p, r in results
             if any(a.invoice_number != p.extra["expect"] for a in r.applications)]
    applied = sum(1 for _, r in results if r.applications)
    assert wrong == []
    assert applied >= 0.9 * len(payments)
    assert elapsed < 10
