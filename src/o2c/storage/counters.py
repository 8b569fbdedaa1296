"""Gapless counters kept in rows of ``invoice_series``.

A number is taken with an UPDATE on its row inside the caller's transaction: the row stays locked until
commit, so two transactions never get the same number, and a rolled-back transaction gives its
number back. Invoice numbers and X12 interchange control numbers both come from here.
"""
from __future__ import annotations

from sqlalchemy import insert, update
from sqlalchemy.engine import Connection

from o2c.storage import schema as t

#: one ISA13/GS06 counter per installation, shared by every interchange we send (810, 997, 855...),
#: so a trading partner never sees the same control number on two interchanges
X12_INTERCHANGE = "x12_interchange"


def take_next(conn: Connection, series: str, prefix: str = "") -> tuple[int, str]:
    """The next number of ``series`` and the series' stored prefix (created at 1 with ``prefix``)."""
    s = t.invoice_series
    row = conn.execute(update(s).where(s.c.series == series).values(next_number=s.c.next_number + 1)
                       .returning(s.c.next_number, s.c.prefix)).first()
    if row is None:
        conn.execute(insert(s).values(series=series, prefix=prefix, next_number=2))
        return 1, prefix
    return row.next_number - 1, row.prefix


def next_interchange_control(conn: Connection) -> int:
    return take_next(conn, X12_INTERCHANGE)[0]
