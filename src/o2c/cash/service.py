"""Cash use cases: record a payment and apply it to invoices.

A payment applied by hand names its invoices and amounts; automatic matching (o2c.cash.matching)
produces the same applications. Either way the invoices' open amounts, the payment's unapplied rest
and the journal entry change together in one transaction.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from o2c.kernel.errors import Conflict, NotFound
from o2c.kernel.money import round_money, to_minor
from o2c.ledger import model as ledger
from o2c.storage import schema as t
from o2c.storage.uow import UnitOfWork


@dataclass(frozen=True)
class ApplicationRequest:
    invoice_number: str
    amount: Decimal                 # cash applied
    discount: Decimal = Decimal(0)  # early-payment discount granted on top of the cash
    deduction: Decimal = Decimal(0)  # short payment accepted as a deduction (to be resolved)
    reason_code: str | None = None


def _minor(value: Decimal, currency: str) -> int:
    return to_minor(round_money(value, currency), currency)


def record_payment(uow: UnitOfWork, *, amount: Decimal, value_date: date, currency: str = "USD",
                   customer_id: str | None = None, payer_name: str | None = None, bank_ref: str | None = None,
                   idempotency_key: str | None = None, applications: list[ApplicationRequest] = (),
                   source: str | None = None, fmt: str = "manual", status: str | None = None,
                   details: dict | None = None) -> str | None:
    """Store a payment and its applications. Returns the payment id, or None when the same payment
    (same idempotency key) was recorded before: importing the same bank file twice doubles nothing."""
    key = idempotency_key or f"manual:{uuid.uuid4()}"
    if uow.conn.execute(select(t.payments.c.payment_id).where(t.payments.c.idempotency_key == key)).first():
        return None
    cash = _minor(amount, currency)
    if cash <= 0:
        raise Conflict(f"a payment needs a positive amount, not {amount}", code="invalid_amount")
    payment_id = f"PAY-{uuid.uuid4().hex[:12].upper()}"
    applied = discount = deduction = 0
    rows = []
    for app in applications:
        invoice = uow.conn.execute(select(t.invoices).where(t.invoices.c.invoice_number == app.invoice_number)
                                   ).mappings().first()
        if invoice is None:
            raise NotFound(f"invoice {app.invoice_number} does not exist", code="unknown_invoice")
        if customer_id and invoice["customer_id"] != customer_id:
            raise Conflict(f"invoice {app.invoice_number} belongs to {invoice['customer_id']}, not {customer_id}",
                           code="wrong_customer")
        customer_id = customer_id or invoice["customer_id"]
        a, d, x = _minor(app.amount, currency), _minor(app.discount, currency), _minor(app.deduction, currency)
        settles = a + d + x
        if settles <= 0 or settles > invoice["open_minor"]:
            raise Conflict(f"invoice {app.invoice_number}: {settles / 100:.2f} exceeds the open "
                           f"{invoice['open_minor'] / 100:.2f}", code="over_application")
        changed = uow.conn.execute(update(t.invoices).where(
            t.invoices.c.invoice_number == app.invoice_number, t.invoices.c.open_minor >= settles)
            .values(open_minor=t.invoices.c.open_minor - settles,
                    status="paid" if settles == invoice["open_minor"] else "open"))
        if changed.rowcount != 1:
            raise Conflict(f"invoice {app.invoice_number} changed while applying; try again", code="conflict")
        rows.append({"payment_id": payment_id, "invoice_number": app.invoice_number, "amount_minor": a,
                     "discount_minor": d, "deduction_minor": x, "reason_code": app.reason_code,
                     "applied_by": uow.actor, "at": uow.now})
        applied, discount, deduction = applied + a, discount + d, deduction + x
    if applied > cash:
        raise Conflict(f"applications total {applied / 100:.2f} but the payment is {cash / 100:.2f}",
                       code="over_application")
    unapplied = cash - applied
    status = status or ("unapplied" if not rows else "applied" if unapplied == 0 else "partial")
    uow.conn.execute(insert(t.payments).values(
        payment_id=payment_id, idempotency_key=key, source=source, format=fmt, bank_ref=bank_ref,
        customer_id=customer_id, payer_name=payer_name, amount_minor=cash, currency=currency,
        value_date=value_date, unapplied_minor=unapplied, status=status, details=details or {},
        created_at=uow.now))
    if rows:
        uow.conn.execute(insert(t.payment_applications), rows)
    uow.post(ledger.payment_received(payment_id, customer_id, cash=cash, applied=applied, discount=discount,
                                     deduction=deduction, unapplied=unapplied), value_date)
    payload = {"amount_minor": cash, "customer_id": customer_id, "bank_ref": bank_ref, "status": status,
               "applications": [{k: r[k] for k in ("invoice_number", "amount_minor", "discount_minor",
                                                    "deduction_minor")} for r in rows]}
    uow.audit("received", "payment", payment_id, payload, document_ref=source)
    uow.emit("payment.received", "payment", payment_id, payload)
    for r in rows:
        uow.emit("invoice.payment_applied", "invoice", r["invoice_number"],
                 {"payment_id": payment_id, "amount_minor": r["amount_minor"]})
    return payment_id


def payment_applications(conn: Connection, payment_id: str) -> list[dict]:
    return [dict(r) for r in conn.execute(select(t.payment_applications).where(
        t.payment_applications.c.payment_id == payment_id)).mappings()]
