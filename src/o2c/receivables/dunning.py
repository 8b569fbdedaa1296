"""Dunning runs: send each overdue invoice the letter its lateness has earned, once per level.

A run (1) judges open promises as of the run date, so a promise that just broke escalates in this
very run; (2) asks the pure policy (``collections.due_actions``) which invoice is due which level;
(3) groups the actions into one letter per customer and level, renders it with the billing
templates, stores it with its PDF and, with ``send``, e-mails it.

The level an invoice reached is stored in ``dunning_items`` under a unique (invoice, level) key, so
the same level is never sent twice even when two runs overlap. A letter that could not be e-mailed
is kept as ``failed`` and retried by the next run with ``send``.

Fees: a level may carry a fee. o2c records it on the letter (``fee_minor``) and emits
``dunning.fee_assessed`` so billing or the ERP can charge it; it is not added to receivables here,
because many hospital contracts forbid late fees and a charge needs a person's decision (see
docs/kpis.md, "Collections rules").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.engine import Connection

from o2c.billing.delivery import DeliveryFailed, SmtpSettings, send_document
from o2c.billing.render.statement import DunningLetter, StatementLine, render_dunning_pdf
from o2c.kernel.config import settings
from o2c.kernel.errors import Conflict, InvalidValue
from o2c.kernel.money import from_minor
from o2c.receivables.collections import (DunningAction, DunningHistory, DunningPolicy, OpenItem, SentLevel,
                                         due_actions, pay_by, policy_from_config)
from o2c.receivables.disputes import disputed_invoices
from o2c.receivables.promises import broken_promise_invoices, evaluate_promises, promised_invoices
from o2c.receivables.service import open_items as stored_open_items
from o2c.receivables.statements import customer_party, seller_party
from o2c.storage import schema as t
from o2c.storage.uow import UnitOfWork

#: Invoice kinds collections chases; credit memos are owed *to* the customer.
DUNNABLE_KINDS = ("invoice", "opening")


def collections_config() -> dict:
    """The ``[collections]`` table of the configuration (empty when not configured)."""
    return dict(settings().get("collections") or {})


def configured_policy() -> DunningPolicy:
    return policy_from_config(collections_config().get("dunning"))


def load_open_items(conn: Connection, as_of: date, customer_id: str | None = None) -> list[OpenItem]:
    """Open invoices issued by ``as_of``, as the pure rules want them."""
    return [OpenItem(r["invoice_number"], r["customer_id"], r["due_date"], r["open_minor"], r["currency"])
            for r in stored_open_items(conn, customer_id)
            if r["open_minor"] > 0 and r["kind"] in DUNNABLE_KINDS and r["issue_date"] <= as_of]


def levels_sent(conn: Connection) -> dict[str, SentLevel]:
    """Highest level each invoice has had, and the date of that letter."""
    query = (select(t.dunning_items.c.invoice_number, t.dunning_items.c.level_no, t.dunning_letters.c.letter_date)
             .join(t.dunning_letters, t.dunning_letters.c.letter_id == t.dunning_items.c.letter_id))
    sent: dict[str, SentLevel] = {}
    for number, level_no, on in conn.execute(query):
        if number not in sent or (level_no, on) > (sent[number].level_no, sent[number].on):
            sent[number] = SentLevel(level_no, on)
    return sent


def load_history(conn: Connection, as_of: date) -> DunningHistory:
    return DunningHistory(sent=levels_sent(conn), disputed=disputed_invoices(conn),
                          promised=promised_invoices(conn, as_of), broken=broken_promise_invoices(conn))


@dataclass
class LetterResult:
    letter_id: int
    customer_id: str
    level: str
    invoices: list[str]
    total_minor: int
    fee_minor: int
    currency: str
    channel: str
    status: str
    reasons: list[str]
    message_id: str | None = None
    error: str | None = None
    pdf: bytes | None = field(default=None, repr=False)

    def as_dict(self) -> dict:
        return {"letter_id": self.letter_id, "customer_id": self.customer_id, "level": self.level,
                "invoices": self.invoices, "total": str(from_minor(self.total_minor, self.currency)),
                "fee": str(from_minor(self.fee_minor, self.currency)), "currency": self.currency,
                "channel": self.channel, "status": self.status, "reasons": self.reasons,
                "message_id": self.message_id, "error": self.error}


def _letter_lines(conn: Connection, actions: list[DunningAction]) -> tuple[StatementLine, ...]:
    numbers = [a.invoice_number for a in actions]
    invoices = {r["invoice_number"]: r for r in conn.execute(
        select(t.invoices).where(t.invoices.c.invoice_number.in_(numbers))).mappings()}
    lines = []
    for action in actions:
        inv = invoices[action.invoice_number]
        lines.append(StatementLine(inv["invoice_number"], inv["issue_date"], inv["due_date"],
                                   from_minor(inv["total_minor"], inv["currency"]),
                                   from_minor(action.open_minor, action.currency), action.days_past_due,
                                   po_number=inv["po_number"]))
    return tuple(lines)


def _render(conn: Connection, actions: list[DunningAction], policy: DunningPolicy, as_of: date,
            reference: str) -> tuple[bytes, dict]:
    customer, row = customer_party(conn, actions[0].customer_id)
    company = settings()["company"]
    level = actions[0].level
    letter = DunningLetter(level.template, seller_party(), customer, as_of, actions[0].currency,
                           _letter_lines(conn, actions),
                           pay_by=pay_by(policy, as_of) if actions[0].level_no > 1 else None,
                           contact_name=company.get("collections_contact"), contact_email=company.get("email"),
                           contact_phone=company.get("phone"), reference=reference)
    return render_dunning_pdf(letter), row


def _store_letter(uow: UnitOfWork, actions: list[DunningAction], as_of: date, pdf: bytes) -> int:
    first = actions[0]
    letter_id = uow.conn.execute(insert(t.dunning_letters).values(
        customer_id=first.customer_id, level=first.level.template, letter_date=as_of, currency=first.currency,
        total_minor=sum(a.open_minor for a in actions), fee_minor=first.level.fee_minor, channel=first.level.channel,
        status="rendered", pdf=pdf, created_at=uow.now)).inserted_primary_key[0]
    try:
        uow.conn.execute(insert(t.dunning_items), [
            {"letter_id": letter_id, "invoice_number": a.invoice_number, "level": a.level.template,
             "level_no": a.level_no, "open_minor": a.open_minor, "days_past_due": a.days_past_due,
             "reason": a.reason} for a in actions])
    except IntegrityError:
        # another run reached the same (invoice, level) first; this whole run rolls back, nothing doubles
        raise Conflict("another dunning run issued these letters at the same time; run again",
                       code="dunning_concurrent") from None
    return letter_id


def _deliver(uow: UnitOfWork, result: LetterResult, email: str | None, smtp: SmtpSettings) -> None:
    """E-mail the letter; a failure is recorded on the letter (and retried next run), never raised."""
    company = settings()["company"]
    subject = f"{company.get('name', '')}: {result.level.replace('_', ' ')} - overdue invoices " + \
              ", ".join(result.invoices)
    body = (f"Please find attached our letter about the overdue invoice(s) {', '.join(result.invoices)} "
            f"(total {from_minor(result.total_minor, result.currency)} {result.currency}).\n"
            f"If you have already paid, please ignore this message or send us the remittance details.\n")
    try:
        result.message_id = send_document(smtp, email or "", subject, body,
                                          [(f"dunning-{result.letter_id}.pdf", result.pdf, "application/pdf")])
        result.status, result.error = "sent", None
    except DeliveryFailed as err:
        result.status, result.error = "failed", str(err)
        uow.emit("dunning.delivery_failed", "dunning_letter", str(result.letter_id),
                 {"customer_id": result.customer_id, "level": result.level, "error": result.error})
    uow.conn.execute(update(t.dunning_letters).where(t.dunning_letters.c.letter_id == result.letter_id)
                     .values(status=result.status, message_id=result.message_id, error=result.error))


def _announce(uow: UnitOfWork, result: LetterResult, actions: list[DunningAction]) -> None:
    payload = {"customer_id": result.customer_id, "level": result.level, "level_no": actions[0].level_no,
               "invoices": result.invoices, "total_minor": result.total_minor, "fee_minor": result.fee_minor,
               "channel": result.channel, "status": result.status, "message_id": result.message_id,
               "reasons": {a.invoice_number: a.reason for a in actions}}
    uow.audit("dunning_letter", "dunning_letter", str(result.letter_id), payload)
    uow.emit("dunning.sent", "dunning_letter", str(result.letter_id), payload)
    if result.fee_minor:
        uow.emit("dunning.fee_assessed", "customer", result.customer_id,
                 {"letter_id": result.letter_id, "fee_minor": result.fee_minor, "currency": result.currency,
                  "level": result.level})


def _issue_letter(uow: UnitOfWork, actions: list[DunningAction], policy: DunningPolicy, as_of: date,
                  smtp: SmtpSettings | None) -> LetterResult:
    reference = f"DUN-{actions[0].customer_id}-{as_of:%Y%m%d}-{actions[0].level_no}"
    pdf, customer = _render(uow.conn, actions, policy, as_of, reference)
    letter_id = _store_letter(uow, actions, as_of, pdf)
    first = actions[0]
    result = LetterResult(letter_id, first.customer_id, first.level.template, [a.invoice_number for a in actions],
                          sum(a.open_minor for a in actions), first.level.fee_minor, first.currency,
                          first.level.channel, "rendered", sorted({a.reason for a in actions}), pdf=pdf)
    if smtp is not None and first.level.channel == "email":
        _deliver(uow, result, customer["email"], smtp)
    _announce(uow, result, actions)
    return result


def _retry_failed(uow: UnitOfWork, smtp: SmtpSettings) -> list[LetterResult]:
    rows = uow.conn.execute(select(t.dunning_letters).where(t.dunning_letters.c.status == "failed")
                            .order_by(t.dunning_letters.c.letter_id)).mappings().all()
    retried = []
    for row in rows:
        numbers = list(uow.conn.execute(select(t.dunning_items.c.invoice_number).where(
            t.dunning_items.c.letter_id == row["letter_id"]).order_by(t.dunning_items.c.invoice_number)).scalars())
        result = LetterResult(row["letter_id"], row["customer_id"], row["level"], numbers, row["total_minor"],
                              row["fee_minor"], row["currency"], row["channel"], row["status"], ["retry"],
                              pdf=row["pdf"])
        email = uow.conn.execute(select(t.customers.c.email).where(
            t.customers.c.customer_id == row["customer_id"])).scalar()
        _deliver(uow, result, email, smtp)
        if result.status == "sent":
            uow.emit("dunning.sent", "dunning_letter", str(result.letter_id),
                     {"customer_id": result.customer_id, "level": result.level, "invoices": numbers,
                      "status": "sent", "message_id": result.message_id, "retry": True})
        retried.append(result)
    return retried


@dataclass
class DunningRun:
    as_of: date
    letters: list[LetterResult]
    retried: list[LetterResult]
    promises: list[dict]

    def as_dict(self) -> dict:
        return {"as_of": str(self.as_of), "letters": [l.as_dict() for l in self.letters],
                "retried": [l.as_dict() for l in self.retried], "promises_changed": self.promises}


def run_dunning(uow: UnitOfWork, as_of: date, send: bool = False, *, smtp: SmtpSettings | None = None,
                policy: DunningPolicy | None = None) -> DunningRun:
    """Issue every letter due on ``as_of``; with ``send`` (and SMTP settings) e-mail them too."""
    policy = policy or configured_policy()
    if send and smtp is None:
        raise InvalidValue("smtp", "sending dunning letters needs SMTP settings (host and port)")
    promises = evaluate_promises(uow, as_of)
    actions = due_actions(load_open_items(uow.conn, as_of), load_history(uow.conn, as_of), policy, as_of)
    retried = _retry_failed(uow, smtp) if send else []
    letters = [_issue_letter(uow, list(group), policy, as_of, smtp if send else None)
               for _key, group in groupby(actions, key=lambda a: (a.customer_id, a.level_no, a.currency))]
    return DunningRun(as_of, letters, retried, promises)


def list_letters(conn: Connection, customer_id: str | None = None) -> list[dict]:
    query = select(t.dunning_letters).order_by(t.dunning_letters.c.letter_id)
    if customer_id:
        query = query.where(t.dunning_letters.c.customer_id == customer_id)
    items: dict[int, list[str]] = {}
    for letter_id, number in conn.execute(select(t.dunning_items.c.letter_id, t.dunning_items.c.invoice_number)
                                          .order_by(t.dunning_items.c.invoice_number)):
        items.setdefault(letter_id, []).append(number)
    return [{"letter_id": r["letter_id"], "customer_id": r["customer_id"], "level": r["level"],
             "letter_date": str(r["letter_date"]), "invoices": items.get(r["letter_id"], []),
             "total": str(from_minor(r["total_minor"], r["currency"])), "fee": str(from_minor(r["fee_minor"], r["currency"])),
             "channel": r["channel"], "status": r["status"], "message_id": r["message_id"], "error": r["error"]}
            for r in conn.execute(query).mappings()]


def letter_pdf(conn: Connection, letter_id: int) -> bytes | None:
    return conn.execute(select(t.dunning_letters.c.pdf).where(t.dunning_letters.c.letter_id == letter_id)).scalar()
