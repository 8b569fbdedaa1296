"""Promises to pay: a customer says "you will have X by date D for these invoices".

A promise pauses dunning on its invoices until its date; after that it is judged from the payments
actually applied to those invoices (by value date, from the day the promise was made). A broken
promise escalates dunning at once and counts against the customer in the collections worklist.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from o2c.kernel.errors import Conflict, InvalidValue, NotFound
from o2c.kernel.money import from_minor, round_money, to_minor
from o2c.receivables.collections import promise_status
from o2c.storage import schema as t
from o2c.storage.uow import UnitOfWork


def _invoices(conn: Connection, numbers: list[str]) -> list[dict]:
    rows = {r["invoice_number"]: dict(r) for r in conn.execute(
        select(t.invoices).where(t.invoices.c.invoice_number.in_(numbers))).mappings()}
    missing = [n for n in numbers if n not in rows]
    if missing:
        raise NotFound("unknown invoice(s): " + ", ".join(missing), code="unknown_invoice")
    return [rows[n] for n in numbers]


def record_promise(uow: UnitOfWork, *, invoice_numbers: list[str], amount: Decimal, promised_date: date,
                   contact: str | None = None, note: str | None = None, made_on: date | None = None) -> int:
    """Store a promise covering one or more invoices of one customer; returns its id."""
    numbers = list(dict.fromkeys(invoice_numbers))
    if not numbers:
        raise InvalidValue("invoices", "a promise to pay names at least one invoice")
    invoices = _invoices(uow.conn, numbers)
    customers = {i["customer_id"] for i in invoices}
    if len(customers) != 1:
        raise Conflict("a promise covers invoices of one customer, not " + ", ".join(sorted(customers)),
                       code="mixed_customers")
    closed = [i["invoice_number"] for i in invoices if i["open_minor"] <= 0]
    if closed:
        raise Conflict("nothing is open on " + ", ".join(closed), code="invoice_not_open")
    currency = invoices[0]["currency"]
    amount_minor = to_minor(round_money(amount, currency), currency)
    if amount_minor <= 0:
        raise InvalidValue("amount", f"a promise needs a positive amount, not {amount}")
    made_on = made_on or uow.today
    if promised_date < made_on:
        raise InvalidValue("date", f"the promised date {promised_date} is before the day it was made ({made_on})")
    customer_id = customers.pop()
    promise_id = uow.conn.execute(insert(t.promises).values(
        customer_id=customer_id, amount_minor=amount_minor, currency=currency, promised_date=promised_date,
        contact=contact, note=note, made_on=made_on, status="open", created_by=uow.actor, created_at=uow.now)
    ).inserted_primary_key[0]
    uow.conn.execute(insert(t.promise_invoices), [{"promise_id": promise_id, "invoice_number": n} for n in numbers])
    payload = {"customer_id": customer_id, "invoices": numbers, "amount_minor": amount_minor,
               "promised_date": str(promised_date), "contact": contact}
    uow.audit("promise_recorded", "promise", str(promise_id), payload)
    uow.emit("promise.recorded", "promise", str(promise_id), payload)
    return promise_id


def promise_invoice_map(conn: Connection) -> dict[int, list[str]]:
    result: dict[int, list[str]] = {}
    for promise_id, number in conn.execute(select(t.promise_invoices.c.promise_id,
                                                  t.promise_invoices.c.invoice_number)
                                           .order_by(t.promise_invoices.c.invoice_number)):
        result.setdefault(promise_id, []).append(number)
    return result


def paid_towards(conn: Connection, invoice_numbers: list[str], since: date, until: date) -> int:
    """Cash and earned discount applied to the invoices from payments valued between the two dates;
    a deduction is not payment (it is the customer keeping money back)."""
    pa, p = t.payment_applications, t.payments
    query = (select(func.coalesce(func.sum(pa.c.amount_minor + pa.c.discount_minor), 0))
             .join(p, p.c.payment_id == pa.c.payment_id)
             .where(pa.c.invoice_number.in_(invoice_numbers), p.c.value_date >= since, p.c.value_date <= until))
    return int(conn.execute(query).scalar_one())


def _settled(conn: Connection, invoice_numbers: list[str]) -> bool:
    still_open = conn.execute(select(func.count()).where(t.invoices.c.invoice_number.in_(invoice_numbers),
                                                         t.invoices.c.open_minor > 0)).scalar_one()
    return still_open == 0


def evaluate_promises(uow: UnitOfWork, as_of: date) -> list[dict]:
    """Judge every open promise as of ``as_of``; returns the ones whose status changed."""
    invoices_of = promise_invoice_map(uow.conn)
    changes = []
    for row in uow.conn.execute(select(t.promises).where(t.promises.c.status == "open")
                                .order_by(t.promises.c.promise_id)).mappings().all():
        numbers = invoices_of.get(row["promise_id"], [])
        paid = paid_towards(uow.conn, numbers, row["made_on"], min(row["promised_date"], as_of))
        status = promise_status(row["amount_minor"], row["promised_date"], paid, as_of, _settled(uow.conn, numbers))
        uow.conn.execute(update(t.promises).where(t.promises.c.promise_id == row["promise_id"])
                         .values(status=status, paid_minor=paid, evaluated_on=as_of))
        if status != "open":
            payload = {"customer_id": row["customer_id"], "invoices": numbers, "amount_minor": row["amount_minor"],
                       "paid_minor": paid, "promised_date": str(row["promised_date"])}
            uow.audit(f"promise_{status}", "promise", str(row["promise_id"]), payload)
            uow.emit(f"promise.{status}", "promise", str(row["promise_id"]), payload)
            changes.append({"promise_id": row["promise_id"], "status": status, **payload})
    return changes


def broken_promise_invoices(conn: Connection) -> dict[str, date]:
    """Invoice -> the first day its (latest) promise counted as broken: the day after the date."""
    query = (select(t.promise_invoices.c.invoice_number, func.max(t.promises.c.promised_date))
             .join(t.promises, t.promises.c.promise_id == t.promise_invoices.c.promise_id)
             .where(t.promises.c.status == "broken").group_by(t.promise_invoices.c.invoice_number))
    return {number: promised + timedelta(days=1) for number, promised in conn.execute(query)}


def promised_invoices(conn: Connection, as_of: date) -> frozenset[str]:
    """Invoices under an open promise whose date has not passed on ``as_of``."""
    query = (select(t.promise_invoices.c.invoice_number)
             .join(t.promises, t.promises.c.promise_id == t.promise_invoices.c.promise_id)
             .where(t.promises.c.status == "open", t.promises.c.promised_date >= as_of))
    return frozenset(conn.execute(query).scalars())


def broken_promise_counts(conn: Connection) -> dict[str, int]:
    query = (select(t.promises.c.customer_id, func.count()).where(t.promises.c.status == "broken")
             .group_by(t.promises.c.customer_id))
    return {customer: int(count) for customer, count in conn.execute(query)}


def list_promises(conn: Connection, customer_id: str | None = None, status: str | None = None) -> list[dict]:
    query = select(t.promises).order_by(t.promises.c.promised_date, t.promises.c.promise_id)
    if customer_id:
        query = query.where(t.promises.c.customer_id == customer_id)
    if status:
        query = query.where(t.promises.c.status == status)
    invoices_of = promise_invoice_map(conn)
    return [{"promise_id": r["promise_id"], "customer_id": r["customer_id"],
             "invoices": invoices_of.get(r["promise_id"], []),
             "amount": str(from_minor(r["amount_minor"], r["currency"])), "currency": r["currency"],
             "promised_date": str(r["promised_date"]), "contact": r["contact"], "status": r["status"],
             "paid": str(from_minor(r["paid_minor"], r["currency"])), "made_on": str(r["made_on"])}
            for r in conn.execute(query).mappings()]
