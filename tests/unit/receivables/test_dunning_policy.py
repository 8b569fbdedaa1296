"""Dunning policy evaluation with plain values: which letter each invoice is due, and when not."""
from datetime import date, timedelta

import pytest

from o2c.kernel.errors import InvalidValue
from o2c.receivables.collections import (STANDARD_POLICY, DunningHistory, DunningLevel, DunningPolicy, OpenItem,
                                         SentLevel, due_actions, next_action, policy_from_config, promise_status)

AS_OF = date(2026, 11, 20)


def item(number="INV-1", days=1, open_minor=10000, customer="C-1"):
    return OpenItem(number, customer, AS_OF - timedelta(days=days), open_minor)


def level_of(action):
    return None if action is None else action.level.template


def test_an_invoice_gets_the_level_its_lateness_has_reached():
    assert next_action(item(days=0), DunningHistory(), STANDARD_POLICY, AS_OF) is None
    assert level_of(next_action(item(days=1), DunningHistory(), STANDARD_POLICY, AS_OF)) == "friendly_reminder"
    assert level_of(next_action(item(days=14), DunningHistory(), STANDARD_POLICY, AS_OF)) == "friendly_reminder"
    assert level_of(next_action(item(days=15), DunningHistory(), STANDARD_POLICY, AS_OF)) == "second_notice"
    assert level_of(next_action(item(days=45), DunningHistory(), STANDARD_POLICY, AS_OF)) == "final_notice"


def test_the_same_level_is_never_sent_twice_and_levels_only_go_up():
    history = DunningHistory(sent={"INV-1": SentLevel(2, AS_OF - timedelta(days=3))})
    assert next_action(item(days=20), history, STANDARD_POLICY, AS_OF) is None
    assert level_of(next_action(item(days=30), history, STANDARD_POLICY, AS_OF)) == "final_notice"
    top = DunningHistory(sent={"INV-1": SentLevel(3, AS_OF - timedelta(days=30))})
    assert next_action(item(days=200), top, STANDARD_POLICY, AS_OF) is None


def test_a_disputed_invoice_is_not_dunned_and_a_paid_one_neither():
    assert next_action(item(days=40), DunningHistory(disputed=frozenset({"INV-1"})), STANDARD_POLICY, AS_OF) is None
    assert next_action(item(days=40, open_minor=0), DunningHistory(), STANDARD_POLICY, AS_OF) is None


def test_an_open_promise_pauses_dunning_until_its_date():
    history = DunningHistory(promised=frozenset({"INV-1"}))
    assert next_action(item(days=40), history, STANDARD_POLICY, AS_OF) is None


def test_a_broken_promise_escalates_one_level_at_once_and_only_once():
    """Sent the friendly reminder on day 3; promised to pay by Nov 10, did not. At 17 days past due
    the days alone would give the second notice anyway; at 10 days they would give nothing new, but
    the broken promise moves the invoice to the second notice now."""
    history = DunningHistory(sent={"INV-1": SentLevel(1, date(2026, 11, 1))}, broken={"INV-1": date(2026, 11, 11)})
    action = next_action(item(days=10), history, STANDARD_POLICY, AS_OF)
    assert level_of(action) == "second_notice" and action.reason == "broken_promise"
    answered = DunningHistory(sent={"INV-1": SentLevel(2, date(2026, 11, 12))}, broken={"INV-1": date(2026, 11, 11)})
    assert next_action(item(days=10), answered, STANDARD_POLICY, AS_OF) is None
    by_days = next_action(item(days=31), history, STANDARD_POLICY, AS_OF)
    assert level_of(by_days) == "final_notice" and by_days.reason == "days_past_due"


def test_a_broken_promise_at_the_top_level_has_nowhere_to_go():
    history = DunningHistory(sent={"INV-1": SentLevel(3, date(2026, 11, 1))}, broken={"INV-1": date(2026, 11, 11)})
    assert next_action(item(days=40), history, STANDARD_POLICY, AS_OF) is None


def test_due_actions_are_grouped_by_customer_then_level():
    items = [item("B-2", 40, customer="C-2"), item("A-1", 2, customer="C-1"), item("A-2", 16, customer="C-1"),
             item("A-3", 3, customer="C-1")]
    actions = due_actions(items, DunningHistory(), STANDARD_POLICY, AS_OF)
    assert [(a.customer_id, a.level_no, a.invoice_number) for a in actions] == [
        ("C-1", 1, "A-1"), ("C-1", 1, "A-3"), ("C-1", 2, "A-2"), ("C-2", 3, "B-2")]


def test_policy_from_configuration_with_fees_and_validation():
    policy = policy_from_config({"levels": [
        {"template": "friendly_reminder", "days_past_due": 5},
        {"template": "final_notice", "days_past_due": 45, "fee": "25.00"}], "pay_within_days": 7})
    assert [l.days_past_due for l in policy.levels] == [5, 45] and policy.levels[1].fee_minor == 2500
    assert policy.pay_within_days == 7
    assert policy_from_config(None) == STANDARD_POLICY
    with pytest.raises(InvalidValue):
        policy_from_config({"levels": [{"template": "rude_letter", "days_past_due": 5}]})
    with pytest.raises(InvalidValue):
        DunningPolicy((DunningLevel("second_notice", 30), DunningLevel("friendly_reminder", 10)))
    with pytest.raises(InvalidValue):
        DunningPolicy((DunningLevel("friendly_reminder", 0),))


def test_promise_status_from_payments_by_the_promised_date():
    due = date(2026, 11, 10)
    assert promise_status(50000, due, 50000, date(2026, 11, 5)) == "kept"
    assert promise_status(50000, due, 20000, date(2026, 11, 10)) == "open"
    assert promise_status(50000, due, 20000, date(2026, 11, 11)) == "broken"
    assert promise_status(50000, due, 0, date(2026, 11, 9), settled=True) == "kept"
