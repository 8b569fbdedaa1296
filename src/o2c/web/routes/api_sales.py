"""Orders, invoices and receivables aging, read-only over HTTP. Amounts are decimal strings."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Optional

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from o2c.kernel.dates import parse_date, utc
from o2c.kernel.money import decimal_text, from_minor, round_money
from o2c.orders.service import get_order
from o2c.receivables.aging import BUCKETS
from o2c.receivables.service import aging, aging_totals
from o2c.storage import schema as t
from o2c.web.auth import require
from o2c.web.routes.common import redact, uow
from o2c.web.users import User

router = APIRouter(prefix="/api", tags=["sales"])
MAX_ROWS = 500


def order_totals(conn: Connection, order_ids: list[str]) -> dict[str, tuple[int, Decimal]]:
    """Line count and exact total per order (quantity x unit price, summed as Decimals)."""
    totals: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
    if not order_ids:
        return {}
    ol = t.order_lines
    for row in conn.execute(select(ol.c.order_id, ol.c.quantity, ol.c.unit_price).where(ol.c.order_id.in_(order_ids))):
        entry = totals[row.order_id]
        entry[0] += 1
        entry[1] += Decimal(row.quantity) * Decimal(row.unit_price)
    return {k: (v[0], v[1]) for k, v in totals.items()}


def list_orders(conn: Connection, *, status: str | None, customer_id: str | None, limit: int) -> list[dict]:
    o = t.orders
    query = select(o).order_by(o.c.created_at.desc(), o.c.order_id.desc()).limit(limit)
    if status:
        query = query.where(o.c.status == status)
    if customer_id:
        query = query.where(o.c.customer_id == customer_id)
    rows = conn.execute(query).mappings().all()
    totals = order_totals(conn, [r["order_id"] for r in rows])
    names = dict(conn.execute(select(t.customers.c.customer_id, t.customers.c.name)).all())
    result = []
    for r in rows:
        count, total = totals.get(r["order_id"], (0, Decimal(0)))
        result.append({"order_id": r["order_id"], "order_type": r["order_type"], "customer_id": r["customer_id"],
                       "customer_name": names.get(r["customer_id"]), "po_number": r["po_number"],
                       "status": r["status"], "order_date": str(r["order_date"]), "currency": r["currency"],
                       "lines": count, "total": decimal_text(round_money(total, r["currency"])),
                       "source_document_id": r["source_document_id"],
                       "created_at": utc(r["created_at"]).isoformat()})
    return result


@router.get("/orders", summary="Orders, newest first")
def orders(request: Request, status: Optional[str] = None, customer_id: Optional[str] = None,
           limit: int = Query(100, ge=1, le=MAX_ROWS), user: User = Depends(require("read"))) -> list[dict]:
    with uow(request, user, read_only=True) as work:
        return list_orders(work.conn, status=status, customer_id=customer_id, limit=limit)


def order_detail(conn: Connection, order_id: str) -> dict:
    order, lines = get_order(conn, order_id)
    return {**{k: (str(v) if isinstance(v, date) else v) for k, v in order.items() if k != "created_at"},
            "created_at": utc(order["created_at"]).isoformat(),
            "lines": [{**{k: v for k, v in line.items() if k != "unit_price"},
                       "unit_price": decimal_text(line["unit_price"]),
                       "amount": decimal_text(round_money(Decimal(line["quantity"]) * line["unit_price"],
                                                          order["currency"]))} for line in lines]}


@router.get("/orders/{order_id}", summary="One order with its lines")
def order(request: Request, order_id: str, user: User = Depends(require("read"))) -> dict:
    with uow(request, user, read_only=True) as work:
        return redact(order_detail(work.conn, order_id), user)


def aging_report(conn: Connection, as_of: date) -> dict:
    by_customer = aging(conn, as_of)
    totals = aging_totals(by_customer)
    names = dict(conn.execute(select(t.customers.c.customer_id, t.customers.c.name)).all())
    text = lambda minor: decimal_text(from_minor(minor))  # noqa: E731
    return {"as_of": str(as_of), "buckets": list(BUCKETS),
            "customers": [{"customer_id": c, "name": names.get(c), **{b: text(v) for b, v in buckets.items()},
                           "total": text(sum(buckets.values()))} for c, buckets in by_customer.items()],
            "totals": {**{b: text(v) for b, v in totals.items()}, "total": text(sum(totals.values()))}}


@router.get("/ar/aging", summary="Receivables aging by customer and bucket")
def ar_aging(request: Request, as_of: Optional[str] = None, user: User = Depends(require("read"))) -> dict:
    day = parse_date(as_of, "as_of") if as_of else date.today()
    with uow(request, user, read_only=True) as work:
        return aging_report(work.conn, day)


def list_invoices(conn: Connection, *, status: str | None, customer_id: str | None, limit: int) -> list[dict]:
    inv = t.invoices
    query = select(inv).order_by(inv.c.issue_date.desc(), inv.c.invoice_number.desc()).limit(limit)
    if status:
        query = query.where(inv.c.status == status)
    if customer_id:
        query = query.where(inv.c.customer_id == customer_id)
    result = []
    for r in conn.execute(query).mappings():
        money = {name: decimal_text(from_minor(r[f"{name}_minor"], r["currency"]))
                 for name in ("subtotal", "freight", "tax", "total", "open")}
        result.append({"invoice_number": r["invoice_number"], "kind": r["kind"], "customer_id": r["customer_id"],
                       "order_id": r["order_id"], "po_number": r["po_number"], "issue_date": str(r["issue_date"]),
                       "due_date": str(r["due_date"]), "currency": r["currency"], "status": r["status"], **money})
    return result


@router.get("/invoices", summary="Invoices and credit memos, newest first")
def invoices(request: Request, status: Optional[str] = None, customer_id: Optional[str] = None,
             limit: int = Query(100, ge=1, le=MAX_ROWS), user: User = Depends(require("read"))) -> list[dict]:
    with uow(request, user, read_only=True) as work:
        return list_invoices(work.conn, status=status, customer_id=customer_id, limit=limit)


def document_counts(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(t.documents.c.status, func.count()).group_by(t.documents.c.status))
    return {status: int(n) for status, n in rows}
