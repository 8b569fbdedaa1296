"""``o2c cash import``: read a bank file, match every payment against the open items, store the result.

One file is one unit of work: either every payment of the file is stored (applied, on account, or
queued for a person) or, when the file is refused (bad control totals, unknown format), nothing is.
Each payment's idempotency key is the file's SHA-256 plus the payment's position in the file, so
importing the same file again stores nothing and reports what the first import did.

The matching engine is pure (``o2c.cash.matching``); this module feeds it from the database and
writes back what it decided:

- the open-item book is built from one query over open invoices (terms from the invoice, else the
  customer's), the payer directory from customers plus what people taught it (``learned_aliases``);
- payments are matched in file order against one book, so a later payment sees the invoices as the
  earlier ones left them;
- everything is written in bulk through ``record_payments`` (no per-row SELECT), which is what keeps
  10,000 payments against 100,000 open items within seconds.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Sequence

from sqlalchemy import String, insert, select, type_coerce
from sqlalchemy.engine import Connection

from o2c.cash.book import OpenItemBook
from o2c.cash.customers import CustomerDirectory
from o2c.cash.matching import CashMatcher, MatchConfig, apply_to_book
from o2c.cash.model import EXCEPTION, BankAccount, CustomerProfile, MatchResult, OpenItem, Terms, parse_terms
from o2c.cash.payment import IncomingPayment, RemittanceLine
from o2c.cash.service import (CHUNK, ApplicationRequest, PaymentDraft, bulk_insert, existing_payments,
                              record_payments)
from o2c.formats.bank import parse_bank_file
from o2c.kernel.money import decimal_text, from_minor, minor_digits, round_money, to_minor
from o2c.storage import schema as t
from o2c.storage.uow import UnitOfWork

#: ``learned_aliases.kind`` values written by cash application
KIND_PAYER, KIND_ACCOUNT, KIND_PATTERN = "payer_customer", "account_customer", "reference_pattern"
#: ``learned_aliases.target`` of a fact seen for more than one customer: it identifies nobody
SHARED = "*"


@dataclass(frozen=True)
class AppliedLine:
    invoice_number: str
    amount: Decimal
    discount: Decimal = Decimal(0)


@dataclass(frozen=True)
class PaymentOutcome:
    """What happened to one payment of a bank file (or what happened the first time it was imported)."""

    source: str
    bank_ref: str
    payment_id: str
    amount: Decimal
    currency: str
    status: str
    applications: tuple[AppliedLine, ...] = ()
    customer_id: str | None = None
    unapplied: Decimal = Decimal(0)
    already_imported: bool = False
    exception_id: int | None = None
    deductions: tuple[dict, ...] = field(default=())

    def as_json(self) -> dict:
        """The ``o2c cash import`` line of the interchange contract, plus optional keys it allows."""
        apps = []
        for a in self.applications:
            line = {"invoice_number": a.invoice_number, "amount": decimal_text(a.amount)}
            if a.discount:
                line["discount"] = decimal_text(a.discount)
            apps.append(line)
        out = {"source": self.source, "bank_ref": self.bank_ref, "payment_id": self.payment_id,
               "amount": decimal_text(self.amount), "status": self.status, "applications": apps,
               "customer_id": self.customer_id, "unapplied": decimal_text(self.unapplied),
               "currency": self.currency}
        if self.deductions:
            out["deductions"] = list(self.deductions)
        if self.exception_id is not None:
            out["exception_id"] = self.exception_id
        if self.already_imported:
            out["already_imported"] = True
        return out


# ================================================================== reading what is owed and by whom

def _day(value) -> date | None:
    """A date column read raw: SQLite hands back ISO text (parsed in C here, several times faster
    than the generic converter over 100,000 rows), PostgreSQL a ``date`` already."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def load_book(conn: Connection) -> OpenItemBook:
    """Every open invoice in one query, with the discount terms it was billed on (the invoice's own
    terms, else its customer's), because a discount taken in time settles the invoice."""
    inv, cust = t.invoices, t.customers
    query = (select(inv.c.invoice_number, inv.c.customer_id, inv.c.open_minor, inv.c.total_minor,
                    type_coerce(inv.c.issue_date, String).label("issue_date"),
                    type_coerce(inv.c.due_date, String).label("due_date"), inv.c.currency, inv.c.po_number,
                    inv.c.payment_terms, cust.c.payment_terms.label("customer_terms"))
             .join(cust, cust.c.customer_id == inv.c.customer_id)
             .where(inv.c.open_minor > 0))
    terms: dict[str | None, Terms] = {}
    digits: dict[str, int] = {}
    items = []
    for number, customer_id, open_minor, total_minor, issued, due, currency, po, own_terms, customer_terms \
            in conn.execute(query).all():
        text = own_terms or customer_terms
        term = terms.get(text)
        if term is None:
            term = terms[text] = parse_terms(text)
        exp = digits.get(currency)
        if exp is None:
            exp = digits[currency] = -minor_digits(currency)
        items.append(OpenItem(number, customer_id, Decimal(open_minor).scaleb(exp), Decimal(total_minor).scaleb(exp),
                              _day(issued), _day(due), currency, po, term.discount_percent, term.discount_days))
    return OpenItemBook(items)


def _learned(conn: Connection) -> dict[str, dict[str, list]]:
    """Learned payer facts per customer: {"aliases": [...], "accounts": [...], "patterns": [...]}."""
    la = t.learned_aliases
    facts: dict[str, dict[str, list]] = {}
    rows = conn.execute(select(la.c.kind, la.c.alias, la.c.target)
                        .where(la.c.kind.in_((KIND_PAYER, KIND_ACCOUNT, KIND_PATTERN)), la.c.target != SHARED))
    for kind, alias, target in rows:
        slot = facts.setdefault(target, {"aliases": [], "accounts": [], "patterns": []})
        if kind == KIND_PAYER:
            slot["aliases"].append(alias)
        elif kind == KIND_ACCOUNT:
            routing, _, account = alias.rpartition("|")
            slot["accounts"].append(BankAccount(account, routing or None))
        else:
            slot["patterns"].append(alias)
    return facts


def load_directory(conn: Connection) -> CustomerDirectory:
    """Customer profiles (name and terms) with everything people taught the matcher about payers."""
    return _directory(conn, select(t.customers.c.customer_id, t.customers.c.name, t.customers.c.payment_terms))


def load_directory_for(conn: Connection, customer_id: str) -> CustomerDirectory:
    """A directory of one customer: enough to tell what a confirmation teaches that is not yet known."""
    cust = t.customers.c
    return _directory(conn, select(cust.customer_id, cust.name, cust.payment_terms)
                      .where(cust.customer_id == customer_id))


def _directory(conn: Connection, query) -> CustomerDirectory:
    facts = _learned(conn)
    profiles = []
    for customer_id, name, terms in conn.execute(query):
        known = facts.get(customer_id, {})
        profiles.append(CustomerProfile(customer_id, name, tuple(known.get("aliases", ())),
                                        tuple(known.get("accounts", ())), tuple(known.get("patterns", ())),
                                        parse_terms(terms)))
    return CustomerDirectory(profiles)


# ================================================================== the bank's statement, kept

def payment_to_json(p: IncomingPayment) -> dict:
    """The payment as the bank stated it, stored with the payment so a person (and learning) can
    see what the matcher saw long after the file is gone."""
    return {"source": p.source, "format": p.format, "bank_ref": p.bank_ref, "amount": decimal_text(p.amount),
            "currency": p.currency, "value_date": p.value_date.isoformat() if p.value_date else None,
            "payer_name": p.payer_name, "payer_account": p.payer_account, "payer_routing": p.payer_routing,
            "alt_refs": list(p.alt_refs), "free_text": p.free_text, "source_key": p.source_key,
            "remittance": [{"reference": r.reference, "amount_paid": decimal_text(r.amount_paid),
                            "invoice_amount": decimal_text(r.invoice_amount), "discount": decimal_text(r.discount),
                            "adjustment": decimal_text(r.adjustment), "adjustment_reason": r.adjustment_reason,
                            "po_number": r.po_number} for r in p.remittance]}


def _dec(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def payment_from_json(data: dict) -> IncomingPayment:
    lines = tuple(RemittanceLine(r.get("reference"), _dec(r.get("amount_paid")), _dec(r.get("invoice_amount")),
                                 _dec(r.get("discount")), _dec(r.get("adjustment")), r.get("adjustment_reason"),
                                 r.get("po_number")) for r in data.get("remittance") or ())
    return IncomingPayment(data.get("source") or "", data.get("format") or "", data.get("bank_ref") or "",
                           Decimal(data["amount"]), data.get("currency") or "USD",
                           date.fromisoformat(data["value_date"]) if data.get("value_date") else None,
                           data.get("payer_name"), data.get("payer_account"), data.get("payer_routing"),
                           tuple(data.get("alt_refs") or ()), data.get("free_text"), lines,
                           source_key=data.get("source_key") or "")


# ================================================================== from match results to rows

def payment_keys(data: bytes, payments: Sequence[IncomingPayment]) -> list[str]:
    """Idempotency key per payment: file content hash plus the payment's place in the file. A
    position the parser could not name, or named twice, gets its ordinal so keys stay unique."""
    digest = hashlib.sha256(data).hexdigest()
    keys, seen = [], set()
    for index, p in enumerate(payments):
        local = p.source_key or f"#{index}"
        if local in seen:
            local = f"{local}#{index}"
        seen.add(local)
        keys.append(_fit_key(f"bank:{digest}:{local}", t.payments.c.idempotency_key.type.length))
    return keys


def _fit_key(key: str, length: int) -> str:
    """A key within its column: a longer one (a lockbox with huge cells) keeps its head and ends in the
    hash of the whole, so two long keys that share a head stay distinct."""
    if len(key) <= length:
        return key
    tail = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
    return key[:length - len(tail) - 1] + "~" + tail


def _fit(text: str | None, length: int) -> str | None:
    """A bank's free text cut to its column (the whole of it stays in the payment's details): a name
    of 500,000 characters is stored, not refused by PostgreSQL halfway through the import."""
    if text is None or len(text) <= length:
        return text
    return text[:length - 1] + "…"


def _claims(result: MatchResult, currency: str) -> list[dict]:
    """Amounts the payer kept back, as claims for collections; the invoice stays open for them."""
    return [{"invoice_number": d.invoice_number, "amount_minor": to_minor(round_money(d.amount, currency), currency),
             "reason": (d.reason or "")[:120] or None} for d in result.deductions if d.amount > 0]


def _draft(payment: IncomingPayment, result: MatchResult, key: str, today: date) -> PaymentDraft:
    reasons = {d.invoice_number: d.reason for d in result.deductions}
    apps = tuple(ApplicationRequest(a.invoice_number, a.amount, a.discount_taken, Decimal(0),
                                    (reasons.get(a.invoice_number) or "")[:60] or None)
                 for a in result.applications)
    details = {"bank": payment_to_json(payment), "confidence": result.confidence, "strategy": result.strategy,
               "explanation": list(result.explanation)}
    pay = t.payments.c
    return PaymentDraft(payment.amount, payment.value_date or today, payment.currency, result.customer_id,
                        _fit(payment.payer_name, pay.payer_name.type.length),
                        _fit(payment.bank_ref, pay.bank_ref.type.length), key, apps, payment.source, payment.format,
                        result.status, details)


def _suggestions_json(result: MatchResult) -> list[dict]:
    return [{"confidence": round(s.confidence, 3), "strategy": s.strategy, "explanation": s.explanation,
             "customer_id": s.customer_id,
             "applications": [{"invoice_number": a.invoice_number, "amount": decimal_text(a.amount),
                               "discount": decimal_text(a.discount_taken)} for a in s.applications]}
            for s in result.suggestions]


def _outcome(payment: IncomingPayment, result: MatchResult, payment_id: str, exception_id: int | None
             ) -> PaymentOutcome:
    return PaymentOutcome(payment.source, payment.bank_ref, payment_id, payment.amount, payment.currency,
                          result.status,
                          tuple(AppliedLine(a.invoice_number, a.amount, a.discount_taken) for a in result.applications),
                          result.customer_id, result.unapplied_amount, False, exception_id,
                          tuple({"invoice_number": d.invoice_number, "amount": decimal_text(d.amount),
                                 "reason": d.reason} for d in result.deductions if d.amount > 0))


# ================================================================== earlier imports

def stored_outcomes(conn: Connection, payment_ids: Sequence[str]) -> dict[str, PaymentOutcome]:
    """Outcomes of payments already stored, read in chunks (for a re-import, or ``cash queue``)."""
    pay, app, exc = t.payments.c, t.payment_applications.c, t.cash_exceptions.c
    apps: dict[str, list[AppliedLine]] = {}
    rows: dict[str, dict] = {}
    queued: dict[str, int] = {}
    for start in range(0, len(payment_ids), CHUNK):
        part = payment_ids[start:start + CHUNK]
        for r in conn.execute(select(t.payments).where(pay.payment_id.in_(part))).mappings():
            rows[r["payment_id"]] = dict(r)
        for r in conn.execute(select(app.payment_id, app.invoice_number, app.amount_minor, app.discount_minor)
                              .where(app.payment_id.in_(part)).order_by(app.application_id)):
            apps.setdefault(r.payment_id, []).append(AppliedLine(r.invoice_number, from_minor(r.amount_minor),
                                                                 from_minor(r.discount_minor)))
        for payment_id, exception_id in conn.execute(select(exc.payment_id, exc.exception_id)
                                                     .where(exc.payment_id.in_(part))):
            queued[payment_id] = exception_id
    out = {}
    for payment_id, r in rows.items():
        cur = r["currency"]
        out[payment_id] = PaymentOutcome(r["source"] or "", r["bank_ref"] or "", payment_id,
                                         from_minor(r["amount_minor"], cur), cur, r["status"],
                                         tuple(apps.get(payment_id, ())), r["customer_id"],
                                         from_minor(r["unapplied_minor"], cur), True, queued.get(payment_id))
    return out


# ================================================================== the use case

def _match_all(matcher: CashMatcher, payments: Sequence[IncomingPayment]) -> list[MatchResult]:
    """Match in file order, reducing the book after each applied payment."""
    results = []
    for payment in payments:
        result = matcher.match(payment)
        apply_to_book(matcher.book, result)
        results.append(result)
    return results


def _store_side_rows(uow: UnitOfWork, new: list[tuple[IncomingPayment, MatchResult, str]]) -> dict[str, int]:
    """Deduction claims and queue entries of the new payments; returns exception id per payment id."""
    claims = [{**c, "payment_id": pid, "status": "open", "created_at": uow.now}
              for p, r, pid in new for c in _claims(r, p.currency)]
    bulk_insert(uow.conn, t.cash_deductions, claims)
    queue = [{"payment_id": pid, "status": "open", "customer_id": r.customer_id,
              "reason": (r.explanation[-1] if r.explanation else "needs a person"),
              "suggestions": _suggestions_json(r), "created_at": uow.now}
             for p, r, pid in new if r.status == EXCEPTION]
    if not queue:
        return {}
    uow.conn.execute(insert(t.cash_exceptions), queue)
    ids = [q["payment_id"] for q in queue]
    exc = t.cash_exceptions.c
    found = {}
    for start in range(0, len(ids), CHUNK):
        found.update(dict(uow.conn.execute(select(exc.payment_id, exc.exception_id)
                                           .where(exc.payment_id.in_(ids[start:start + CHUNK]))).all()))
    return found


def import_payments(uow: UnitOfWork, data: bytes, filename: str, payments: Sequence[IncomingPayment], *,
                    config: MatchConfig | None = None, extra_audit: dict | None = None) -> list[PaymentOutcome]:
    """Match and store already-parsed payments of one file (``data`` is the file, for idempotency)."""
    payments = [p for p in payments if p.is_credit and p.amount > 0]
    keys = payment_keys(data, payments)
    before = existing_payments(uow.conn, keys)
    earlier = stored_outcomes(uow.conn, list(before.values())) if before else {}
    todo = [(p, k) for p, k in zip(payments, keys) if k not in before]
    new: list[tuple[IncomingPayment, MatchResult, str]] = []
    if todo:
        matcher = CashMatcher(load_book(uow.conn), load_directory(uow.conn), config or MatchConfig())
        results = _match_all(matcher, [p for p, _ in todo])
        drafts = [_draft(p, r, k, uow.today) for (p, k), r in zip(todo, results)]
        ids = record_payments(uow, drafts, audit_each=False)
        new = [(p, r, pid) for (p, _), r, pid in zip(todo, results, ids)]
    queued = _store_side_rows(uow, new)
    fresh = {k: _outcome(p, r, pid, queued.get(pid)) for (p, k), (_, r, pid) in zip(todo, new)}
    outcomes = [fresh[k] if k in fresh else earlier[before[k]] for k in keys]
    statuses = Counter(o.status for o in fresh.values())
    uow.audit("imported", "bank_file", hashlib.sha256(data).hexdigest(),
              {"source": filename, "payments": len(fresh), "already_imported": len(before),
               "statuses": dict(statuses), **(extra_audit or {})}, document_ref=filename)
    return outcomes


def cash_settings(settings: dict) -> tuple[MatchConfig, dict]:
    """Matcher tuning and bank-file reading options from the company configuration's ``[cash]``
    table: ``[cash.matching]`` overrides ``MatchConfig`` fields (thresholds, strategy order),
    ``lockbox_columns`` maps a bank's unrecognised lockbox headers to fields, ``lockbox_date_format``
    reads its dates. Unknown matching keys are refused rather than silently ignored."""
    cash = settings.get("cash") or {}
    fields = set(MatchConfig.__dataclass_fields__)
    tuning = cash.get("matching") or {}
    unknown = sorted(set(tuning) - fields)
    if unknown:
        from o2c.kernel.errors import O2CError
        raise O2CError(f"configuration [cash.matching]: unknown setting(s) {', '.join(unknown)}", code="config")
    values = {k: tuple(v) if isinstance(v, list) else Decimal(str(v)) if k == "discount_tolerance" else v
              for k, v in tuning.items()}
    reading = {"lockbox_columns": cash.get("lockbox_columns") or None,
               "lockbox_date_format": cash.get("lockbox_date_format") or None}
    return MatchConfig(**values), reading


def import_bank_file(uow: UnitOfWork, data: bytes, filename: str, *, config: MatchConfig | None = None,
                     lockbox_columns: dict[str, str] | None = None,
                     lockbox_date_format: str | None = None) -> list[PaymentOutcome]:
    """Parse one bank file and apply its payments; raises ``BankFileError`` (nothing stored) when the
    file is refused. Returns one outcome per incoming payment, in file order."""
    parsed = parse_bank_file(data, filename, lockbox_columns=lockbox_columns,
                             lockbox_date_format=lockbox_date_format)
    return import_payments(uow, data, filename, parsed.payments, config=config,
                           extra_audit={"format": parsed.format, "checks": list(parsed.checks),
                                        "skipped": len(parsed.skipped)})
