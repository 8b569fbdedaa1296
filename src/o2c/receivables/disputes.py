"""Disputes and deductions: the customer will not pay (all of) an invoice, and says why.

A *dispute* is raised on an open invoice before payment ("the price is wrong", "we never got it");
while it is open the invoice is left out of dunning and of the collections worklist, and its owner
works it to one of three endings:

- ``credit_memo``: billing issued a credit memo, which is linked here;
- ``customer_paid``: the complaint was unfounded or settled, the customer pays (dunning resumes);
- ``write_off``: the amount is not worth pursuing; it is written off (Dr write-offs, Cr AR).

A *deduction* is money the customer kept back from a payment ("short-paid, damaged"): cash
application leaves that part of the invoice open and records a claim (``cash_deductions``);
``open_deductions_from_payments`` turns each claim into a deduction case here. It is worked and
resolved exactly like a dispute on the amount kept back, and the claim is marked resolved with it.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from o2c.kernel.errors import Conflict, InvalidValue, NotFound
from o2c.kernel.money import from_minor, round_money, to_minor
from o2c.ledger import model as ledger
from o2c.storage import schema as t
from o2c.storage.uow import UnitOfWork

REASON_CODES = ("pricing", "short_shipment", "damaged", "not_received", "duplicate", "other")
RESOLUTIONS = ("credit_memo", "customer_paid", "write_off")


def _invoice(conn: Connection, number: str) -> dict:
    row = conn.execute(select(t.invoices).where(t.invoices.c.invoice_number == number)).mappings().first()
    if row is None:
        raise NotFound(f"invoice {number} does not exist", code="unknown_invoice")
    return dict(row)


def _check_reason(reason_code: str) -> str:
    if reason_code not in REASON_CODES:
        raise InvalidValue("reason", f"{reason_code!r} is not a reason code; use one of " + ", ".join(REASON_CODES))
    return reason_code


def _store(uow: UnitOfWork, *, kind: str, invoice: dict, reason_code: str, amount_minor: int, owner: str,
           note: str | None, opened_on: date, cash_deduction_id: int | None = None) -> int:
    dispute_id = uow.conn.execute(insert(t.disputes).values(
        kind=kind, invoice_number=invoice["invoice_number"], customer_id=invoice["customer_id"],
        reason_code=reason_code, amount_minor=amount_minor, owner=owner, note=note, status="open",
        opened_on=opened_on, cash_deduction_id=cash_deduction_id, created_at=uow.now)).inserted_primary_key[0]
    payload = {"kind": kind, "invoice_number": invoice["invoice_number"], "customer_id": invoice["customer_id"],
               "reason_code": reason_code, "amount_minor": amount_minor, "owner": owner}
    uow.audit("dispute_opened", "dispute", str(dispute_id), payload, document_ref=invoice["invoice_number"])
    uow.emit("dispute.opened", "dispute", str(dispute_id), payload)
    return dispute_id


def open_dispute(uow: UnitOfWork, *, invoice_number: str, reason_code: str, owner: str,
                 amount: Decimal | None = None, note: str | None = None, opened_on: date | None = None) -> int:
    """Open a dispute on an invoice (by default for its whole open amount); returns the dispute id."""
    _check_reason(reason_code)
    invoice = _invoice(uow.conn, invoice_number)
    if invoice["open_minor"] <= 0:
        raise Conflict(f"invoice {invoice_number} has nothing open to dispute", code="invoice_not_open")
    if open_disputes_on(uow.conn, invoice_number):
        raise Conflict(f"invoice {invoice_number} already has an open dispute", code="already_disputed")
    amount_minor = invoice["open_minor"] if amount is None else to_minor(round_money(amount, invoice["currency"]),
                                                                          invoice["currency"])
    if not 0 < amount_minor <= invoice["open_minor"]:
        raise InvalidValue("amount", f"must be more than 0 and at most the open "
                           f"{from_minor(invoice['open_minor'], invoice['currency'])}")
    return _store(uow, kind="dispute", invoice=invoice, reason_code=reason_code, amount_minor=amount_minor,
                  owner=owner, note=note, opened_on=opened_on or uow.today)


def open_deductions_from_payments(uow: UnitOfWork, owner: str) -> list[int]:
    """Take up every amount a payer kept back (cash application's open ``cash_deductions`` claims)
    that collections has not taken up yet, as a deduction case on the invoice. The remittance's
    reason becomes our reason code when it names one of ours, else ``other`` (kept in the note)."""
    claims = t.cash_deductions
    known = select(t.disputes.c.cash_deduction_id).where(t.disputes.c.cash_deduction_id.is_not(None))
    rows = uow.conn.execute(select(claims).where(claims.c.status == "open", claims.c.deduction_id.not_in(known))
                            .order_by(claims.c.deduction_id)).mappings().all()
    created = []
    for row in rows:
        invoice = _invoice(uow.conn, row["invoice_number"])
        amount = min(row["amount_minor"], invoice["open_minor"])
        if amount <= 0:
            continue
        reason = _reason_code_from(row["reason"])
        note = f"kept back from payment {row['payment_id']}" + (f": {row['reason']}" if row["reason"] else "")
        created.append(_store(uow, kind="deduction", invoice=invoice, reason_code=reason, amount_minor=amount,
                              owner=owner, note=note, opened_on=uow.today, cash_deduction_id=row["deduction_id"]))
    return created


def _reason_code_from(text: str | None) -> str:
    """Remittances say 'PRICING', 'short ship', 'damaged goods'...: map the obvious ones."""
    cleaned = (text or "").lower().replace("-", " ").replace("_", " ")
    for code, words in (("pricing", ("pric",)), ("short_shipment", ("short",)), ("damaged", ("damag",)),
                        ("not_received", ("not rec", "never rec", "no receipt")), ("duplicate", ("dup",))):
        if any(w in cleaned for w in words):
            return code
    return "other"


def get_dispute(conn: Connection, dispute_id: int) -> dict:
    row = conn.execute(select(t.disputes).where(t.disputes.c.dispute_id == dispute_id)).mappings().first()
    if row is None:
        raise NotFound(f"dispute {dispute_id} does not exist", code="unknown_dispute")
    return dict(row)


def _credit_memo(conn: Connection, number: str | None, customer_id: str) -> dict:
    if not number:
        raise InvalidValue("credit_memo", "a credit_memo resolution names the credit memo")
    memo = _invoice(conn, number)
    if memo["kind"] != "credit_memo" or memo["customer_id"] != customer_id:
        raise Conflict(f"{number} is not a credit memo of customer {customer_id}", code="not_a_credit_memo")
    return memo


def _write_off_invoice(uow: UnitOfWork, invoice: dict, amount_minor: int) -> None:
    """Dr write-offs, Cr AR, and the invoice's open amount goes down with it."""
    changed = uow.conn.execute(update(t.invoices).where(t.invoices.c.invoice_number == invoice["invoice_number"],
                                                        t.invoices.c.open_minor >= amount_minor)
                               .values(open_minor=t.invoices.c.open_minor - amount_minor,
                                       status="written_off" if amount_minor == invoice["open_minor"] else "open"))
    if changed.rowcount != 1:
        raise Conflict(f"invoice {invoice['invoice_number']} changed meanwhile; try again", code="conflict")
    uow.post(ledger.write_off(invoice["invoice_number"], invoice["customer_id"], amount_minor))
    uow.emit("invoice.written_off", "invoice", invoice["invoice_number"],
             {"customer_id": invoice["customer_id"], "amount_minor": amount_minor})


def _resolve_dispute_kind(uow: UnitOfWork, dispute: dict, resolution: str, memo_number: str | None,
                          write_off_minor: int | None) -> int:
    invoice = _invoice(uow.conn, dispute["invoice_number"])
    if resolution == "credit_memo":
        _credit_memo(uow.conn, memo_number, dispute["customer_id"])
        return 0
    if resolution == "write_off":
        amount = min(dispute["amount_minor"], invoice["open_minor"]) if write_off_minor is None else write_off_minor
        if not 0 < amount <= invoice["open_minor"]:
            raise InvalidValue("amount", f"a write-off must be more than 0 and at most the open "
                               f"{from_minor(invoice['open_minor'], invoice['currency'])}")
        _write_off_invoice(uow, invoice, amount)
        return amount
    return 0


def resolve_dispute(uow: UnitOfWork, dispute_id: int, resolution: str, *, credit_memo: str | None = None,
                    write_off_amount: Decimal | None = None, note: str | None = None) -> dict:
    """Close a dispute or deduction with one of ``RESOLUTIONS`` and book what that means."""
    if resolution not in RESOLUTIONS:
        raise InvalidValue("resolution", f"{resolution!r} is not one of " + ", ".join(RESOLUTIONS))
    dispute = get_dispute(uow.conn, dispute_id)
    if dispute["status"] != "open":
        raise Conflict(f"dispute {dispute_id} is already {dispute['status']}", code="dispute_closed")
    currency = _invoice(uow.conn, dispute["invoice_number"])["currency"]
    write_off_minor = None if write_off_amount is None else to_minor(round_money(write_off_amount, currency), currency)
    written_off = _resolve_dispute_kind(uow, dispute, resolution, credit_memo, write_off_minor)
    if dispute["cash_deduction_id"] is not None:
        uow.conn.execute(update(t.cash_deductions).where(
            t.cash_deductions.c.deduction_id == dispute["cash_deduction_id"]).values(status="resolved"))
    uow.conn.execute(update(t.disputes).where(t.disputes.c.dispute_id == dispute_id).values(
        status="resolved", resolution=resolution, credit_memo_number=credit_memo if resolution == "credit_memo" else None,
        written_off_minor=written_off, resolved_on=uow.today, resolved_by=uow.actor,
        note=(dispute["note"] + "\n" + note) if dispute["note"] and note else (note or dispute["note"])))
    payload = {"kind": dispute["kind"], "invoice_number": dispute["invoice_number"],
               "customer_id": dispute["customer_id"], "resolution": resolution, "credit_memo": credit_memo,
               "written_off_minor": written_off}
    uow.audit("dispute_resolved", "dispute", str(dispute_id), payload, document_ref=dispute["invoice_number"])
    uow.emit("dispute.resolved", "dispute", str(dispute_id), payload)
    return {"dispute_id": dispute_id, **payload}


def open_disputes_on(conn: Connection, invoice_number: str) -> list[int]:
    return list(conn.execute(select(t.disputes.c.dispute_id).where(
        t.disputes.c.invoice_number == invoice_number, t.disputes.c.status == "open")).scalars())


def disputed_invoices(conn: Connection) -> frozenset[str]:
    """Invoices with an open dispute: dunning and the worklist leave them to the dispute owner."""
    return frozenset(conn.execute(select(t.disputes.c.invoice_number).where(t.disputes.c.status == "open")).scalars())


def open_dispute_counts(conn: Connection) -> dict[str, int]:
    counts: dict[str, int] = {}
    for customer in conn.execute(select(t.disputes.c.customer_id).where(t.disputes.c.status == "open")).scalars():
        counts[customer] = counts.get(customer, 0) + 1
    return counts


def list_disputes(conn: Connection, status: str | None = None, customer_id: str | None = None) -> list[dict]:
    query = select(t.disputes, t.invoices.c.currency).join(
        t.invoices, t.invoices.c.invoice_number == t.disputes.c.invoice_number).order_by(t.disputes.c.dispute_id)
    if status:
        query = query.where(t.disputes.c.status == status)
    if customer_id:
        query = query.where(t.disputes.c.customer_id == customer_id)
    return [{"dispute_id": r["dispute_id"], "kind": r["kind"], "invoice_number": r["invoice_number"],
             "customer_id": r["customer_id"], "reason_code": r["reason_code"],
             "amount": str(from_minor(r["amount_minor"], r["currency"])), "owner": r["owner"],
             "status": r["status"], "opened_on": str(r["opened_on"]), "resolution": r["resolution"],
             "credit_memo": r["credit_memo_number"], "note": r["note"]}
            for r in conn.execute(query).mappings()]
