"""Customer statements (open items with aging) and dunning letters, as HTML -> PDF.

Both take plain values defined here, not receivables objects, so that the collections code (or a
test, or the CLI) can build them from whatever it holds. Amounts are printed as given; the only
arithmetic is summing the open amounts into aging buckets, which is presentation of the lines.
Dunning letters come from one named template per level so that the wording of each level can be
reviewed (and changed by the credit department) without touching code.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from o2c.billing.document import Party
from o2c.billing.render.pdf import html_to_pdf, render_html
from o2c.kernel.errors import InvalidValue


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One open item. ``open_amount`` is negative for unapplied cash or an open credit memo."""

    invoice_number: str
    invoice_date: date
    due_date: date | None
    original_amount: Decimal
    open_amount: Decimal
    days_past_due: int
    po_number: str | None = None
    kind: str = "invoice"          # "invoice" | "credit_memo" | "payment"


@dataclass(frozen=True, slots=True)
class AgingBucket:
    label: str
    low: int | None                # days past due, inclusive; None = no lower bound (not yet due)
    high: int | None               # inclusive; None = open-ended
    amount: Decimal = Decimal("0")

    def holds(self, days_past_due: int) -> bool:
        return (self.low is None or days_past_due >= self.low) and (self.high is None or days_past_due <= self.high)


#: The buckets collectors and credit insurers use; "Current" is everything not yet past due.
DEFAULT_BUCKETS = (
    AgingBucket("Current", None, 0),
    AgingBucket("1-30 days", 1, 30),
    AgingBucket("31-60 days", 31, 60),
    AgingBucket("61-90 days", 61, 90),
    AgingBucket("Over 90 days", 91, None),
)


@dataclass(frozen=True, slots=True)
class Statement:
    seller: Party
    customer: Party
    statement_date: date
    currency: str
    lines: tuple[StatementLine, ...]
    remit_to: str | None = None               # free text: lockbox address or bank details
    notes: tuple[str, ...] = field(default=())


def age_lines(lines: tuple[StatementLine, ...] | list[StatementLine],
              buckets: tuple[AgingBucket, ...] = DEFAULT_BUCKETS) -> list[AgingBucket]:
    """Sum open amounts into the buckets. Every line must land in exactly one bucket, otherwise the
    bucket totals would not add up to the balance printed under them."""
    totals = {bucket.label: Decimal("0") for bucket in buckets}
    for line in lines:
        homes = [bucket for bucket in buckets if bucket.holds(line.days_past_due)]
        if len(homes) != 1:
            raise InvalidValue("days_past_due", f"{line.invoice_number}: {line.days_past_due} falls in "
                               f"{len(homes)} aging buckets")
        totals[homes[0].label] += line.open_amount
    return [AgingBucket(b.label, b.low, b.high, totals[b.label]) for b in buckets]


def balance(lines: tuple[StatementLine, ...] | list[StatementLine]) -> Decimal:
    return sum((line.open_amount for line in lines), Decimal("0"))


def statement_html(statement: Statement) -> str:
    lines = sorted(statement.lines, key=lambda l: (l.invoice_date, l.invoice_number))
    return render_html(
        "statement.html",
        st=statement,
        lines=lines,
        buckets=age_lines(lines),
        total_open=balance(lines),
        total_past_due=sum((l.open_amount for l in lines if l.days_past_due > 0), Decimal("0")),
    )


def render_statement_pdf(statement: Statement) -> bytes:
    """Statement of account as PDF bytes."""
    return html_to_pdf(statement_html(statement))


# ---------------------------------------------------------------- dunning

#: Level name -> template. Names, not numbers, so a fourth level can be added without renumbering.
DUNNING_TEMPLATES = {
    "friendly_reminder": "dunning/friendly_reminder.html",
    "second_notice": "dunning/second_notice.html",
    "final_notice": "dunning/final_notice.html",
}


@dataclass(frozen=True, slots=True)
class DunningLetter:
    level: str                                 # a key of DUNNING_TEMPLATES
    seller: Party
    customer: Party
    letter_date: date
    currency: str
    lines: tuple[StatementLine, ...]           # the overdue items this letter is about
    pay_by: date | None = None                 # deadline stated in the second and final notice
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    reference: str | None = None               # our letter/case number, quoted back by the customer


def dunning_html(letter: DunningLetter) -> str:
    template = DUNNING_TEMPLATES.get(letter.level)
    if template is None:
        raise InvalidValue("level", f"{letter.level!r} is not a dunning level; use one of "
                           + ", ".join(sorted(DUNNING_TEMPLATES)))
    if not letter.lines:
        raise InvalidValue("lines", "a dunning letter needs at least one overdue item")
    lines = sorted(letter.lines, key=lambda l: (l.due_date or l.invoice_date, l.invoice_number))
    return render_html(template, letter=letter, lines=lines, total_due=balance(lines),
                       oldest_days=max(l.days_past_due for l in lines))


def render_dunning_pdf(letter: DunningLetter) -> bytes:
    """Dunning letter for the letter's level as PDF bytes."""
    return html_to_pdf(dunning_html(letter))
