"""The cash exception queue: payments the matcher would not apply on its own, waiting for a person.

Each entry keeps the matcher's ranked suggestions. Confirming one applies the payment's cash to the
invoices the person chose and teaches the matcher what it should have known (the payer's name as the
bank prints it, the account it pays from, how it writes references), stored in ``learned_aliases``
so the next payment from that payer is applied automatically. Rejecting leaves the cash on account.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from o2c.cash.importing import (KIND_ACCOUNT, KIND_PATTERN, KIND_PAYER, SHARED, load_directory_for,
                                payment_from_json)
from o2c.cash.learning import Learned, learn_from_confirmation
from o2c.cash.service import ApplicationRequest, apply_unapplied, get_payment
from o2c.kernel.errors import Conflict, NotFound
from o2c.kernel.money import decimal_text, from_minor, parse_decimal, round_money, to_minor
from o2c.storage import schema as t
from o2c.storage.uow import UnitOfWork

exc = t.cash_exceptions


def list_exceptions(conn: Connection, status: str | None = "open") -> list[dict]:
    """Queue entries (open ones by default), oldest first, with the payment's amount and payer."""
    pay = t.payments.c
    query = (select(exc.c.exception_id, exc.c.status, exc.c.reason, exc.c.customer_id, exc.c.created_at,
                    exc.c.suggestions, pay.payment_id, pay.bank_ref, pay.payer_name, pay.amount_minor,
                    pay.unapplied_minor, pay.currency, pay.value_date, pay.source)
             .join(t.payments, t.payments.c.payment_id == exc.c.payment_id).order_by(exc.c.exception_id))
    if status:
        query = query.where(exc.c.status == status)
    out = []
    for r in conn.execute(query).mappings():
        row = dict(r)
        row["amount"] = decimal_text(from_minor(row.pop("amount_minor"), row["currency"]))
        row["unapplied"] = decimal_text(from_minor(row.pop("unapplied_minor"), row["currency"]))
        row["top_suggestion"] = row.pop("suggestions")[:1]
        out.append(row)
    return out


def _entry(conn: Connection, exception_id: int, *, lock: bool = False) -> dict:
    query = select(exc).where(exc.c.exception_id == exception_id)
    row = conn.execute(query.with_for_update() if lock else query).mappings().first()
    if row is None:
        raise NotFound(f"cash exception {exception_id} does not exist", code="unknown_exception")
    return dict(row)


def show_exception(conn: Connection, exception_id: int) -> dict:
    """The entry with its payment as the bank stated it and every suggestion."""
    entry = _entry(conn, exception_id)
    payment = get_payment(conn, entry["payment_id"])
    cur = payment["currency"]
    return {**entry, "payment": {
        "payment_id": payment["payment_id"], "bank_ref": payment["bank_ref"], "source": payment["source"],
        "payer_name": payment["payer_name"], "amount": decimal_text(from_minor(payment["amount_minor"], cur)),
        "unapplied": decimal_text(from_minor(payment["unapplied_minor"], cur)), "currency": cur,
        "value_date": payment["value_date"], "status": payment["status"],
        "bank": (payment["details"] or {}).get("bank")}}


def parse_invoice_arg(text: str) -> tuple[str, Decimal | None]:
    """``INV-1`` or ``INV-1=250.00`` as given on the command line."""
    number, sep, amount = text.partition("=")
    if not number.strip():
        raise Conflict(f"{text!r}: give an invoice number, optionally =AMOUNT", code="invalid")
    return number.strip(), (parse_decimal(amount, "amount") if sep else None)


def _requests(conn: Connection, entry: dict, payment: dict, chosen: Sequence[tuple[str, Decimal | None]]
              ) -> list[ApplicationRequest]:
    """What to apply per chosen invoice: the stated amount; else what a suggestion proposed for it
    (with its discount); else as much of the invoice as the remaining cash covers."""
    proposed = {a["invoice_number"]: a for s in entry["suggestions"] for a in s["applications"]}
    left, cur = payment["unapplied_minor"], payment["currency"]
    requests = []
    for number, amount in chosen:
        if amount is not None:
            requests.append(ApplicationRequest(number, amount))
            left -= to_minor(round_money(amount, cur), cur)
            continue
        if number in proposed:
            a = proposed[number]
            requests.append(ApplicationRequest(number, Decimal(a["amount"]), Decimal(a.get("discount") or "0")))
            left -= to_minor(Decimal(a["amount"]), cur)
            continue
        open_minor = conn.execute(select(t.invoices.c.open_minor).where(
            t.invoices.c.invoice_number == number)).scalar()
        if open_minor is None:
            raise NotFound(f"invoice {number} does not exist", code="unknown_invoice")
        cash = min(open_minor, left)
        if cash <= 0:
            raise Conflict(f"no cash left on {payment['payment_id']} for {number}", code="over_application")
        requests.append(ApplicationRequest(number, from_minor(cash, cur)))
        left -= cash
    return requests


def remember_learned(uow: UnitOfWork, learned: Learned) -> list[dict]:
    """Store learned facts in ``learned_aliases``; a fact already taught for another customer becomes
    shared (``*``) and identifies nobody from then on, since it cannot tell the two apart."""
    facts = [(KIND_PAYER, a) for a in learned.aliases]
    facts += [(KIND_ACCOUNT, f"{acct.routing or ''}|{acct.account}") for acct in learned.accounts]
    facts += [(KIND_PATTERN, p) for p in learned.reference_patterns]
    la = t.learned_aliases
    stored = []
    for kind, alias in facts:
        alias = alias[:200]
        target = uow.conn.execute(select(la.c.target).where(la.c.kind == kind, la.c.alias == alias)).scalar()
        if target is None:
            uow.conn.execute(insert(la).values(kind=kind, alias=alias, target=learned.customer_id,
                                               learned_at=uow.now, learned_by=uow.actor))
        elif target not in (learned.customer_id, SHARED):
            uow.conn.execute(update(la).where(la.c.kind == kind, la.c.alias == alias).values(
                target=SHARED, learned_at=uow.now, learned_by=uow.actor))
        else:
            continue
        stored.append({"kind": kind, "alias": alias})
    return stored


def confirm(uow: UnitOfWork, exception_id: int, invoices: Sequence[tuple[str, Decimal | None]]) -> dict:
    """Apply the payment to the chosen invoices and learn the payer from it."""
    entry = _entry(uow.conn, exception_id, lock=True)
    if entry["status"] != "open":
        raise Conflict(f"cash exception {exception_id} is already {entry['status']}", code="already_resolved")
    if not invoices:
        raise Conflict("name at least one invoice to apply the payment to", code="invalid")
    payment = get_payment(uow.conn, entry["payment_id"])
    result = apply_unapplied(uow, payment["payment_id"], _requests(uow.conn, entry, payment, invoices))
    learned_rows: list[dict] = []
    bank = (payment["details"] or {}).get("bank")
    if bank:
        directory = load_directory_for(uow.conn, result["customer_id"])
        learned = learn_from_confirmation(payment_from_json(bank), result["customer_id"],
                                          [n for n, _ in invoices], directory)
        learned_rows = remember_learned(uow, learned)
    resolution = {"invoices": [r["invoice_number"] for r in result["applications"]], "learned": learned_rows}
    uow.conn.execute(update(exc).where(exc.c.exception_id == exception_id).values(
        status="confirmed", resolved_at=uow.now, resolved_by=uow.actor, resolution=resolution))
    uow.audit("confirmed", "cash_exception", str(exception_id), resolution, document_ref=payment["source"])
    return {"exception_id": exception_id, **result, "learned": learned_rows}


def reject(uow: UnitOfWork, exception_id: int, reason: str | None = None) -> dict:
    """Close the entry without applying: the cash stays on account (unapplied) for later."""
    entry = _entry(uow.conn, exception_id, lock=True)
    if entry["status"] != "open":
        raise Conflict(f"cash exception {exception_id} is already {entry['status']}", code="already_resolved")
    resolution = {"reason": reason}
    uow.conn.execute(update(exc).where(exc.c.exception_id == exception_id).values(
        status="rejected", resolved_at=uow.now, resolved_by=uow.actor, resolution=resolution))
    uow.conn.execute(update(t.payments).where(t.payments.c.payment_id == entry["payment_id"],
                                              t.payments.c.status == "exception").values(status="unapplied"))
    uow.audit("rejected", "cash_exception", str(exception_id), resolution)
    return {"exception_id": exception_id, "payment_id": entry["payment_id"], "status": "rejected"}

