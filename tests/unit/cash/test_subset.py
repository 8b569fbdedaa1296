"""Bounded subset-sum: unique, ambiguous, none, and a budget that really stops the search."""
from __future__ import annotations

from o2c.cash.subset import AMBIGUOUS, EXHAUSTED, FOUND, NONE, find_subsets


def test_unique_combination_is_found():
    out = find_subsets([1000, 2500, 4000, 799], 3500)
    assert out.status == FOUND and out.solutions == ((0, 1),)


def test_two_combinations_are_ambiguous():
    out = find_subsets([100, 200, 300, 400], 500)
    assert out.status == AMBIGUOUS and len(out.solutions) == 2
    assert out.solutions[0] == (0, 3)   # earliest (oldest) items first


def test_no_combination():
    assert find_subsets([100, 200], 250).status == NONE


def test_single_items_are_not_combinations():
    assert find_subsets([500, 100], 500).status == NONE


def test_max_items_bounds_the_size():
    assert find_subsets([100] * 3 + [1], 301, max_items=3).status == NONE


def test_budget_exhaustion_is_reported_not_guessed():
    amounts = [1009 + 2 * k for k in range(40)]
    out = find_subsets(amounts, 1, node_budget=10)
    assert out.status == NONE   # nothing fits at all: pruned before spending the budget
    out = find_subsets(amounts, sum(amounts[::3]) + 1, node_budget=500)
    assert out.status == EXHAUSTED and out.nodes > 500
