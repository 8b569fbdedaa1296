"""Run generated bank files through the parsers and the pure matching engine, and score them.

Scoring follows the acceptance scorer's rules: correct when exactly the expected invoices get the
expected cash (or, for a discount taken in time, the gross amount); wrong as soon as money lands on
an invoice that was not expected (the worst outcome); unapplied when nothing was applied although
something should have been; mismatch for the rest.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from o2c.cash.book import OpenItemBook
from o2c.cash.customers import CustomerDirectory
from o2c.cash.matching import CashMatcher
from o2c.cash.model import BankAccount, CustomerProfile, OpenItem, parse_terms
from o2c.formats.bank import parse_bank_file
from tests.unit.cash.variants.bankgen import Payment, Scenarios, World, build_world
from tests.unit.cash.variants.render import LOCKBOX_LAYOUTS, render_all

FORMATS = tuple(f"lockbox:{name}" for name in LOCKBOX_LAYOUTS) + ("bai2", "camt053", "camt054", "x12", "nacha")


@dataclass
class Bed:
    """A generated world with its bank files and the expected outcome per (file, bank_ref)."""

    world: World
    files: list[tuple[str, bytes]]
    expected: dict[tuple[str, str], Payment]


def build_bed(seed: int, per_format: int = 14) -> Bed:
    rng = random.Random(seed)
    world = build_world(rng)
    draw = Scenarios(world, rng)
    groups = {fmt: [] for fmt in FORMATS}
    for fmt in FORMATS:
        groups[fmt] = draw.draw(per_format, states_account=fmt != "nacha")
    files = render_all(groups, rng)
    names = {key: name for key, (name, _) in zip(groups, files)}
    expected = {(names[key], p.bank_ref): p for key, payments in groups.items() for p in payments}
    return Bed(world, files, expected)


def book_of(world: World) -> OpenItemBook:
    return OpenItemBook(OpenItem(i.number, i.cid, i.amount, i.amount, i.issued, i.due, "USD", i.po,
                                 i.discount_percent, i.discount_days) for i in world.invoices)


def directory_of(world: World) -> CustomerDirectory:
    """Master data names only, plus the remitter accounts learned from earlier confirmations."""
    profiles = []
    for c in world.customers:
        learned = world.learned_accounts.get(c.cid)
        accounts = (BankAccount(learned[1], learned[0]),) if learned else ()
        profiles.append(CustomerProfile(c.cid, c.name, (), accounts, (), parse_terms(c.terms)))
    return CustomerDirectory(profiles)


def classify(p: Payment, applied: dict[str, Decimal]) -> str:
    applied = {k: v for k, v in applied.items() if v}
    if any(number not in p.expect for number in applied):
        return "wrong"
    if not p.expect:
        return "correct"
    if not applied:
        return "unapplied"
    if set(applied) != set(p.expect):
        return "mismatch"
    ok = all(applied[n] == p.expect[n] or applied[n] == p.gross_ok.get(n) for n in p.expect)
    return "correct" if ok else "mismatch"


@dataclass
class Report:
    counts: Counter = field(default_factory=Counter)
    details: list[tuple[str, str, str, str, dict]] = field(default_factory=list)   # file, scenario, outcome, why

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def rate(self, outcome: str) -> float:
        return self.counts[outcome] / self.total if self.total else 0.0

    def add(self, file: str, p: Payment, outcome: str, why: str, applied: dict) -> None:
        self.counts[outcome] += 1
        self.details.append((file, p.scenario, outcome, why, applied))

    def failures(self) -> list:
        return [d for d in self.details if d[2] != "correct"]


def run_engine(bed: Bed) -> Report:
    """Parse each file, match in file order against one book (as ``o2c cash import`` does)."""
    matcher = CashMatcher(book_of(bed.world), directory_of(bed.world))
    report = Report()
    for name, data in bed.files:
        parsed = parse_bank_file(data, name)
        seen = set()
        for payment in parsed.payments:
            p = bed.expected.get((name, payment.bank_ref))
            if p is None:
                raise AssertionError(f"{name}: unexpected payment {payment.bank_ref}")
            seen.add(payment.bank_ref)
            result = matcher.match_and_apply(payment)
            applied: dict[str, Decimal] = {}
            for app in result.applications:
                applied[app.invoice_number] = applied.get(app.invoice_number, Decimal(0)) + app.amount
            report.add(name, p, classify(p, applied), "; ".join(result.explanation[-2:]), applied)
        for (fname, ref), p in bed.expected.items():
            if fname == name and ref not in seen:
                report.add(name, p, "missing", "not parsed", {})
    return report
