"""Credit memos and rebills on both engines: linked to the original with a reason code, posted, applied
to the original's open amount (or left as a credit balance), with the trial balance at zero and aging
equal to the open items after every step."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from o2c.billing.credits import Corrections, credit_invoice, credit_rebill_rate, rebill
from o2c.cash.service import ApplicationRequest, record_payment
from o2c.kernel.errors import Conflict, InvalidValue, ValidationFailed
from o2c.ledger.model import AR
from o2c.ledger.service import account_balance
from o2c.masterdata.service import load_master_data
from o2c.orders.model import LineRequest, OrderRequest
from o2c.orders.service import allocate_order, create_order, ship_order
from o2c.storage import schema as t
from o2c.storage.uow import unit_of_work
from tests.integration.test_order_to_cash import books_are_consistent

TODAY = date(2026, 11, 20)


@pytest.fixture
def loaded(db_url, demo_master):
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
    return db_url


def shipped_invoice(customer: str, lines: tuple, freight: str = "0") -> str:
    with unit_of_work("test") as uow:
        order_id = create_order(uow, OrderRequest("stock", customer, TODAY, lines, freight=Decimal(freight),
                                                  po_number="PO-1"))
        allocate_order(uow, order_id)
        shipment = ship_order(uow, order_id)
        return uow.conn.execute(select(t.invoices.c.invoice_number).where(
            t.invoices.c.shipment_id == shipment)).scalar_one()


def row(number: str) -> dict:
    with unit_of_work(read_only=True) as uow:
        return dict(uow.conn.execute(select(t.invoices).where(t.invoices.c.invoice_number == number)).mappings().one())


def events(kind: str) -> list[str]:
    with unit_of_work(read_only=True) as uow:
        return uow.conn.execute(select(t.outbox.c.aggregate_id).where(t.outbox.c.event_type == kind)
                                .order_by(t.outbox.c.created_at)).scalars().all()


def test_full_credit_closes_the_original_and_keeps_the_books(loaded):
    number = shipped_invoice("D-200", (LineRequest("K-2002", 2), LineRequest("K-3001", 1)), freight="30.00")
    with unit_of_work(read_only=True) as uow:
        ar_before = account_balance(uow.conn, AR, "D-200")
    with unit_of_work("test") as uow:
        memo = credit_invoice(uow, number, None, "duplicate_billing", "billed twice with SO-9")
    original, credit = row(number), row(memo)
    assert memo.startswith("CM-")
    assert (credit["kind"], credit["original_invoice"], credit["reason_code"]) == ("credit_memo", number,
                                                                                    "duplicate_billing")
    assert (credit["subtotal_minor"], credit["freight_minor"], credit["tax_minor"]) == (
        original["subtotal_minor"], original["freight_minor"], original["tax_minor"])
    assert (original["open_minor"], original["status"]) == (0, "credited")
    assert (credit["open_minor"], credit["status"]) == (0, "applied")
    assert credit["note"] == "billed twice with SO-9"
    with unit_of_work(read_only=True) as uow:
        assert account_balance(uow.conn, AR, "D-200") == ar_before - original["total_minor"]
    assert events("credit_memo.issued") == [memo]
    books_are_consistent()
    with pytest.raises(Conflict) as err:
        with unit_of_work("test") as uow:
            credit_invoice(uow, number, None, "other")
    assert err.value.code == "already_credited"


def test_partial_credits_take_back_goods_and_their_tax_but_never_more_than_billed(loaded):
    number = shipped_invoice("D-200", (LineRequest("K-2002", 3), LineRequest("K-3001", 2)), freight="30.00")
    original = row(number)
    with unit_of_work("test") as uow:
        first = credit_invoice(uow, number, {1: 1}, "returned_goods")
    memo = row(first)
    assert (memo["subtotal_minor"], memo["freight_minor"], memo["tax_minor"]) == (87500, 0, 6344)
    assert row(number)["open_minor"] == original["total_minor"] - memo["total_minor"]
    books_are_consistent()
    with pytest.raises(ValidationFailed) as err:
        with unit_of_work("test") as uow:
            credit_invoice(uow, number, {1: 3, 9: 1}, "returned_goods")
    assert {p.code for p in err.value.problems} == {"over_credit", "unknown_line"}
    with unit_of_work("test") as uow:          # the rest of the goods: the remaining tax exactly, no freight
        rest = credit_invoice(uow, number, {1: 2, 2: 2}, "damaged")
    memo = row(rest)
    assert memo["tax_minor"] == original["tax_minor"] - 6344 and memo["freight_minor"] == 0
    assert row(number)["open_minor"] == original["freight_minor"]
    with unit_of_work("test") as uow:          # a full credit now gives back only the freight that is left
        freight = credit_invoice(uow, number, None, "other")
    assert (row(freight)["subtotal_minor"], row(freight)["total_minor"]) == (0, original["freight_minor"])
    assert row(number)["status"] == "credited"
    books_are_consistent()


def test_crediting_a_paid_invoice_leaves_a_credit_balance(loaded):
    number = shipped_invoice("D-300", (LineRequest("K-3001", 2),))
    total = row(number)["total_minor"]
    with unit_of_work("test") as uow:
        record_payment(uow, amount=Decimal(total) / 100, value_date=TODAY, customer_id="D-300",
                       applications=[ApplicationRequest(number, Decimal(total) / 100)])
    with unit_of_work("test") as uow:
        memo = credit_invoice(uow, number, {1: 1}, "pricing_error")
    assert row(number)["open_minor"] == 0
    assert row(memo)["open_minor"] == -18999 and row(memo)["status"] == "open"
    books_are_consistent()


def test_rebill_credits_in_full_and_bills_again_linked_to_both(loaded):
    number = shipped_invoice("D-100", (LineRequest("K-1001", 1), LineRequest("K-1002", 1)), freight="45.00")
    original = row(number)
    with unit_of_work("test") as uow:
        result = rebill(uow, number, {1: Decimal("2100.00")}, "pricing_error")
    memo, again = row(result.credit_memo), row(result.invoice)
    assert memo["total_minor"] == original["total_minor"] and row(number)["status"] == "credited"
    assert (again["original_invoice"], again["linked_credit_memo"], again["reason_code"]) == (
        number, result.credit_memo, "pricing_error")
    assert again["subtotal_minor"] == 210000 + 127500 and again["freight_minor"] == 4500
    assert again["open_minor"] == again["total_minor"] and again["discount_minor"] == 6840  # 2% of 3,420.00
    assert events("invoice.rebilled") == [number]
    books_are_consistent()


def test_rebill_can_move_the_invoice_to_the_right_customer(loaded):
    number = shipped_invoice("D-300", (LineRequest("K-3001", 4),))
    with unit_of_work("test") as uow:
        result = rebill(uow, number, Corrections(customer_id="D-200", quantities={1: 3}), "wrong_customer")
    again = row(result.invoice)
    assert again["customer_id"] == "D-200" and again["subtotal_minor"] == 3 * 18999
    assert again["tax_minor"] == 4132   # D-200's own 7.25% on 569.97 = 41.322825
    books_are_consistent()


def test_refusals_are_typed_and_leave_nothing_behind(loaded):
    number = shipped_invoice("D-300", (LineRequest("K-3001", 1),))
    with pytest.raises(InvalidValue):
        with unit_of_work("test") as uow:
            credit_invoice(uow, number, None, "felt_like_it")
    with pytest.raises(ValidationFailed):
        with unit_of_work("test") as uow:
            rebill(uow, number, Corrections(), "pricing_error")
    with unit_of_work("test") as uow:
        memo = credit_invoice(uow, number, None, "other")
    with pytest.raises(Conflict):
        with unit_of_work("test") as uow:
            credit_invoice(uow, memo, None, "other")
    assert events("credit_memo.issued") == [memo]
    books_are_consistent()


def test_credit_and_rebill_rate_counts_each_correction_once(loaded):
    first = shipped_invoice("D-300", (LineRequest("K-3001", 1),))
    second = shipped_invoice("D-300", (LineRequest("K-3001", 1),))
    shipped_invoice("D-300", (LineRequest("K-3001", 1),))
    with unit_of_work("test") as uow:
        credit_invoice(uow, first, None, "damaged")
        rebill(uow, second, {1: Decimal("150.00")}, "pricing_error")
        today = uow.today
    with unit_of_work(read_only=True) as uow:
        rate = credit_rebill_rate(uow.conn, today, today)
        empty = credit_rebill_rate(uow.conn, date(2001, 1, 1), date(2001, 12, 31))
    assert (rate.invoices_issued, rate.credit_memos, rate.rebills) == (3, 2, 1)
    assert rate.rate == Decimal("0.6667")
    assert rate.by_reason == {"damaged": 1, "pricing_error": 1}
    assert empty.rate is None and empty.as_dict()["rate"] is None
