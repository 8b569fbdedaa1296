"""Field inventory as a ledger of moves, and the picking rules that choose which lot to send.

Stock lives at locations (warehouse, 3PL, consignment closet, rep trunk) and moves between them and to
virtual locations (customer, patient, scrap, transit). On-hand is derived from moves; it is keyed by
item, location, lot, serial and owner. Company stock at a hospital still belongs to the company until
it is used, which is why owner is part of the key.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from o2c.kernel.errors import Conflict

# Virtual locations: where stock goes when it leaves our physical locations.
CUSTOMER = "@customer"
PATIENT = "@patient"
SCRAP = "@scrap"
TRANSIT = "@transit"
SUPPLIER = "@supplier"
OPENING = "@opening"
COMPANY = "company"   # the owner of stock that has not been sold


@dataclass(frozen=True, slots=True)
class StockLot:
    """Available stock of one item at one location for one lot/serial, as seen by the picker."""

    balance_id: int
    lot: str | None
    serial: str | None
    expiry: date | None
    available: int


@dataclass(frozen=True, slots=True)
class Pick:
    balance_id: int
    lot: str | None
    serial: str | None
    expiry: date | None
    quantity: int


def fefo_order(lots: list[StockLot]) -> list[StockLot]:
    """First expired, first out; stock without expiry goes last; ties by lot then serial for stability."""
    return sorted(lots, key=lambda s: (s.expiry is None, s.expiry or date.max, s.lot or "", s.serial or ""))


def fifo_order(lots: list[StockLot]) -> list[StockLot]:
    return sorted(lots, key=lambda s: s.balance_id)


PICKING_RULES = {"fefo": fefo_order, "fifo": fifo_order}


def pick(lots: list[StockLot], quantity: int, *, on: date, rule: str = "fefo",
         allow_partial: bool = True) -> list[Pick]:
    """Choose lots for ``quantity`` units. Expired lots (expiry before ``on``) are never picked.
    With ``allow_partial`` the result may cover less than asked (the rest is backordered)."""
    if quantity <= 0:
        raise Conflict(f"cannot pick {quantity} units", code="quantity")
    remaining, picks = quantity, []
    for lot in PICKING_RULES[rule](lots):
        if remaining == 0:
            break
        if lot.available <= 0 or (lot.expiry is not None and lot.expiry < on):
            continue
        take = min(lot.available, remaining)
        picks.append(Pick(lot.balance_id, lot.lot, lot.serial, lot.expiry, take))
        remaining -= take
    if remaining and not allow_partial:
        raise Conflict(f"only {quantity - remaining} of {quantity} units available", code="insufficient_stock")
    return picks
