"""Matching strategies: named functions in registries, run by the engine in a configured order.

Two registries, because recognising the payer and deciding where the money goes are separate
questions answered by separate evidence:

* ``CUSTOMER_STRATEGIES`` turn the payment into ``CustomerCandidate`` values (who is paying);
* ``APPLICATION_STRATEGIES`` turn the payment plus that belief into ``Candidate`` values (which
  invoices, how much, how sure).

A strategy never posts anything and never raises on odd input; it returns candidates with a
confidence and the engine decides. New strategies are added with ``@customer_strategy(name)`` or
``@application_strategy(name)`` and switched on by naming them in ``MatchConfig``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Callable

from o2c.cash.book import OpenItemBook
from o2c.cash.customers import CustomerCandidate, CustomerDirectory
from o2c.cash.model import (KIND_DISCOUNT, KIND_FULL, KIND_PARTIAL, ZERO, Application, Deduction,
                            OpenItem)
from o2c.cash.normalize import LEVEL_CORE, LEVEL_EXACT, LEVEL_FORMAT, LEVEL_OCR
from o2c.cash.payment import IncomingPayment
from o2c.cash.remittance import StatedLine
from o2c.cash.subset import AMBIGUOUS, EXHAUSTED, FOUND, find_subsets

LEVEL_PO = "po"
#: how much a reference alone is worth, by how it was linked to the invoice
LEVEL_CONFIDENCE = {LEVEL_EXACT: 1.0, LEVEL_FORMAT: 0.97, LEVEL_PO: 0.9, LEVEL_CORE: 0.8, LEVEL_OCR: 0.8}
#: a reference weaker than this must be corroborated (same customer, or the amount agrees)
STRONG_REFERENCE = 0.9
CORROBORATED = 0.93
ZERO_DATE = date.min


@dataclass(frozen=True, slots=True)
class Candidate:
    """One way of applying the payment, as a strategy proposes it."""

    strategy: str
    confidence: float
    customer_id: str | None
    applications: tuple[Application, ...]
    deductions: tuple[Deduction, ...] = ()
    unapplied: Decimal = ZERO
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a strategy found. ``final`` stops the engine from trying weaker strategies afterwards:
    once the payer named invoices we know, an amount coincidence must not override it."""

    candidates: tuple[Candidate, ...] = ()
    final: bool = False


@dataclass(frozen=True, slots=True)
class ResolvedLine:
    """A stated line with the open item it was linked to, and how strongly."""

    line: StatedLine
    item: OpenItem
    confidence: float
    level: str


@dataclass
class MatchContext:
    """Everything strategies may read about one payment; ``steps`` collects the explanation."""

    payment: IncomingPayment
    book: OpenItemBook
    directory: CustomerDirectory
    config: "object"
    lines: list[StatedLine]
    payer: list[CustomerCandidate] = field(default_factory=list)
    resolved: list[ResolvedLine] = field(default_factory=list)
    unknown_refs: list[StatedLine] = field(default_factory=list)
    doubtful: list[ResolvedLine] = field(default_factory=list)
    settled_refs: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    def payer_confidence(self, customer_id: str) -> float:
        return max((c.confidence for c in self.payer if c.customer_id == customer_id), default=0.0)

    def identified_customer(self) -> CustomerCandidate | None:
        """The payer, when one customer stands out clearly enough to match on amounts alone."""
        if not self.payer:
            return None
        ranked = sorted(self.payer, key=lambda c: -c.confidence)
        best = ranked[0]
        others = [c for c in ranked[1:] if c.customer_id != best.customer_id]
        margin = best.confidence - (others[0].confidence if others else 0.0)
        if best.confidence >= self.config.customer_threshold and margin >= self.config.customer_margin:
            return best
        return None


CustomerStrategy = Callable[[MatchContext], list[CustomerCandidate]]
ApplicationStrategy = Callable[[MatchContext], Outcome]
CUSTOMER_STRATEGIES: dict[str, CustomerStrategy] = {}
APPLICATION_STRATEGIES: dict[str, ApplicationStrategy] = {}


def customer_strategy(name: str) -> Callable[[CustomerStrategy], CustomerStrategy]:
    def register(fn: CustomerStrategy) -> CustomerStrategy:
        CUSTOMER_STRATEGIES[name] = fn
        return fn
    return register


def application_strategy(name: str) -> Callable[[ApplicationStrategy], ApplicationStrategy]:
    def register(fn: ApplicationStrategy) -> ApplicationStrategy:
        APPLICATION_STRATEGIES[name] = fn
        return fn
    return register


# ==================================================================== who is paying

@customer_strategy("remitter_account")
def by_remitter_account(ctx: MatchContext) -> list[CustomerCandidate]:
    """An account we saw this customer pay from before is the strongest evidence there is."""
    return ctx.directory.by_account(ctx.payment.payer_account, ctx.payment.payer_routing)


@customer_strategy("learned_alias")
def by_learned_alias(ctx: MatchContext) -> list[CustomerCandidate]:
    return ctx.directory.by_alias(ctx.payment.payer_name)


@customer_strategy("payer_name")
def by_payer_name(ctx: MatchContext) -> list[CustomerCandidate]:
    return ctx.directory.by_name(ctx.payment.payer_name)


@customer_strategy("reference_pattern")
def by_reference_pattern(ctx: MatchContext) -> list[CustomerCandidate]:
    """A reference written the way only one customer writes it (learned) hints at that customer.

    Only a hint (0.6): patterns are shared too easily to identify anyone on their own.
    """
    hits: set[str] = set()
    refs = [line.reference.strip().upper() for line in ctx.lines if line.reference]
    if not refs:
        return []
    for cid, patterns in ctx.directory.patterns.items():
        if any(p.fullmatch(ref) for p in patterns for ref in refs):
            hits.add(cid)
    if len(hits) != 1:
        return []
    cid = hits.pop()
    return [CustomerCandidate(cid, 0.6, "pattern", "reference written in this customer's learned style")]


# ==================================================================== references

def _amount_agrees(ctx: MatchContext, line: StatedLine, item: OpenItem, single: bool) -> bool:
    """The stated (or, for a lone reference, the paid) amount fits the invoice: open amount,
    gross amount, or open amount less the early-payment discount it offers."""
    tol = ctx.config.discount_tolerance
    stated = [a for a in (line.amount_paid, line.invoice_amount) if a is not None]
    if single and line.amount_paid is None:
        stated.append(ctx.payment.amount)
    offer = ctx.book.discount_offer(item.invoice_number, ctx.payment.value_date, ctx.config.discount_grace_days)
    targets = {item.open_amount, item.gross}
    for amount in stated:
        if amount in targets:
            return True
        if offer is not None and abs(amount - (item.open_amount - offer)) <= tol:
            return True
        if line.discount and amount + line.discount == item.open_amount:
            return True
    return False


def _link_line(ctx: MatchContext, line: StatedLine, single: bool) -> list[ResolvedLine]:
    """All open items a stated line may mean, each with its corroborated confidence."""
    hits = ctx.book.find_reference(line.reference) if line.reference else []
    if not hits and line.reference:
        hits = [(n, LEVEL_PO) for n in ctx.book.find_po(line.reference)]
    if not hits and line.po_number:
        hits = [(n, LEVEL_PO) for n in ctx.book.find_po(line.po_number)]
    linked = []
    for number, level in hits:
        item = ctx.book.item(number)
        if item.currency != ctx.payment.currency:
            continue
        conf = LEVEL_CONFIDENCE[level]
        if not line.explicit:
            conf = min(conf, 0.8)   # a bare number in free text could be anything
        agrees = _amount_agrees(ctx, line, item, single)
        # a bare number (check number, trace id) shares digits with invoices by chance: only the
        # amount can vouch for it, the payer's identity cannot
        same_customer = line.explicit and ctx.payer_confidence(item.customer_id) >= 0.8
        if conf < STRONG_REFERENCE and (same_customer or agrees):
            conf = CORROBORATED
        elif conf >= STRONG_REFERENCE and (same_customer or agrees):
            conf = min(1.0, conf + 0.02)
        linked.append(ResolvedLine(line, item, conf, level))
    return linked


def resolve_references(ctx: MatchContext) -> None:
    """Link every stated line to one open item, or record it as unknown, settled or doubtful.

    Several items behind one reference (the same number in two numbering series) are narrowed to
    the corroborated ones; if more than one remains the line is doubtful, never guessed.
    """
    single = len(ctx.lines) == 1
    for line in ctx.lines:
        linked = _link_line(ctx, line, single)
        if not linked:
            if line.explicit:
                ctx.unknown_refs.append(line)
            continue
        best = max(r.confidence for r in linked)
        top = [r for r in linked if r.confidence == best]
        open_top = [r for r in top if ctx.book.is_open(r.item.invoice_number)]
        if len(top) == 1 and not open_top:
            ctx.settled_refs.append(top[0].item.invoice_number)
        elif len(open_top) == 1 and len(top) == 1:
            _add_resolved(ctx, open_top[0])
        else:
            ctx.doubtful.extend(open_top or top)
    _corroborate_by_total(ctx)
    for r in ctx.resolved:
        ctx.steps.append(f"reference {r.line.reference!r} -> {r.item.invoice_number} ({r.level}, {r.confidence:.2f})")


def _corroborate_by_total(ctx: MatchContext) -> None:
    """Several weakly linked references whose open amounts add up to exactly the payment vouch for
    each other, as the paid amount vouches for a lone reference. Only when every stated reference
    was found and none is in doubt: one stray reference means the payer meant something else."""
    weak = [r for r in ctx.resolved if r.confidence < STRONG_REFERENCE]
    if len(ctx.resolved) < 2 or not weak or ctx.unknown_refs or ctx.doubtful or ctx.settled_refs:
        return
    if sum((r.item.open_amount for r in ctx.resolved), ZERO) != ctx.payment.amount:
        return
    ctx.resolved = [ResolvedLine(r.line, r.item, CORROBORATED, r.level) if r.confidence < STRONG_REFERENCE else r
                    for r in ctx.resolved]


def _add_resolved(ctx: MatchContext, found: ResolvedLine) -> None:
    """Keep one line per invoice: payers repeat a reference (structured and again in the free
    text, or twice in prose), and counting the invoice twice would make a full payment look short.
    The stronger link wins; an earlier line with stated amounts is kept over a bare repetition."""
    number = found.item.invoice_number
    for i, known in enumerate(ctx.resolved):
        if known.item.invoice_number == number:
            if found.confidence > known.confidence and known.line.amount_paid is None:
                ctx.resolved[i] = found
            return
    ctx.resolved.append(found)


@customer_strategy("invoice_references")
def by_invoice_references(ctx: MatchContext) -> list[CustomerCandidate]:
    """The customer owning the invoices the payer named, weighted by how surely they were named."""
    per: dict[str, float] = {}
    for r in ctx.resolved:
        per[r.item.customer_id] = max(per.get(r.item.customer_id, 0.0), r.confidence)
    return [CustomerCandidate(cid, conf * 0.98, "reference", "owns the referenced invoices")
            for cid, conf in per.items()]


def _apply_line_amount(ctx: MatchContext, r: ResolvedLine, paid: Decimal) -> tuple[Application, Deduction | None, Decimal]:
    """Cash stated for one invoice: full, discounted, short (deduction) or over (excess returned)."""
    item, line, tol = r.item, r.line, ctx.config.discount_tolerance
    number, open_amt = item.invoice_number, item.open_amount
    if paid >= open_amt:
        return Application(number, open_amt, ZERO, KIND_FULL, item.customer_id), None, paid - open_amt
    offer = ctx.book.discount_offer(number, ctx.payment.value_date, ctx.config.discount_grace_days)
    stated_disc = line.discount if line.discount else None
    if offer is not None and abs(open_amt - offer - paid) <= tol:
        return Application(number, paid, open_amt - paid, KIND_DISCOUNT, item.customer_id), None, ZERO
    if stated_disc is not None and paid + stated_disc == open_amt:
        reason = "unearned discount" if offer is None else "discount differs from terms"
        return (Application(number, paid, ZERO, KIND_PARTIAL, item.customer_id),
                Deduction(number, stated_disc, reason), ZERO)
    reason = line.adjustment_reason or ("short payment" if line.adjustment is None else "adjustment")
    return (Application(number, paid, ZERO, KIND_PARTIAL, item.customer_id),
            Deduction(number, open_amt - paid, reason), ZERO)


def _by_stated_amounts(ctx: MatchContext, resolved: list[ResolvedLine]) -> Candidate | None:
    """Use the payer's own per-invoice amounts when they add up to the payment."""
    stated = [r.line.amount_paid for r in resolved]
    unknown_amounts = [line.amount_paid for line in ctx.unknown_refs]
    if any(a is None for a in stated) or any(a is None for a in unknown_amounts):
        return None
    if sum(stated, ZERO) + sum(unknown_amounts, ZERO) != ctx.payment.amount:
        return None
    apps, deds, excess = [], [], sum(unknown_amounts, ZERO)
    for r, paid in zip(resolved, stated):
        app, ded, over = _apply_line_amount(ctx, r, paid)
        apps.append(app)
        excess += over
        if ded:
            deds.append(ded)
    return Candidate("remittance_references", 1.0, None, tuple(apps), tuple(deds), excess,
                     "applied as the remittance states per invoice")


def _ordered(ctx: MatchContext, resolved: list[ResolvedLine]) -> list[ResolvedLine]:
    """Allocation order for money that does not cover everything referenced."""
    if ctx.config.allocation_order == "referenced_first":
        return list(resolved)
    return sorted(resolved, key=lambda r: (r.item.due_date or r.item.invoice_date or ZERO_DATE,
                                           r.item.invoice_number))


def _by_payment_amount(ctx: MatchContext, resolved: list[ResolvedLine]) -> Candidate:
    """No usable per-invoice amounts: compare the payment with the referenced invoices' total."""
    pay, tol = ctx.payment.amount, ctx.config.discount_tolerance
    total = sum((r.item.open_amount for r in resolved), ZERO)
    offers = [ctx.book.discount_offer(r.item.invoice_number, ctx.payment.value_date,
                                      ctx.config.discount_grace_days) for r in resolved]
    discounted = total - sum((o for o in offers if o is not None), ZERO)
    if pay >= total:
        apps = [Application(r.item.invoice_number, r.item.open_amount, ZERO, KIND_FULL, r.item.customer_id)
                for r in resolved]
        return Candidate("remittance_references", 1.0 if pay == total else 0.97, None, tuple(apps), (),
                         pay - total, "referenced invoices paid in full" + (", remainder on account" if pay > total else ""))
    if any(o is not None for o in offers) and abs(pay - discounted) <= tol * len(resolved):
        return _discounted(resolved, offers, pay)
    return _allocate_short(ctx, resolved, pay)


def _discounted(resolved: list[ResolvedLine], offers: list[Decimal | None], pay: Decimal) -> Candidate:
    """Every referenced invoice settled, the early-payment discounts taken; cash as paid."""
    apps, left = [], pay
    for i, (r, offer) in enumerate(zip(resolved, offers)):
        cash = r.item.open_amount - (offer or ZERO)
        if i == len(resolved) - 1:
            cash = left     # the payer's rounding lands on the last invoice
        left -= cash
        disc = r.item.open_amount - cash
        apps.append(Application(r.item.invoice_number, cash, disc, KIND_DISCOUNT if disc else KIND_FULL,
                                r.item.customer_id))
    return Candidate("remittance_references", 0.98, None, tuple(apps), (), ZERO,
                     "early-payment discount within terms settles the invoices")


def _allocate_short(ctx: MatchContext, resolved: list[ResolvedLine], pay: Decimal) -> Candidate:
    """Less than the referenced total: fill invoices in allocation order; a lone invoice gets a
    deduction for what the payer kept back (with its reason when stated)."""
    apps, deds, left = [], [], pay
    for r in _ordered(ctx, resolved):
        if left <= 0:
            break
        cash = min(left, r.item.open_amount)
        left -= cash
        kind = KIND_FULL if cash == r.item.open_amount else KIND_PARTIAL
        apps.append(Application(r.item.invoice_number, cash, ZERO, kind, r.item.customer_id))
        if kind == KIND_PARTIAL and len(resolved) == 1:
            reason = r.line.adjustment_reason or "short payment"
            deds.append(Deduction(r.item.invoice_number, r.item.open_amount - cash, reason))
    conf = 0.95 if len(resolved) == 1 else 0.9
    return Candidate("remittance_references", conf, None, tuple(apps), tuple(deds), ZERO,
                     f"payment short of the referenced total; allocated {ctx.config.allocation_order}")


@application_strategy("remittance_references")
def by_remittance_references(ctx: MatchContext) -> Outcome:
    """Apply to the invoices the payer named. Final when anything was named and found, so that an
    amount coincidence elsewhere never overrides what the payer said."""
    if not ctx.resolved:
        return Outcome(_doubtful_suggestions(ctx))
    resolved = ctx.resolved
    cand = _by_stated_amounts(ctx, resolved) or _by_payment_amount(ctx, resolved)
    conf = cand.confidence * min(r.confidence for r in resolved)
    notes = [cand.explanation]
    if ctx.unknown_refs:
        conf *= 0.85
        notes.append(f"{len(ctx.unknown_refs)} stated reference(s) not found")
    if ctx.doubtful or ctx.settled_refs:
        conf *= 0.85
        notes.append("some references are ambiguous or already settled")
    conf *= _customer_conflict_factor(ctx, resolved)
    owner = _owner(resolved)
    cand = Candidate(cand.strategy, round(conf, 4), owner, cand.applications, cand.deductions, cand.unapplied,
                     "; ".join(notes))
    return Outcome((cand,), final=True)


def _owner(resolved: list[ResolvedLine]) -> str:
    counts: dict[str, Decimal] = {}
    for r in resolved:
        counts[r.item.customer_id] = counts.get(r.item.customer_id, ZERO) + r.item.open_amount
    return max(counts, key=lambda cid: counts[cid])


def _customer_conflict_factor(ctx: MatchContext, resolved: list[ResolvedLine]) -> float:
    """A payer we recognise for sure paying someone else's invoices is unusual; without exact
    references it is doubt enough to ask a person."""
    payer = ctx.identified_customer()
    if payer is None or payer.source not in ("account", "alias", "name"):
        return 1.0
    if all(r.item.customer_id == payer.customer_id for r in resolved):
        return 1.0
    if all(r.level in (LEVEL_EXACT, LEVEL_FORMAT) and r.line.explicit for r in resolved):
        return 0.95
    return 0.8


def _doubtful_suggestions(ctx: MatchContext) -> tuple[Candidate, ...]:
    """References that could mean several items, or were too weak alone: suggestions only."""
    out = []
    for r in ctx.doubtful:
        amount = min(ctx.payment.amount, r.item.open_amount)
        out.append(Candidate("remittance_references", min(r.confidence, 0.6), r.item.customer_id,
                             (Application(r.item.invoice_number, amount, ZERO, KIND_FULL, r.item.customer_id),),
                             (), ctx.payment.amount - amount, f"reference {r.line.reference!r} may mean "
                             f"{r.item.invoice_number}"))
    return tuple(out)


# ==================================================================== amounts only

def _amount_confidence(ctx: MatchContext, base: float) -> float:
    """Amount-only matches are trusted less when the payer stated references we could not find."""
    return round(base * (0.92 if ctx.unknown_refs or ctx.settled_refs else 1.0), 4)


@application_strategy("exact_amount")
def by_exact_amount(ctx: MatchContext) -> Outcome:
    """Exactly one open item of the identified payer has exactly the paid amount."""
    payer = ctx.identified_customer()
    if payer is None:
        return Outcome()
    numbers = ctx.book.by_amount(payer.customer_id, ctx.payment.amount, ctx.payment.currency)
    if not numbers:
        return Outcome()
    conf = _amount_confidence(ctx, 0.93) if len(numbers) == 1 else 0.5
    items = sorted((ctx.book.item(n) for n in numbers), key=_age)
    return Outcome(tuple(
        Candidate("exact_amount", conf, payer.customer_id,
                  (Application(i.invoice_number, i.open_amount, ZERO, KIND_FULL, i.customer_id),),
                  explanation=f"{i.invoice_number} is open for exactly the paid amount"
                  + ("" if len(numbers) == 1 else f" (one of {len(numbers)})"))
        for i in items))


@application_strategy("discount_amount")
def by_discount_amount(ctx: MatchContext) -> Outcome:
    """Exactly one open item of the payer, less its early-payment discount, equals the payment."""
    payer = ctx.identified_customer()
    if payer is None:
        return Outcome()
    tol, found = ctx.config.discount_tolerance, []
    for item in ctx.book.customer_items(payer.customer_id, ctx.payment.currency):
        offer = ctx.book.discount_offer(item.invoice_number, ctx.payment.value_date, ctx.config.discount_grace_days)
        if offer is not None and abs(item.open_amount - offer - ctx.payment.amount) <= tol:
            found.append(item)
    conf = _amount_confidence(ctx, 0.9) if len(found) == 1 else 0.5
    pay = ctx.payment.amount
    return Outcome(tuple(
        Candidate("discount_amount", conf, payer.customer_id,
                  (Application(i.invoice_number, pay, i.open_amount - pay, KIND_DISCOUNT, i.customer_id),),
                  explanation=f"{i.invoice_number} less its early-payment discount equals the payment")
        for i in found))


@application_strategy("combination")
def by_combination(ctx: MatchContext) -> Outcome:
    """A unique combination of the payer's open items adds up to the payment (bounded search)."""
    payer = ctx.identified_customer()
    if payer is None:
        return Outcome()
    cfg = ctx.config
    items = ctx.book.customer_items(payer.customer_id, ctx.payment.currency)[: cfg.subset_max_candidates]
    amounts = [ctx.book.open_cents(i.invoice_number) for i in items]
    target = int((ctx.payment.amount * 100).to_integral_value())
    result = find_subsets(amounts, target, max_items=cfg.subset_max_items, node_budget=cfg.subset_node_budget)
    if result.status not in (FOUND, AMBIGUOUS, EXHAUSTED) or not result.solutions:
        if result.status == EXHAUSTED:
            ctx.steps.append(f"combination search stopped after {result.nodes} nodes")
        return Outcome()
    conf = _amount_confidence(ctx, 0.88) if result.status == FOUND else (0.5 if result.status == AMBIGUOUS else 0.4)
    ctx.steps.append(f"combination search: {result.status} after {result.nodes} nodes")
    return Outcome(tuple(
        Candidate("combination", conf, payer.customer_id,
                  tuple(Application(items[k].invoice_number, items[k].open_amount, ZERO, KIND_FULL,
                                    items[k].customer_id) for k in sol),
                  explanation=f"{len(sol)} open items add up to the payment ({result.status})")
        for sol in result.solutions))


@application_strategy("amount_anywhere")
def by_amount_anywhere(ctx: MatchContext) -> Outcome:
    """Open items of *any* customer with the paid amount, when the payer is unknown. Never applied
    automatically (an unrelated customer's invoice of the same amount is a classic wrong match),
    only offered to a person."""
    if ctx.identified_customer() is not None:
        return Outcome()
    numbers = ctx.book.by_amount_anywhere(ctx.payment.amount, ctx.payment.currency)[:5]
    return Outcome(tuple(
        Candidate("amount_anywhere", 0.3, ctx.book.item(n).customer_id,
                  (Application(n, ctx.payment.amount, ZERO, KIND_FULL, ctx.book.item(n).customer_id),),
                  explanation=f"{n} of another customer has the same amount; payer not recognised")
        for n in numbers))


def _age(item: OpenItem):
    return (item.invoice_date or ZERO_DATE, item.invoice_number)

