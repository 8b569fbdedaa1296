"""Billing use cases: invoices on the configured event, credit memos, gapless numbering.

An invoice number is taken from its series inside the same transaction that stores the invoice: if
anything fails the transaction rolls back and the number is given back, so a series never has a gap
and never repeats. Required fields are checked *before* a number is taken, so an incomplete invoice
leaves nothing behind: no number, no row, no journal entry.

The rules an invoice is computed by live here as small functions:

- lines are what shipped (or was used), at the order's prices; several shipments make several invoices;
- freight is billed once per order, on its first invoice;
- sales tax is the customer's rate on the goods (not freight), rounded once on the invoice;
- payment terms give the due date and the early-payment discount (``2/10 NET30``: 2% of the invoice
  total if paid within 10 days), stored on the invoice so cash application and documents agree even
  after the customer's terms change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from o2c.billing.terms import PaymentTerms
from o2c.kernel.config import settings
from o2c.kernel.errors import Conflict, InvalidValue, NotFound, Problem, ValidationFailed
from o2c.kernel.money import from_minor, round_money, to_minor
from o2c.ledger import model as ledger
from o2c.masterdata.model import Customer
from o2c.masterdata.repository import get_customer
from o2c.storage import schema as t
from o2c.storage.counters import take_next
from o2c.storage.uow import UnitOfWork

KINDS = ("invoice", "credit_memo")


def next_number(conn: Connection, series: str) -> str:
    """Take the next number of ``series`` (gapless: the UPDATE holds the row until commit)."""
    number, prefix = take_next(conn, series, settings()["invoice_series"].get(series, series.upper() + "-"))
    return f"{prefix}{number:06d}"


# --- the rules -------------------------------------------------------------------------------------
def line_amount(unit_price: Decimal, quantity: int, currency: str) -> int:
    """A line is rounded once, to the cent, as the customer will recompute it."""
    return to_minor(round_money(Decimal(unit_price) * quantity, currency), currency)


def sales_tax(subtotal_minor: int, rate: Decimal, currency: str) -> int:
    """Sales tax on the goods (not freight), rounded once on the invoice total as US invoices do."""
    return to_minor(round_money(from_minor(subtotal_minor, currency) * rate, currency), currency)


@dataclass(frozen=True, slots=True)
class EarlyPaymentDiscount:
    """What the payer may deduct and until when; ``amount_minor`` is 0 when the terms offer none."""

    percent: Decimal | None
    until: date | None
    amount_minor: int


def early_payment_discount(terms: PaymentTerms, issue_date: date, total_minor: int,
                           currency: str) -> EarlyPaymentDiscount:
    """The discount a payment within the window may take, on the invoice total (what the payer sees
    and what cash application compares a short payment against)."""
    if not terms.discount_percent or terms.discount_days is None or total_minor <= 0:
        return EarlyPaymentDiscount(None, None, 0)
    amount = round_money(from_minor(total_minor, currency) * terms.discount_percent / Decimal(100), currency)
    return EarlyPaymentDiscount(terms.discount_percent, terms.discount_until(issue_date), to_minor(amount, currency))


def freight_for_order(conn: Connection, order: dict) -> int:
    """Freight is billed once: on the order's first invoice, never on a later partial shipment."""
    invoiced_before = conn.execute(select(t.invoices.c.invoice_number).where(
        t.invoices.c.order_id == order["order_id"], t.invoices.c.kind == "invoice")).first()
    return 0 if invoiced_before else order["freight_minor"]


def missing_fields(customer: Customer, lines: list[dict], *, charges: int = 0, kind: str = "invoice"
                   ) -> list[Problem]:
    """Every reason the invoice cannot go out, collected, so the biller fixes them all at once. A
    credit memo may have no lines when it only gives back charges (the freight left on an invoice)."""
    problems = []
    if not lines and not (kind == "credit_memo" and charges > 0):
        problems.append(Problem("no_lines", "an invoice needs at least one line"))
    for line in lines:
        no = line.get("line_no")
        if line.get("unit_price") is None:
            problems.append(Problem("required", "has no unit price", line=no, field="unit_price"))
        elif Decimal(line["unit_price"]) < 0:
            problems.append(Problem("invalid", "unit price cannot be negative", line=no, field="unit_price"))
        if not isinstance(line.get("quantity"), int) or line["quantity"] <= 0:
            problems.append(Problem("invalid", "quantity must be a positive whole number", line=no, field="quantity"))
        if not line.get("item_id"):
            problems.append(Problem("required", "has no item", line=no, field="item_id"))
        if not line.get("description"):
            problems.append(Problem("required", "has no description", line=no, field="description"))
        if not line.get("uom"):
            problems.append(Problem("required", "has no unit of measure", line=no, field="uom"))
    if not (customer.name or "").strip():
        problems.append(Problem("required", "customer has no name", field="customer"))
    if not customer.currency:
        problems.append(Problem("required", "customer has no currency", field="currency"))
    try:
        PaymentTerms.parse(customer.payment_terms)
    except InvalidValue as err:
        problems.append(Problem("invalid", err.reason, field="payment_terms"))
    return problems


def _check_required(customer: Customer, lines: list[dict], issue_date: date, *, charges: int = 0,
                    kind: str = "invoice") -> None:
    problems = missing_fields(customer, lines, charges=charges, kind=kind)
    if problems:
        raise ValidationFailed("invoice is incomplete; it was not issued", problems)


# --- issuing ---------------------------------------------------------------------------------------
def issue_invoice(uow: UnitOfWork, *, customer_id: str, lines: list[dict], issue_date: date,
                  order_id: str | None = None, shipment_id: str | None = None, po_number: str | None = None,
                  freight: int = 0, kind: str = "invoice", original_invoice: str | None = None,
                  reason_code: str | None = None, tax: int | None = None, tax_rate: Decimal | None = None,
                  note: str | None = None, linked_credit_memo: str | None = None,
                  series: str | None = None) -> str:
    """Store an invoice (or credit memo) with its lines and post it. ``lines`` hold line_no, item_id,
    description, quantity, uom, unit_price (Decimal), lot, serial, expiry, order_line_no and, on a
    credit memo, original_line_no.

    ``tax``/``tax_rate`` override the customer's current rate: a credit memo gives back the tax of
    the invoice it corrects, not the tax of today. A credit memo is stored with positive amounts and
    a negative open amount (what we owe the customer until it is applied)."""
    if kind not in KINDS:
        raise InvalidValue("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    customer = get_customer(uow.conn, customer_id)
    _check_required(customer, lines, issue_date, charges=freight + (tax or 0), kind=kind)
    currency = customer.currency
    terms = PaymentTerms.parse(customer.payment_terms)
    rate = customer.tax_rate if tax_rate is None else Decimal(tax_rate)
    amounts = [line_amount(l["unit_price"], l["quantity"], currency) for l in lines]
    subtotal = sum(amounts)
    tax = sales_tax(subtotal, rate, currency) if tax is None else tax
    total = subtotal + freight + tax
    discount = (early_payment_discount(terms, issue_date, total, currency) if kind == "invoice"
                else EarlyPaymentDiscount(None, None, 0))
    number = next_number(uow.conn, series or kind)
    uow.conn.execute(insert(t.invoices).values(
        invoice_number=number, series=series or kind, kind=kind, customer_id=customer_id, order_id=order_id,
        shipment_id=shipment_id, po_number=po_number, issue_date=issue_date,
        due_date=terms.due_date(issue_date) if kind == "invoice" else issue_date,
        payment_terms=str(terms) if kind == "invoice" else None, currency=currency, subtotal_minor=subtotal,
        freight_minor=freight, tax_minor=tax, total_minor=total,
        open_minor=total if kind == "invoice" else -total, status="open", original_invoice=original_invoice,
        reason_code=reason_code, created_at=uow.now, tax_rate=rate, discount_percent=discount.percent,
        discount_until=discount.until, discount_minor=discount.amount_minor,
        linked_credit_memo=linked_credit_memo, note=note))
    rows = [
        {"invoice_number": number, "line_no": l["line_no"], "order_line_no": l.get("order_line_no"),
         "original_line_no": l.get("original_line_no"), "item_id": l["item_id"], "description": l["description"],
         "quantity": l["quantity"], "uom": l["uom"], "unit_price": Decimal(l["unit_price"]), "amount_minor": amount,
         "lot": l.get("lot"), "serial": l.get("serial"), "expiry": l.get("expiry")}
        for l, amount in zip(lines, amounts)]
    if rows:
        uow.conn.execute(insert(t.invoice_lines), rows)
    posting = ledger.invoice_issued if kind == "invoice" else ledger.credit_memo_issued
    uow.post(posting(number, customer_id, subtotal=subtotal, freight=freight, tax=tax), issue_date)
    payload = {"customer_id": customer_id, "order_id": order_id, "total_minor": total, "kind": kind,
               "original_invoice": original_invoice, "reason_code": reason_code,
               "discount_minor": discount.amount_minor,
               "discount_until": discount.until.isoformat() if discount.until else None}
    uow.audit("issued", "invoice", number, payload, document_ref=shipment_id or order_id or original_invoice)
    uow.emit(f"{kind}.issued", "invoice", number, payload)
    return number


def get_invoice(conn: Connection, invoice_number: str) -> tuple[dict, list[dict]]:
    """An invoice header and its lines, or ``NotFound`` naming the number."""
    row = conn.execute(select(t.invoices).where(t.invoices.c.invoice_number == invoice_number)).mappings().first()
    if row is None:
        raise NotFound(f"invoice {invoice_number} does not exist", code="unknown_invoice")
    lines = conn.execute(select(t.invoice_lines).where(t.invoice_lines.c.invoice_number == invoice_number)
                         .order_by(t.invoice_lines.c.line_no)).mappings().all()
    return dict(row), [dict(l) for l in lines]


def shipment_invoice(conn: Connection, shipment_id: str) -> str | None:
    """The invoice already raised for a shipment (or usage), if any."""
    return conn.execute(select(t.invoices.c.invoice_number).where(
        t.invoices.c.shipment_id == shipment_id, t.invoices.c.kind == "invoice",
        t.invoices.c.original_invoice.is_(None))).scalar()


def _shipment_lines(conn: Connection, shipment_id: str, order_lines: dict[int, dict]) -> list[dict]:
    """What one shipment delivered, as invoice lines at the order's prices (partial invoicing: only
    what shipped is billed; the rest of the order is billed by later shipments)."""
    shipped = conn.execute(select(t.shipment_lines).where(t.shipment_lines.c.shipment_id == shipment_id)
                           .order_by(t.shipment_lines.c.seq)).mappings().all()
    item_ids = {s["item_id"] for s in shipped}
    descriptions = dict(conn.execute(select(t.items.c.item_id, t.items.c.description)
                                     .where(t.items.c.item_id.in_(item_ids))).all())
    lines = []
    for no, s in enumerate(shipped, start=1):
        ol = order_lines[s["line_no"]]
        lines.append({"line_no": no, "order_line_no": s["line_no"], "item_id": s["item_id"],
                      "description": descriptions.get(s["item_id"], s["item_id"]), "quantity": s["quantity"],
                      "uom": ol["uom"], "unit_price": ol["unit_price"], "lot": s["lot"], "serial": s["serial"],
                      "expiry": s["expiry"]})
    return lines


def invoice_shipment(uow: UnitOfWork, shipment_id: str) -> str:
    """Invoice what one shipment (or usage report) delivered, at the order's prices."""
    shipment = uow.conn.execute(select(t.shipments).where(t.shipments.c.shipment_id == shipment_id)).mappings().first()
    if shipment is None:
        raise NotFound(f"shipment {shipment_id} does not exist")
    already = shipment_invoice(uow.conn, shipment_id)
    if already:
        raise Conflict(f"shipment {shipment_id} is already invoiced on {already}", code="already_invoiced")
    order = uow.conn.execute(select(t.orders).where(t.orders.c.order_id == shipment["order_id"])).mappings().one()
    order_lines = {l["line_no"]: l for l in uow.conn.execute(
        select(t.order_lines).where(t.order_lines.c.order_id == order["order_id"])).mappings()}
    lines = _shipment_lines(uow.conn, shipment_id, order_lines)
    number = issue_invoice(uow, customer_id=order["customer_id"], lines=lines, issue_date=uow.today,
                           order_id=order["order_id"], shipment_id=shipment_id, po_number=order["po_number"],
                           freight=freight_for_order(uow.conn, order))
    for line in lines:
        uow.conn.execute(update(t.order_lines).where(t.order_lines.c.order_id == order["order_id"],
                                                     t.order_lines.c.line_no == line["order_line_no"])
                         .values(qty_invoiced=t.order_lines.c.qty_invoiced + line["quantity"]))
    from o2c.orders.service import _refresh_status
    _refresh_status(uow, order["order_id"])
    return number


#: Channels that put the document in the customer's hands; the others only wrote a file here.
SENDING_CHANNELS = ("email", "x12")


def record_dispatch(uow: UnitOfWork, invoice_number: str, channel: str, recipient: str | None,
                    message_id: str | None = None) -> None:
    """Remember that a document was produced or left (proof of dispatch for disputes), audit it and
    tell the outbox: ``invoice.sent`` when it went to the customer, ``invoice.rendered`` for a file."""
    uow.conn.execute(insert(t.invoice_dispatches).values(
        invoice_number=invoice_number, channel=channel, recipient=recipient, message_id=message_id, at=uow.now,
        actor=uow.actor))
    sent = channel in SENDING_CHANNELS
    if sent:
        uow.conn.execute(update(t.invoices).where(t.invoices.c.invoice_number == invoice_number)
                         .values(sent_at=uow.now))
    payload = {"channel": channel, "recipient": recipient, "message_id": message_id}
    uow.audit("sent" if sent else "rendered", "invoice", invoice_number, payload)
    uow.emit("invoice.sent" if sent else "invoice.rendered", "invoice", invoice_number, payload)


def invoices(conn: Connection, *, customer_id: str | None = None, status: str | None = None,
             kind: str | None = None) -> list[dict]:
    """Invoice headers for lists and reports, newest number last."""
    query = select(t.invoices).order_by(t.invoices.c.issue_date, t.invoices.c.invoice_number)
    if customer_id:
        query = query.where(t.invoices.c.customer_id == customer_id)
    if status:
        query = query.where(t.invoices.c.status == status)
    if kind:
        query = query.where(t.invoices.c.kind == kind)
    return [dict(r) for r in conn.execute(query).mappings()]
