"""Cash application: match an incoming payment to open items, or say why not.

The engine is pure: it reads an ``OpenItemBook`` and a ``CustomerDirectory`` and returns a
``MatchResult``; posting, storing and queueing are the caller's business. Strategies (see
``o2c.cash.strategies``) run in the order ``MatchConfig`` names them; the first that proposes one
clearly best candidate above ``auto_threshold`` wins. Everything else becomes ranked suggestions, so
that a person decides: a wrong automatic application costs far more than a manual one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from o2c.cash.book import OpenItemBook
from o2c.cash.customers import CustomerCandidate, CustomerDirectory
from o2c.cash.model import (APPLIED, EXCEPTION, KIND_PARTIAL, PARTIAL, UNAPPLIED, ZERO, MatchResult,
                            Suggestion)
from o2c.cash.payment import IncomingPayment
from o2c.cash.remittance import stated_lines
from o2c.cash.strategies import (APPLICATION_STRATEGIES, CUSTOMER_STRATEGIES, Candidate, MatchContext,
                                 resolve_references)

__all__ = ["MatchConfig", "CashMatcher", "match_payment"]


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """Tuning of the engine. Defaults favour leaving money unapplied over applying it wrongly."""

    auto_threshold: float = 0.85          # below: exception with suggestions, never applied
    suggestion_floor: float = 0.25        # below: not worth showing a person
    ambiguity_margin: float = 0.1         # best must beat the runner-up by this much
    customer_threshold: float = 0.85      # payer recognised well enough to match on amounts alone
    customer_margin: float = 0.15         # ... and clearly better than the next customer
    allocation_order: str = "oldest_first"   # or "referenced_first" (the payer's order)
    discount_grace_days: int = 0          # days after the discount window still honoured
    discount_tolerance: Decimal = Decimal("0.01")   # payer rounding of the discount
    subset_max_items: int = 8
    subset_node_budget: int = 20000
    subset_max_candidates: int = 60       # oldest open items considered for combinations
    max_suggestions: int = 5
    customer_strategies: tuple[str, ...] = ("remitter_account", "learned_alias", "payer_name",
                                            "reference_pattern")
    strategies: tuple[str, ...] = ("remittance_references", "exact_amount", "discount_amount",
                                   "combination", "amount_anywhere")


@dataclass
class CashMatcher:
    """Matches payments against a book, optionally reducing it as it goes (one run, in order)."""

    book: OpenItemBook
    directory: CustomerDirectory
    config: MatchConfig = field(default_factory=MatchConfig)

    def match(self, payment: IncomingPayment) -> MatchResult:
        """Decide one payment; does not change the book."""
        ctx = MatchContext(payment, self.book, self.directory, self.config, stated_lines(payment))
        if not payment.is_credit or payment.amount <= 0:
            return MatchResult(UNAPPLIED, None, unapplied_amount=abs(payment.amount),
                               explanation=("not a credit: nothing to apply",))
        self._identify(ctx)
        resolve_references(ctx)
        ctx.payer.extend(CUSTOMER_STRATEGIES["invoice_references"](ctx))
        return self._decide(ctx)

    def match_and_apply(self, payment: IncomingPayment) -> MatchResult:
        """Decide one payment and, when it was applied, reduce the book so later payments see it."""
        result = self.match(payment)
        apply_to_book(self.book, result)
        return result

    # ------------------------------------------------------------ steps

    def _identify(self, ctx: MatchContext) -> None:
        for name in self.config.customer_strategies:
            found = CUSTOMER_STRATEGIES[name](ctx)
            ctx.payer.extend(found)
            for cand in found[:2]:
                ctx.steps.append(f"customer {cand.customer_id} by {cand.source} ({cand.confidence:.2f})")

    def _decide(self, ctx: MatchContext) -> MatchResult:
        pool: list[Candidate] = []
        for name in self.config.strategies:
            outcome = APPLICATION_STRATEGIES[name](ctx)
            ranked = sorted(outcome.candidates, key=lambda c: -c.confidence)
            chosen = self._decisive(ranked)
            if chosen is not None:
                return self._result(ctx, chosen, [c for c in ranked if c is not chosen] + pool)
            pool.extend(ranked)
            if outcome.final:
                break
        return self._undecided(ctx, pool)

    def _decisive(self, ranked: list[Candidate]) -> Candidate | None:
        """The best candidate, if it is sure enough and clearly ahead of the runner-up."""
        if not ranked or ranked[0].confidence < self.config.auto_threshold:
            return None
        if len(ranked) > 1 and ranked[0].confidence - ranked[1].confidence < self.config.ambiguity_margin:
            return None
        return ranked[0]

    def _result(self, ctx: MatchContext, chosen: Candidate, others: list[Candidate]) -> MatchResult:
        applied = sum((a.amount for a in chosen.applications), ZERO)
        unapplied = ctx.payment.amount - applied
        partial = (unapplied != 0 or chosen.deductions
                   or any(a.kind == KIND_PARTIAL for a in chosen.applications))
        steps = [*ctx.steps, f"{chosen.strategy}: {chosen.explanation} ({chosen.confidence:.2f})"]
        return MatchResult(PARTIAL if partial else APPLIED, chosen.customer_id, chosen.applications,
                           chosen.deductions, unapplied, chosen.confidence, self._suggest(others),
                           tuple(steps), chosen.strategy)

    def _undecided(self, ctx: MatchContext, pool: list[Candidate]) -> MatchResult:
        suggestions = self._suggest(pool)
        customer = _best_customer(ctx.payer)
        status = EXCEPTION if suggestions else UNAPPLIED
        why = "candidates need a person" if suggestions else "nothing plausible to apply to"
        conf = suggestions[0].confidence if suggestions else 0.0
        return MatchResult(status, customer, (), (), ctx.payment.amount, conf, suggestions,
                           (*ctx.steps, why), None)

    def _suggest(self, pool: list[Candidate]) -> tuple[Suggestion, ...]:
        ranked = sorted((c for c in pool if c.confidence >= self.config.suggestion_floor),
                        key=lambda c: -c.confidence)
        seen, out = set(), []
        for c in ranked:
            key = tuple(a.invoice_number for a in c.applications)
            if key in seen:
                continue
            seen.add(key)
            out.append(Suggestion(c.applications, c.confidence, c.strategy, c.explanation, c.customer_id))
        return tuple(out[: self.config.max_suggestions])


def _best_customer(payer: list[CustomerCandidate]) -> str | None:
    """The most likely customer for an unresolved payment, when anyone is likely at all."""
    sure = [c for c in payer if c.confidence >= 0.8]
    return max(sure, key=lambda c: c.confidence).customer_id if sure else None


def apply_to_book(book: OpenItemBook, result: MatchResult) -> None:
    """Reduce the open items by what the result applied (cash plus discount taken)."""
    if result.status not in (APPLIED, PARTIAL):
        return
    for app in result.applications:
        if app.invoice_number in book:
            book.reduce(app.invoice_number, app.amount + app.discount_taken)


def match_payment(payment: IncomingPayment, book: OpenItemBook, directory: CustomerDirectory,
                  config: MatchConfig | None = None) -> MatchResult:
    """Match one payment without changing the book."""
    return CashMatcher(book, directory, config or MatchConfig()).match(payment)
