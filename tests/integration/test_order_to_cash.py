"""A stock order from confirmation to cash, on both engines, with the books checked after each step."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from o2c.audit.service import verify
from o2c.billing.service import next_number
from o2c.cash.service import ApplicationRequest, record_payment
from o2c.inventory.service import on_hand, on_hand_from_moves
from o2c.kernel.errors import Conflict, ValidationFailed
from o2c.ledger.model import AR
from o2c.ledger.service import account_balance, trial_balance
from o2c.masterdata.service import load_master_data
from o2c.orders.model import LineRequest, OrderRequest
from o2c.orders.service import allocate_order, create_order, get_order, record_usage, ship_order
from o2c.receivables.service import aging, aging_totals, open_items
from o2c.storage import schema as t
from o2c.storage.uow import unit_of_work

TODAY = date(2026, 11, 20)


@pytest.fixture
def loaded(db_url, demo_master):
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
    return db_url


def books_are_consistent():
    with unit_of_work(read_only=True) as uow:
        assert sum(trial_balance(uow.conn).values()) == 0
        items = open_items(uow.conn)
        everything = date(2100, 1, 1)
        assert sum(aging_totals(aging(uow.conn, everything)).values()) == sum(i["open_minor"] for i in items)
        assert account_balance(uow.conn, AR) == sum(i["open_minor"] for i in items)
        assert verify(uow.conn) == []
        projected = {(b["item_id"], b["location_id"], b["lot"], b["serial"]): b["quantity"]
                     for b in on_hand(uow.conn)}
        assert projected == on_hand_from_moves(uow.conn)


def test_stock_order_to_cash(loaded):
    with unit_of_work("test") as uow:
        order_id = create_order(uow, OrderRequest("stock", "D-200", TODAY, (
            LineRequest("K-2001", 12), LineRequest("K-3001", 4)), po_number="CR-1"))
    books_are_consistent()
    with unit_of_work("test") as uow:
        result = allocate_order(uow, order_id)
    assert result.allocated == {1: 10, 2: 4} and result.backordered == {1: 2}
    with unit_of_work("test") as uow:
        shipment = ship_order(uow, order_id, {1: 6, 2: 4})
        lines = uow.conn.execute(select(t.shipment_lines).where(t.shipment_lines.c.shipment_id == shipment)
                                 .order_by(t.shipment_lines.c.seq)).mappings().all()
        # FEFO: the lot expiring 2027-08-31 goes before the one expiring 2028-02-29
        assert [(l["lot"], l["quantity"]) for l in lines if l["item_id"] == "K-2001"] == [("L24205", 4), ("L24210", 2)]
        invoice = uow.conn.execute(select(t.invoices).where(t.invoices.c.shipment_id == shipment)).mappings().one()
        order, order_lines = get_order(uow.conn, order_id)
    # D-200 has no contract: list prices, and 7.25% sales tax on the goods
    assert invoice["subtotal_minor"] == 6 * 41000 + 4 * 18999
    assert invoice["tax_minor"] == 23345   # 3219.96 x 0.0725 = 233.4471, rounded to 233.45
    assert order["status"] == "partially_shipped"
    books_are_consistent()
    with unit_of_work("test") as uow:
        record_payment(uow, amount=Decimal("1000.00"), value_date=TODAY, customer_id="D-200",
                       applications=[ApplicationRequest(invoice["invoice_number"], Decimal("1000.00"))])
    books_are_consistent()
    with unit_of_work(read_only=True) as uow:
        open_amount = uow.conn.execute(select(t.invoices.c.open_minor).where(
            t.invoices.c.invoice_number == invoice["invoice_number"])).scalar_one()
    assert open_amount == invoice["total_minor"] - 100000


def test_contract_prices_apply_and_freight_is_billed_once(loaded):
    with unit_of_work("test") as uow:
        order_id = create_order(uow, OrderRequest("stock", "D-100", TODAY, (
            LineRequest("K-1001", 2), LineRequest("K-1002", 1)), freight=Decimal("45.00")))
        allocate_order(uow, order_id)
        first = ship_order(uow, order_id, {1: 1})
        second = ship_order(uow, order_id, {1: 1, 2: 1})
        invoices = {r["shipment_id"]: r for r in uow.conn.execute(select(t.invoices)
                    .where(t.invoices.c.order_id == order_id)).mappings()}
    assert invoices[first]["subtotal_minor"] == 215000          # GPO contract, not list 2450.00
    assert invoices[first]["freight_minor"] == 4500 and invoices[second]["freight_minor"] == 0
    assert invoices[second]["subtotal_minor"] == 215000 + 127500  # customer contract on K-1002
    books_are_consistent()


def test_stock_never_goes_negative_and_overshipping_is_refused(loaded):
    with unit_of_work("test") as uow:
        order_id = create_order(uow, OrderRequest("stock", "D-300", TODAY, (LineRequest("K-2002", 5),)))
        result = allocate_order(uow, order_id)
    assert result.allocated == {1: 3} and result.backordered == {1: 2}
    with pytest.raises(Conflict):
        with unit_of_work("test") as uow:
            ship_order(uow, order_id, {1: 4})
    with unit_of_work(read_only=True) as uow:
        assert uow.conn.execute(select(func.min(t.stock_balances.c.quantity))).scalar_one() >= 0
    books_are_consistent()


def test_invalid_order_lines_are_all_reported(loaded):
    with pytest.raises(ValidationFailed) as err:
        with unit_of_work("test") as uow:
            create_order(uow, OrderRequest("stock", "D-100", TODAY, (
                LineRequest("NOPE", 1), LineRequest("K-2001", 15, "EA"))))
    codes = sorted(p.code for p in err.value.problems)
    assert codes == ["quantity", "unknown_item"]


def test_bill_only_usage_moves_the_unit_to_the_patient_and_invoices_on_usage(loaded):
    with unit_of_work("test") as uow:
        order_id = create_order(uow, OrderRequest("bill_only", "D-100", TODAY, (
            LineRequest("K-1001", 1, lot="L24003", serial="SN900103"),)))
        record_usage(uow, order_id, "CON-D-100")
        moves = uow.conn.execute(select(t.stock_moves).where(t.stock_moves.c.order_id == order_id)).mappings().all()
        invoice = uow.conn.execute(select(t.invoices).where(t.invoices.c.order_id == order_id)).mappings().one()
    assert [(m["from_location"], m["to_location"], m["serial"]) for m in moves] == [
        ("CON-D-100", "@patient", "SN900103")]
    assert invoice["subtotal_minor"] == 215000
    books_are_consistent()


def test_invoice_numbers_are_gapless_even_when_a_transaction_fails(loaded):
    with unit_of_work("test") as uow:
        first = next_number(uow.conn, "invoice")
    with pytest.raises(RuntimeError):
        with unit_of_work("test") as uow:
            next_number(uow.conn, "invoice")
            raise RuntimeError("crash after taking a number")
    with unit_of_work("test") as uow:
        second = next_number(uow.conn, "invoice")
    assert int(second.split("-")[1]) == int(first.split("-")[1]) + 1


def test_events_are_written_with_the_change_that_caused_them(loaded):
    with pytest.raises(ValidationFailed):
        with unit_of_work("test") as uow:
            create_order(uow, OrderRequest("stock", "D-100", TODAY, (LineRequest("K-1001", 1),)))
            create_order(uow, OrderRequest("stock", "D-100", TODAY, (LineRequest("NOPE", 1),)))
    with unit_of_work(read_only=True) as uow:
        assert uow.conn.execute(select(func.count()).select_from(t.orders)).scalar_one() == 0
        assert uow.conn.execute(select(func.count()).where(t.outbox.c.event_type == "order.confirmed")
                                ).scalar_one() == 0
    with unit_of_work("test") as uow:
        order_id = create_order(uow, OrderRequest("stock", "D-100", TODAY, (LineRequest("K-1001", 1),)))
    with unit_of_work(read_only=True) as uow:
        events = uow.conn.execute(select(t.outbox.c.aggregate_id).where(t.outbox.c.event_type == "order.confirmed")
                                  ).scalars().all()
    assert events == [order_id]


def test_consignment_replenishment_stays_ours_until_it_is_used(loaded):
    from o2c.ledger.model import COGS, INVENTORY, INVENTORY_CONSIGNED
    with unit_of_work("test") as uow:
        before = {a: account_balance(uow.conn, a) for a in (COGS, INVENTORY, INVENTORY_CONSIGNED)}
        refill = create_order(uow, OrderRequest("consignment_replenishment", "D-100", TODAY,
                                                (LineRequest("K-1002", 1),), site_id="D-100-OR"))
        allocate_order(uow, refill)
        shipment = ship_order(uow, refill)
        moved = uow.conn.execute(select(t.stock_moves).where(t.stock_moves.c.shipment_id == shipment)).mappings().one()
        invoices = uow.conn.execute(select(func.count()).where(t.invoices.c.order_id == refill)).scalar_one()
        after = {a: account_balance(uow.conn, a) for a in (COGS, INVENTORY, INVENTORY_CONSIGNED)}
    assert (moved["to_location"], moved["owner"], moved["serial"]) == ("CON-D-100", "company", "SN910001")
    assert invoices == 0
    assert after[COGS] == before[COGS]
    assert after[INVENTORY] == before[INVENTORY] - 34000 and after[INVENTORY_CONSIGNED] == before[INVENTORY_CONSIGNED] + 34000
    with unit_of_work("test") as uow:
        case = create_order(uow, OrderRequest("bill_only", "D-100", TODAY, (
            LineRequest("K-1002", 1, lot="L24100", serial="SN910001"),), site_id="D-100-OR"))
        record_usage(uow, case, "CON-D-100")
        used = {a: account_balance(uow.conn, a) for a in (COGS, INVENTORY_CONSIGNED)}
    assert used[COGS] == before[COGS] + 34000 and used[INVENTORY_CONSIGNED] == before[INVENTORY_CONSIGNED]
    books_are_consistent()
