"""Master data as plain values: who we sell to, where, what, and who sells it.

These records are what ``o2c load`` validates and stores, and what pricing, inventory and intake read.
They carry no behaviour beyond checks that belong to the value itself (a GTIN's check digit).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

CUSTOMER_KINDS = ("hospital", "asc", "clinic", "distributor", "other")
SITE_KINDS = ("ship_to", "bill_to", "facility")
LOCATION_KINDS = ("warehouse", "3pl", "consignment", "trunk")
REP_KINDS = ("employee", "independent")


def gtin_check_digit(body: str) -> int:
    """GS1 mod-10: weights 3,1,3,1... from the rightmost digit of the body."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_valid_gtin(text: str) -> bool:
    """True for a GTIN-8/12/13/14 whose last digit is the right check digit."""
    return (text.isdigit() and len(text) in (8, 12, 13, 14)
            and gtin_check_digit(text[:-1]) == int(text[-1]))


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
