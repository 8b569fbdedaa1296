"""Cash use cases: record payments and apply them to invoices, one at a time or a bank file at once.

A payment applied by hand names its invoices and amounts; automatic matching (o2c.cash.matching)
produces the same applications. Either way the invoices' open amounts, the payment's unapplied rest
and the journal entry change together in one transaction.

``record_payments`` is the one writer. It takes a batch so that a bank file of 10,000 payments costs a
few dozen statements (chunked lookups, executemany inserts, one UPDATE per touched invoice) instead of
ten per payment; ``record_payment`` is the same path for a batch of one. Cash that was first left
unapplied is applied later with ``apply_unapplied`` (a queue confirmation, a collector's decision).
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Iterable, Sequence

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from o2c.kernel.errors import Conflict, NotFound
from o2c.kernel.money import from_minor, round_money, to_minor
from o2c.ledger import model as ledger
from o2c.storage import schema as t
from o2c.storage.uow import UnitOfWork, next_event_id

#: rows per IN (...) lookup: well under SQLite's and PostgreSQL's parameter limits
CHUNK = 500


@dataclass(frozen=True)
class ApplicationRequest:
    invoice_number: str
    amount: Decimal                 # cash applied
    discount: Decimal = Decimal(0)  # early-payment discount granted on top of the cash
    deduction: Decimal = Decimal(0)  # short payment accepted as a deduction (settles the invoice)
    reason_code: str | None = None


@dataclass(frozen=True)
class PaymentDraft:
    """Everything needed to store one payment; ``record_payments`` validates and writes a batch of them."""

    amount: Decimal
    value_date: date
    currency: str = "USD"
    customer_id: str | None = None
    payer_name: str | None = None
    bank_ref: str | None = None
    idempotency_key: str | None = None
    applications: tuple[ApplicationRequest, ...] = ()
    source: str | None = None
    fmt: str = "manual"
    status: str | None = None
    details: dict = field(default_factory=dict)


def _minor(value: Decimal, currency: str) -> int:
    return to_minor(round_money(value, currency), currency)


def _chunks(values: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def existing_payments(conn: Connection, keys: Sequence[str]) -> dict[str, str]:
    """Payment id per idempotency key already stored (chunked IN lookups, never one query per key)."""
    found: dict[str, str] = {}
    col = t.payments.c
    for part in _chunks(list(dict.fromkeys(keys))):
        for key, payment_id in conn.execute(select(col.idempotency_key, col.payment_id)
                                            .where(col.idempotency_key.in_(part))):
            found[key] = payment_id
    return found


def _invoices(conn: Connection, numbers: Iterable[str]) -> dict[str, dict]:
    """Customer and open amount of the named invoices, read in chunks."""
    col = t.invoices.c
    found: dict[str, dict] = {}
    for part in _chunks(sorted(set(numbers))):
        for row in conn.execute(select(col.invoice_number, col.customer_id, col.open_minor, col.currency)
                                .where(col.invoice_number.in_(part))).mappings():
            found[row["invoice_number"]] = dict(row)
    return found


def bulk_insert(conn: Connection, table, rows: Sequence[dict]) -> None:
    """INSERT many rows with one driver-level executemany.

    SQLAlchemy's executemany re-binds every row through the compiled statement (tens of microseconds
    a row); a bank file of 10,000 payments writes some 80,000 rows, so here the columns' bind
    processors are looked up once and applied to plain tuples. Rows must share the same keys.
    """
    if not rows:
        return
    names = list(rows[0])
    dialect = conn.dialect
    processors = [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
    processors = [_LastValue(f) if f is not None else None for f in processors]
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    prep = dialect.identifier_preparer
    sql = (f"INSERT INTO {prep.format_table(table)} ({', '.join(prep.quote(n) for n in names)}) "
           f"VALUES ({', '.join([marker] * len(names))})")
    conn.exec_driver_sql(sql, [tuple(_bind(f, r[n]) for f, n in zip(processors, names)) for r in rows])


class _LastValue:
    """A bind processor that remembers its last input: a batch repeats the same timestamp on every
    row, and converting it once instead of 50,000 times is measurable."""

    __slots__ = ("process", "last_in", "last_out")

    def __init__(self, process):
        self.process, self.last_in, self.last_out = process, _LastValue, None

    def __call__(self, value):
        if value is not self.last_in:
            self.last_in, self.last_out = value, self.process(value)
        return self.last_out


def _bind(process, value):
    return value if process is None or value is None else process(value)


@dataclass
class _Batch:
    """The rows one ``record_payments`` call writes, collected before anything is written."""

    payments: list[dict] = field(default_factory=list)
    applications: list[dict] = field(default_factory=list)
    entries: list[tuple[ledger.JournalEntry, date]] = field(default_factory=list)
    settled: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    events: list[tuple[str, str, str, dict]] = field(default_factory=list)


def _plan_applications(uow: UnitOfWork, draft: PaymentDraft, payment_id: str, open_now: dict[str, dict],
                       batch: _Batch) -> tuple[str | None, list[dict]]:
    """Check each application against the invoice as this batch leaves it; returns customer and rows."""
    customer_id, rows = draft.customer_id, []
    for app in draft.applications:
        invoice = open_now.get(app.invoice_number)
        if invoice is None:
            raise NotFound(f"invoice {app.invoice_number} does not exist", code="unknown_invoice")
        if customer_id and invoice["customer_id"] != customer_id:
            raise Conflict(f"invoice {app.invoice_number} belongs to {invoice['customer_id']}, not {customer_id}",
                           code="wrong_customer")
        customer_id = customer_id or invoice["customer_id"]
        a, d, x = (_minor(app.amount, draft.currency), _minor(app.discount, draft.currency),
                   _minor(app.deduction, draft.currency))
        settles = a + d + x
        if a < 0 or d < 0 or x < 0 or settles <= 0 or settles > invoice["open_minor"]:
            raise Conflict(f"invoice {app.invoice_number}: {from_minor(settles)} exceeds the open "
                           f"{from_minor(invoice['open_minor'])}", code="over_application")
        invoice["open_minor"] -= settles
        batch.settled[app.invoice_number] += settles
        rows.append({"payment_id": payment_id, "invoice_number": app.invoice_number, "amount_minor": a,
                     "discount_minor": d, "deduction_minor": x, "reason_code": app.reason_code,
                     "applied_by": uow.actor, "at": uow.now})
    return customer_id, rows


def _plan_payment(uow: UnitOfWork, draft: PaymentDraft, key: str, open_now: dict[str, dict],
                  batch: _Batch) -> str:
    """Validate one draft and add its rows, journal entry and events to the batch."""
    cash = _minor(draft.amount, draft.currency)
    if cash <= 0:
        raise Conflict(f"a payment needs a positive amount, not {draft.amount}", code="invalid_amount")
    payment_id = f"PAY-{uuid.uuid4().hex[:12].upper()}"
    customer_id, rows = _plan_applications(uow, draft, payment_id, open_now, batch)
    applied = sum(r["amount_minor"] for r in rows)
    if applied > cash:
        raise Conflict(f"applications total {from_minor(applied)} but the payment is {from_minor(cash)}",
                       code="over_application")
    unapplied = cash - applied
    status = draft.status or ("unapplied" if not rows else "applied" if unapplied == 0 else "partial")
    batch.payments.append({
        "payment_id": payment_id, "idempotency_key": key, "source": draft.source, "format": draft.fmt,
        "bank_ref": draft.bank_ref, "customer_id": customer_id, "payer_name": draft.payer_name,
        "amount_minor": cash, "currency": draft.currency, "value_date": draft.value_date,
        "unapplied_minor": unapplied, "status": status, "details": draft.details or {}, "created_at": uow.now})
    batch.applications.extend(rows)
    batch.entries.append((ledger.payment_received(
        payment_id, customer_id, cash=cash, applied=applied, discount=sum(r["discount_minor"] for r in rows),
        deduction=sum(r["deduction_minor"] for r in rows), unapplied=unapplied), draft.value_date))
    payload = {"amount_minor": cash, "customer_id": customer_id, "bank_ref": draft.bank_ref, "status": status,
               "applications": [{k: r[k] for k in ("invoice_number", "amount_minor", "discount_minor",
                                                    "deduction_minor")} for r in rows]}
    batch.events.append(("payment.received", "payment", payment_id, payload))
    for r in rows:
        batch.events.append(("invoice.payment_applied", "invoice", r["invoice_number"],
                             {"payment_id": payment_id, "amount_minor": r["amount_minor"]}))
    return payment_id


def _settle_invoices(conn: Connection, settled: dict[str, int]) -> None:
    """One guarded UPDATE per touched invoice (executemany). The guard refuses to take an invoice
    below zero, so a payment applied concurrently by someone else is a conflict, never a negative."""
    if not settled:
        return
    inv = t.invoices
    stmt = (update(inv).where(inv.c.invoice_number == bindparam("number"),
                              inv.c.open_minor >= bindparam("settle"))
            .values(open_minor=inv.c.open_minor - bindparam("settle")))
    params = [{"number": n, "settle": s} for n, s in settled.items()]
    result = conn.execute(stmt, params)
    if result.rowcount not in (-1, len(params)):
        raise Conflict("invoices changed while applying cash; try again", code="conflict")
    for part in _chunks(list(settled)):
        conn.execute(update(inv).where(inv.c.invoice_number.in_(part), inv.c.open_minor == 0)
                     .values(status="paid"))


def post_entries(uow: UnitOfWork, entries: Sequence[tuple[ledger.JournalEntry, date]]) -> None:
    """Post many balanced entries with two statements (entries, then their lines).

    Ids come back through RETURNING matched on (event, document reference), which is unique within a
    batch; asking the driver to keep parameter order instead costs one round trip per row on SQLite.
    """
    if not entries:
        return
    for entry, _ in entries:
        entry.check_balanced()
    if len({(e.event, e.document_ref) for e, _ in entries}) != len(entries):
        for entry, business_date in entries:
            uow.post(entry, business_date)
        return
    je = t.journal_entries
    returned = uow.conn.execute(
        insert(je).returning(je.c.entry_id, je.c.event, je.c.document_ref),
        [{"event": e.event, "document_ref": e.document_ref, "posted_at": uow.now, "business_date": d}
         for e, d in entries]).all()
    ids = {(event, ref): entry_id for entry_id, event, ref in returned}
    bulk_insert(uow.conn, t.journal_lines, [
        {"entry_id": ids[(e.event, e.document_ref)], "account": p.account, "debit_minor": p.debit,
         "credit_minor": p.credit, "customer_id": p.customer_id} for e, _ in entries for p in e.postings])


def emit_many(uow: UnitOfWork, events: Sequence[tuple[str, str, str, dict]]) -> None:
    """Write many outbox events in one statement (what ``uow.emit`` does one at a time)."""
    if not events:
        return
    rows = [{"event_id": next_event_id(), "event_type": kind, "aggregate": aggregate, "aggregate_id": agg_id,
             "payload": payload, "created_at": uow.now} for kind, aggregate, agg_id, payload in events]
    bulk_insert(uow.conn, t.outbox, rows)
    uow.events.extend(rows)


def record_payments(uow: UnitOfWork, drafts: Sequence[PaymentDraft], *, audit_each: bool = True
                    ) -> list[str | None]:
    """Store a batch of payments with their applications; returns a payment id per draft, or None for
    a draft whose idempotency key was recorded before (or earlier in the batch).

    Everything is validated before the first write, so a refused application refuses the batch. With
    ``audit_each=False`` the caller writes one audit record for the whole batch (a bank file).
    """
    keys = [d.idempotency_key or f"manual:{uuid.uuid4()}" for d in drafts]
    seen = set(existing_payments(uow.conn, keys))
    open_now = _invoices(uow.conn, (a.invoice_number for d in drafts for a in d.applications))
    batch, ids = _Batch(), []
    for draft, key in zip(drafts, keys):
        if key in seen:
            ids.append(None)
            continue
        seen.add(key)
        ids.append(_plan_payment(uow, draft, key, open_now, batch))
    bulk_insert(uow.conn, t.payments, batch.payments)
    bulk_insert(uow.conn, t.payment_applications, batch.applications)
    _settle_invoices(uow.conn, batch.settled)
    post_entries(uow, batch.entries)
    emit_many(uow, batch.events)
    if audit_each:
        for kind, aggregate, agg_id, payload in batch.events:
            if kind == "payment.received":
                source = next(p["source"] for p in batch.payments if p["payment_id"] == agg_id)
                uow.audit("received", aggregate, agg_id, payload, document_ref=source)
    return ids


def record_payment(uow: UnitOfWork, *, amount: Decimal, value_date: date, currency: str = "USD",
                   customer_id: str | None = None, payer_name: str | None = None, bank_ref: str | None = None,
                   idempotency_key: str | None = None, applications: Sequence[ApplicationRequest] = (),
                   source: str | None = None, fmt: str = "manual", status: str | None = None,
                   details: dict | None = None) -> str | None:
    """Store a payment and its applications. Returns the payment id, or None when the same payment
    (same idempotency key) was recorded before: importing the same bank file twice doubles nothing."""
    draft = PaymentDraft(amount, value_date, currency, customer_id, payer_name, bank_ref, idempotency_key,
                         tuple(applications), source, fmt, status, details or {})
    return record_payments(uow, [draft])[0]


def manual_applications(conn: Connection, amount: Decimal, chosen: Sequence[tuple[str, Decimal | None]],
                        currency: str = "USD") -> list[ApplicationRequest]:
    """Applications for invoices named by hand: the stated amount, else as much of the invoice's open
    amount as the payment still covers, in the order given."""
    left = _minor(amount, currency)
    open_now = _invoices(conn, (n for n, a in chosen if a is None))
    requests = []
    for number, stated in chosen:
        if stated is None:
            if number not in open_now:
                raise NotFound(f"invoice {number} does not exist", code="unknown_invoice")
            stated = from_minor(min(open_now[number]["open_minor"], max(left, 0)), currency)
        requests.append(ApplicationRequest(number, stated))
        left -= _minor(stated, currency)
    return requests


def payment_applications(conn: Connection, payment_id: str) -> list[dict]:
    return [dict(r) for r in conn.execute(select(t.payment_applications).where(
        t.payment_applications.c.payment_id == payment_id).order_by(t.payment_applications.c.application_id))
        .mappings()]


def get_payment(conn: Connection, payment_id: str) -> dict:
    row = conn.execute(select(t.payments).where(t.payments.c.payment_id == payment_id)).mappings().first()
    if row is None:
        raise NotFound(f"payment {payment_id} does not exist", code="unknown_payment")
    return dict(row)


# ------------------------------------------------------------------ applying cash left on account

def _unapplied_entry(payment_id: str, customer_id: str, cash: int, discount: int) -> ledger.JournalEntry:
    """Dr unapplied cash (and discounts granted now); Cr AR for what the invoices are settled by."""
    return ledger.entry("unapplied_cash_applied", payment_id,
                        (ledger.UNAPPLIED_CASH, cash, 0, customer_id),
                        (ledger.SALES_DISCOUNTS, discount, 0),
                        (ledger.AR, 0, cash + discount, customer_id))


def apply_unapplied(uow: UnitOfWork, payment_id: str, applications: Sequence[ApplicationRequest], *,
                    status: str | None = None) -> dict:
    """Apply cash a stored payment still holds on account to invoices (a person's decision).

    The payment row is locked first so that two people confirming at once cannot spend the same cash
    twice; the invoices are settled with the same guarded update the import uses.
    """
    pay = t.payments.c
    row = uow.conn.execute(select(t.payments).where(pay.payment_id == payment_id).with_for_update()
                           ).mappings().first()
    if row is None:
        raise NotFound(f"payment {payment_id} does not exist", code="unknown_payment")
    currency = row["currency"]
    draft = PaymentDraft(from_minor(row["unapplied_minor"], currency) or Decimal("0.01"), row["value_date"],
                         currency, row["customer_id"], applications=tuple(applications))
    batch = _Batch()
    customer_id, rows = _plan_applications(uow, draft, payment_id, _invoices(uow.conn, (
        a.invoice_number for a in applications)), batch)
    cash = sum(r["amount_minor"] for r in rows)
    if not rows or cash > row["unapplied_minor"]:
        raise Conflict(f"payment {payment_id} has {from_minor(row['unapplied_minor'], currency)} unapplied; "
                       f"cannot apply {from_minor(cash, currency)}", code="over_application")
    if any(r["deduction_minor"] for r in rows):
        raise Conflict("deductions are granted at import, not when applying cash on account", code="invalid")
    left = row["unapplied_minor"] - cash
    new_status = status or ("applied" if left == 0 else "partial")
    uow.conn.execute(insert(t.payment_applications), rows)
    _settle_invoices(uow.conn, batch.settled)
    uow.conn.execute(update(t.payments).where(pay.payment_id == payment_id).values(
        unapplied_minor=left, status=new_status, customer_id=customer_id))
    uow.post(_unapplied_entry(payment_id, customer_id, cash, sum(r["discount_minor"] for r in rows)))
    payload = {"applications": [{k: r[k] for k in ("invoice_number", "amount_minor", "discount_minor")}
                                for r in rows], "unapplied_minor": left, "status": new_status}
    uow.audit("applied", "payment", payment_id, payload, document_ref=row["source"])
    uow.emit("payment.applied", "payment", payment_id, payload)
    return {"payment_id": payment_id, "customer_id": customer_id, "status": new_status, "unapplied_minor": left,
            "applications": rows}
