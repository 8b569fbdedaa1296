"""The exception queue: documents a person must look at, and what that person can do about them.

A queue entry is a document (its id is the queue id) with open exceptions. A person can
- ``correct`` fields the extraction got wrong or could not know (customer, PO, a line's item...);
  corrections that teach something are remembered as learned aliases (this sender is that customer,
  this customer's part number is that item) and used by the next extraction;
- ``approve`` the document: every exception that is a judgement (price, credit, size, duplicate, an
  expired unit after quality review) is accepted, and the order is created; exceptions that need a
  correction (an unknown item) still refuse;
- ``reject`` it with a reason; or ``rerun`` it: read the stored bytes again with today's master data.
Every action re-judges the document with the same rules as intake (``service.decide``).
"""
from __future__ import annotations

import re
from collections import defaultdict
from copy import deepcopy

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from o2c.intake.master_index import catalog_key
from o2c.intake.service import Decision, decide, run_extraction
from o2c.intake.snapshot import CUSTOMER_ITEM, SENDER_CUSTOMER, customer_item_alias, master_index
from o2c.kernel.dates import utc
from o2c.kernel.errors import Conflict, InvalidValue, NotFound, Problem
from o2c.storage import schema as t
from o2c.storage.uow import UnitOfWork

OPEN_STATUSES = ("exception", "duplicate")
HEADER_FIELDS = ("customer_id", "site_id", "po_number", "order_date", "currency", "rep_id", "document_type",
                 "procedure.date", "procedure.physician_id", "procedure.patient_ref", "procedure.case_id")
LINE_FIELDS = ("item_id", "quantity", "uom", "unit_price", "lot", "serial", "expiry", "customer_item_ref")


# ------------------------------------------------------------------ reading the queue
def _document(conn: Connection, document_id: str) -> dict:
    row = conn.execute(select(t.documents).where(t.documents.c.document_id == document_id)).mappings().first()
    if row is None:
        raise NotFound(f"document {document_id} does not exist", code="unknown_document")
    return dict(row)


def _exceptions(conn: Connection, document_id: str) -> list[dict]:
    ex = t.intake_exceptions
    rows = conn.execute(select(ex).where(ex.c.document_id == document_id).order_by(ex.c.exception_id)).mappings()
    return [{"exception_id": r["exception_id"], "code": r["code"], "message": r["message"], "field": r["field"],
             "line_no": r["line_no"], "status": r["status"], "created_at": utc(r["created_at"]).isoformat(),
             "resolved_by": r["resolved_by"]} for r in rows]


def list_queue(conn: Connection, *, code: str | None = None, status: str = "open") -> list[dict]:
    """Documents with exceptions in ``status`` (``all`` for any), oldest first, optionally of one code."""
    ex, d = t.intake_exceptions, t.documents
    query = (select(ex.c.document_id, ex.c.code, ex.c.message, d.c.received_at, d.c.channel, d.c.sender,
                    d.c.filename, d.c.customer_id, d.c.po_number, d.c.status)
             .join(d, d.c.document_id == ex.c.document_id).order_by(d.c.received_at, ex.c.document_id,
                                                                     ex.c.exception_id))
    if status != "all":
        query = query.where(ex.c.status == status)
    rows = conn.execute(query).mappings().all()
    wanted = {r["document_id"] for r in rows if code is None or r["code"] == code}
    entries: dict[str, dict] = {}
    for r in rows:
        if r["document_id"] not in wanted:
            continue
        entry = entries.setdefault(r["document_id"], {
            "document_id": r["document_id"], "status": r["status"], "received_at": utc(r["received_at"]).isoformat(),
            "channel": r["channel"], "sender": r["sender"], "source": r["filename"], "customer_id": r["customer_id"],
            "po_number": r["po_number"], "exceptions": []})
        entry["exceptions"].append({"code": r["code"], "message": r["message"]})
    return list(entries.values())


def show(conn: Connection, document_id: str) -> dict:
    """Everything a person needs to decide: where the document came from, what was read, what is wrong."""
    doc = _document(conn, document_id)
    return {"document_id": doc["document_id"], "status": doc["status"], "source": doc["filename"],
            "channel": doc["channel"], "sender": doc["sender"], "received_at": utc(doc["received_at"]).isoformat(),
            "size": doc["size"], "content_hash": doc["content_hash"], "order_id": doc["order_id"],
            "customer_id": doc["customer_id"], "po_number": doc["po_number"], "order_type": doc["order_type"],
            "extraction": doc["extraction"], "exceptions": _exceptions(conn, document_id)}


# ------------------------------------------------------------------ acting on an entry
def _actionable(doc: dict, action: str, allowed=OPEN_STATUSES) -> None:
    if doc["status"] not in allowed:
        raise Conflict(f"document {doc['document_id']} is {doc['status']}: nothing to {action}",
                       code="not_in_queue")


def _result(doc: dict, decision: Decision, extraction: dict) -> dict:
    return {"source": doc["filename"], "document_id": doc["document_id"], "status": decision.status,
            "order_id": decision.order_id, "exceptions": [i.as_dict() for i in decision.issues],
            "extraction": extraction}


def _set_header(extraction: dict, name: str, value: str | None) -> None:
    if name not in HEADER_FIELDS:
        raise InvalidValue(name, f"cannot be corrected; one of {', '.join(HEADER_FIELDS)}")
    if name.startswith("procedure."):
        procedure = extraction.get("procedure") if isinstance(extraction.get("procedure"), dict) else {}
        procedure[name.split(".", 1)[1]] = value
        extraction["procedure"] = procedure
    else:
        extraction[name] = value


def _line(extraction: dict, line_no: int) -> dict:
    lines = extraction.setdefault("lines", [])
    for number, line in enumerate(lines, start=1):
        if isinstance(line, dict) and int(line.get("line_no") or number) == line_no:
            return line
    if line_no == len(lines) + 1:  # keying a line the extraction missed
        line = {"line_no": line_no, "item_id": None, "item_raw": None, "customer_item_ref": None, "quantity": None,
                "uom": None, "unit_price": None, "lot": None, "serial": None, "expiry": None, "udi": None}
        lines.append(line)
        return line
    raise NotFound(f"document has no line {line_no} (lines 1..{len(lines)}; {len(lines) + 1} adds one)",
                   code="unknown_line")


def _check_reference(conn: Connection, name: str, value: str | None) -> None:
    tables = {"customer_id": (t.customers, t.customers.c.customer_id), "item_id": (t.items, t.items.c.item_id),
              "site_id": (t.sites, t.sites.c.site_id), "rep_id": (t.reps, t.reps.c.rep_id),
              "procedure.physician_id": (t.physicians, t.physicians.c.physician_id)}
    if value is None or name not in tables:
        return
    _, column = tables[name]
    if conn.execute(select(column).where(column == value)).first() is None:
        raise NotFound(f"{name} {value!r} does not exist in master data", code=f"unknown_{name.split('.')[-1]}")


def _learn(uow: UnitOfWork, kind: str, alias: str, target: str) -> dict:
    """Remember what a person taught (the newest teaching wins)."""
    la = t.learned_aliases
    uow.conn.execute(delete(la).where(la.c.kind == kind, la.c.alias == alias))
    uow.conn.execute(insert(la).values(kind=kind, alias=alias, target=target, learned_at=uow.now,
                                       learned_by=uow.actor))
    return {"kind": kind, "alias": alias, "target": target}


def _part_number(line: dict) -> str | None:
    """The customer's own number for the item: stated as such, else the first part-number-like token."""
    if line.get("customer_item_ref"):
        return str(line["customer_item_ref"])
    tokens = re.findall(r"[A-Za-z0-9]+(?:[-./][A-Za-z0-9]+)*", str(line.get("item_raw") or ""))
    numbers = [tok for tok in tokens if sum(ch.isdigit() for ch in tok) >= 3]
    return numbers[0] if numbers else None


def _teachings(uow: UnitOfWork, doc: dict, extraction: dict, header: dict, lines: dict) -> list[dict]:
    """Corrections that generalise: the sender belongs to the customer (unless it is a rep, who writes for
    many customers), and the customer's part number means the item."""
    learned = []
    sender = doc["sender"]
    if header.get("customer_id") and sender and not master_index(uow.conn).is_rep_address(sender):
        learned.append(_learn(uow, SENDER_CUSTOMER, sender.strip(), header["customer_id"]))
    customer_id = extraction.get("customer_id")
    for line_no, values in lines.items():
        item_id = values.get("item_id")
        reference = _part_number(_line(extraction, line_no)) if item_id and customer_id else None
        if reference and catalog_key(reference) != catalog_key(item_id):
            learned.append(_learn(uow, CUSTOMER_ITEM, customer_item_alias(customer_id, reference), item_id))
    return learned


def correct(uow: UnitOfWork, document_id: str, *, header: dict[str, str | None] | None = None,
            lines: dict[int, dict[str, str | None]] | None = None) -> dict:
    """Apply a person's corrections to the read document, learn from them, and judge it again."""
    header, lines = dict(header or {}), {int(k): dict(v) for k, v in (lines or {}).items()}
    if not header and not lines:
        raise InvalidValue("--set", "nothing to correct")
    doc = _document(uow.conn, document_id)
    _actionable(doc, "correct")
    extraction = deepcopy(doc["extraction"] or {})
    changes = []
    for name, value in header.items():
        _check_reference(uow.conn, name, value)
        old = extraction.get(name) if "." not in name else (extraction.get("procedure") or {}).get(name.split(".")[1])
        _set_header(extraction, name, value)
        changes.append({"field": name, "old": old, "new": value})
    for line_no, values in lines.items():
        line = _line(extraction, line_no)
        for name, value in values.items():
            if name not in LINE_FIELDS:
                raise InvalidValue(name, f"cannot be corrected on a line; one of {', '.join(LINE_FIELDS)}")
            _check_reference(uow.conn, name, value)
            changes.append({"field": f"lines[{line_no}].{name}", "old": line.get(name), "new": value})
            line[name] = value
    extraction["checked_by"] = uow.actor
    learned = _teachings(uow, doc, extraction, header, lines)
    uow.audit("corrected", "document", document_id, {"changes": changes, "learned": learned})
    uow.emit("document.corrected", "document", document_id, {"changes": changes, "learned": learned})
    decision = decide(uow, document_id, extraction, received_at=doc["received_at"], action="revalidated")
    return {**_result(doc, decision, extraction), "learned": learned}


def approve(uow: UnitOfWork, document_id: str) -> dict:
    """Accept the judgement calls and create the order; refuses while a correction is still needed."""
    doc = _document(uow.conn, document_id)
    _actionable(doc, "approve")
    extraction = doc["extraction"] or {}
    decision = decide(uow, document_id, extraction, received_at=doc["received_at"], approved=True, action="approved")
    if decision.status != "created":
        problems = [Problem(i.code, f"{i.code}: {i.message}") for i in decision.issues]
        raise Conflict(f"document {document_id} cannot be approved until it is corrected", code="needs_correction",
                       problems=problems)
    return _result(doc, decision, extraction)


def reject(uow: UnitOfWork, document_id: str, reason: str) -> dict:
    """Refuse the document for good (a test fax, an order the customer withdrew); the reason is kept."""
    if not reason or not reason.strip():
        raise InvalidValue("--reason", "say why the document is rejected")
    doc = _document(uow.conn, document_id)
    _actionable(doc, "reject")
    ex = t.intake_exceptions
    uow.conn.execute(update(ex).where(ex.c.document_id == document_id, ex.c.status == "open")
                     .values(status="rejected", resolved_at=uow.now, resolved_by=uow.actor))
    uow.conn.execute(update(t.documents).where(t.documents.c.document_id == document_id).values(status="rejected"))
    uow.audit("rejected", "document", document_id, {"reason": reason})
    uow.emit("document.rejected", "document", document_id, {"reason": reason})
    return {"source": doc["filename"], "document_id": document_id, "status": "rejected", "order_id": None,
            "exceptions": [{"code": "rejected", "message": reason}], "extraction": doc["extraction"]}


def rerun(uow: UnitOfWork, document_id: str, *, extractor=None) -> dict:
    """Read the stored bytes again (master data and learned aliases may have changed) and judge again."""
    doc = _document(uow.conn, document_id)
    _actionable(doc, "rerun", OPEN_STATUSES + ("rejected",))
    extraction = run_extraction(uow.conn, doc["content"], doc["filename"], channel=doc["channel"],
                                sender=doc["sender"], received_at=utc(doc["received_at"]), extractor=extractor)
    decision = decide(uow, document_id, extraction, received_at=doc["received_at"], action="rerun")
    return _result(doc, decision, extraction)


def summary(conn: Connection) -> dict[str, int]:
    """Open queue entries per exception code (for dashboards and the bench)."""
    counts: dict[str, int] = defaultdict(int)
    for entry in list_queue(conn):
        for exception in entry["exceptions"]:
            counts[exception["code"]] += 1
    return dict(counts)
