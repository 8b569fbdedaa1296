"""Bounded subset-sum: which open items add up to a payment, if exactly one combination does.

A customer paying several invoices without saying which is common; finding the combination is
NP-hard in general, so the search has a hard node budget and stops after the second solution.
Two solutions mean the payment is ambiguous (a person must choose); an exhausted budget means we
cannot prove uniqueness. Both are reported, neither is applied.
"""
from __future__ import annotations

from dataclasses import dataclass

FOUND, AMBIGUOUS, NONE, EXHAUSTED = "found", "ambiguous", "none", "exhausted"


@dataclass(frozen=True, slots=True)
class SubsetOutcome:
    """``solutions`` holds up to two index tuples into the input, in input order."""

    status: str
    solutions: tuple[tuple[int, ...], ...]
    nodes: int


def find_subsets(amounts: list[int], target: int, *, max_items: int = 8, node_budget: int = 20000,
                 min_items: int = 2) -> SubsetOutcome:
    """Search combinations of ``amounts`` (positive cents, in preference order, e.g. oldest first)
    summing to ``target`` with between ``min_items`` and ``max_items`` members.

    Depth-first in input order, so the first solution found prefers the earliest (oldest) items.
    Pruned by the sum of the remaining amounts; counts every node against ``node_budget``.
    """
    candidates = [(i, a) for i, a in enumerate(amounts) if 0 < a <= target]
    suffix = [0] * (len(candidates) + 1)
    for k in range(len(candidates) - 1, -1, -1):
        suffix[k] = suffix[k + 1] + candidates[k][1]
    solutions: list[tuple[int, ...]] = []
    nodes = 0
    exhausted = False
    chosen: list[int] = []

    def walk(start: int, remaining: int) -> bool:
        """Returns True when the search must stop (two solutions or budget spent)."""
        nonlocal nodes, exhausted
        for k in range(start, len(candidates)):
            if suffix[k] < remaining:
                return False
            nodes += 1
            if nodes > node_budget:
                exhausted = True
                return True
            idx, amount = candidates[k]
            if amount > remaining:
                continue
            chosen.append(idx)
            if amount == remaining:
                if len(chosen) >= min_items:
                    solutions.append(tuple(chosen))
                    if len(solutions) >= 2:
                        return True
            elif len(chosen) < max_items and walk(k + 1, remaining - amount):
                return True
            chosen.pop()
        return False

    walk(0, target)
    if len(solutions) >= 2:
        status = AMBIGUOUS
    elif exhausted:
        status = EXHAUSTED
    elif solutions:
        status = FOUND
    else:
        status = NONE
    return SubsetOutcome(status, tuple(solutions), nodes)
