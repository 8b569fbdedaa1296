"""Invoice triggers chosen per order type by configuration (an O2C_CONFIG TOML file), on both engines.

``settings()`` is cached per configuration path, so every test writes its own file under its own
``tmp_path``: switching configuration is switching the file, exactly as an operator would.
"""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from o2c.billing.triggers import TRIGGERS, attach_po, confirm_delivery
from o2c.kernel.errors import Conflict, O2CError
from o2c.masterdata.service import load_master_data
from o2c.orders.model import LineRequest, OrderRequest
from o2c.orders.service import allocate_order, create_order, get_order, record_usage, ship_order
from o2c.storage import schema as t
from o2c.storage.uow import unit_of_work
from tests.integration.test_order_to_cash import books_are_consistent

TODAY = date(2026, 11, 20)


@pytest.fixture
def loaded(db_url, demo_master):
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
    return db_url


def configure(tmp_path, monkeypatch, **triggers: str) -> None:
    """Point O2C_CONFIG at a fresh file naming the trigger of each given order type."""
    path = tmp_path / "o2c.toml"
    path.write_text("[invoice_trigger]\n" + "".join(f'{k} = "{v}"\n' for k, v in triggers.items()))
    monkeypatch.setenv("O2C_CONFIG", str(path))


def invoices_of(order_id: str) -> list[dict]:
    with unit_of_work(read_only=True) as uow:
        return [dict(r) for r in uow.conn.execute(select(t.invoices).where(t.invoices.c.order_id == order_id)
                                                  .order_by(t.invoices.c.invoice_number)).mappings()]


def stock_order(kind: str = "stock", customer: str = "D-100", item: str = "K-2002", qty: int = 2, **extra) -> str:
    with unit_of_work("test") as uow:
        order_id = create_order(uow, OrderRequest(kind, customer, TODAY, (LineRequest(item, qty),), **extra))
        allocate_order(uow, order_id)
    return order_id


def ship(order_id: str, quantities=None) -> str:
    with unit_of_work("test") as uow:
        return ship_order(uow, order_id, quantities)


def test_every_trigger_is_registered_by_name():
    assert set(TRIGGERS) >= {"on_shipment", "on_delivery", "on_usage", "on_po", "never"}


def test_on_shipment_invoices_in_the_shipping_transaction(loaded, tmp_path, monkeypatch):
    configure(tmp_path, monkeypatch, stock="on_shipment")
    order_id = stock_order()
    shipment = ship(order_id)
    [invoice] = invoices_of(order_id)
    assert invoice["shipment_id"] == shipment and invoice["subtotal_minor"] == 2 * 87500
    with unit_of_work("test") as uow:                       # a later proof of delivery bills nothing more
        assert confirm_delivery(uow, shipment, datetime.now(timezone.utc) + timedelta(days=1)) == []
    assert len(invoices_of(order_id)) == 1
    books_are_consistent()


def test_on_delivery_waits_for_proof_of_delivery(loaded, tmp_path, monkeypatch):
    configure(tmp_path, monkeypatch, stock="on_delivery")
    order_id = stock_order()
    shipment = ship(order_id)
    assert invoices_of(order_id) == []
    with pytest.raises(Conflict) as early:
        with unit_of_work("test") as uow:
            confirm_delivery(uow, shipment, datetime(2000, 1, 1))   # before it shipped: refused, nothing billed
    assert early.value.code == "delivered_before_shipped" and invoices_of(order_id) == []
    delivered = datetime.now(timezone.utc) + timedelta(hours=30)
    with unit_of_work("test") as uow:
        raised = confirm_delivery(uow, shipment, delivered)
        row = uow.conn.execute(select(t.shipments).where(t.shipments.c.shipment_id == shipment)).mappings().one()
    assert [i["invoice_number"] for i in invoices_of(order_id)] == raised and len(raised) == 1
    assert row["status"] == "delivered"
    with pytest.raises(Conflict) as again:
        with unit_of_work("test") as uow:
            confirm_delivery(uow, shipment, delivered)
    assert again.value.code == "already_delivered"
    books_are_consistent()


def test_on_usage_bills_a_bill_only_case_when_used(loaded, tmp_path, monkeypatch):
    configure(tmp_path, monkeypatch, bill_only="on_usage")
    with unit_of_work("test") as uow:
        order_id = create_order(uow, OrderRequest("bill_only", "D-100", TODAY, (
            LineRequest("K-1002", 1, lot="L24101", serial="SN910002"),)))
        usage = record_usage(uow, order_id, "CON-D-100")
    [invoice] = invoices_of(order_id)
    assert invoice["shipment_id"] == usage and invoice["subtotal_minor"] == 127500
    books_are_consistent()


def test_on_po_bills_when_the_hospital_po_arrives(loaded, tmp_path, monkeypatch):
    configure(tmp_path, monkeypatch, bill_only="on_po")
    with unit_of_work("test") as uow:
        order_id = create_order(uow, OrderRequest("bill_only", "D-100", TODAY, (
            LineRequest("K-1001", 1, lot="L24003", serial="SN900103"),)))
        usage = record_usage(uow, order_id, "CON-D-100")
    assert invoices_of(order_id) == []                     # used, but no PO yet: nothing billed
    with unit_of_work("test") as uow:
        raised = attach_po(uow, order_id, "4500012345")
    [invoice] = invoices_of(order_id)
    assert raised == [invoice["invoice_number"]]
    assert (invoice["po_number"], invoice["shipment_id"]) == ("4500012345", usage)
    with unit_of_work(read_only=True) as uow:
        order, _ = get_order(uow.conn, order_id)
    assert order["po_number"] == "4500012345" and order["status"] == "invoiced"
    with pytest.raises(Conflict) as err:
        with unit_of_work("test") as uow:
            attach_po(uow, order_id, "4500099999")
    assert err.value.code == "po_already_attached"
    with unit_of_work("test") as uow:                       # the same PO again is harmless
        assert attach_po(uow, order_id, "4500012345") == []
    books_are_consistent()


def test_on_po_bills_usage_at_once_when_the_po_came_first(loaded, tmp_path, monkeypatch):
    configure(tmp_path, monkeypatch, bill_only="on_po")
    with unit_of_work("test") as uow:
        order_id = create_order(uow, OrderRequest("bill_only", "D-100", TODAY, (
            LineRequest("K-1002", 1, lot="L24101", serial="SN910002"),), po_number="PO-FIRST"))
        record_usage(uow, order_id, "CON-D-100")
    assert [i["po_number"] for i in invoices_of(order_id)] == ["PO-FIRST"]


def test_never_leaves_consignment_replenishment_unbilled(loaded, tmp_path, monkeypatch):
    configure(tmp_path, monkeypatch, consignment_replenishment="never", stock="never")
    replenishment = stock_order("consignment_replenishment", item="K-3001", qty=3)
    shipment = ship(replenishment)
    with unit_of_work("test") as uow:
        assert confirm_delivery(uow, shipment, datetime.now(timezone.utc) + timedelta(days=1)) == []
    stock = stock_order()
    ship(stock)
    assert invoices_of(replenishment) == [] and invoices_of(stock) == []
    books_are_consistent()


def test_an_unknown_trigger_name_is_a_configuration_error_not_silence(loaded, tmp_path, monkeypatch):
    configure(tmp_path, monkeypatch, stock="on_full_moon")
    order_id = stock_order()
    with pytest.raises(O2CError) as err:
        ship(order_id)
    assert err.value.code == "config" and "on_full_moon" in str(err.value)
    with unit_of_work(read_only=True) as uow:           # the shipment rolled back with the refusal
        assert uow.conn.execute(select(t.shipments).where(t.shipments.c.order_id == order_id)).first() is None
