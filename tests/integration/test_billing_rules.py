"""Invoice rules on both engines: partial invoicing, freight once, tax per customer, early-payment
discount, gapless numbering per series, and required fields that keep an incomplete invoice out of
the books."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from o2c.billing.credits import credit_invoice
from o2c.billing.documents import invoice_document
from o2c.billing.service import issue_invoice, next_number
from o2c.kernel.errors import ValidationFailed
from o2c.masterdata.service import load_master_data
from o2c.orders.model import LineRequest, OrderRequest
from o2c.orders.service import allocate_order, create_order, get_order, ship_order
from o2c.storage import schema as t
from o2c.storage.uow import unit_of_work
from tests.integration.test_order_to_cash import books_are_consistent

TODAY = date(2026, 11, 20)


@pytest.fixture
def loaded(db_url, demo_master):
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
    return db_url


def invoice_rows(order_id: str) -> list[dict]:
    with unit_of_work(read_only=True) as uow:
        return [dict(r) for r in uow.conn.execute(select(t.invoices).where(t.invoices.c.order_id == order_id)
                                                  .order_by(t.invoices.c.invoice_number)).mappings()]


def counts() -> tuple[int, int, int]:
    with unit_of_work(read_only=True) as uow:
        return tuple(uow.conn.execute(select(func.count()).select_from(table)).scalar_one()
                     for table in (t.invoices, t.journal_entries, t.outbox))


def test_two_shipments_make_two_invoices_of_what_shipped_with_freight_and_tax_once(loaded):
    with unit_of_work("test", now=None) as uow:
        order_id = create_order(uow, OrderRequest("stock", "D-200", TODAY, (
            LineRequest("K-2002", 3), LineRequest("K-3001", 5)), freight=Decimal("25.00"), po_number="CR-77"))
        allocate_order(uow, order_id)
        ship_order(uow, order_id, {1: 2, 2: 5})
        ship_order(uow, order_id, {1: 1})
    first, second = invoice_rows(order_id)
    assert first["subtotal_minor"] == 2 * 87500 + 5 * 18999
    assert second["subtotal_minor"] == 87500
    assert (first["freight_minor"], second["freight_minor"]) == (2500, 0)
    # D-200 pays 7.25% sales tax on goods, never on freight, rounded once per invoice
    assert first["tax_minor"] == 19575   # 2699.95 x 0.0725 = 195.746375
    assert second["tax_minor"] == 6344   # 875.00 x 0.0725 = 63.4375
    assert first["total_minor"] == first["subtotal_minor"] + 2500 + first["tax_minor"]
    assert first["due_date"] == first["issue_date"] + timedelta(days=30)
    assert first["discount_minor"] == 0 and first["discount_until"] is None     # NET30: no discount
    with unit_of_work(read_only=True) as uow:
        order, lines = get_order(uow.conn, order_id)
        billed = uow.conn.execute(select(t.invoice_lines.c.quantity).where(
            t.invoice_lines.c.invoice_number == second["invoice_number"])).scalars().all()
    assert [l["qty_invoiced"] for l in lines] == [3, 5] and order["status"] == "invoiced"
    assert billed == [1]
    books_are_consistent()


def test_early_payment_discount_is_on_the_invoice_and_its_document(loaded):
    with unit_of_work("test") as uow:
        order_id = create_order(uow, OrderRequest("stock", "D-100", TODAY, (LineRequest("K-1001", 1),),
                                                  freight=Decimal("45.00")))
        allocate_order(uow, order_id)
        ship_order(uow, order_id)
    [invoice] = invoice_rows(order_id)
    assert invoice["payment_terms"] == "2/10 NET30"
    assert invoice["discount_percent"] == Decimal("2")
    assert invoice["discount_until"] == invoice["issue_date"] + timedelta(days=10)
    assert invoice["discount_minor"] == 4390          # 2% of 2,195.00 (goods 2,150.00 + freight 45.00)
    with unit_of_work(read_only=True) as uow:
        doc = invoice_document(uow.conn, invoice["invoice_number"])
    assert (doc.discount_percent, doc.discount_days, doc.payment_terms) == (Decimal("2"), 10, "2/10 NET30")
    assert doc.total == Decimal("2195.00") and doc.freight == Decimal("45.00")
    until = invoice["discount_until"].isoformat()
    assert any(f"USD 43.90 if paid by {until}" in note and "pay 2151.10" in note for note in doc.notes)


def test_a_refused_invoice_takes_no_number_and_posts_nothing(loaded):
    with unit_of_work("test") as uow:
        order_id = create_order(uow, OrderRequest("stock", "D-300", TODAY, (LineRequest("K-3001", 2),)))
        allocate_order(uow, order_id)
        ship_order(uow, order_id)
    [first] = invoice_rows(order_id)
    before = counts()
    incomplete = [{"line_no": 1, "item_id": "K-3001", "description": "", "quantity": 0, "uom": "EA",
                   "unit_price": None},
                  {"line_no": 2, "item_id": "K-3001", "description": "BONE CEMENT", "quantity": 1, "uom": "EA",
                   "unit_price": Decimal("-1")}]
    with pytest.raises(ValidationFailed) as err:
        with unit_of_work("test") as uow:
            issue_invoice(uow, customer_id="D-300", lines=incomplete, issue_date=TODAY)
    found = {(p.line, p.field) for p in err.value.problems}
    assert found == {(1, "unit_price"), (1, "quantity"), (1, "description"), (2, "unit_price")}
    assert counts() == before
    with unit_of_work("test") as uow:
        following = issue_invoice(uow, customer_id="D-300", issue_date=TODAY, lines=[
            {"line_no": 1, "item_id": "K-3001", "description": "BONE CEMENT 40G", "quantity": 1, "uom": "EA",
             "unit_price": Decimal("189.99")}])
    assert int(following.split("-")[1]) == int(first["invoice_number"].split("-")[1]) + 1
    books_are_consistent()


def test_each_series_is_gapless_on_its_own(loaded):
    with unit_of_work("test") as uow:
        order_id = create_order(uow, OrderRequest("stock", "D-300", TODAY, (LineRequest("K-3001", 3),)))
        allocate_order(uow, order_id)
        ship_order(uow, order_id, {1: 1})
        ship_order(uow, order_id, {1: 2})
    first, second = (r["invoice_number"] for r in invoice_rows(order_id))
    with unit_of_work("test") as uow:
        memo = credit_invoice(uow, first, None, "damaged")
    with unit_of_work("test") as uow:
        third = next_number(uow.conn, "invoice")
        next_memo = next_number(uow.conn, "credit_memo")
    assert [first, second, third] == ["INV-000001", "INV-000002", "INV-000003"]
    assert [memo, next_memo] == ["CM-000001", "CM-000002"]
