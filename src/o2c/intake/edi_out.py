"""EDI answers to an incoming 850: the 997 functional acknowledgement and the 855 PO acknowledgement.

A trading partner expects a 997 for every functional group it sent (did the interchange arrive and
parse?) and an 855 once the order is accepted or refused. Both are written to the outbox as
``edi.outbound`` events carrying the X12 text, so the connector that talks to the VAN or AS2 delivers
them exactly once; ``o2c edi outbound`` writes them to files. Interchange and group control numbers
come from the installation's one interchange counter (o2c.storage.counters), shared with 810
invoices, so they never repeat.
"""
from __future__ import annotations

from sqlalchemy import select

from o2c.formats.x12 import Envelope, X12Error, accept_order, parse_850, read_x12, write_855, write_997
from o2c.formats.x12.ack997 import check_group
from o2c.formats.x12.ta1 import NO_GROUP, interchange_verdict, write_ta1
from o2c.formats.x12.ack855 import ACK_REJECTED, LINE_REJECTED, PoAcknowledgement855
from o2c.kernel.config import settings
from o2c.storage import schema as t
from o2c.storage.counters import next_interchange_control
from o2c.storage.uow import UnitOfWork

EVENT = "edi.outbound"
_EBCDIC_ISA = b"\xc9\xe2\xc1"          # "ISA" in cp500


def is_x12(data: bytes) -> bool:
    body = data.lstrip(b"\xef\xbb\xbf \r\n\t")
    return body.startswith(b"ISA") or body.startswith(_EBCDIC_ISA)


def _already_sent(uow: UnitOfWork, document_id: str, set_id: str) -> bool:
    rows = uow.conn.execute(select(t.outbox.c.payload).where(t.outbox.c.event_type == EVENT,
                                                             t.outbox.c.aggregate_id == document_id)).scalars()
    return any(payload.get("transaction") == set_id for payload in rows)


def _envelope(uow: UnitOfWork, partner_qualifier: str, partner_id: str) -> Envelope:
    control = next_interchange_control(uow.conn)
    company = settings()["company"]
    return Envelope(sender_id=company.get("edi_id") or company["id"], receiver_id=partner_id,
                    receiver_qualifier=partner_qualifier, interchange_control=control, group_control=control,
                    created=uow.now)


def _send(uow: UnitOfWork, document_id: str, set_id: str, partner: str, text: str, po_number: str | None) -> None:
    uow.emit(EVENT, "document", document_id, {"transaction": set_id, "partner": partner, "po_number": po_number,
                                              "content": text})
    uow.audit("edi_sent", "document", document_id, {"transaction": set_id, "partner": partner,
                                                    "po_number": po_number})


def acknowledge(uow: UnitOfWork, document_id: str, status: str, order_id: str | None) -> list[str]:
    """Emit the interchange and group answers (once per document) and the 855 (once, when the order is
    created or the document refused). A document still waiting in the exception queue gets its 855
    when a person decides.

    Every functional group gets a 997 whose AK5/AK9 codes say what is wrong with its envelopes (or
    that a set's content could not be read: code 5). An interchange whose own envelope is at fault,
    or that holds no group at all, gets a TA1 with the note code instead of failing; so does one
    whose ISA14 asks for it. Bytes with no readable ISA cannot be answered: the refusal stays on
    the document."""
    doc = uow.conn.execute(select(t.documents.c.content, t.documents.c.filename)
                           .where(t.documents.c.document_id == document_id)).first()
    if doc is None or not is_x12(doc.content):
        return []
    try:
        x12 = read_x12(doc.content, doc.filename, strict=False)
    except X12Error:
        return []      # not even the ISA could be read: there is no one to answer
    part = _part(doc.filename, x12)
    if part is not None:
        return _acknowledge_part(uow, document_id, x12, part, status, order_id)
    first_time = not (_already_sent(uow, document_id, "997") or _already_sent(uow, document_id, "TA1"))
    sent = []
    for interchange in x12.interchanges:
        partner = (interchange.sender_qualifier, interchange.sender_id)
        if first_time:
            sent += _acknowledge_interchange(uow, document_id, interchange, partner, x12.source)
        if status in ("created", "rejected") and not _already_sent(uow, document_id, "855"):
            pos = [po for po in _orders(interchange, x12.source) if po.interchange_control == interchange.control_number]
            acks = [_answer(po, uow, order_id, accepted=status == "created") for po in pos]
            if acks:
                _send(uow, document_id, "855", partner[1], write_855(_envelope(uow, *partner), acks),
                      acks[0].po_number)
                sent.append("855")
    return sent


def _part(filename: str, x12) -> int | None:
    """Which 850 of the file the document is, when the file holds several and the document is one
    of them (``FILE#850-N``, see ``o2c.intake.pipeline.split_part``)."""
    from o2c.intake.pipeline import PART_MARK, split_part
    if PART_MARK not in filename:
        return None
    _, part = split_part(filename)
    count = sum(1 for _ in x12.transactions("850"))
    return part if part is not None and count > 1 and part <= count else None


def _acknowledge_part(uow: UnitOfWork, document_id: str, x12, part: int, status: str,
                      order_id: str | None) -> list[str]:
    """One 850 of several: the file's first 850 carries the interchange answers (TA1 and one 997 per
    group, with every set's AK2/AK5, so each is sent once however many documents the file became);
    each 850 gets its own 855 for its own order."""
    sent = []
    if part == 1 and not (_already_sent(uow, document_id, "997") or _already_sent(uow, document_id, "TA1")):
        for interchange in x12.interchanges:
            sent += _acknowledge_interchange(uow, document_id, interchange,
                                             (interchange.sender_qualifier, interchange.sender_id), x12.source)
    if status in ("created", "rejected") and not _already_sent(uow, document_id, "855"):
        interchange, group, transaction = list(x12.transactions("850"))[part - 1]
        try:
            po = parse_850(interchange, group, transaction, x12.source)
        except X12Error:
            return sent      # its content cannot be read: the 997 rejected it, there is no PO to answer
        partner = (interchange.sender_qualifier, interchange.sender_id)
        ack = _answer(po, uow, order_id, accepted=status == "created")
        _send(uow, document_id, "855", partner[1], write_855(_envelope(uow, *partner), [ack]), ack.po_number)
        sent.append("855")
    return sent


def _acknowledge_interchange(uow: UnitOfWork, document_id: str, interchange, partner: tuple[str, str],
                             source: str) -> list[str]:
    sent = []
    verdict, note = interchange_verdict(interchange)
    if verdict != "A" or interchange.ack_requested:
        _send(uow, document_id, "TA1", partner[1],
              write_ta1(_envelope(uow, *partner), interchange, verdict, note), None)
        sent.append("TA1")
    if interchange.groups:
        interchange_fault = verdict != "A" and note != NO_GROUP
        acks = [check_group(group, _rejections(interchange, group, source, reject_all=interchange_fault))
                for group in interchange.groups]
        _send(uow, document_id, "997", partner[1], write_997(_envelope(uow, *partner), acks), None)
        sent.append("997")
    return sent


def _rejections(interchange, group, source: str, *, reject_all: bool) -> dict[str, tuple[str, ...]]:
    """AK5 code 5 (one or more segments in error) for each 850 whose content cannot be read, or for
    every set when the interchange itself was refused."""
    rejected = {}
    for transaction in group.transactions:
        if reject_all:
            rejected[transaction.control_number] = ("5",)
        elif transaction.set_id == "850":
            try:
                parse_850(interchange, group, transaction, source)
            except X12Error:
                rejected[transaction.control_number] = ("5",)
    return rejected


def _orders(interchange, source: str) -> list:
    """The interchange's 850s that can be read (a set that cannot is rejected in the 997, not here)."""
    orders = []
    for group in interchange.groups:
        for transaction in group.transactions:
            if transaction.set_id == "850":
                try:
                    orders.append(parse_850(interchange, group, transaction, source))
                except X12Error:
                    continue
    return orders


def _answer(po, uow: UnitOfWork, order_id: str | None, *, accepted: bool) -> PoAcknowledgement855:
    if accepted:
        return accept_order(po, uow.today, seller_order=order_id)
    ack = accept_order(po, uow.today, verdicts={line.line_no or "": (LINE_REJECTED, None, None) for line in po.lines})
    return PoAcknowledgement855(ack.po_number, ack.po_date, ack.ack_date, ACK_REJECTED, ack.purpose, None, ack.lines)


def outbound_messages(conn) -> list[dict]:
    rows = conn.execute(select(t.outbox).where(t.outbox.c.event_type == EVENT)
                        .order_by(t.outbox.c.created_at, t.outbox.c.event_id)).mappings()
    return [dict(r) for r in rows]
