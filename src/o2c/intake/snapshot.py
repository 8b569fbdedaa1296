"""The master data snapshot extraction reads documents against, built from the database.

Extraction works on an in-memory ``MasterIndex`` (exact-key dicts and fuzzy name lists) shaped like
the master data CSVs. Building it costs a few hundred milliseconds, so a snapshot is kept per database
and rebuilt only when master data or learned aliases changed: a new load run, a new or changed alias.
Learned aliases (a sender an operator tied to a customer, a customer part number mapped to an item) are
part of the snapshot, so a correction made in the queue is used by the very next extraction.
"""
from __future__ import annotations

import threading
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from o2c.intake.master_index import MasterIndex
from o2c.storage import schema as t

#: learned_aliases.kind values this module reads and writes
SENDER_CUSTOMER = "sender_customer"
CUSTOMER_ITEM = "customer_item"
_ALIAS_SEPARATOR = "|"

_cache: dict[str, tuple[tuple, MasterIndex]] = {}
_stock_cache: dict[str, tuple[tuple, MasterIndex]] = {}
_lock = threading.Lock()


def customer_item_alias(customer_id: str, reference: str) -> str:
    """The stored alias text of a customer's part number (customer and reference in one key)."""
    return f"{customer_id}{_ALIAS_SEPARATOR}{reference}"


def _csv_value(value) -> str:
    """Values as the master data CSVs hold them, which is what MasterIndex was built to read."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _rows(conn: Connection, table) -> list[dict]:
    columns = [c for c in table.c if c.name != "attributes"]
    return [{k: _csv_value(v) for k, v in row.items()} for row in conn.execute(select(*columns)).mappings()]


def learned(conn: Connection) -> dict:
    """Learned aliases in the shape ``MasterIndex.from_rows(aliases=...)`` takes."""
    senders, items = {}, {}
    for kind, alias, target in conn.execute(select(t.learned_aliases.c.kind, t.learned_aliases.c.alias,
                                                   t.learned_aliases.c.target)):
        if kind == SENDER_CUSTOMER:
            senders[alias] = target
        elif kind == CUSTOMER_ITEM and _ALIAS_SEPARATOR in alias:
            customer_id, reference = alias.split(_ALIAS_SEPARATOR, 1)
            items[(customer_id, reference)] = target
    return {"senders": senders, "customer_items": items}


def _fingerprint(conn: Connection) -> tuple:
    """Changes whenever master data or aliases change (a load run is recorded for every change)."""
    loads = conn.execute(select(func.count(), func.max(t.load_runs.c.load_id))).one()
    aliases = conn.execute(select(func.count(), func.max(t.learned_aliases.c.learned_at))).one()
    sizes = tuple(conn.execute(select(func.count()).select_from(table)).scalar_one()
                  for table in (t.customers, t.items, t.sites, t.customer_items, t.contracts))
    return (*loads, aliases[0], str(aliases[1]), *sizes)


def build_index(conn: Connection) -> MasterIndex:
    """A fresh snapshot of master data plus learned aliases."""
    return MasterIndex.from_rows(
        customers=_rows(conn, t.customers), sites=_rows(conn, t.sites), items=_rows(conn, t.items),
        customer_items=_rows(conn, t.customer_items), physicians=_rows(conn, t.physicians),
        reps=_rows(conn, t.reps), locations=_rows(conn, t.locations), contracts=_rows(conn, t.contracts),
        aliases=learned(conn))


def inventory(conn: Connection) -> list[dict]:
    """Units on hand (our own stock) at consignment closets and rep trunks, where used product
    comes from: what a misread lot or serial on a case sheet can be checked against."""
    sb, loc = t.stock_balances, t.locations
    rows = conn.execute(select(sb.c.location_id, sb.c.item_id, sb.c.lot, sb.c.serial, sb.c.quantity - sb.c.allocated)
                        .join(loc, loc.c.location_id == sb.c.location_id)
                        .where(loc.c.kind.in_(("consignment", "trunk")), sb.c.quantity - sb.c.allocated > 0))
    return [{"location_id": r[0], "item_id": r[1], "lot": r[2] or "", "serial": r[3] or "", "quantity": str(r[4])}
            for r in rows]


def _stock_fingerprint(conn: Connection) -> tuple:
    """Changes with every stock move (moves are only ever added)."""
    return tuple(conn.execute(select(func.count(), func.max(t.stock_moves.c.move_id))).one())


def master_index(conn: Connection) -> MasterIndex:
    """The current snapshot for this database, rebuilt only when something it holds changed; the
    units on hand are refreshed on their own when stock moved."""
    key = str(conn.engine.url)
    fingerprint = _fingerprint(conn)
    with _lock:
        cached = _cache.get(key)
    if cached and cached[0] == fingerprint:
        index = cached[1]
    else:
        index = build_index(conn)
        with _lock:
            _cache[key] = (fingerprint, index)
    stock = (fingerprint, _stock_fingerprint(conn))
    with _lock:
        held = _stock_cache.get(key)
        if held and held[0] == stock:
            return held[1]
    with_stock = index.with_inventory(inventory(conn))
    with _lock:
        _stock_cache[key] = (stock, with_stock)
    return with_stock
