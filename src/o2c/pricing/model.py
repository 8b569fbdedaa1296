"""Contract pricing: which price a customer pays for an item on a date.

Precedence (the way hospital contracting works): the customer's own contract, else a contract of the
customer's GPO, else the item's list price. Among valid contracts of the same level the lowest price
wins, because a customer is entitled to its best valid contract. A contract is valid on the order date
when it has started and not ended, and applies when the ordered quantity (in the contract's unit of
measure) reaches its minimum-quantity tier. Contracts may be priced per pack (BX of 10) while the order
is in each (EA): prices are converted through the item's pack size.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from o2c.kernel.errors import NotFound
from o2c.masterdata.model import Contract, Customer, Item


@dataclass(frozen=True, slots=True)
class PriceQuote:
    unit_price: Decimal          # per unit of ``uom``
    uom: str
    source: str                  # "customer_contract" | "gpo_contract" | "list"
    contract_id: str | None = None


def eaches_per(item: Item, uom: str | None) -> int:
    """How many eaches one ``uom`` of ``item`` holds.

    The item master states the selling ``uom`` and its ``pack_size`` (an item sold in BX of 10 has uom=BX,
    pack_size=10). EA is always one; the item's own uom is ``pack_size`` eaches; any other unit is unknown
    for this item and refused rather than guessed.
    """
    unit = (uom or item.uom).upper()
    if unit == "EA":
        return 1
    if unit == item.uom.upper():
        return max(item.pack_size, 1)
    raise NotFound(f"item {item.item_id}: unit of measure {uom!r} is not known (item is sold in {item.uom})",
                   code="unknown_uom")


def to_stock_units(item: Item, quantity: int, uom: str | None) -> int:
    """Quantity in the item's own (stocking) uom; refuses quantities that are not whole packs."""
    eaches = quantity * eaches_per(item, uom)
    per_stock_unit = eaches_per(item, item.uom)
    if eaches % per_stock_unit:
        raise NotFound(f"item {item.item_id}: {quantity} {uom} is not a whole number of {item.uom} "
                       f"of {per_stock_unit}", code="quantity")
    return eaches // per_stock_unit


def convert_price(price: Decimal, from_uom: str | None, to_uom: str | None, item: Item) -> Decimal:
    """Price per ``from_uom`` expressed per ``to_uom`` (exact; rounding happens on the invoice)."""
    return price * Decimal(eaches_per(item, to_uom)) / Decimal(eaches_per(item, from_uom))


def _applies(contract: Contract, on: date, eaches: int, item: Item) -> bool:
    if contract.start_date and on < contract.start_date:
        return False
    if contract.end_date and on > contract.end_date:
        return False
    return eaches >= contract.min_quantity * eaches_per(item, contract.uom)


def quote_price(item: Item, customer: Customer, contracts: list[Contract], *, quantity: int,
                uom: str | None, on: date) -> PriceQuote:
    """The price ``customer`` pays for ``quantity`` ``uom`` of ``item`` ordered on ``on``."""
    uom = (uom or item.uom).upper()
    eaches = quantity * eaches_per(item, uom)
    levels = (
        ("customer_contract", [c for c in contracts if c.customer_id == customer.customer_id]),
        ("gpo_contract", [c for c in contracts if customer.gpo_id and c.gpo_id == customer.gpo_id
                          and not c.customer_id]),
    )
    for source, candidates in levels:
        valid = [c for c in candidates if c.item_id == item.item_id and _applies(c, on, eaches, item)]
        if valid:
            best = min(valid, key=lambda c: (convert_price(c.unit_price, c.uom, uom, item), c.contract_id))
            return PriceQuote(convert_price(best.unit_price, best.uom, uom, item), uom, source, best.contract_id)
    if item.list_price is None:
        raise NotFound(f"item {item.item_id} has no contract for {customer.customer_id} and no list price",
                       code="no_price")
    return PriceQuote(convert_price(item.list_price, item.uom, uom, item), uom, "list")
