"""Receivables: open items and aging as of any date.

Aging is computed in the database, so it stays fast over a million open items: one GROUP BY per
bucket over a due-date range, glued with UNION ALL. Each range is a seek into the covering index
``ix_invoices_aging`` (customer, due date, issue date, open amount), so no row is read twice, the
table is never visited and no sort is needed; a single GROUP BY on (customer, CASE bucket) has to
sort every open item instead, several times slower.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import case, func, literal, literal_column, select, union_all
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


def _bucket_ranges(as_of: date) -> list[tuple[str, date | None, date | None]]:
    """Each bucket as due dates [from, until): the same boundaries as ``_bucket_expression``."""
    d30, d60, d90 = (as_of - timedelta(days=n) for n in (30, 60, 90))
    return [("current", as_of, None), ("1-30", d30, as_of), ("31-60", d60, d30), ("61-90", d90, d60),
            ("90+", None, d90)]


def _due_between(since: date | None, until: date | None) -> list:
    """Due date in [since, until); an open end is no condition at all."""
    conditions = []
    if since is not None:
        conditions.append(inv.c.due_date >= since)
    if until is not None:
        conditions.append(inv.c.due_date < until)
    return conditions


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
    parts = []
    for index, (_name, since, until) in enumerate(_bucket_ranges(as_of)):
        parts.append(select(inv.c.customer_id, literal_column(str(index)).label("bucket"), func.sum(inv.c.open_minor))
                     .where(inv.c.open_minor != 0, inv.c.issue_date <= as_of, *_due_between(since, until))
                     .group_by(inv.c.customer_id))
    query = union_all(*parts)
    result: dict[str, dict[str, int]] = {}
    for customer_id, index, total in conn.execute(query):
        result.setdefault(customer_id, {b: 0 for b in BUCKETS})[BUCKETS[int(index)]] += int(total)
    return dict(sorted(result.items()))


def aging_totals(by_customer: dict[str, dict[str, int]]) -> dict[str, int]:
    totals = {b: 0 for b in BUCKETS}
    for buckets in by_customer.values():
        for name, amount in buckets.items():
            totals[name] += amount
    return totals
