"""Receivables: open items and aging as of any date.

Aging is computed in the database, so it stays fast over a million open items. For each customer
and bucket it sums one due-date range of the covering index ``ix_invoices_aging`` (customer, due date,
issue date, open amount): every invoice is read exactly once, by a seek, without a sort or a per-row
CASE, which keeps aging within a small factor of a bare per-customer sum. Fully paid invoices add zero
and need no filter; the issue-date filter is applied only when some invoice was issued after the
as-of date (one look at ``ix_invoices_issue_date`` tells).
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from o2c.receivables.aging import BUCKETS
from o2c.storage import schema as t

inv = t.invoices


def _bucket_ranges(as_of: date) -> list[tuple[str, date | None, date | None]]:
    """Each bucket as due dates [from, until), the boundaries of ``aging.bucket_for``: current is not yet
    due, then 1-30, 31-60, 61-90 and 90+ days past due."""
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
    amounts bucketed as they were then, which is what a collector asks for). Customers whose open
    items net to zero in every bucket are left out.
    """
    issued_later = conn.execute(select(func.max(inv.c.issue_date))).scalar()
    issued_later = issued_later is not None and issued_later > as_of
    c = t.customers
    columns = []
    for _name, since, until in _bucket_ranges(as_of):
        conditions = [inv.c.customer_id == c.c.customer_id, *_due_between(since, until)]
        if issued_later:
            conditions.append(inv.c.issue_date <= as_of)
        columns.append(select(func.sum(inv.c.open_minor)).where(*conditions).scalar_subquery())
    result: dict[str, dict[str, int]] = {}
    for customer_id, *totals in conn.execute(select(c.c.customer_id, *columns).order_by(c.c.customer_id)):
        amounts = [int(v or 0) for v in totals]
        if any(amounts):
            result[customer_id] = dict(zip(BUCKETS, amounts))
    return result


def aging_totals(by_customer: dict[str, dict[str, int]]) -> dict[str, int]:
    totals = {b: 0 for b in BUCKETS}
    for buckets in by_customer.values():
        for name, amount in buckets.items():
            totals[name] += amount
    return totals
