"""855 Purchase Order Acknowledgment: our answer to an 850, line by line.

The buyer's system matches the 855 to its PO by BAK03 and each line by PO101 and the product ids it
sent, so we echo those exactly as read and add our verdict in ACK: IA accepted, IR rejected, IB
backordered, IQ quantity changed, IP price changed, IC changed, with the quantity and date we commit to.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from o2c.formats.x12.errors import X12Error
from o2c.formats.x12.po850 import PurchaseOrder850, decimal_element, read_product_ids
from o2c.formats.x12.reader import Transaction, parse_x12_date
from o2c.formats.x12.writer import Envelope, OutgoingSet, write_interchange, x12_date

LINE_ACCEPTED, LINE_REJECTED, LINE_BACKORDERED = "IA", "IR", "IB"
LINE_QUANTITY_CHANGED, LINE_PRICE_CHANGED, LINE_CHANGED = "IQ", "IP", "IC"
LINE_STATUSES = {LINE_ACCEPTED, LINE_REJECTED, LINE_BACKORDERED, LINE_QUANTITY_CHANGED, LINE_PRICE_CHANGED,
                 LINE_CHANGED, "IS", "IH", "ID", "IW", "AR", "AC", "DR", "BP", "SP"}
#: BAK02: AC acknowledge with detail and change, AD with detail no change, AK no detail, RJ rejected.
ACK_WITH_CHANGES, ACK_NO_CHANGES, ACK_REJECTED = "AC", "AD", "RJ"


@dataclass(frozen=True, slots=True)
class LineAcknowledgement:
    line_no: str | None                   # the buyer's PO101, echoed
    quantity: Decimal | None              # ordered quantity, echoed
    uom: str | None
    unit_price: Decimal | None            # our price
    status: str                           # ACK01
    ack_quantity: Decimal | None = None   # ACK02: what we commit to ship
    ack_uom: str | None = None
    ship_date: date | None = None         # ACK05 with qualifier 068 (current schedule ship)
    product_ids: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class PoAcknowledgement855:
    po_number: str
    po_date: date | None
    ack_date: date
    ack_type: str = ACK_NO_CHANGES        # BAK02
    purpose: str = "00"                   # BAK01 original
    seller_order: str | None = None       # BAK08: our order id
    lines: tuple[LineAcknowledgement, ...] = ()


def accept_order(po: PurchaseOrder850, ack_date: date, seller_order: str | None = None,
                 verdicts: dict[str, tuple[str, Decimal | None, date | None]] | None = None) -> PoAcknowledgement855:
    """An 855 echoing ``po``; ``verdicts`` maps PO101 to (status, committed quantity, ship date), and a
    line without a verdict is accepted as ordered."""
    verdicts = verdicts or {}
    lines = []
    for line in po.lines:
        status, quantity, ship = verdicts.get(line.line_no or "", (LINE_ACCEPTED, line.quantity, None))
        lines.append(LineAcknowledgement(line.line_no, line.quantity, line.uom, line.unit_price, status,
                                         quantity, line.uom, ship, line.product_ids))
    changed = any(l.status != LINE_ACCEPTED for l in lines)
    return PoAcknowledgement855(po.po_number or "", po.order_date, ack_date,
                                ACK_WITH_CHANGES if changed else ACK_NO_CHANGES, "00", seller_order, tuple(lines))


def ack855_body(ack: PoAcknowledgement855) -> tuple[tuple, ...]:
    segments: list[tuple] = [("BAK", ack.purpose, ack.ack_type, ack.po_number, x12_date(ack.po_date),
                              None, None, None, ack.seller_order, x12_date(ack.ack_date))]
    for line in ack.lines:
        if line.status not in LINE_STATUSES:
            raise X12Error(f"line {line.line_no}: {line.status!r} is not an ACK01 line status code")
        pairs = [value for pair in line.product_ids for value in pair]
        segments.append(("PO1", line.line_no, line.quantity, line.uom, line.unit_price, None, *pairs))
        segments.append(("ACK", line.status, line.ack_quantity, line.ack_uom,
                         "068" if line.ship_date else None, x12_date(line.ship_date)))
    segments.append(("CTT", len(ack.lines)))
    return tuple(segments)


def write_855(envelope: Envelope, acks: list[PoAcknowledgement855], first_control: int = 1) -> str:
    sets = [OutgoingSet("855", f"{first_control + n:04d}", ack855_body(ack)) for n, ack in enumerate(acks)]
    return write_interchange(envelope, "PR", sets)


def parse_855(transaction: Transaction, source: str = "<input>") -> PoAcknowledgement855:
    """Read an 855 back: BAK and each PO1 with the ACK that follows it."""
    bak = None
    lines: list[LineAcknowledgement] = []
    for segment in transaction.segments:
        if segment.tag == "BAK":
            bak = segment
        elif segment.tag == "PO1":
            lines.append(LineAcknowledgement(segment.get(1), decimal_element(segment, 2, source), segment.get(3),
                                             decimal_element(segment, 4, source), "", None, None, None,
                                             read_product_ids(segment, 6)))
        elif segment.tag == "ACK" and lines:
            last = lines[-1]
            lines[-1] = LineAcknowledgement(last.line_no, last.quantity, last.uom, last.unit_price,
                                            segment.get(1) or "", decimal_element(segment, 2, source),
                                            segment.get(3), parse_x12_date(segment.get(5)), last.product_ids)
    if bak is None:
        raise X12Error(f"{transaction.header}: 855 without BAK", source=source, code="x12_855_no_bak")
    return PoAcknowledgement855(bak.get(3) or "", parse_x12_date(bak.get(4)), parse_x12_date(bak.get(9)),
                                bak.get(2) or "", bak.get(1) or "", bak.get(8), tuple(lines))
