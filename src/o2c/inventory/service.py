"""Inventory use cases: moves between locations, on-hand, and allocation that never oversells.

Every change is a row in ``stock_moves`` plus a change to the ``stock_balances`` projection in the same
transaction. Decrements are conditional updates (``... WHERE quantity - allocated >= n``): when two
processes race for the last unit, the database lets exactly one through and the other sees zero rows
changed, on SQLite and PostgreSQL alike. The CHECK constraints on the table are the backstop.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection

from o2c.inventory.model import COMPANY, StockLot
from o2c.kernel.errors import Conflict
from o2c.storage import schema as t
from o2c.storage.uow import UnitOfWork

sb = t.stock_balances


def is_physical(location_id: str) -> bool:
    """Virtual locations (customer, patient, scrap...) start with '@' and keep no balance."""
    return not location_id.startswith("@")


@dataclass(frozen=True)
class StockKey:
    item_id: str
    location_id: str
    lot: str | None = None
    serial: str | None = None
    owner: str = COMPANY


def _key_filter(key: StockKey):
    return and_(sb.c.item_id == key.item_id, sb.c.location_id == key.location_id, sb.c.lot == (key.lot or ""),
                sb.c.serial == (key.serial or ""), sb.c.owner == key.owner)


def _add_to_balance(conn: Connection, key: StockKey, quantity: int, expiry: date | None) -> int:
    changed = conn.execute(update(sb).where(_key_filter(key)).values(quantity=sb.c.quantity + quantity))
    if changed.rowcount:
        return conn.execute(select(sb.c.balance_id).where(_key_filter(key))).scalar_one()
    return conn.execute(insert(sb).values(
        item_id=key.item_id, location_id=key.location_id, lot=key.lot or "", serial=key.serial or "",
        owner=key.owner, expiry=expiry, quantity=quantity, allocated=0)).inserted_primary_key[0]


def _take_from_balance(conn: Connection, key: StockKey, quantity: int, *, from_allocated: int = 0) -> None:
    """Remove ``quantity`` units; ``from_allocated`` of them were reserved for this move already."""
    free_needed = quantity - from_allocated
    changed = conn.execute(update(sb).where(
        _key_filter(key), sb.c.quantity - sb.c.allocated >= free_needed, sb.c.allocated >= from_allocated,
    ).values(quantity=sb.c.quantity - quantity, allocated=sb.c.allocated - from_allocated))
    if changed.rowcount != 1:
        raise Conflict(f"not enough stock of {key.item_id} lot {key.lot or '-'} serial {key.serial or '-'} "
                       f"at {key.location_id} to move {quantity}", code="insufficient_stock")


def move_stock(uow: UnitOfWork, *, kind: str, item_id: str, from_location: str, to_location: str,
               quantity: int, lot: str | None = None, serial: str | None = None, expiry: date | None = None,
               owner: str = COMPANY, to_owner: str | None = None, order_id: str | None = None,
               shipment_id: str | None = None, document_ref: str | None = None, from_allocated: int = 0) -> int:
    if quantity <= 0:
        raise Conflict(f"a stock move needs a positive quantity, not {quantity}", code="quantity")
    if is_physical(from_location):
        _take_from_balance(uow.conn, StockKey(item_id, from_location, lot, serial, owner), quantity,
                           from_allocated=from_allocated)
    if is_physical(to_location):
        _add_to_balance(uow.conn, StockKey(item_id, to_location, lot, serial, to_owner or owner), quantity, expiry)
    return uow.conn.execute(insert(t.stock_moves).values(
        at=uow.now, kind=kind, item_id=item_id, from_location=from_location, to_location=to_location, lot=lot,
        serial=serial, expiry=expiry, owner=to_owner or owner, quantity=quantity, order_id=order_id,
        shipment_id=shipment_id, document_ref=document_ref)).inserted_primary_key[0]


def available_lots(conn: Connection, item_id: str, location_id: str, owner: str = COMPANY) -> list[StockLot]:
    rows = conn.execute(select(sb.c.balance_id, sb.c.lot, sb.c.serial, sb.c.expiry,
                               (sb.c.quantity - sb.c.allocated).label("available"))
                        .where(sb.c.item_id == item_id, sb.c.location_id == location_id, sb.c.owner == owner,
                               sb.c.quantity - sb.c.allocated > 0)).all()
    return [StockLot(r.balance_id, r.lot or None, r.serial or None, r.expiry, r.available) for r in rows]


def reserve(conn: Connection, balance_id: int, quantity: int) -> bool:
    """Reserve units of one balance; False when someone else got there first."""
    changed = conn.execute(update(sb).where(sb.c.balance_id == balance_id,
                                            sb.c.quantity - sb.c.allocated >= quantity)
                           .values(allocated=sb.c.allocated + quantity))
    return changed.rowcount == 1


def release(conn: Connection, balance_id: int, quantity: int) -> None:
    conn.execute(update(sb).where(sb.c.balance_id == balance_id).values(allocated=sb.c.allocated - quantity))


def on_hand(conn: Connection, *, item_id: str | None = None, location_id: str | None = None,
            lot: str | None = None) -> list[dict]:
    query = select(sb).where(sb.c.quantity > 0).order_by(sb.c.item_id, sb.c.location_id, sb.c.lot, sb.c.serial)
    if item_id:
        query = query.where(sb.c.item_id == item_id)
    if location_id:
        query = query.where(sb.c.location_id == location_id)
    if lot:
        query = query.where(sb.c.lot == lot)
    return [dict(r) for r in conn.execute(query).mappings()]


def on_hand_from_moves(conn: Connection) -> dict[tuple, int]:
    """On-hand recomputed from the move ledger alone: the projection must always agree with it."""
    totals: dict[tuple, int] = {}
    m = t.stock_moves
    for column, sign in ((m.c.to_location, 1), (m.c.from_location, -1)):
        rows = conn.execute(select(m.c.item_id, column, m.c.lot, m.c.serial, func.sum(m.c.quantity))
                            .group_by(m.c.item_id, column, m.c.lot, m.c.serial))
        for item, loc, lot, serial, qty in rows:
            if is_physical(loc):
                key = (item, loc, lot or "", serial or "")
                totals[key] = totals.get(key, 0) + sign * int(qty)
    return {k: v for k, v in totals.items() if v}
