"""Orders: the three types o2c handles and the life of an order line.

- ``stock``: the customer buys from our warehouse; we allocate, ship and (by default) invoice on shipment.
- ``consignment_replenishment``: we refill a consignment closet at the hospital; the stock stays ours,
  so nothing is invoiced.
- ``bill_only``: product already used in surgery from consignment or trunk stock; it is invoiced on
  usage (or when the hospital's PO arrives), and nothing ships.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ORDER_TYPES = ("stock", "consignment_replenishment", "bill_only")


@dataclass(frozen=True)
class LineRequest:
    item_id: str
    quantity: int
    uom: str | None = None
    unit_price: Decimal | None = None     # as stated by the customer; None = price from contract
    lot: str | None = None
    serial: str | None = None


@dataclass(frozen=True)
class OrderRequest:
    order_type: str
    customer_id: str
    order_date: date
    lines: tuple[LineRequest, ...]
    site_id: str | None = None
    po_number: str | None = None
    source_document_id: str | None = None
    ship_from: str | None = None
    freight: Decimal = Decimal("0")
    procedure: dict | None = None
    order_id: str | None = None


def line_open(line: dict) -> int:
    """Units of a line still to allocate."""
    return line["quantity"] - line["qty_allocated"] - line["qty_cancelled"]


def order_status(lines: list[dict]) -> str:
    """Derived from its lines, so the status can never disagree with the quantities."""
    wanted = sum(l["quantity"] - l["qty_cancelled"] for l in lines)
    shipped = sum(l["qty_shipped"] for l in lines)
    allocated = sum(l["qty_allocated"] for l in lines)
    invoiced = sum(l["qty_invoiced"] for l in lines)
    if wanted == 0:
        return "cancelled"
    if invoiced >= wanted:
        return "invoiced"
    if shipped >= wanted:
        return "shipped"
    if shipped:
        return "partially_shipped"
    if allocated >= wanted:
        return "allocated"
    if allocated:
        return "partially_allocated"
    return "confirmed"


@dataclass
class AllocationResult:
    order_id: str
    allocated: dict[int, int] = field(default_factory=dict)     # line_no -> units allocated now
    backordered: dict[int, int] = field(default_factory=dict)   # line_no -> units still missing
