"""Receivables: open items and aging as of any date.

Aging is computed in the database with one GROUP BY over the open invoices, so it stays fast over a
million open items: the bucket is a CASE on the due date against the as-of date.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import case, func, literal, select
from sqlalchemy.engine import Connection

from o2c.receivables.aging import BUCKETS
from o2c.storage import schema as t

inv = t.invoices


def _bucket_expression(as_of: date):
    """The aging bucket of an invoice as SQL: comparisons against precomputed dates use the index and
    avoid date arithmetic that differs between SQLite and PostgreSQL."""
    return case(
        (inv.c.due_date >= as_of, literal("current")),
        (inv.c.due_date >= as_of - timedelta(days=30), literal("1-30")),
        (inv.c.due_date >= as_of - timedelta(days=60), literal("31-60")),
        (inv.c.due_date >= as_of - timedelta(days=90), literal("61-90")),
        else_=literal("90+"))


def open_items(conn: Connection, customer_id: str | None = None) -> list[dict]:
    query = (select(inv.c.invoice_number, inv.c.customer_id, inv.c.issue_date, inv.c.due_date, inv.c.currency,
                    inv.c.total_minor, inv.c.open_minor, inv.c.po_number, inv.c.kind)
             .where(inv.c.open_minor != 0).order_by(inv.c.customer_id, inv.c.due_date, inv.c.invoice_number))
    if customer_id:
        query = query.where(inv.c.customer_id == customer_id)
    return [dict(r) for r in conn.execute(query).mappings()]


def aging(conn: Connection, as_of: date) -> dict[str, dict[str, int]]:
    """Open amount (minor units) per customer and bucket, for invoices issued on or before ``as_of``.

    Payments are already reflected in ``open_minor`` (an as-of date in the past shows today's open
    amounts bucketed as they were then, which is what a collector asks for)."""
    bucket = _bucket_expression(as_of).label("bucket")
    query = (select(inv.c.customer_id, bucket, func.sum(inv.c.open_minor))
             .where(inv.c.open_minor != 0, inv.c.issue_date <= as_of)
             .group_by(inv.c.customer_id, bucket))
    result: dict[str, dict[str, int]] = {}
    for customer_id, name, total in conn.execute(query):
        result.setdefault(customer_id, {b: 0 for b in BUCKETS})[name] = int(total)
    return dict(sorted(result.items()))


def aging_totals(by_customer: dict[str, dict[str, int]]) -> dict[str, int]:
    totals = {b: 0 for b in BUCKETS}
    for buckets in by_customer.values():
        for name, amount in buckets.items():
            totals[name] += amount
    return totals
