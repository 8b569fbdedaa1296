"""Intake use cases: a document arrives, is kept, read, validated, and becomes an order or a queue entry.

``ingest_document`` stores the raw bytes first (content hash, sender, channel, time), so nothing that
arrived is ever lost and the same bytes sent twice are recognised before any work is done. Extraction
reads the document against the master data snapshot (with learned aliases); ``rules.validate`` decides
what a person must look at. A clean document becomes an order in the same transaction: a stock order,
a bill-only order whose used units leave the consignment closet or rep trunk, or the confirmation of
an earlier bill-only order by the hospital's PO. Everything else is stored as open exceptions.

``decide`` is shared with the exception queue: a correction, an approval or a rerun all end in it,
so a document is judged by the same rules however many times a person touches it.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from o2c.inventory.model import COMPANY
from o2c.kernel.config import settings
from o2c.kernel.dates import parse_timestamp, utc
from o2c.kernel.errors import NotFound, O2CError
from o2c.kernel.money import from_minor
from o2c.masterdata.repository import contracts_for, customer_from_row, get_item
from o2c.orders.model import LineRequest, OrderRequest
from o2c.orders.service import create_order, record_usage
from o2c.intake import rules
from o2c.intake.rules import (CreditPosition, Draft, Facts, Issue, Policy, PriorDocument, StockUnit,
                              confirmed_case, consumes_stock, draft_from_extraction, item_eaches, lines_key,
                              plan_usage, po_key, unit_key)
from o2c.intake.snapshot import master_index
from o2c.storage import schema as t
from o2c.intake import edi_out
from o2c.receivables.credit import is_on_hold
from o2c.storage.uow import UnitOfWork

STATUSES = ("created", "exception", "duplicate", "rejected")
Extractor = Callable[..., dict]


@dataclass
class IngestResult:
    source: str
    document_id: str | None
    status: str
    order_id: str | None = None
    exceptions: list[dict] = field(default_factory=list)
    extraction: dict = field(default_factory=dict)
    #: for one 850 of an interchange holding several: transaction_no (1-based), interchange_control,
    #: group_control, transaction_control (see ``o2c.intake.pipeline.x12_parts``)
    part: dict | None = None

    def as_dict(self) -> dict:
        out = {"source": self.source, "document_id": self.document_id, "status": self.status,
               "order_id": self.order_id, "exceptions": self.exceptions, "extraction": self.extraction}
        return {**out, **self.part} if self.part else out


# ------------------------------------------------------------------ arrival
def content_hash(data: bytes, sidecar: dict | None = None) -> str:
    """The idempotency key of a document: its bytes (and an SMS's envelope, which is part of it)."""
    digest = hashlib.sha256(data)
    if sidecar:
        digest.update(json.dumps(sidecar, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _when(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return utc(value)
    return parse_timestamp(str(value), "received_at")


def _email_envelope(data: bytes, filename: str) -> tuple[str | None, datetime | None]:
    """An e-mail says who sent it and when; that is the arrival unless the caller knows better."""
    try:
        from o2c.intake import messages
        from o2c.intake.pipeline import sniff
        if sniff(data, filename) not in ("email", "mbox"):
            return None, None
        parts = messages.parse_email(data)
        sender = getattr(parts, "original_sender", None) or getattr(parts, "sender", None)
        return (str(sender) if sender else None), (utc(parts.sent_at) if parts.sent_at else None)
    except Exception:  # noqa: BLE001 - an unreadable header only means "not known"
        return None, None


def arrival(data: bytes, filename: str, *, sender: str | None, received_at, sidecar: dict | None,
            now: datetime) -> tuple[str | None, datetime]:
    """Who sent it and when: as the caller says, else the SMS envelope, else the e-mail's headers, else now."""
    sidecar = sidecar or {}
    mail_sender, mail_date = _email_envelope(data, filename)
    sender = sender or sidecar.get("from") or mail_sender
    when = _when(received_at) or _when(sidecar.get("received_at")) or mail_date or now
    return storable(sender), when


def _next_document_id(conn: Connection) -> str:
    count = conn.execute(select(func.count()).select_from(t.documents)).scalar_one()
    candidate = count + 1
    while conn.execute(select(t.documents.c.document_id)
                       .where(t.documents.c.document_id == f"DOC-{candidate:06d}")).first():
        candidate += 1
    return f"DOC-{candidate:06d}"


def _first_with_hash(conn: Connection, digest: str):
    return conn.execute(select(t.documents).where(t.documents.c.content_hash == digest)
                        .order_by(t.documents.c.created_at, t.documents.c.document_id)).mappings().first()


def _already_received(first, source: str) -> IngestResult:
    extraction = dict(first["extraction"] or {})
    extraction["source"] = source
    message = (f"identical to document {first['document_id']} received {utc(first['received_at']).isoformat()} "
               f"({first['status']}{', order ' + first['order_id'] if first['order_id'] else ''}): nothing new "
               "was created")
    return IngestResult(source, first["document_id"], "duplicate", first["order_id"],
                        [{"code": "duplicate", "message": message}], extraction)


# ------------------------------------------------------------------ reading
def run_extraction(conn: Connection, data: bytes, filename: str, *, channel: str | None, sender: str | None,
                   received_at: datetime | None, sidecar: dict | None = None,
                   extractor: Extractor | None = None) -> dict:
    """The section-2 extraction against the current master data snapshot; never raises for bad input.

    A stored part of an X12 file of several 850s (``FILE#850-N``, see ``pipeline.split_part``) is read
    as that one 850, under the file's own name."""
    from o2c.intake.pipeline import PART_MARK, split_part
    if extractor is None:
        from o2c.intake.pipeline import extract as extractor
    options = {"master": master_index(conn), "channel": channel, "sender": sender, "received_at": received_at}
    if sidecar:
        options["sidecar"] = sidecar
    if PART_MARK in filename:
        filename, part = split_part(filename, data)
        if part is not None:
            options["part"] = part
    try:
        extraction = extractor(data, filename, **options)
    except Exception as exc:  # noqa: BLE001 - a reader bug must refuse one document, not stop the intake
        from o2c.intake.pipeline import reason
        extraction = {"source": filename, "document_type": "unknown", "channel": channel, "lines": [],
                      "confidence": 0.0, "warnings": [f"could not read {filename}: {reason(exc)}"]}
    extraction["source"] = filename
    return storable(extraction)


def storable(value):
    """``value`` with every string made storable as text on both engines: NUL characters (which
    PostgreSQL text and JSON refuse, and which no document means) are dropped, and lone surrogates
    (undecodable bytes smuggled into a str) become U+FFFD. The raw bytes stay intact in the document."""
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in value)
        return value
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(storable(v) for v in value)
    return value


def fitted(table, values: dict) -> dict:
    """``values`` for a row of ``table`` with each text cut to its column's length: a 3000-character
    sender or a 300-character PO number is kept in part (the whole is in the stored bytes and the
    extraction) rather than refused by PostgreSQL halfway through the intake."""
    out = dict(values)
    for name, value in values.items():
        length = getattr(table.c[name].type, "length", None) if name in table.c else None
        if isinstance(value, str) and length is not None and len(value) > length:
            out[name] = value[:length]
    return out


def _po_key(po_number: str | None) -> str | None:
    """The stored form of a PO number: its key, cut to the column as ``fitted`` cuts it."""
    key = po_key(po_number)
    return key[:t.documents.c.po_number.type.length] if key else key


def unreadable_reason(extraction: dict) -> str | None:
    """Why a document cannot enter the order flow at all, or None when it can."""
    kind = extraction.get("document_type")
    if kind == "remittance":
        return "this is a remittance advice, not an order: import it with o2c cash import"
    if kind not in rules.ORDER_DOCUMENTS and not extraction.get("lines"):
        warnings = "; ".join(str(w) for w in extraction.get("warnings") or []) or "no order could be read"
        return warnings
    return None


# ------------------------------------------------------------------ what we know
def _customer_and_credit(conn: Connection, customer_id: str | None, as_of: date):
    row = conn.execute(select(t.customers).where(t.customers.c.customer_id == customer_id)).mappings().first() \
        if customer_id else None
    if row is None:
        return None, None
    customer = customer_from_row(row)
    inv = t.invoices
    past_due_minor, oldest = conn.execute(
        select(func.coalesce(func.sum(inv.c.open_minor), 0), func.min(inv.c.due_date))
        .where(inv.c.customer_id == customer.customer_id, inv.c.status == "open", inv.c.open_minor > 0,
               inv.c.due_date < as_of)).one()
    on_hold, reasons = is_on_hold(conn, customer.customer_id)
    credit = CreditPosition(credit_limit=customer.credit_limit, on_hold=on_hold,
                            past_due=from_minor(int(past_due_minor)),
                            oldest_past_due_days=(as_of - oldest).days if oldest else 0,
                            hold_reasons=tuple(reasons))
    return customer, credit


def _items(conn: Connection, item_ids) -> dict:
    found = {}
    for item_id in {i for i in item_ids if i}:
        try:
            found[item_id] = get_item(conn, item_id)
        except NotFound:
            pass
    return found


def _usage_locations(conn: Connection, draft: Draft, customer_id: str) -> tuple[str, ...]:
    """Where used product comes from, most likely first: the closet at the facility, the customer's
    other closets, the rep's trunk."""
    loc = t.locations
    at_site = conn.execute(select(loc.c.location_id).where(loc.c.kind == "consignment", loc.c.site_id == draft.site_id)
                           .order_by(loc.c.location_id)).scalars().all() if draft.site_id else []
    others = conn.execute(select(loc.c.location_id).where(loc.c.kind == "consignment", loc.c.customer_id == customer_id)
                          .order_by(loc.c.location_id)).scalars().all()
    trunk = conn.execute(select(loc.c.location_id).where(loc.c.kind == "trunk", loc.c.rep_id == draft.rep_id)
                         .order_by(loc.c.location_id)).scalars().all() if draft.rep_id else []
    ordered = []
    for location in [*at_site, *others, *trunk]:
        if location not in ordered:
            ordered.append(location)
    return tuple(ordered)


def _stock(conn: Connection, locations: tuple[str, ...], item_ids) -> tuple[StockUnit, ...]:
    if not locations or not item_ids:
        return ()
    sb = t.stock_balances
    rows = conn.execute(select(sb).where(sb.c.location_id.in_(locations), sb.c.item_id.in_(list(item_ids)),
                                         sb.c.owner == COMPANY, sb.c.quantity - sb.c.allocated > 0)
                        .order_by(sb.c.balance_id)).mappings()
    return tuple(StockUnit(r["location_id"], r["item_id"], r["lot"] or None, r["serial"] or None, r["expiry"],
                           r["quantity"] - r["allocated"]) for r in rows)


def _lot_expiry(conn: Connection, draft: Draft) -> dict:
    """Expiry of every stated lot as our stock records know it (any location, even if now empty)."""
    wanted = {(l.item_id, unit_key(l.lot)) for l in draft.lines if l.item_id and l.lot}
    if not wanted:
        return {}
    sb = t.stock_balances
    rows = conn.execute(select(sb.c.item_id, sb.c.lot, sb.c.expiry)
                        .where(sb.c.item_id.in_(sorted({i for i, _ in wanted})), sb.c.expiry.is_not(None)))
    return {(item, unit_key(lot)): expiry for item, lot, expiry in rows if (item, unit_key(lot)) in wanted}


def _prior_documents(conn: Connection, draft: Draft, document_id: str | None, key: str | None,
                     items: dict) -> tuple[PriorDocument, ...]:
    """Earlier documents of the customer that could be this order again, or the case it pays for."""
    if not draft.customer_id:
        return ()
    d = t.documents
    matches = [d.c.lines_key == key] if key else []
    if draft.po_number:
        matches.append(d.c.po_number == _po_key(draft.po_number))
    if draft.order_type == "bill_only":
        same_case = [d.c.procedure_date == draft.procedure_date] if draft.procedure_date else []
        matches.append(and_(d.c.order_type == "bill_only", *same_case))
    if not matches:
        return ()
    query = (select(d.c.document_id, d.c.status, d.c.channel, d.c.received_at, d.c.order_id, d.c.order_type,
                    d.c.po_number, d.c.procedure_date, d.c.lines_key, d.c.extraction)
             .where(d.c.customer_id == draft.customer_id, d.c.status.in_(("created", "exception")), or_(*matches))
             .order_by(d.c.received_at, d.c.document_id))
    if document_id:
        query = query.where(d.c.document_id != document_id)
    prior = []
    for row in conn.execute(query).mappings():
        earlier = draft_from_extraction(row["extraction"] or {}, received_on=row["procedure_date"] or date.min)
        missing = {l.item_id for l in earlier.lines if l.item_id and l.item_id not in items}
        items.update(_items(conn, missing))
        prior.append(PriorDocument(
            document_id=row["document_id"], status=row["status"], channel=row["channel"],
            received_at=utc(row["received_at"]).isoformat(), order_id=row["order_id"], order_type=row["order_type"],
            po_number=row["po_number"], procedure_date=row["procedure_date"], case_id=earlier.case_id,
            patient_ref=earlier.patient_ref, lines_key=row["lines_key"], item_eaches=item_eaches(earlier, items)))
    return tuple(prior)


def gather_facts(conn: Connection, draft: Draft, *, document_id: str | None, as_of: date) -> Facts:
    """Everything the rules need to judge ``draft``, read in one place."""
    customer, credit = _customer_and_credit(conn, draft.customer_id, as_of)
    items = _items(conn, [l.item_id for l in draft.lines])
    contracts = {item_id: tuple(contracts_for(conn, item_id)) for item_id in items}
    key = lines_key(item_eaches(draft, items))
    prior = _prior_documents(conn, draft, document_id, key, items)
    locations = _usage_locations(conn, draft, customer.customer_id) \
        if customer is not None and draft.order_type == "bill_only" else ()
    return Facts(customer=customer, items=items, contracts=contracts, credit=credit, usage_locations=locations,
                 stock=_stock(conn, locations, list(items)), lot_expiry=_lot_expiry(conn, draft), prior=prior,
                 confirms=confirmed_case(draft, prior, items))


def policy() -> Policy:
    return Policy.from_settings(settings().get("intake") or {})


# ------------------------------------------------------------------ acting
def _procedure(draft: Draft, extraction: dict) -> dict | None:
    procedure = dict(extraction.get("procedure") or {})
    if draft.rep_id:
        procedure["rep_id"] = draft.rep_id
    return procedure or None


def _create_stock_order(uow: UnitOfWork, document_id: str, draft: Draft) -> str:
    lines = tuple(LineRequest(l.item_id, int(l.quantity), l.uom, l.unit_price, l.lot, l.serial) for l in draft.lines)
    return create_order(uow, OrderRequest("stock", draft.customer_id, draft.pricing_date, lines, site_id=draft.site_id,
                                          po_number=draft.po_number, source_document_id=document_id))


def _create_bill_only_order(uow: UnitOfWork, document_id: str, draft: Draft, facts: Facts, extraction: dict) -> str:
    """The order for product already implanted; its units leave the closet (or trunk) for the patient."""
    plan = plan_usage(draft, facts)
    if plan.location_id is None or plan.missing:
        raise O2CError("the used units are not all on hand at one consignment location", code="lot_not_at_location")
    lines = tuple(LineRequest(p.item_id, p.quantity, facts.items[p.item_id].uom, None, p.lot, p.serial)
                  for p in plan.picks)
    order_id = create_order(uow, OrderRequest(
        "bill_only", draft.customer_id, draft.procedure_date or draft.pricing_date, lines, site_id=draft.site_id,
        po_number=draft.po_number, source_document_id=document_id, ship_from=plan.location_id,
        procedure=_procedure(draft, extraction)))
    record_usage(uow, order_id, plan.location_id, used_on=draft.procedure_date)
    return order_id


def _confirm_bill_only_order(uow: UnitOfWork, document_id: str, draft: Draft, order_id: str) -> str:
    """The hospital's PO for a case we already billed from its usage report: the order gets its PO."""
    orders = t.orders
    uow.conn.execute(update(orders).where(orders.c.order_id == order_id, orders.c.po_number.is_(None))
                     .values(po_number=draft.po_number))
    payload = {"po_number": draft.po_number, "document_id": document_id}
    uow.audit("po_received", "order", order_id, payload, document_ref=document_id)
    uow.emit("order.po_received", "order", order_id, payload)
    return order_id


def _create(uow: UnitOfWork, document_id: str, draft: Draft, facts: Facts, extraction: dict) -> str:
    if facts.confirms is not None and facts.confirms.order_id:
        return _confirm_bill_only_order(uow, document_id, draft, facts.confirms.order_id)
    if consumes_stock(draft, facts):
        return _create_bill_only_order(uow, document_id, draft, facts, extraction)
    return _create_stock_order(uow, document_id, draft)


def _try_create(uow: UnitOfWork, document_id: str, draft: Draft, facts: Facts,
                extraction: dict) -> tuple[str | None, list[Issue]]:
    """Create in a savepoint: a refusal deeper down (stock taken meanwhile, no price) becomes an exception
    on this document instead of undoing the whole intake."""
    savepoint = uow.conn.begin_nested()
    try:
        order_id = _create(uow, document_id, draft, facts, extraction)
    except O2CError as err:
        savepoint.rollback()
        detail = "; ".join(str(p) for p in err.problems) or str(err)
        return None, [Issue(err.code, f"the order could not be created: {detail}", blocking=True)]
    savepoint.commit()
    return order_id, []


# ------------------------------------------------------------------ deciding
@dataclass
class Decision:
    status: str
    order_id: str | None
    issues: list[Issue]


def judge(issues: list[Issue], *, approved: bool) -> tuple[str, list[Issue]]:
    """Status from the issues: a duplicate is reported alone (the rest is moot); an approval accepts
    every issue that is not blocking."""
    if approved:
        issues = [i for i in issues if i.blocking]
    duplicates = [i for i in issues if i.code == "duplicate"]
    if duplicates:
        return "duplicate", duplicates
    return ("exception", issues) if issues else ("created", [])


def decide(uow: UnitOfWork, document_id: str, extraction: dict, *, received_at: datetime,
           approved: bool = False, action: str = "ingested") -> Decision:
    """Validate ``extraction`` of a stored document and act on it: order, exceptions, or refusal."""
    refusal = unreadable_reason(extraction)
    draft = draft_from_extraction(extraction, received_on=utc(received_at).date())
    if refusal:
        decision = Decision("rejected", None, [Issue("unreadable", refusal)])
    else:
        facts = gather_facts(uow.conn, draft, document_id=document_id, as_of=utc(received_at).date())
        status, issues = judge(rules.validate(draft, facts, policy()), approved=approved)
        order_id = None
        if status == "created":
            order_id, issues = _try_create(uow, document_id, draft, facts, extraction)
            status = "created" if order_id else "exception"
        decision = Decision(status, order_id, issues)
    _record(uow, document_id, draft, extraction, decision, action)
    _acknowledge(uow, document_id, decision)
    return decision


def _acknowledge(uow: UnitOfWork, document_id: str, decision: Decision) -> None:
    """The EDI answers, in a savepoint: an interchange too broken to answer (no functional group left to
    acknowledge) sends nothing, and the document and its decision are kept all the same."""
    savepoint, emitted = uow.conn.begin_nested(), len(uow.events)
    try:
        edi_out.acknowledge(uow, document_id, decision.status, decision.order_id)
    except O2CError:
        savepoint.rollback()
        del uow.events[emitted:]
        return
    savepoint.commit()


def _record(uow: UnitOfWork, document_id: str, draft: Draft, extraction: dict, decision: Decision,
            action: str) -> None:
    """Store the outcome: the document's status and keys, its exceptions (earlier open ones are closed),
    an audit record and an event."""
    conn = uow.conn
    items = _items(conn, [l.item_id for l in draft.lines])
    conn.execute(update(t.documents).where(t.documents.c.document_id == document_id).values(**fitted(t.documents, dict(
        status=decision.status, extraction=extraction, order_id=decision.order_id,
        document_type=draft.document_type, order_type=draft.order_type, customer_id=draft.customer_id,
        po_number=_po_key(draft.po_number), procedure_date=draft.procedure_date,
        lines_key=lines_key(item_eaches(draft, items))))))
    ex = t.intake_exceptions
    conn.execute(update(ex).where(ex.c.document_id == document_id, ex.c.status == "open")
                 .values(status="resolved", resolved_at=uow.now, resolved_by=uow.actor))
    row_status = "rejected" if decision.status == "rejected" else "open"
    for issue in decision.issues:
        conn.execute(insert(ex).values(**fitted(ex, dict(
            document_id=document_id, code=issue.code, message=issue.message, field=issue.field,
            line_no=issue.line_no, status=row_status, created_at=uow.now))))
    payload = {"status": decision.status, "order_id": decision.order_id,
               "exceptions": [i.as_dict() for i in decision.issues], "customer_id": draft.customer_id,
               "po_number": draft.po_number}
    uow.audit(action, "document", document_id, payload, document_ref=extraction.get("source"))
    uow.emit(f"document.{decision.status}", "document", document_id, payload)


# ------------------------------------------------------------------ the use case
def ingest_document(uow: UnitOfWork, data: bytes, filename: str, *, channel: str | None = None,
                    sender: str | None = None, received_at=None, sidecar: dict | None = None,
                    extractor: Extractor | None = None) -> IngestResult:
    """Take in one document: keep it, read it, validate it, and create the order or queue exceptions.

    The same bytes a second time are answered from the first document and change nothing. An X12
    interchange of several 850s, alone or as an e-mail's only order content, is taken in whole (every
    850 a document, see ``ingest_documents``); the result is its first 850's.
    """
    return ingest_documents(uow, data, filename, channel=channel, sender=sender, received_at=received_at,
                            sidecar=sidecar, extractor=extractor)[0]


def ingest_documents(uow: UnitOfWork, data: bytes, filename: str, *, channel: str | None = None,
                     sender: str | None = None, received_at=None, sidecar: dict | None = None,
                     extractor: Extractor | None = None) -> list[IngestResult]:
    """``ingest_document`` for whatever the bytes hold: one result, or one per 850 when an X12 file
    holds several (a "mailbag": several ST/SE sets, groups or interchanges), or when an e-mail's only
    order content is one such X12 attachment (each part then stores the e-mail's bytes, keeps its sender,
    channel and time, and is read as that 850 with the e-mail's header; see ``pipeline.x12_parts``).

    Each 850 becomes a document of its own (own id, status, order or exceptions) whose sealed content
    is the whole interchange, so nothing is lost, and whose name ``FILE#850-N`` and idempotency key
    say which 850 it is; the result names it by ``transaction_no`` and its control numbers. Each part
    is taken in a savepoint: one refused (even by an error deep down) does not stop the others. The
    same file again answers every part as a duplicate and stores nothing."""
    from o2c.intake.pipeline import part_name, x12_parts
    parts = x12_parts(data, filename, is_item=_is_item(uow.conn, data, filename))
    if not parts:
        return [_ingest_one(uow, data, filename, content_hash(data, sidecar), storable(filename), channel=channel,
                            sender=sender, received_at=received_at, sidecar=sidecar, extractor=extractor)]
    source = storable(filename)
    whole = _first_with_hash(uow.conn, content_hash(data, sidecar))
    if whole is not None:             # taken in before interchanges were split: still the same bytes
        return [_already_received(whole, source)]
    results = []
    for part in parts:
        number = part["transaction_no"]
        savepoint, emitted = uow.conn.begin_nested(), len(uow.events)
        try:
            result = _ingest_one(uow, data, part_name(source, number), part_hash(data, number, sidecar), source,
                                 channel=channel, sender=sender, received_at=received_at, sidecar=sidecar,
                                 extractor=extractor)
        except O2CError as err:
            savepoint.rollback()
            del uow.events[emitted:]
            result = IngestResult(source, None, "rejected", None, [{"code": err.code, "message": (
                f"purchase order {number} of {len(parts)} could not be taken in: {str(err).splitlines()[0]}")}])
        else:
            savepoint.commit()
        result.part = dict(part)
        results.append(result)
    return results


def _is_item(conn: Connection, data: bytes, filename: str):
    """For an e-mail, the master data's test of an item number: whether its body holds order lines
    decides if an X12 attachment of several 850s may be split (see ``pipeline.x12_parts``)."""
    from o2c.intake.pipeline import sniff
    return master_index(conn).is_item_token if sniff(data, filename) == "email" else None


def part_hash(data: bytes, part: int, sidecar: dict | None = None) -> str:
    """The idempotency key of one 850 of a file holding several: the file's bytes and the 850's place."""
    digest = hashlib.sha256(content_hash(data, sidecar).encode())
    digest.update(f"#850-{part}".encode())
    return digest.hexdigest()


def _ingest_one(uow: UnitOfWork, data: bytes, filename: str, digest: str, source: str, *, channel: str | None,
                sender: str | None, received_at, sidecar: dict | None, extractor: Extractor | None) -> IngestResult:
    """Keep, read, judge one document stored under ``filename`` and key ``digest``; reported as ``source``."""
    filename = storable(filename)
    first = _first_with_hash(uow.conn, digest)
    if first is not None:
        return _already_received(first, source)
    from o2c.intake.pipeline import split_part
    sender, when = arrival(data, split_part(filename)[0], sender=sender, received_at=received_at, sidecar=sidecar,
                           now=uow.now)
    document_id = _next_document_id(uow.conn)
    uow.conn.execute(insert(t.documents).values(**fitted(t.documents, dict(
        document_id=document_id, content_hash=digest, filename=filename, channel=channel or "upload",
        sender=sender, received_at=when, size=len(data), content=data, status="received", created_at=uow.now))))
    extraction = run_extraction(uow.conn, data, filename, channel=channel, sender=sender, received_at=when,
                                sidecar=sidecar, extractor=extractor)
    if not channel and extraction.get("channel"):
        uow.conn.execute(update(t.documents).where(t.documents.c.document_id == document_id)
                         .values(channel=extraction["channel"]))
    decision = decide(uow, document_id, extraction, received_at=when)
    return IngestResult(source, document_id, decision.status, decision.order_id,
                        [i.as_dict() for i in decision.issues], extraction)


def extract_document(uow: UnitOfWork, data: bytes, filename: str, *, channel: str | None = None,
                     sender: str | None = None, received_at=None, sidecar: dict | None = None,
                     extractor: Extractor | None = None) -> dict:
    """Extraction only (``o2c extract``): reads master data, writes nothing."""
    sender, when = arrival(data, filename, sender=sender, received_at=received_at, sidecar=sidecar, now=uow.now)
    return run_extraction(uow.conn, data, filename, channel=channel, sender=sender, received_at=when,
                          sidecar=sidecar, extractor=extractor)


def extract_documents(uow: UnitOfWork, data: bytes, filename: str, *, channel: str | None = None,
                      sender: str | None = None, received_at=None, sidecar: dict | None = None,
                      extractor: Extractor | None = None) -> list[dict]:
    """``extract_document`` for whatever the bytes hold: one extraction per 850 of an X12 file holding
    several (each under the file's own name, ``edi.transaction_no`` saying which), else exactly one."""
    from o2c.intake.pipeline import part_name, x12_parts
    parts = x12_parts(data, filename, is_item=_is_item(uow.conn, data, filename))
    if not parts:
        return [extract_document(uow, data, filename, channel=channel, sender=sender, received_at=received_at,
                                 sidecar=sidecar, extractor=extractor)]
    sender, when = arrival(data, filename, sender=sender, received_at=received_at, sidecar=sidecar, now=uow.now)
    return [run_extraction(uow.conn, data, part_name(filename, part["transaction_no"]), channel=channel,
                           sender=sender, received_at=when, sidecar=sidecar, extractor=extractor)
            for part in parts]
