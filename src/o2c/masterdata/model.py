"""Master data as plain values: who we sell to, where, what, and who sells it.

These records are what ``o2c load`` validates and stores, and what pricing, inventory and intake read.
They carry no behaviour beyond checks that belong to the value itself (a GTIN's check digit).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from o2c.formats.gs1 import is_valid_gtin  # noqa: F401  (the one GTIN check, re-exported for master data)

CUSTOMER_KINDS = ("hospital", "asc", "clinic", "distributor", "other")
SITE_KINDS = ("ship_to", "bill_to", "facility")
LOCATION_KINDS = ("warehouse", "3pl", "consignment", "trunk")
REP_KINDS = ("employee", "independent")


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    name: str
    kind: str = "other"
    gpo_id: str | None = None
    email: str | None = None
    phone: str | None = None
    payment_terms: str = "NET30"
    credit_limit: Decimal | None = None
    currency: str = "USD"
    edi_id: str | None = None
    tax_rate: Decimal = Decimal("0")
    attributes: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Item:
    item_id: str
    description: str
    gtin: str | None = None
    uom: str = "EA"
    pack_size: int = 1
    list_price: Decimal | None = None
    lot_controlled: bool = False
    serial_controlled: bool = False
    shelf_life_days: int | None = None
    tracked_device: bool = False
    is_kit: bool = False
    standard_cost: Decimal | None = None
    attributes: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Contract:
    contract_id: str
    item_id: str
    unit_price: Decimal
    gpo_id: str | None = None
    customer_id: str | None = None
    uom: str | None = None
    min_quantity: int = 1
    start_date: date | None = None
    end_date: date | None = None
