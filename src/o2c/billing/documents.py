"""A stored invoice or credit memo as an ``InvoiceDocument``, ready for the PDF, UBL and X12 renderers.

The renderers add no business logic, so everything they print is gathered here from the database:
the seller from ``settings()["company"]``, the buyer from the customer and its bill-to site, the
ship-to from the order's site (or the customer's ship-to site), and per line the GTIN, the
customer's own part number and the lot/serial/expiry that hospitals match implants by. Amounts are
the stored ones (integer minor units), so a document always shows what was posted.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.engine import Connection

from o2c.billing.document import DocumentLine, InvoiceDocument, Party
from o2c.billing.service import get_invoice
from o2c.billing.terms import PaymentTerms
from o2c.kernel.config import settings
from o2c.kernel.money import from_minor
from o2c.masterdata.repository import get_customer
from o2c.storage import schema as t
from o2c.storage.counters import next_interchange_control


def seller_party() -> Party:
    """Us, as configured (``[company]`` in the O2C_CONFIG file)."""
    company = settings()["company"]
    return Party(company.get("id", "SELLER"), company["name"], company.get("address1"), company.get("address2"),
                 company.get("city"), company.get("state"), company.get("postal_code"),
                 company.get("country") or "US", company.get("email"), company.get("tax_id"),
                 company.get("edi_id"), company.get("gln"))


def _site(conn: Connection, site_id: str | None) -> dict | None:
    if not site_id:
        return None
    row = conn.execute(select(t.sites).where(t.sites.c.site_id == site_id)).mappings().first()
    return dict(row) if row else None


def _site_of_kind(conn: Connection, customer_id: str, kind: str) -> dict | None:
    row = conn.execute(select(t.sites).where(t.sites.c.customer_id == customer_id, t.sites.c.kind == kind)
                       .order_by(t.sites.c.site_id)).mappings().first()
    return dict(row) if row else None


def _party_at(party_id: str, name: str, site: dict | None, **extra) -> Party:
    site = site or {}
    attributes = site.get("attributes") or {}
    return Party(party_id, name, site.get("address1"), site.get("address2"), site.get("city"), site.get("state"),
                 site.get("postal_code"), site.get("country") or "US", gln=extra.pop("gln", None)
                 or attributes.get("gln"), **extra)


def buyer_party(conn: Connection, customer_id: str) -> Party:
    """The customer as billed: its legal name at the bill-to address (any site when it has none)."""
    customer = get_customer(conn, customer_id)
    site = (_site_of_kind(conn, customer_id, "bill_to") or _site_of_kind(conn, customer_id, "ship_to")
            or _site_of_kind(conn, customer_id, "facility"))
    return _party_at(customer.customer_id, customer.name, site, email=customer.email, edi_id=customer.edi_id,
                     tax_id=customer.attributes.get("tax_id"), gln=customer.attributes.get("gln"))


def ship_to_party(conn: Connection, customer_id: str, order: dict | None) -> Party | None:
    """Where the goods went: the order's site, else the customer's ship-to site, else nothing."""
    site = _site(conn, order.get("site_id")) if order else None
    site = site or _site_of_kind(conn, customer_id, "ship_to")
    if site is None:
        return None
    return _party_at(site["site_id"], site["name"], site)


def _item_facts(conn: Connection, customer_id: str, item_ids: set[str]) -> tuple[dict, dict]:
    gtins = dict(conn.execute(select(t.items.c.item_id, t.items.c.gtin).where(t.items.c.item_id.in_(item_ids))).all())
    refs: dict[str, str] = {}
    for item_id, ref in conn.execute(select(t.customer_items.c.item_id, t.customer_items.c.customer_item_ref)
                                     .where(t.customer_items.c.customer_id == customer_id,
                                            t.customer_items.c.item_id.in_(item_ids))
                                     .order_by(t.customer_items.c.learned, t.customer_items.c.customer_item_ref)):
        refs.setdefault(item_id, ref)
    return gtins, refs


def document_lines(conn: Connection, invoice: dict, lines: list[dict]) -> tuple[DocumentLine, ...]:
    """Lines with GTIN, the customer's part number and lot/serial/expiry; the tax rate as a percentage."""
    gtins, refs = _item_facts(conn, invoice["customer_id"], {l["item_id"] for l in lines})
    rate = Decimal(invoice["tax_rate"] or 0) * 100
    return tuple(DocumentLine(
        l["line_no"], l["item_id"], l["description"], Decimal(l["quantity"]), l["uom"], Decimal(l["unit_price"]),
        from_minor(l["amount_minor"], invoice["currency"]), gtins.get(l["item_id"]), refs.get(l["item_id"]),
        l["lot"], l["serial"], l["expiry"], rate.normalize() if rate else Decimal("0")) for l in lines)


def _order(conn: Connection, order_id: str | None) -> dict | None:
    if not order_id:
        return None
    row = conn.execute(select(t.orders).where(t.orders.c.order_id == order_id)).mappings().first()
    return dict(row) if row else None


def _notes(invoice: dict) -> tuple[str, ...]:
    """What the reader needs beyond the figures: the discount in money, the credit's reason and note,
    the documents a rebill replaces."""
    notes = []
    if invoice["discount_minor"]:
        amount = from_minor(invoice["discount_minor"], invoice["currency"])
        notes.append(f"Early-payment discount {invoice['currency']} {amount} if paid by "
                     f"{invoice['discount_until'].isoformat()}; "
                     f"pay {from_minor(invoice['total_minor'] - invoice['discount_minor'], invoice['currency'])}.")
    if invoice["kind"] == "invoice" and invoice["original_invoice"]:
        notes.append(f"Replaces invoice {invoice['original_invoice']}, credited by {invoice['linked_credit_memo']}.")
    if invoice["note"]:
        notes.append(invoice["note"])
    return tuple(notes)


def invoice_document(conn: Connection, invoice_number: str) -> InvoiceDocument:
    """The stored invoice (or credit memo) as a renderable document."""
    invoice, lines = get_invoice(conn, invoice_number)
    order = _order(conn, invoice["order_id"])
    currency = invoice["currency"]
    procedure = (order or {}).get("procedure") or {}
    terms = PaymentTerms.parse(invoice["payment_terms"]) if invoice["payment_terms"] else None
    is_invoice = invoice["kind"] == "invoice"
    return InvoiceDocument(
        number=invoice["invoice_number"], kind="credit_memo" if invoice["kind"] == "credit_memo" else "invoice",
        issue_date=invoice["issue_date"], due_date=invoice["due_date"] if is_invoice else None, currency=currency,
        seller=seller_party(), buyer=buyer_party(conn, invoice["customer_id"]),
        lines=document_lines(conn, invoice, lines),
        subtotal=from_minor(invoice["subtotal_minor"], currency), tax_total=from_minor(invoice["tax_minor"], currency),
        freight=from_minor(invoice["freight_minor"], currency), total=from_minor(invoice["total_minor"], currency),
        ship_to=ship_to_party(conn, invoice["customer_id"], order), po_number=invoice["po_number"],
        order_id=invoice["order_id"], payment_terms=invoice["payment_terms"] if is_invoice else None,
        discount_percent=invoice["discount_percent"] if is_invoice else None,
        discount_days=terms.discount_days if (terms and is_invoice and invoice["discount_percent"]) else None,
        original_invoice=invoice["original_invoice"], reason_code=invoice["reason_code"], notes=_notes(invoice),
        procedure_date=_procedure_date(procedure), patient_ref=_masked_patient(procedure.get("patient_ref")))


def _masked_patient(ref: str | None) -> str | None:
    """Patient references are sealed at rest; a document only ever gets the masked form (last two
    characters), and nothing when this installation's key cannot read it."""
    if not ref:
        return None
    from o2c.compliance.protected import mask
    from o2c.kernel.errors import O2CError
    try:
        return mask(ref)
    except O2CError:
        return None


def _procedure_date(procedure: dict):
    from datetime import date
    value = procedure.get("date")
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


# --- documents leaving the building ----------------------------------------------------------------
def invoice_x12(uow, invoice_number: str) -> str:
    """The invoice as an X12 810 interchange addressed to the customer's EDI id; the dispatch is
    recorded (audit, outbox ``invoice.sent``). A customer without an EDI id cannot receive one."""
    from o2c.billing.service import record_dispatch
    from o2c.formats.x12.invoice810 import write_810
    from o2c.formats.x12.writer import Envelope
    from o2c.kernel.errors import Conflict
    doc = invoice_document(uow.conn, invoice_number)
    if not doc.buyer.edi_id:
        raise Conflict(f"customer {doc.buyer.party_id} has no edi_id: an 810 has nobody to go to",
                       code="no_edi_id")
    if not doc.seller.edi_id:
        raise Conflict("company.edi_id is not configured: an 810 needs our own EDI id", code="no_edi_id")
    control = next_interchange_control(uow.conn)
    envelope = Envelope(doc.seller.edi_id, doc.buyer.edi_id, control, control, uow.now)
    text = write_810(envelope, [doc])
    record_dispatch(uow, invoice_number, "x12", doc.buyer.edi_id, f"ISA{control:09d}")
    return text


def attachment_names(doc: InvoiceDocument) -> tuple[str, str]:
    return f"{doc.number}.pdf", f"{doc.number}.xml"


@dataclass(frozen=True, slots=True)
class Dispatch:
    """A sent e-mail: its Message-ID and the recipients the server refused (the others got it)."""

    message_id: str
    recipients: tuple[str, ...]
    refused: tuple[str, ...] = ()


def send_invoice(uow, invoice_number: str, to: str | list[str], smtp) -> Dispatch:
    """E-mail the invoice (PDF for people, UBL for their AP system) and record the dispatch with its
    Message-ID, the proof of sending when a customer says it never arrived.

    Rendering happens before the mail session opens, so a document that cannot be rendered is never
    half-sent. A refused delivery raises ``DeliveryFailed`` and nothing is recorded; when the server
    took the message for some recipients only, the dispatch is recorded for those and the refused
    ones are returned for a follow-up."""
    from o2c.billing.delivery import PartiallyDelivered, send_document
    from o2c.billing.render.pdf import render_invoice_pdf
    from o2c.billing.render.ubl import invoice_to_ubl
    from o2c.billing.service import record_dispatch
    doc = invoice_document(uow.conn, invoice_number)
    pdf, ubl = render_invoice_pdf(doc), invoice_to_ubl(doc)
    pdf_name, ubl_name = attachment_names(doc)
    title = "Credit memo" if doc.kind == "credit_memo" else "Invoice"
    recipients = [to] if isinstance(to, str) else list(to)
    refused: list[str] = []
    try:
        message_id = send_document(smtp, recipients, f"{title} {doc.number} from {doc.seller.name}",
                                   _mail_body(doc, title), [(pdf_name, pdf, "application/pdf"),
                                                            (ubl_name, ubl, "application/xml")])
    except PartiallyDelivered as partial:
        message_id, refused = partial.message_id, list(partial.refused)
    delivered = tuple(r for r in recipients if r not in refused)
    record_dispatch(uow, invoice_number, "email", ", ".join(delivered), message_id)
    return Dispatch(message_id, delivered, tuple(refused))


def _mail_body(doc: InvoiceDocument, title: str) -> str:
    lines = [f"Dear {doc.buyer.name},", "",
             f"please find attached {title.lower()} {doc.number} of {doc.issue_date.isoformat()} "
             f"for {doc.currency} {doc.total}."]
    if doc.po_number:
        lines.append(f"Your PO: {doc.po_number}.")
    if doc.kind == "invoice" and doc.due_date:
        lines.append(f"Due {doc.due_date.isoformat()} ({doc.payment_terms}).")
    lines.extend(doc.notes)
    lines += ["", "The PDF is for your records; the XML (UBL, Peppol BIS 3) can be loaded by your AP system.",
              "", doc.seller.name]
    return "\n".join(lines)
