"""Billing use cases: invoices on the configured event, credit memos, gapless numbering.

An invoice number is taken from its series inside the same transaction that stores the invoice: if
anything fails the transaction rolls back and the number is given back, so a series never has a gap
and never repeats.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from o2c.billing.terms import PaymentTerms
from o2c.kernel.config import settings
from o2c.kernel.errors import Conflict, NotFound, Problem, ValidationFailed
from o2c.kernel.money import from_minor, round_money, to_minor
from o2c.ledger import model as ledger
from o2c.masterdata.repository import get_customer
from o2c.storage import schema as t
from o2c.storage.uow import UnitOfWork


def next_number(conn: Connection, series: str) -> str:
    """Take the next number of ``series`` (gapless: the UPDATE holds the row until commit)."""
    prefix = settings()["invoice_series"].get(series, series.upper() + "-")
    changed = conn.execute(update(t.invoice_series).where(t.invoice_series.c.series == series)
                           .values(next_number=t.invoice_series.c.next_number + 1)
                           .returning(t.invoice_series.c.next_number, t.invoice_series.c.prefix)).first()
    if changed is None:
        conn.execute(insert(t.invoice_series).values(series=series, prefix=prefix, next_number=2))
        return f"{prefix}{1:06d}"
    return f"{changed.prefix}{changed.next_number - 1:06d}"


def _check_required(customer, lines: list[dict], issue_date: date) -> None:
    problems = []
    if not lines:
        problems.append(Problem("no_lines", "an invoice needs at least one line"))
    for line in lines:
        if line["unit_price"] is None:
            problems.append(Problem("required", "has no unit price", line=line["line_no"], field="unit_price"))
        if line["quantity"] <= 0:
            problems.append(Problem("invalid", "quantity must be positive", line=line["line_no"], field="quantity"))
    if not customer.name:
        problems.append(Problem("required", "customer has no name", field="customer"))
    if problems:
        raise ValidationFailed("invoice is incomplete; it was not issued", problems)


def issue_invoice(uow: UnitOfWork, *, customer_id: str, lines: list[dict], issue_date: date,
                  order_id: str | None = None, shipment_id: str | None = None, po_number: str | None = None,
                  freight: int = 0, kind: str = "invoice", original_invoice: str | None = None,
                  reason_code: str | None = None) -> str:
    """Store an invoice (or credit memo) with its lines and post it. ``lines`` hold line_no, item_id,
    description, quantity, uom, unit_price (Decimal), lot, serial, expiry, order_line_no."""
    customer = get_customer(uow.conn, customer_id)
    _check_required(customer, lines, issue_date)
    terms = PaymentTerms.parse(customer.payment_terms)
    amounts = [to_minor(round_money(Decimal(l["unit_price"]) * l["quantity"], customer.currency), customer.currency)
               for l in lines]
    subtotal = sum(amounts)
    # Sales tax on the goods (not freight), rounded once on the invoice total as US invoices do.
    tax = to_minor(round_money(from_minor(subtotal, customer.currency) * customer.tax_rate, customer.currency),
                   customer.currency)
    total = subtotal + freight + tax
    number = next_number(uow.conn, kind)
    uow.conn.execute(insert(t.invoices).values(
        invoice_number=number, series=kind, kind=kind, customer_id=customer_id, order_id=order_id,
        shipment_id=shipment_id, po_number=po_number, issue_date=issue_date, due_date=terms.due_date(issue_date),
        payment_terms=str(terms), currency=customer.currency, subtotal_minor=subtotal, freight_minor=freight,
        tax_minor=tax, total_minor=total, open_minor=total if kind == "invoice" else -total,
        status="open", original_invoice=original_invoice, reason_code=reason_code, created_at=uow.now))
    uow.conn.execute(insert(t.invoice_lines), [
        {"invoice_number": number, "line_no": l["line_no"], "order_line_no": l.get("order_line_no"),
         "item_id": l["item_id"], "description": l["description"], "quantity": l["quantity"], "uom": l["uom"],
         "unit_price": Decimal(l["unit_price"]), "amount_minor": amount, "lot": l.get("lot"),
         "serial": l.get("serial"), "expiry": l.get("expiry")} for l, amount in zip(lines, amounts)])
    if kind == "invoice":
        uow.post(ledger.invoice_issued(number, customer_id, subtotal=subtotal, freight=freight, tax=tax), issue_date)
    else:
        uow.post(ledger.credit_memo_issued(number, customer_id, subtotal=subtotal, freight=freight, tax=tax),
                 issue_date)
    payload = {"customer_id": customer_id, "order_id": order_id, "total_minor": total, "kind": kind,
               "original_invoice": original_invoice, "reason_code": reason_code}
    uow.audit("issued", "invoice", number, payload, document_ref=shipment_id or order_id)
    uow.emit(f"{kind}.issued", "invoice", number, payload)
    return number


def invoice_shipment(uow: UnitOfWork, shipment_id: str) -> str:
    """Invoice what one shipment (or usage report) delivered, at the order's prices."""
    shipment = uow.conn.execute(select(t.shipments).where(t.shipments.c.shipment_id == shipment_id)).mappings().first()
    if shipment is None:
        raise NotFound(f"shipment {shipment_id} does not exist")
    already = uow.conn.execute(select(t.invoices.c.invoice_number).where(
        t.invoices.c.shipment_id == shipment_id, t.invoices.c.kind == "invoice")).scalar()
    if already:
        raise Conflict(f"shipment {shipment_id} is already invoiced on {already}", code="already_invoiced")
    order = uow.conn.execute(select(t.orders).where(t.orders.c.order_id == shipment["order_id"])).mappings().one()
    order_lines = {l["line_no"]: l for l in uow.conn.execute(
        select(t.order_lines).where(t.order_lines.c.order_id == order["order_id"])).mappings()}
    descriptions = dict(uow.conn.execute(select(t.items.c.item_id, t.items.c.description)).all())
    shipped = uow.conn.execute(select(t.shipment_lines).where(t.shipment_lines.c.shipment_id == shipment_id)
                               .order_by(t.shipment_lines.c.seq)).mappings().all()
    lines = []
    for no, s in enumerate(shipped, start=1):
        ol = order_lines[s["line_no"]]
        lines.append({"line_no": no, "order_line_no": s["line_no"], "item_id": s["item_id"],
                      "description": descriptions.get(s["item_id"], s["item_id"]), "quantity": s["quantity"],
                      "uom": ol["uom"], "unit_price": ol["unit_price"], "lot": s["lot"], "serial": s["serial"],
                      "expiry": s["expiry"]})
    first_invoice = uow.conn.execute(select(t.invoices.c.invoice_number).where(
        t.invoices.c.order_id == order["order_id"], t.invoices.c.kind == "invoice")).first() is None
    freight = order["freight_minor"] if first_invoice else 0
    number = issue_invoice(uow, customer_id=order["customer_id"], lines=lines, issue_date=uow.today,
                           order_id=order["order_id"], shipment_id=shipment_id, po_number=order["po_number"],
                           freight=freight)
    for s in shipped:
        uow.conn.execute(update(t.order_lines).where(t.order_lines.c.order_id == order["order_id"],
                                                     t.order_lines.c.line_no == s["line_no"])
                         .values(qty_invoiced=t.order_lines.c.qty_invoiced + s["quantity"]))
    from o2c.orders.service import _refresh_status
    _refresh_status(uow, order["order_id"])
    return number
