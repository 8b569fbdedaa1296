"""Every validation rule on hand-built drafts and facts: no database, no extraction."""
from datetime import date
from decimal import Decimal

import pytest

from o2c.intake import rules
from o2c.intake.rules import (CreditPosition, Facts, Policy, PriorDocument, StockUnit, confirmed_case,
                              draft_from_extraction, item_eaches, lines_key, plan_usage, validate)
from o2c.masterdata.model import Contract, Customer, Item

RECEIVED = date(2026, 11, 20)
CUSTOMER = Customer("C-1", "Mercy General", gpo_id="GPO-1", credit_limit=Decimal("25000.00"))
SHELL = Item("7103-1204", "ACETABULAR SHELL 52MM", uom="EA", pack_size=1, list_price=Decimal("1500.00"),
             lot_controlled=True, serial_controlled=True)
SCREWS = Item("7403-4020", "CANCELLOUS SCREW BX/5", uom="BX", pack_size=5, list_price=Decimal("170.00"))
ITEMS = {i.item_id: i for i in (SHELL, SCREWS)}
CONTRACTS = {"7103-1204": (Contract("K-1", "7103-1204", Decimal("1450.00"), gpo_id="GPO-1", uom="EA",
                                    start_date=date(2025, 1, 1), end_date=date(2027, 12, 31)),),
             "7403-4020": ()}
POLICY = Policy(approval_threshold={"stock": Decimal("250000.00"), "bill_only": Decimal("250000.00")})


def po(*lines, **header) -> dict:
    doc = {"document_type": "purchase_order", "customer_id": "C-1", "site_id": "S-1", "po_number": "4500012345",
           "order_date": "2026-11-20", "confidence": 0.95, "lines": list(lines)}
    doc.update(header)
    return doc


def case(*lines, **header) -> dict:
    doc = {"document_type": "usage_report", "customer_id": "C-1", "site_id": "S-1", "rep_id": "R-1",
           "procedure": {"date": "2026-11-18"}, "confidence": 0.95, "lines": list(lines)}
    doc.update(header)
    return doc


def line(item="7103-1204", qty="2", **kw) -> dict:
    return {"line_no": kw.pop("line_no", 1), "item_id": item, "item_raw": item, "quantity": qty,
            "uom": kw.pop("uom", "EA"), **kw}


def facts(**kw) -> Facts:
    base = dict(customer=CUSTOMER, items=ITEMS, contracts=CONTRACTS, credit=CreditPosition(Decimal("25000.00")))
    base.update(kw)
    return Facts(**base)


def codes(extraction: dict, known: Facts | None = None, policy: Policy = POLICY) -> list[str]:
    draft = draft_from_extraction(extraction, received_on=RECEIVED)
    return [i.code for i in validate(draft, known or facts(), policy)]


def test_a_clean_stock_po_has_no_issues():
    assert codes(po(line(unit_price="1450.00"))) == []


def test_every_rule_is_registered_by_its_code():
    assert {"unknown_customer", "unknown_item", "price_mismatch", "missing_po", "duplicate", "expired_lot",
            "lot_not_at_location", "quantity", "credit_hold", "approval_required", "low_confidence"} <= set(rules.RULES)


def test_unknown_customer_blocks_and_asks_for_the_customer():
    draft = draft_from_extraction(po(line(), customer_id=None, customer_name_raw="Mercy Gen"), received_on=RECEIVED)
    issues = rules.unknown_customer(draft, facts(customer=None), POLICY)
    assert [i.code for i in issues] == ["unknown_customer"] and issues[0].blocking
    assert "Mercy Gen" in issues[0].message and "customer_id" in issues[0].message


def test_unknown_item_names_the_line_and_what_was_read():
    issues = [i for i in validate(draft_from_extraction(po(line(item=None, item_raw="7199-0904 ADAPTER")),
                                                        received_on=RECEIVED), facts(), POLICY)]
    assert [i.code for i in issues] == ["unknown_item"]
    assert issues[0].line_no == 1 and "7199-0904" in issues[0].message and issues[0].blocking


def test_price_mismatch_against_the_gpo_contract_on_the_order_date():
    draft = draft_from_extraction(po(line(unit_price="2100.00")), received_on=RECEIVED)
    issues = rules.price_mismatch(draft, facts(), POLICY)
    assert [i.code for i in issues] == ["price_mismatch"]
    assert "2100.00" in issues[0].message and "1,450.00" in issues[0].message and "K-1" in issues[0].message


def test_a_missing_price_is_fine_and_a_price_within_tolerance_passes():
    assert codes(po(line(unit_price=None))) == []
    assert codes(po(line(unit_price="1450.40")), policy=Policy(price_tolerance=Decimal("0.50"))) == []
    assert codes(po(line(unit_price="1451.00")), policy=Policy(price_tolerance=Decimal("0.50"))) == ["price_mismatch"]


def test_after_the_contract_ends_the_list_price_applies():
    assert codes(po(line(unit_price="1500.00"), order_date="2028-02-01")) == []
    assert codes(po(line(unit_price="1450.00"), order_date="2028-02-01")) == ["price_mismatch"]


def test_a_price_per_each_of_a_box_item_compares_per_each():
    assert codes(po(line(item="7403-4020", qty="10", uom="EA", unit_price="34.00"))) == []
    assert codes(po(line(item="7403-4020", qty="2", uom="BX", unit_price="170.00"))) == []


def test_missing_po_only_for_stock_orders():
    assert codes(po(line(), po_number=None)) == ["missing_po"]
    assert "missing_po" not in codes(case(line(qty="1", lot="L1", serial="S1")), facts(
        usage_locations=("CON-1",), stock=(StockUnit("CON-1", "7103-1204", "L1", "S1", date(2030, 1, 1), 1),)))


@pytest.mark.parametrize("qty,uom,blocking", [("1000", "EA", False), ("0", "EA", True), ("1.5", "EA", True),
                                              (None, "EA", True), ("7", "EA", True)])
def test_quantity_out_of_bounds_or_not_a_pack_multiple(qty, uom, blocking):
    item = "7403-4020" if qty == "7" else "7103-1204"
    draft = draft_from_extraction(po(line(item=item, qty=qty, uom=uom)), received_on=RECEIVED)
    issues = rules.quantity(draft, facts(), POLICY)
    assert [i.code for i in issues] == ["quantity"] and issues[0].blocking is blocking


def prior(**kw) -> PriorDocument:
    base = dict(document_id="DOC-000001", status="created", channel="edi", received_at="2026-11-06T10:00:00+00:00",
                order_id="SO-000001", order_type="stock", po_number="4500012345", procedure_date=None, case_id=None,
                patient_ref=None, lines_key=None)
    base.update(kw)
    return PriorDocument(**base)


def test_duplicate_same_po_for_the_customer():
    issues = validate(draft_from_extraction(po(line()), received_on=RECEIVED), facts(prior=(prior(),)), POLICY)
    assert [i.code for i in issues] == ["duplicate"]
    assert "DOC-000001" in issues[0].message and "SO-000001" in issues[0].message


def test_duplicate_same_lines_by_a_second_channel_without_po():
    draft = draft_from_extraction(po(line(), po_number=None), received_on=RECEIVED)
    key = lines_key(item_eaches(draft, ITEMS))
    assert "duplicate" in codes(po(line(), po_number=None), facts(prior=(prior(lines_key=key),)))
    # a different PO with the same lines is a new order, and a rejected document is no original
    assert codes(po(line(), po_number="999"), facts(prior=(prior(lines_key=key),))) == []
    assert codes(po(line()), facts(prior=(prior(status="rejected"),))) == []


def usage_facts(*units, **kw) -> Facts:
    return facts(usage_locations=("CON-1", "TRK-R-1"), stock=tuple(units), **kw)


def test_expired_lot_before_the_procedure_date():
    unit = StockUnit("CON-1", "7103-1204", "L9", "S9", date(2026, 6, 25), 1)
    known = usage_facts(unit, lot_expiry={("7103-1204", "L9"): date(2026, 6, 25)})
    assert codes(case(line(qty="1", lot="L9")), known) == ["expired_lot"]
    fresh = usage_facts(StockUnit("CON-1", "7103-1204", "L9", "S9", date(2030, 1, 1), 1),
                        lot_expiry={("7103-1204", "L9"): date(2030, 1, 1)})
    assert codes(case(line(qty="1", lot="L9")), fresh) == []


def test_lot_not_at_location_and_the_trunk_counts():
    in_trunk = StockUnit("TRK-R-1", "7103-1204", "L5", "S5", None, 1)
    assert codes(case(line(qty="1", lot="L5")), usage_facts(in_trunk)) == []
    issues = validate(draft_from_extraction(case(line(qty="1", lot="L6")), received_on=RECEIVED),
                      usage_facts(in_trunk), POLICY)
    assert [i.code for i in issues] == ["lot_not_at_location"] and "L6" in issues[0].message
    assert codes(case(line(qty="1", lot="L5")), facts()) == ["lot_not_at_location"]


def test_usage_plan_picks_stated_serials_and_splits_quantities():
    units = (StockUnit("CON-1", "7103-1204", "L1", "S1", date(2029, 1, 1), 1),
             StockUnit("CON-1", "7103-1204", "L1", "S2", date(2028, 1, 1), 1))
    draft = draft_from_extraction(case(line(qty="2", lot="L1")), received_on=RECEIVED)
    plan = plan_usage(draft, usage_facts(*units))
    assert plan.location_id == "CON-1" and not plan.missing
    assert [(p.serial, p.quantity) for p in plan.picks] == [("S2", 1), ("S1", 1)]


def test_credit_hold_when_past_due_exceeds_the_limit_or_is_too_old_or_on_hold():
    over = CreditPosition(Decimal("25000.00"), past_due=Decimal("32890.00"), oldest_past_due_days=30)
    old = CreditPosition(Decimal("25000.00"), past_due=Decimal("100.00"), oldest_past_due_days=120)
    held = CreditPosition(Decimal("25000.00"), on_hold=True)
    for credit in (over, old, held):
        assert codes(po(line()), facts(credit=credit)) == ["credit_hold"]
    assert codes(po(line()), facts(credit=CreditPosition(Decimal("25000.00"), past_due=Decimal("100.00"),
                                                         oldest_past_due_days=30))) == []


def test_credit_hold_does_not_stop_billing_product_already_implanted():
    unit = StockUnit("CON-1", "7103-1204", "L1", "S1", None, 1)
    over = CreditPosition(Decimal("1.00"), past_due=Decimal("5000.00"), oldest_past_due_days=200)
    assert codes(case(line(qty="1", lot="L1")), usage_facts(unit, credit=over)) == []


def test_approval_required_over_the_threshold_per_order_type():
    small = Policy(approval_threshold={"stock": Decimal("2000.00")})
    assert codes(po(line(qty="2")), policy=small) == ["approval_required"]
    assert codes(po(line(qty="1")), policy=small) == []


def test_low_confidence_or_missing_key_fields():
    assert codes(po(line(), confidence=0.3)) == ["low_confidence"]
    assert codes(po()) == ["low_confidence"]
    assert codes(case(line(qty="1", lot="L1"), procedure={}),
                 usage_facts(StockUnit("CON-1", "7103-1204", "L1", "S1", None, 1))) == ["low_confidence"]


def test_a_bill_only_po_confirms_the_earlier_case_instead_of_duplicating_it():
    earlier = prior(order_type="bill_only", po_number=None, procedure_date=date(2026, 11, 18), channel="sms",
                    item_eaches={"7103-1204": Decimal("1")})
    draft = draft_from_extraction(po(line(qty="1", lot="L1", unit_price="1450.00"), procedure={"date": "2026-11-18"}),
                                  received_on=RECEIVED)
    assert draft.order_type == "bill_only"
    assert confirmed_case(draft, (earlier,), ITEMS) == earlier
    assert validate(draft, facts(prior=(earlier,), confirms=earlier), POLICY) == []
    pending = prior(**{**earlier.__dict__, "order_id": None, "status": "exception"})
    assert [i.code for i in validate(draft, facts(prior=(pending,), confirms=pending), POLICY)] == ["bill_only_pending"]


def test_a_case_on_another_day_is_not_confirmed():
    earlier = prior(order_type="bill_only", po_number=None, procedure_date=date(2026, 11, 2),
                    item_eaches={"7103-1204": Decimal("1")})
    draft = draft_from_extraction(po(line(qty="1"), procedure={"date": "2026-11-18"}), received_on=RECEIVED)
    assert confirmed_case(draft, (earlier,), ITEMS) is None


def test_draft_reading_is_tolerant_of_bad_values():
    draft = draft_from_extraction({"document_type": "purchase_order", "order_date": "not a date", "lines": [
        {"item_id": "X", "quantity": "two", "unit_price": "$1,450.00"}, "garbage"]}, received_on=RECEIVED)
    assert draft.order_date is None and draft.pricing_date == RECEIVED
    assert draft.lines[0].quantity is None and draft.lines[0].unit_price == Decimal("1450.00")
    assert len(draft.lines) == 1
