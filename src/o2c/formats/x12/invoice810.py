"""810 Invoice from a billing ``InvoiceDocument``, and read back.

The renderer adds no business logic: amounts come computed and rounded from billing. What the format
needs on top is layout: TDS carries the total in minor units (cents, implied decimals), freight is a
SAC charge (D240), the early-payment discount is ITD with percent, discount days and net days, and
each IT1 names the item every way the buyer may match it (VC catalog, UK GTIN, BP their part, LT lot,
SN serial) because hospitals match invoices to receipts by lot and serial for implants.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from o2c.billing.document import DocumentLine, InvoiceDocument, Party
from o2c.kernel.money import from_minor, round_money, to_minor
from o2c.formats.x12.errors import X12Error
from o2c.formats.x12.po850 import decimal_element, read_product_ids
from o2c.formats.x12.reader import Transaction, parse_x12_date
from o2c.formats.x12.writer import Envelope, OutgoingSet, write_interchange, x12_date

FREIGHT_CHARGE = "D240"


@dataclass(frozen=True, slots=True)
class InvoiceLine810:
    line_no: str
    quantity: Decimal | None
    uom: str | None
    unit_price: Decimal | None
    product_ids: tuple[tuple[str, str], ...]
    description: str | None

    def product_id(self, qualifier: str) -> str | None:
        return next((v for q, v in self.product_ids if q == qualifier), None)


@dataclass(frozen=True, slots=True)
class Invoice810:
    """An 810 as read: enough to check what a partner will see, and to read partners' invoices."""

    number: str
    issue_date: date | None
    po_number: str | None
    po_date: date | None
    kind: str                             # invoice | credit_memo
    currency: str
    parties: dict                         # role -> (name, id qualifier, id code)
    discount_percent: Decimal | None
    discount_days: int | None
    net_days: int | None
    terms_text: str | None
    lines: tuple[InvoiceLine810, ...]
    total: Decimal | None
    freight: Decimal
    tax_total: Decimal
    line_count: int | None
    references: dict                      # qualifier -> value


def _party_id(party: Party) -> tuple[str, str]:
    """GLN when known (UL), else our own id for the party (91: assigned by the seller)."""
    return ("UL", party.gln) if party.gln else ("91", party.party_id)


def _party_segments(role: str, party: Party) -> list[tuple]:
    qualifier, code = _party_id(party)
    segments = [("N1", role, party.name, qualifier, code)]
    if party.address1:
        segments.append(("N3", party.address1, party.address2))
    if party.city:
        segments.append(("N4", party.city, party.state, party.postal_code, party.country))
    return segments


def _terms_segment(doc: InvoiceDocument) -> tuple | None:
    """ITD: 08 basic discount offered (or 01 basic), basis 3 = invoice date, net days from the due date."""
    if doc.due_date is None and doc.discount_percent is None and not doc.payment_terms:
        return None
    net_days = (doc.due_date - doc.issue_date).days if doc.due_date else None
    discount_due = doc.issue_date + timedelta(days=doc.discount_days) if doc.discount_days is not None else None
    terms_type = "08" if doc.discount_percent else "01"
    return ("ITD", terms_type, "3", doc.discount_percent, x12_date(discount_due), doc.discount_days,
            x12_date(doc.due_date), net_days, None, None, None, None, doc.payment_terms)


def _line_segments(line: DocumentLine) -> list[tuple]:
    ids = [("VC", line.item_id), ("UK" if line.gtin and len(line.gtin) == 14 else "UP", line.gtin),
           ("BP", line.customer_item_ref), ("LT", line.lot), ("SN", line.serial)]
    pairs = [v for q, value in ids if value for v in (q, value)]
    segments: list[tuple] = [("IT1", line.line_no, line.quantity, line.uom, line.unit_price, None, *pairs)]
    if line.description:
        segments.append(("PID", "F", None, None, None, line.description))
    if line.expiry:
        segments.append(("DTM", "036", x12_date(line.expiry)))
    return segments


def invoice810_body(doc: InvoiceDocument) -> tuple[tuple, ...]:
    if not doc.lines:
        raise X12Error(f"invoice {doc.number}: an 810 needs at least one line", code="x12_810_no_lines")
    currency = doc.currency.upper()
    segments: list[tuple] = [("BIG", x12_date(doc.issue_date), doc.number, None, doc.po_number, None, None,
                              "CR" if doc.kind == "credit_memo" else None)]
    segments.append(("CUR", "SE", currency))
    if doc.po_number:
        segments.append(("REF", "PO", doc.po_number))
    if doc.order_id:
        segments.append(("REF", "VN", doc.order_id))
    if doc.original_invoice:
        segments.append(("REF", "OI", doc.original_invoice))
    segments.extend(_party_segments("SE", doc.seller))
    segments.extend(_party_segments("BT", doc.buyer))
    if doc.ship_to:
        segments.extend(_party_segments("ST", doc.ship_to))
    terms = _terms_segment(doc)
    if terms:
        segments.append(terms)
    for line in doc.lines:
        segments.extend(_line_segments(line))
    segments.append(("TDS", to_minor(round_money(doc.total, currency), currency)))
    if doc.tax_total:
        segments.append(("TXI", "TX", round_money(doc.tax_total, currency)))
    if doc.freight:
        segments.append(("SAC", "C", FREIGHT_CHARGE, None, None, to_minor(round_money(doc.freight, currency), currency)))
    segments.append(("CTT", len(doc.lines)))
    return tuple(segments)


def write_810(envelope: Envelope, invoices: list[InvoiceDocument], first_control: int = 1) -> str:
    sets = [OutgoingSet("810", f"{first_control + n:04d}", invoice810_body(doc)) for n, doc in enumerate(invoices)]
    return write_interchange(envelope, "IN", sets)


def _implied(segment, index: int, currency: str, source: str) -> Decimal | None:
    """An N2 element (implied decimals: 12345 means 123.45 in USD)."""
    value = decimal_element(segment, index, source)
    if value is None:
        return None
    if value != value.to_integral_value():
        raise X12Error(f"{segment}: {segment.tag}{index:02d} {value} must be whole minor units", source=source)
    return from_minor(int(value), currency)


def parse_810(transaction: Transaction, source: str = "<input>") -> Invoice810:
    values: dict = {"parties": {}, "references": {}, "lines": [], "freight": Decimal(0), "tax": Decimal(0),
                    "currency": "USD", "terms": (None, None, None, None)}
    big = None
    for segment in transaction.segments:
        tag = segment.tag
        if tag == "BIG":
            big = segment
        elif tag == "CUR":
            values["currency"] = segment.get(2) or "USD"
        elif tag == "REF":
            values["references"][segment.get(1) or ""] = segment.get(2)
        elif tag == "N1":
            values["parties"][segment.get(1) or ""] = (segment.get(2), segment.get(3), segment.get(4))
        elif tag == "ITD":
            days = lambda v: int(v) if v and v.isdigit() else None  # noqa: E731
            values["terms"] = (decimal_element(segment, 3, source), days(segment.get(5)), days(segment.get(7)),
                               segment.get(12))
        elif tag == "IT1":
            values["lines"].append([segment, None])
        elif tag == "PID" and values["lines"]:
            values["lines"][-1][1] = segment.get(5)
        elif tag == "TDS":
            values["total"] = _implied(segment, 1, values["currency"], source)
        elif tag == "TXI":
            values["tax"] += decimal_element(segment, 2, source) or Decimal(0)
        elif tag == "SAC" and segment.get(1) == "C" and segment.get(2) == FREIGHT_CHARGE:
            values["freight"] += _implied(segment, 5, values["currency"], source) or Decimal(0)
        elif tag == "CTT":
            count = segment.get(1)
            values["line_count"] = int(count) if count and count.isdigit() else None
    if big is None:
        raise X12Error(f"{transaction.header}: 810 without BIG", source=source, code="x12_810_no_big")
    lines = tuple(InvoiceLine810(s.get(1) or "", decimal_element(s, 2, source), s.get(3), decimal_element(s, 4, source),
                                 read_product_ids(s, 6), description) for s, description in values["lines"])
    percent, discount_days, net_days, text = values["terms"]
    return Invoice810(big.get(2) or "", parse_x12_date(big.get(1)), big.get(4), parse_x12_date(big.get(3)),
                      "credit_memo" if big.get(7) == "CR" else "invoice", values["currency"], values["parties"],
                      percent, discount_days, net_days, text, lines, values.get("total"), values["freight"],
                      values["tax"], values.get("line_count"), values["references"])


def minor_unit_total(doc: InvoiceDocument) -> int:
    """TDS01 as written for ``doc`` (kept public so reconciliations can compare it without parsing)."""
    return to_minor(round_money(doc.total, doc.currency), doc.currency)

