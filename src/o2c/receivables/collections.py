"""Collections rules, pure: which dunning letter each overdue invoice is due, and whom to call first.

Nothing here reads the database or the clock. The use cases (``dunning.py``, ``credit.py``...) gather
open items and history, hand them to these functions together with the as-of date, and store what
comes back. That keeps the rules testable with plain values and lets a company see its policy as
data: a dunning policy is a list of levels read from configuration, not code.

Amounts are integer minor units, as stored; scores are ``Decimal`` so ordering never depends on
float rounding.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable, Mapping

from o2c.kernel.errors import InvalidValue
from o2c.kernel.money import from_minor, parse_decimal, round_money, to_minor

#: The letters the billing renderer has templates for; a level must name one of them.
KNOWN_TEMPLATES = ("friendly_reminder", "second_notice", "final_notice")
CHANNELS = ("email", "print")


# ------------------------------------------------------------------ dunning policy
@dataclass(frozen=True, slots=True)
class DunningLevel:
    """One step of the policy: from ``days_past_due`` on, the invoice is due this letter."""

    template: str
    days_past_due: int
    fee_minor: int = 0
    channel: str = "email"


@dataclass(frozen=True, slots=True)
class DunningPolicy:
    """Levels in escalating order (level 1 is the first letter). ``pay_within_days`` sets the
    deadline printed on second and final notices."""

    levels: tuple[DunningLevel, ...]
    pay_within_days: int = 10

    def __post_init__(self):
        if not self.levels:
            raise InvalidValue("dunning.levels", "a dunning policy needs at least one level")
        days = [level.days_past_due for level in self.levels]
        if days != sorted(days) or len(set(days)) != len(days):
            raise InvalidValue("dunning.levels", f"levels must escalate with strictly increasing days past due, "
                               f"not {days}")
        for level in self.levels:
            if level.days_past_due < 1:
                raise InvalidValue("dunning.levels", f"{level.template}: a letter can only go to an invoice that "
                                   "is past due (days_past_due >= 1)")
            if level.channel not in CHANNELS:
                raise InvalidValue("dunning.levels", f"{level.template}: channel {level.channel!r} is not one of "
                                   + ", ".join(CHANNELS))

    def level(self, number: int) -> DunningLevel:
        return self.levels[number - 1]

    def level_by_days(self, days_past_due: int) -> int:
        """The highest level (1-based) the invoice's lateness has reached, 0 for none yet."""
        reached = 0
        for number, level in enumerate(self.levels, start=1):
            if days_past_due >= level.days_past_due:
                reached = number
        return reached


STANDARD_POLICY = DunningPolicy((
    DunningLevel("friendly_reminder", 1),
    DunningLevel("second_notice", 15),
    DunningLevel("final_notice", 30),
))


def policy_from_config(config: Mapping | None) -> DunningPolicy:
    """Build the policy from the ``[collections.dunning]`` configuration table, e.g.::

        [[collections.dunning.levels]]
        template = "friendly_reminder"
        days_past_due = 5
        fee = "0"

    Any level missing a template or days is refused with the field named, since a policy that
    silently dropped a level would under-dun every customer."""
    if not config or not config.get("levels"):
        return DunningPolicy(STANDARD_POLICY.levels, int((config or {}).get("pay_within_days", 10)))
    levels = []
    for index, raw in enumerate(config["levels"], start=1):
        template = raw.get("template")
        if template not in KNOWN_TEMPLATES:
            raise InvalidValue(f"dunning.levels[{index}].template",
                               f"{template!r} is not one of " + ", ".join(KNOWN_TEMPLATES))
        if "days_past_due" not in raw:
            raise InvalidValue(f"dunning.levels[{index}].days_past_due", "is required")
        fee = parse_decimal(str(raw.get("fee", "0")), f"dunning.levels[{index}].fee")
        levels.append(DunningLevel(template, int(raw["days_past_due"]), to_minor(round_money(fee)),
                                   str(raw.get("channel", "email"))))
    return DunningPolicy(tuple(levels), int(config.get("pay_within_days", 10)))


# ------------------------------------------------------------------ what dunning looks at
@dataclass(frozen=True, slots=True)
class OpenItem:
    """An open receivable as collections sees it (credits and unapplied cash are not dunned)."""

    invoice_number: str
    customer_id: str
    due_date: date
    open_minor: int
    currency: str = "USD"

    def days_past_due(self, as_of: date) -> int:
        return (as_of - self.due_date).days


@dataclass(frozen=True, slots=True)
class SentLevel:
    level_no: int
    on: date


@dataclass(frozen=True, slots=True)
class DunningHistory:
    """What happened before this run.

    ``sent``: the highest level each invoice has had and when; ``disputed``: invoices with an open
    dispute (never dunned while it is open); ``promised``: invoices covered by a promise whose date
    has not passed (the customer said when, so a letter now would only annoy); ``broken``: invoices
    whose promise was broken, with the first day it counted as broken."""

    sent: Mapping[str, SentLevel] = field(default_factory=dict)
    disputed: frozenset[str] = frozenset()
    promised: frozenset[str] = frozenset()
    broken: Mapping[str, date] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DunningAction:
    invoice_number: str
    customer_id: str
    level_no: int
    level: DunningLevel
    days_past_due: int
    open_minor: int
    currency: str
    reason: str                      # "days_past_due" | "broken_promise"


def _escalates_for_broken_promise(item: OpenItem, history: DunningHistory) -> bool:
    """A broken promise moves the invoice up one level at once, but only once per break: if a letter
    already went out on or after the day the promise broke, that letter answered it."""
    broke_on = history.broken.get(item.invoice_number)
    if broke_on is None:
        return False
    last = history.sent.get(item.invoice_number)
    return last is None or last.on < broke_on


def next_action(item: OpenItem, history: DunningHistory, policy: DunningPolicy, as_of: date
                ) -> DunningAction | None:
    """The letter this one invoice is due today, if any."""
    if item.open_minor <= 0 or item.invoice_number in history.disputed:
        return None
    days = item.days_past_due(as_of)
    if days < 1:
        return None
    last = history.sent.get(item.invoice_number)
    last_no = last.level_no if last else 0
    target, reason = policy.level_by_days(days), "days_past_due"
    if _escalates_for_broken_promise(item, history) and last_no + 1 > target:
        target, reason = min(last_no + 1, len(policy.levels)), "broken_promise"
    elif item.invoice_number in history.promised:
        return None
    if target <= last_no:
        return None
    return DunningAction(item.invoice_number, item.customer_id, target, policy.level(target), days,
                         item.open_minor, item.currency, reason)


def due_actions(open_items: Iterable[OpenItem], history: DunningHistory, policy: DunningPolicy, as_of: date
                ) -> list[DunningAction]:
    """Every letter due on ``as_of``, ordered by customer, level and invoice so that one run makes
    one letter per customer and level. An invoice that jumped several levels at once (it was never
    dunned, or dunning was paused) gets only the highest: the customer reads one letter, not three."""
    actions = [a for a in (next_action(i, history, policy, as_of) for i in open_items) if a is not None]
    return sorted(actions, key=lambda a: (a.customer_id, a.level_no, a.invoice_number))


def pay_by(policy: DunningPolicy, letter_date: date) -> date:
    return letter_date + timedelta(days=policy.pay_within_days)


# ------------------------------------------------------------------ promises
def promise_status(amount_minor: int, promised_date: date, paid_by_promised_date: int, as_of: date,
                   settled: bool = False) -> str:
    """``kept`` when the promised amount arrived by the promised date (or the invoices are settled
    by then), ``broken`` once the date has passed without it, ``open`` before that."""
    if paid_by_promised_date >= amount_minor or (settled and as_of <= promised_date):
        return "kept"
    if as_of > promised_date:
        return "broken"
    return "open"


# ------------------------------------------------------------------ worklist
@dataclass(frozen=True, slots=True)
class PaymentBehaviour:
    """How a customer has paid so far: the inputs of its risk factor."""

    average_days_late: Decimal = Decimal(0)
    broken_promises: int = 0
    open_disputes: int = 0


#: Each day of average lateness adds 1/30 to the risk (a customer who pays a month late counts
#: double), capped at 90 days so one ancient invoice cannot dominate; each broken promise adds 0.5,
#: each open dispute 0.25.
LATENESS_PER_DAY = Decimal(1) / Decimal(30)
LATENESS_CAP_DAYS = Decimal(90)
BROKEN_PROMISE_WEIGHT = Decimal("0.5")
OPEN_DISPUTE_WEIGHT = Decimal("0.25")
#: An invoice under a promise that is not yet due still counts, at a quarter: calling now is rarely useful.
PROMISED_WEIGHT = Decimal("0.25")


def risk_factor(behaviour: PaymentBehaviour) -> Decimal:
    lateness = min(max(behaviour.average_days_late, Decimal(0)), LATENESS_CAP_DAYS)
    return (Decimal(1) + lateness * LATENESS_PER_DAY + BROKEN_PROMISE_WEIGHT * behaviour.broken_promises
            + OPEN_DISPUTE_WEIGHT * behaviour.open_disputes).quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class WorklistEntry:
    customer_id: str
    currency: str
    past_due_minor: int
    oldest_days_past_due: int
    risk: Decimal
    score: Decimal
    reasons: tuple[str, ...]
    invoices: tuple[str, ...]


def _exposure(items: list[OpenItem], history: DunningHistory, as_of: date) -> Decimal:
    """Sum of amount x days past due over the customer's past-due items: a large old invoice and many
    small new ones are weighed by what they actually hold, in currency-days."""
    total = Decimal(0)
    for item in items:
        weight = PROMISED_WEIGHT if item.invoice_number in history.promised else Decimal(1)
        total += from_minor(item.open_minor, item.currency) * item.days_past_due(as_of) * weight
    return total


def _reasons(items: list[OpenItem], behaviour: PaymentBehaviour, history: DunningHistory, as_of: date
             ) -> tuple[str, ...]:
    currency = items[0].currency
    past_due = from_minor(sum(i.open_minor for i in items), currency)
    oldest = max(i.days_past_due(as_of) for i in items)
    reasons = [f"{past_due:,} {currency} past due on {len(items)} invoice(s), oldest {oldest} days"]
    if behaviour.average_days_late > 0:
        reasons.append(f"pays {behaviour.average_days_late.quantize(Decimal('0.1'))} days late on average")
    if behaviour.broken_promises:
        reasons.append(f"{behaviour.broken_promises} broken promise(s) to pay")
    if behaviour.open_disputes:
        reasons.append(f"{behaviour.open_disputes} open dispute(s)")
    promised = sorted(i.invoice_number for i in items if i.invoice_number in history.promised)
    if promised:
        reasons.append("promise to pay pending on " + ", ".join(promised))
    top = max((history.sent[i.invoice_number].level_no for i in items if i.invoice_number in history.sent), default=0)
    if top:
        reasons.append(f"dunning level {top} already sent")
    return tuple(reasons)


def score_worklist(open_items: Iterable[OpenItem], behaviour: Mapping[str, PaymentBehaviour],
                   history: DunningHistory, as_of: date) -> list[WorklistEntry]:
    """One entry per customer with past-due, undisputed items, highest score first.

    score = sum(open amount x days past due) x risk. Disputed invoices are left out (the dispute
    owner works them) but the dispute raises the risk."""
    by_customer: dict[tuple[str, str], list[OpenItem]] = {}
    for item in open_items:
        if item.open_minor > 0 and item.days_past_due(as_of) > 0 and item.invoice_number not in history.disputed:
            by_customer.setdefault((item.customer_id, item.currency), []).append(item)
    entries = []
    for (customer_id, currency), items in by_customer.items():
        habits = behaviour.get(customer_id, PaymentBehaviour())
        risk = risk_factor(habits)
        score = (_exposure(items, history, as_of) * risk).quantize(Decimal("0.01"))
        entries.append(WorklistEntry(
            customer_id, currency, sum(i.open_minor for i in items), max(i.days_past_due(as_of) for i in items),
            risk, score, _reasons(items, habits, history, as_of),
            tuple(sorted(i.invoice_number for i in items))))
    return sorted(entries, key=lambda e: (-e.score, e.customer_id))


def average_days_late(payments: Iterable[tuple[date, date]]) -> Decimal:
    """Mean of max(0, paid - due) over (due_date, paid_on) pairs; early payment is not a credit
    against late payment, since a collector cares how late the customer is when it is late."""
    days = [max((paid - due).days, 0) for due, paid in payments]
    if not days:
        return Decimal(0)
    return (Decimal(sum(days)) / Decimal(len(days))).quantize(Decimal("0.01"))


# ------------------------------------------------------------------ credit holds
@dataclass(frozen=True, slots=True)
class HoldReason:
    code: str                        # over_credit_limit | past_due
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


def hold_reasons(*, open_ar_minor: int, credit_limit_minor: int | None, oldest_days_past_due: int,
                 past_due_days: int, currency: str = "USD") -> list[HoldReason]:
    """Why a customer must be on credit hold (empty: it need not be).

    Over the limit means the whole open balance, due or not, exceeds the limit: the limit is how much
    the company is willing to be owed. Past due means an undisputed invoice is more than
    ``past_due_days`` late."""
    reasons = []
    if credit_limit_minor is not None and open_ar_minor > credit_limit_minor:
        reasons.append(HoldReason("over_credit_limit",
                                  f"open receivables {from_minor(open_ar_minor, currency):,} {currency} exceed the "
                                  f"credit limit {from_minor(credit_limit_minor, currency):,} {currency}"))
    if oldest_days_past_due > past_due_days:
        reasons.append(HoldReason("past_due", f"an invoice is {oldest_days_past_due} days past due "
                                  f"(hold after {past_due_days})"))
    return reasons
