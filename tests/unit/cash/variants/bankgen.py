"""A seeded generator of bank files that vary the way real banks and payers do.

The visible corpus is three files from three banks; the payments o2c meets in production come from
many more layouts. This module builds a small receivables world (customers with terms, invoices)
and renders the same kinds of payment - exact pay, several invoices, discounts, short and over
pays, OCR-noisy references, no remittance at all - in every supported format with the layout
differences banks actually show, together with the expected outcome of each payment. It is test
code: deterministic for a seed and fast enough to run on every test session.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

D = Decimal
CENT = D("0.01")
BASE_DAY = date(2026, 10, 1)


# ====================================================================== the receivables world

@dataclass(frozen=True)
class Customer:
    """A customer as master data knows it, and the names and accounts it pays under."""

    cid: str
    name: str
    terms: str
    payer_names: tuple[str, ...]
    account: str
    routing: str


@dataclass(frozen=True)
class Invoice:
    number: str
    cid: str
    issued: date
    amount: Decimal
    po: str
    discount_percent: Decimal = D(0)
    discount_days: int = 0

    @property
    def due(self) -> date:
        return self.issued + timedelta(days=30)

    def discounted(self) -> Decimal:
        return self.amount - (self.amount * self.discount_percent / 100).quantize(CENT)


CUSTOMERS = (
    Customer("V-100", "St. Mary's Regional Medical Center", "2/10 NET30",
             ("ST MARYS REG MED CTR", "SMRMC AP", "ST. MARY'S REGIONAL MEDICAL"), "88001234", "071000013"),
    Customer("V-110", "Lakeshore Health System", "NET30",
             ("LAKESHORE HEALTH SYSTEM", "LAKESHORE HLTH SYS AP"), "77004411", "021000021"),
    Customer("V-111", "Lakeshore Children's Hospital", "NET30",
             ("LAKESHORE CHILDRENS HOSP",), "77009900", "021000021"),
    Customer("V-120", "Northgate Orthopedic Associates", "NET45",
             ("NORTHGATE ORTHO ASSOC", "NORTHGATE ORTHOPEDIC"), "55102030", "111000025"),
    Customer("V-130", "Riverbend Surgery Center LLC", "1/15 NET45",
             ("RIVERBEND SURGERY CTR", "RIVERBEND SURG CENTER"), "44556677", "122000247"),
    Customer("V-140", "Harbor Point Clinic", "NET30",
             ("HARBOR POINT CLINIC", "HARBOR PT CLINIC"), "33221100", "026009593"),
    Customer("V-150", "Summit Valley Hospital", "2/10 NET30",
             ("SUMMIT VLY HOSP", "SUMMIT VALLEY HOSPITAL AP"), "99887766", "031000503"),
    Customer("V-160", "Pacific Crest Imaging Partners", "NET60",
             ("PACIFIC CREST IMAGING", "PAC CREST IMAGING PTNRS"), "12312399", "121000248"),
)


def _terms(text: str) -> tuple[Decimal, int]:
    if "/" in text:
        pct, days = text.split()[0].split("/")
        return D(pct), int(days)
    return D(0), 0


@dataclass
class World:
    customers: tuple[Customer, ...]
    invoices: list[Invoice]
    learned_accounts: dict[str, tuple[str, str]] = field(default_factory=dict)   # cid -> (routing, account)

    def of(self, cid: str) -> list[Invoice]:
        return [i for i in self.invoices if i.cid == cid]

    def customer(self, cid: str) -> Customer:
        return next(c for c in self.customers if c.cid == cid)


def build_world(rng: random.Random, per_customer: int = 40) -> World:
    """Invoices with distinct amounts per customer, plus one deliberate duplicate amount per
    customer (the ambiguous case) and amounts shared across customers (the cross-customer trap)."""
    invoices: list[Invoice] = []
    number = 204001
    used: set[Decimal] = set()
    for cust in CUSTOMERS:
        pct, days = _terms(cust.terms)
        for k in range(per_customer):
            amount = D(rng.randint(15000, 2500000)) / 100
            while amount in used:
                amount += D("1.37")
            used.add(amount)
            issued = BASE_DAY + timedelta(days=rng.randint(0, 40))
            invoices.append(Invoice(f"INV-{number}", cust.cid, issued, amount, f"PO{700000 + number % 9973}",
                                    pct, days))
            number += rng.choice((1, 2, 3))
    return World(CUSTOMERS, invoices)


# ====================================================================== payments and expectations

@dataclass
class Line:
    """One invoice as the payer states it (reference text as written, amounts when stated)."""

    ref: str
    paid: Decimal | None = None
    gross: Decimal | None = None
    discount: Decimal | None = None
    adjustment: Decimal | None = None
    reason: str | None = None


@dataclass
class Payment:
    """A payment to render, and what a correct cash application does with it.

    ``expect`` maps invoice -> cash applied; empty means nothing may be applied. ``gross_ok`` lists
    invoices where the gross invoice amount is accepted too (discount taken within terms)."""

    scenario: str
    cid: str | None
    payer_name: str | None
    amount: Decimal
    value_date: date
    lines: list[Line] = field(default_factory=list)
    text: str | None = None            # free remittance text (BAI2 88, camt Ustrd, NACHA addenda)
    account: tuple[str, str] | None = None    # (routing, account) of the remitter
    expect: dict[str, Decimal] = field(default_factory=dict)
    gross_ok: dict[str, Decimal] = field(default_factory=dict)
    bank_ref: str = ""


def _ocr(rng: random.Random, number: str) -> str:
    """The invoice number as a scanner or a hurried clerk writes it."""
    digits = number.split("-")[1]
    style = rng.choice(("o0", "nodash", "noprefix", "lower", "i1"))
    if style == "o0" and "0" in digits:
        pos = digits.index("0")
        return "INV-" + digits[:pos] + "O" + digits[pos + 1:]
    if style == "i1" and "1" in digits:
        pos = digits.index("1")
        return "INV-" + digits[:pos] + "I" + digits[pos + 1:]
    if style == "nodash":
        return "INV" + digits
    if style == "lower":
        return "inv " + digits
    return digits


class Scenarios:
    """Draws payments one scenario at a time, taking each invoice at most once."""

    def __init__(self, world: World, rng: random.Random):
        self.world, self.rng = world, rng
        self.taken: set[str] = set()

    def _fresh(self, cid: str, n: int = 1, discount: bool | None = None) -> list[Invoice]:
        pool = [i for i in self.world.of(cid) if i.number not in self.taken
                and (discount is None or bool(i.discount_percent) == discount)]
        picked = self.rng.sample(pool, n)
        self.taken.update(i.number for i in picked)
        return picked

    def _customer(self, discount: bool = False) -> Customer:
        pool = [c for c in self.world.customers if not discount or "/" in c.terms]
        pool = [c for c in pool if c.cid != "V-111"]   # the child hospital is kept for its parent's payments
        return self.rng.choice(pool)

    def _pay(self, scenario: str, cust: Customer | None, amount: Decimal, when: date, **kw) -> Payment:
        name = self.rng.choice(cust.payer_names) if cust else None
        return Payment(scenario, cust.cid if cust else None, name, amount, when, **kw)

    # ------------------------------------------------------------ scenarios

    def exact(self) -> Payment:
        cust = self._customer()
        (inv,) = self._fresh(cust.cid)
        return self._pay("exact", cust, inv.amount, inv.due, lines=[Line(inv.number, inv.amount)],
                         expect={inv.number: inv.amount})

    def several(self) -> Payment:
        cust = self._customer()
        invs = self._fresh(cust.cid, self.rng.choice((2, 3)))
        total = sum((i.amount for i in invs), D(0))
        return self._pay("several", cust, total, max(i.due for i in invs),
                         lines=[Line(i.number, i.amount) for i in invs], expect={i.number: i.amount for i in invs})

    def discount_in_terms(self) -> Payment:
        cust = self._customer(discount=True)
        (inv,) = self._fresh(cust.cid)
        cash = inv.discounted()
        return self._pay("discount_in_terms", cust, cash, inv.issued + timedelta(days=inv.discount_days - 2),
                         lines=[Line(inv.number, cash, inv.amount, inv.amount - cash)],
                         expect={inv.number: cash}, gross_ok={inv.number: inv.amount})

    def discount_late(self) -> Payment:
        """Discount taken after the window: the cash goes on the invoice, the rest stays open."""
        cust = self._customer(discount=True)
        (inv,) = self._fresh(cust.cid)
        cash = inv.discounted()
        return self._pay("discount_late", cust, cash, inv.issued + timedelta(days=inv.discount_days + 12),
                         lines=[Line(inv.number, cash, inv.amount, inv.amount - cash)], expect={inv.number: cash})

    def short_pay(self, with_reason: bool) -> Payment:
        cust = self._customer()
        (inv,) = self._fresh(cust.cid)
        kept = (inv.amount * D("0.1")).quantize(CENT)
        cash = inv.amount - kept
        line = Line(inv.number, cash, inv.amount, None, kept if with_reason else None,
                    "DAMAGED GOODS" if with_reason else None)
        return self._pay("short_reason" if with_reason else "short_plain", cust, cash, inv.due, lines=[line],
                         expect={inv.number: cash})

    def overpay(self) -> Payment:
        cust = self._customer()
        (inv,) = self._fresh(cust.cid)
        extra = D(self.rng.randint(100, 5000)) / 100
        return self._pay("overpay", cust, inv.amount + extra, inv.due, lines=[Line(inv.number)],
                         expect={inv.number: inv.amount})

    def ocr_noise(self) -> Payment:
        cust = self._customer()
        (inv,) = self._fresh(cust.cid)
        return self._pay("ocr", cust, inv.amount, inv.due, lines=[Line(_ocr(self.rng, inv.number), inv.amount)],
                         expect={inv.number: inv.amount})

    def parent_pays_child(self) -> Payment:
        parent, child = self.world.customer("V-110"), self.world.customer("V-111")
        invs = self._fresh(child.cid, 2)
        total = sum((i.amount for i in invs), D(0))
        return self._pay("parent_pays_child", parent, total, max(i.due for i in invs),
                         lines=[Line(i.number, i.amount) for i in invs], expect={i.number: i.amount for i in invs})

    def unique_amount(self) -> Payment:
        cust = self._customer()
        (inv,) = self._fresh(cust.cid)
        return self._pay("no_remit_unique", cust, inv.amount, inv.due, expect={inv.number: inv.amount})

    def ambiguous_amount(self) -> Payment:
        """Two open invoices of the payer carry the paid amount: a person must choose."""
        cust = self._customer()
        first, second = self._fresh(cust.cid, 2)
        twin = Invoice(second.number, second.cid, second.issued, first.amount, second.po,
                       second.discount_percent, second.discount_days)
        self.world.invoices[self.world.invoices.index(second)] = twin
        return self._pay("no_remit_ambiguous", cust, first.amount, first.due)

    def other_customers_amount(self) -> Payment:
        """The paid amount is owed by another customer only: it must not land there."""
        cust = self._customer()
        other = self.rng.choice([c for c in self.world.customers if c.cid not in (cust.cid, "V-111")])
        (inv,) = self._fresh(other.cid)
        return self._pay("other_customer_amount", cust, inv.amount, inv.due)

    def known_account(self) -> Payment:
        """An unrecognisable payer name, but a remitter account learned earlier for this customer."""
        cust = self._customer()
        (inv,) = self._fresh(cust.cid)
        routing, account = cust.routing, cust.account
        self.world.learned_accounts[cust.cid] = (routing, account)
        return Payment("known_account", cust.cid, "TREASURY SVCS 0042", inv.amount, inv.due,
                       account=(routing, account), expect={inv.number: inv.amount})

    def draw(self, n: int, states_account: bool = True) -> list[Payment]:
        """``n`` payments cycling through the scenarios; a format that never states the remitter's
        account (NACHA) gets no known-account payment, since nothing could identify its payer."""
        makers = [self.exact, self.several, self.discount_in_terms, self.discount_late,
                  lambda: self.short_pay(True), lambda: self.short_pay(False), self.overpay, self.ocr_noise,
                  self.unique_amount, self.ambiguous_amount, self.other_customers_amount,
                  self.known_account if states_account else self.ocr_noise, self.exact, self.several]
        out = []
        for k in range(n):
            out.append(makers[k % len(makers)]())
        out.append(self.parent_pays_child())
        return out


# ====================================================================== shared rendering helpers

def money(value: Decimal) -> str:
    return f"{value:.2f}"


def cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def short_num(number: str) -> str:
    """``INV-204011`` -> ``204011``: how many payers quote our invoice numbers."""
    return number.split("-", 1)[1] if number.startswith("INV-") else number
