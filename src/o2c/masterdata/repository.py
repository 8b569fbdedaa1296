"""Read master data from the database into domain values."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.engine import Connection

from o2c.kernel.errors import NotFound
from o2c.masterdata.model import Contract, Customer, Item
from o2c.storage import schema as t


def customer_from_row(row) -> Customer:
    return Customer(row["customer_id"], row["name"], row["kind"], row["gpo_id"], row["email"], row["phone"],
                    row["payment_terms"], row["credit_limit"], row["currency"], row["edi_id"],
                    Decimal(row["tax_rate"] or 0), row["attributes"] or {})


def item_from_row(row) -> Item:
    return Item(row["item_id"], row["description"], row["gtin"], row["uom"], row["pack_size"], row["list_price"],
                row["lot_controlled"], row["serial_controlled"], row["shelf_life_days"], row["tracked_device"],
                row["is_kit"], row["standard_cost"], row["attributes"] or {})


def get_customer(conn: Connection, customer_id: str) -> Customer:
    row = conn.execute(select(t.customers).where(t.customers.c.customer_id == customer_id)).mappings().first()
    if row is None:
        raise NotFound(f"customer {customer_id} does not exist", code="unknown_customer")
    return customer_from_row(row)


def get_item(conn: Connection, item_id: str) -> Item:
    row = conn.execute(select(t.items).where(t.items.c.item_id == item_id)).mappings().first()
    if row is None:
        raise NotFound(f"item {item_id} does not exist", code="unknown_item")
    return item_from_row(row)


def contracts_for(conn: Connection, item_id: str) -> list[Contract]:
    rows = conn.execute(select(t.contracts).where(t.contracts.c.item_id == item_id)).mappings()
    return [Contract(r["contract_id"], r["item_id"], r["unit_price"], r["gpo_id"], r["customer_id"], r["uom"],
                     r["min_quantity"], r["start_date"], r["end_date"]) for r in rows]
