"""Plain values of cash application: what is owed, who owes it, and what a payment was matched to.

These are deliberately free of any database or file format so that the matching engine can be run
on anything (the store, a CSV, a generated bench) and its results stored by whoever called it.
Amounts are exact ``Decimal`` values; no float ever enters.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ZERO = Decimal("0")

#: result statuses, as the ``o2c cash import`` contract names them
APPLIED, PARTIAL, UNAPPLIED, EXCEPTION = "applied", "partial", "unapplied", "exception"

#: kinds of application
KIND_FULL, KIND_PARTIAL, KIND_DISCOUNT = "full", "partial", "discount"


@dataclass(frozen=True, slots=True)
class Terms:
    """Payment terms such as ``2/10 NET30``: an early-payment discount and the net days.

    Kept apart from the customer so that an invoice can carry the terms it was billed on.
    """

    net_days: int | None = None
    discount_percent: Decimal = ZERO
    discount_days: int = 0

    @property
    def has_discount(self) -> bool:
        return self.discount_percent > 0 and self.discount_days > 0




def parse_terms(text: str | None) -> Terms:
    """Read terms as customers' master data writes them (``NET30``, ``2/10 NET30``, ``1.5/15 net 45``),
    with the billing parser (``o2c.billing.terms``).

    Unknown text yields no discount rather than an error: a missing discount only makes the matcher
    more careful, while an invented one would settle invoices that are still owed.
    """
    from o2c.billing.terms import PaymentTerms
    from o2c.kernel.errors import InvalidValue
    if not text:
        return Terms()
    try:
        terms = PaymentTerms.parse(text)
    except InvalidValue:
        return Terms()
    return Terms(net_days=terms.net_days, discount_percent=terms.discount_percent or ZERO,
                 discount_days=terms.discount_days or 0)


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An invoice (or other receivable) with the amount still owed on it."""

    invoice_number: str
    customer_id: str
    open_amount: Decimal
    original_amount: Decimal | None = None
    invoice_date: date | None = None
    due_date: date | None = None
    currency: str = "USD"
    po_number: str | None = None
    discount_percent: Decimal = ZERO
    discount_days: int = 0

    @property
    def gross(self) -> Decimal:
        """The amount the early-payment discount is computed on: the billed amount."""
        return self.original_amount if self.original_amount is not None else self.open_amount


@dataclass(frozen=True, slots=True)
class BankAccount:
    """A remitter account as banks state it: routing (ABA/BIC) plus account number, or an IBAN."""

    account: str
    routing: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerProfile:
    """What lets us recognise a payer: its names, the accounts it pays from, its reference habits."""

    customer_id: str
    name: str
    aliases: tuple[str, ...] = ()
    accounts: tuple[BankAccount, ...] = ()
    reference_patterns: tuple[str, ...] = ()   # regexes learned from confirmed payments
    terms: Terms = field(default_factory=Terms)


@dataclass(frozen=True, slots=True)
class Application:
    """Cash put on one invoice. ``amount`` is cash; ``discount_taken`` settles the rest of the invoice."""

    invoice_number: str
    amount: Decimal
    discount_taken: Decimal = ZERO
    kind: str = KIND_FULL
    customer_id: str | None = None


@dataclass(frozen=True, slots=True)
class Deduction:
    """An amount the payer kept back on an invoice, with its stated reason when there is one."""

    invoice_number: str
    amount: Decimal
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A plausible match a person should confirm; ranked by confidence."""

    applications: tuple[Application, ...]
    confidence: float
    strategy: str
    explanation: str
    customer_id: str | None = None


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The outcome of matching one payment; the caller posts it or queues it for a person."""

    status: str
    customer_id: str | None
    applications: tuple[Application, ...] = ()
    deductions: tuple[Deduction, ...] = ()
    unapplied_amount: Decimal = ZERO
    confidence: float = 0.0
    suggestions: tuple[Suggestion, ...] = ()
    explanation: tuple[str, ...] = ()
    strategy: str | None = None

    @property
    def applied_amount(self) -> Decimal:
        return sum((a.amount for a in self.applications), ZERO)
