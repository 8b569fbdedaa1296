"""Credit memos and rebills: correcting an invoice without ever editing it.

An issued invoice is a legal document and a posted journal entry; it is never changed. A mistake is
corrected by a credit memo (series CM) that names the invoice it credits and why (a reason code from
``REASONS``), and, when the customer still owes something, by a rebill: a new invoice linked both to
the original and to the credit memo that cancelled it.

How the money moves:

- the credit memo is posted (Dr revenue, freight, tax; Cr AR) and starts with a negative open amount;
- it is applied at once to the original's open amount (``credit_applications``); when the original
  is already paid, what is left stays on the credit memo as a credit balance the customer can use;
- applying moves no money between accounts (both sides are the customer's AR), so the sum of open
  items stays equal to the AR balance at every step.

A credit never exceeds what is left to credit: per line, the invoiced quantity less what earlier
credit memos took back; freight and tax likewise.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from o2c.billing.service import get_invoice, issue_invoice, line_amount, sales_tax
from o2c.kernel.errors import Conflict, InvalidValue, Problem, ValidationFailed
from o2c.masterdata.repository import get_customer
from o2c.storage import schema as t
from o2c.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class CreditReason:
    code: str
    label: str


#: Why an invoice was credited. Kept small on purpose: the credit-and-rebill rate is only useful when
#: the same mistake is always filed under the same code.
REASONS: dict[str, CreditReason] = {}


def register_reason(code: str, label: str) -> CreditReason:
    """Add a reason code (a company may need one more; the six below cover the usual causes)."""
    REASONS[code] = CreditReason(code, label)
    return REASONS[code]


for _code, _label in (("pricing_error", "Price billed differs from the contract or quote"),
                      ("returned_goods", "Goods returned by the customer"),
                      ("damaged", "Goods arrived damaged"),
                      ("duplicate_billing", "Billed twice for the same goods"),
                      ("wrong_customer", "Billed to the wrong customer"),
                      ("other", "Other (see note)")):
    register_reason(_code, _label)


def check_reason(code: str | None) -> CreditReason:
    if code not in REASONS:
        raise InvalidValue("reason_code", f"{code!r} is not one of {', '.join(REASONS)}")
    return REASONS[code]


# --- what is left to credit ------------------------------------------------------------------------
@dataclass
class Creditable:
    """What earlier credit memos have not yet taken back from an invoice."""

    quantities: dict[int, int]          # invoice line_no -> units still creditable
    subtotal: int
    freight: int
    tax: int

    @property
    def exhausted(self) -> bool:
        return not any(self.quantities.values()) and not self.freight and not self.tax


def creditable(conn: Connection, invoice: dict, lines: list[dict]) -> Creditable:
    credits = select(t.invoices.c.invoice_number).where(t.invoices.c.original_invoice == invoice["invoice_number"],
                                                        t.invoices.c.kind == "credit_memo")
    taken = dict(conn.execute(select(t.invoice_lines.c.original_line_no, func.sum(t.invoice_lines.c.quantity))
                              .where(t.invoice_lines.c.invoice_number.in_(credits))
                              .group_by(t.invoice_lines.c.original_line_no)).all())
    sums = conn.execute(select(func.coalesce(func.sum(t.invoices.c.subtotal_minor), 0),
                               func.coalesce(func.sum(t.invoices.c.freight_minor), 0),
                               func.coalesce(func.sum(t.invoices.c.tax_minor), 0))
                        .where(t.invoices.c.invoice_number.in_(credits))).one()
    return Creditable({l["line_no"]: l["quantity"] - int(taken.get(l["line_no"]) or 0) for l in lines},
                      invoice["subtotal_minor"] - int(sums[0]), invoice["freight_minor"] - int(sums[1]),
                      invoice["tax_minor"] - int(sums[2]))


def _creditable_invoice(conn: Connection, invoice_number: str) -> tuple[dict, list[dict], Creditable]:
    invoice, lines = get_invoice(conn, invoice_number)
    if invoice["kind"] != "invoice":
        raise Conflict(f"{invoice_number} is a {invoice['kind']}, not an invoice: it cannot be credited",
                       code="not_creditable")
    if not lines:
        raise Conflict(f"{invoice_number} has no lines to credit (an opening balance is written off, not "
                       f"credited)", code="not_creditable")
    left = creditable(conn, invoice, lines)
    if left.exhausted:
        raise Conflict(f"{invoice_number} is already fully credited", code="already_credited")
    return invoice, lines, left


def _credit_quantities(invoice_number: str, requested: dict[int, int] | None, left: Creditable) -> dict[int, int]:
    """Units to credit per line: everything left (full credit) or what was asked, checked line by line."""
    if requested is None:
        return {no: qty for no, qty in left.quantities.items() if qty > 0}
    problems = []
    for no, qty in requested.items():
        if no not in left.quantities:
            problems.append(Problem("unknown_line", f"{invoice_number} has no line {no}", line=no))
        elif not isinstance(qty, int) or qty <= 0:
            problems.append(Problem("invalid", "quantity to credit must be a positive whole number", line=no,
                                    field="quantity"))
        elif qty > left.quantities[no]:
            problems.append(Problem("over_credit", f"{qty} to credit but only {left.quantities[no]} left to "
                                    f"credit", line=no, field="quantity"))
    if not requested:
        problems.append(Problem("no_lines", "name at least one line to credit"))
    if problems:
        raise ValidationFailed(f"credit of {invoice_number} refused", problems)
    return dict(requested)


# --- credit memos ----------------------------------------------------------------------------------
def credit_invoice(uow: UnitOfWork, invoice_number: str, lines: dict[int, int] | None = None,
                   reason_code: str = "other", note: str | None = None) -> str:
    """Issue a credit memo against ``invoice_number``: every line still creditable plus freight and
    tax when ``lines`` is None (a full credit), or ``{line_no: units}``. Returns the credit memo number.

    A partial credit gives back the goods and the tax on them, not freight (freight was spent)."""
    reason = check_reason(reason_code)
    invoice, invoice_lines, left = _creditable_invoice(uow.conn, invoice_number)
    quantities = _credit_quantities(invoice_number, lines, left)
    by_no = {l["line_no"]: l for l in invoice_lines}
    credit_lines = [_credit_line(n, by_no[no], qty) for n, (no, qty) in enumerate(sorted(quantities.items()), 1)]
    full = lines is None or quantities == {no: q for no, q in left.quantities.items() if q > 0}
    subtotal = sum(line_amount(l["unit_price"], l["quantity"], invoice["currency"]) for l in credit_lines)
    rate = _tax_rate(uow.conn, invoice)
    tax = left.tax if full else min(left.tax, sales_tax(subtotal, rate, invoice["currency"]))
    number = issue_invoice(
        uow, customer_id=invoice["customer_id"], lines=credit_lines, issue_date=uow.today,
        order_id=invoice["order_id"], shipment_id=invoice["shipment_id"], po_number=invoice["po_number"],
        freight=left.freight if lines is None else 0, kind="credit_memo", original_invoice=invoice_number,
        reason_code=reason.code, tax=tax, tax_rate=rate, note=note)
    applied = apply_credit(uow, number, invoice_number)
    uow.audit("credited", "invoice", invoice_number, {"credit_memo": number, "reason_code": reason.code,
                                                      "applied_minor": applied, "note": note})
    return number


def _credit_line(line_no: int, original: dict, quantity: int) -> dict:
    return {"line_no": line_no, "original_line_no": original["line_no"], "order_line_no": original["order_line_no"],
            "item_id": original["item_id"], "description": original["description"], "quantity": quantity,
            "uom": original["uom"], "unit_price": Decimal(original["unit_price"]), "lot": original["lot"],
            "serial": original["serial"], "expiry": original["expiry"]}


def _tax_rate(conn: Connection, invoice: dict) -> Decimal:
    """The rate the invoice was issued at; invoices from before 0004 fall back to the customer's rate."""
    if invoice.get("tax_rate") is not None:
        return Decimal(invoice["tax_rate"])
    return get_customer(conn, invoice["customer_id"]).tax_rate


def apply_credit(uow: UnitOfWork, credit_memo: str, invoice_number: str) -> int:
    """Settle as much of ``invoice_number`` as the credit memo covers; returns the minor units applied.
    Whatever the invoice no longer owes stays on the credit memo as a credit balance."""
    memo, _ = get_invoice(uow.conn, credit_memo)
    invoice, _ = get_invoice(uow.conn, invoice_number)
    if memo["customer_id"] != invoice["customer_id"]:
        raise Conflict(f"{credit_memo} belongs to {memo['customer_id']}, {invoice_number} to "
                       f"{invoice['customer_id']}", code="customer_mismatch")
    amount = min(-memo["open_minor"], max(invoice["open_minor"], 0))
    if amount <= 0:
        return 0
    uow.conn.execute(insert(t.credit_applications).values(credit_memo=credit_memo, invoice_number=invoice_number,
                                                          amount_minor=amount, at=uow.now))
    _settle(uow, invoice, -amount, settled_status="credited")
    _settle(uow, memo, amount, settled_status="applied")
    return amount


def _settle(uow: UnitOfWork, row: dict, change: int, settled_status: str) -> None:
    remaining = row["open_minor"] + change
    status = settled_status if remaining == 0 else row["status"]
    uow.conn.execute(update(t.invoices).where(t.invoices.c.invoice_number == row["invoice_number"])
                     .values(open_minor=t.invoices.c.open_minor + change, status=status))


# --- rebills ---------------------------------------------------------------------------------------
@dataclass
class Corrections:
    """What the rebill changes: prices or quantities per original line, the customer, the PO."""

    prices: dict[int, Decimal] = field(default_factory=dict)
    quantities: dict[int, int] = field(default_factory=dict)
    customer_id: str | None = None
    po_number: str | None = None

    @classmethod
    def of(cls, value: "Corrections | dict") -> "Corrections":
        """Accept the dataclass, or a plain ``{line_no: new_unit_price}`` (the common price fix)."""
        if isinstance(value, Corrections):
            return value
        if not isinstance(value, dict):
            raise InvalidValue("corrections", "give Corrections or {line_no: unit_price}")
        return cls(prices={int(no): Decimal(str(price)) for no, price in value.items()})


@dataclass(frozen=True, slots=True)
class Rebill:
    credit_memo: str
    invoice: str


def rebill(uow: UnitOfWork, invoice_number: str, corrections: "Corrections | dict",
           reason_code: str = "pricing_error", note: str | None = None) -> Rebill:
    """Credit the invoice in full and bill again with the corrections applied; the new invoice names
    the original (``original_invoice``) and the credit memo (``linked_credit_memo``)."""
    fixes = Corrections.of(corrections)
    check_reason(reason_code)
    invoice, lines, left = _creditable_invoice(uow.conn, invoice_number)
    _check_corrections(invoice_number, fixes, left)
    credit_memo = credit_invoice(uow, invoice_number, None, reason_code, note)
    customer_id = fixes.customer_id or invoice["customer_id"]
    new_lines = _rebill_lines(lines, left, fixes)
    same_customer = customer_id == invoice["customer_id"]
    number = issue_invoice(
        uow, customer_id=customer_id, lines=new_lines, issue_date=uow.today, order_id=invoice["order_id"],
        shipment_id=invoice["shipment_id"], po_number=fixes.po_number or invoice["po_number"],
        freight=left.freight, original_invoice=invoice_number, reason_code=reason_code,
        tax_rate=_tax_rate(uow.conn, invoice) if same_customer else None, note=note,
        linked_credit_memo=credit_memo)
    payload = {"credit_memo": credit_memo, "invoice": number, "reason_code": reason_code,
               "prices": {str(k): str(v) for k, v in fixes.prices.items()},
               "quantities": {str(k): v for k, v in fixes.quantities.items()}, "customer_id": customer_id}
    uow.audit("rebilled", "invoice", invoice_number, payload)
    uow.emit("invoice.rebilled", "invoice", invoice_number, payload)
    return Rebill(credit_memo, number)


def _check_corrections(invoice_number: str, fixes: Corrections, left: Creditable) -> None:
    problems = []
    for no in set(fixes.prices) | set(fixes.quantities):
        if left.quantities.get(no, 0) <= 0:
            problems.append(Problem("unknown_line", f"{invoice_number} has no line {no} left to rebill", line=no))
    for no, price in fixes.prices.items():
        if Decimal(price) < 0:
            problems.append(Problem("invalid", "unit price cannot be negative", line=no, field="unit_price"))
    for no, qty in fixes.quantities.items():
        if not isinstance(qty, int) or qty < 0:
            problems.append(Problem("invalid", "quantity must be a whole number, 0 to drop the line", line=no,
                                    field="quantity"))
    if not (fixes.prices or fixes.quantities or fixes.customer_id or fixes.po_number):
        problems.append(Problem("no_corrections", "a rebill needs at least one correction"))
    if problems:
        raise ValidationFailed(f"rebill of {invoice_number} refused", problems)


def _rebill_lines(lines: list[dict], left: Creditable, fixes: Corrections) -> list[dict]:
    """The credited lines again, corrected; a line corrected to 0 units is dropped."""
    out = []
    for line in lines:
        qty = fixes.quantities.get(line["line_no"], left.quantities.get(line["line_no"], 0))
        if qty <= 0:
            continue
        price = fixes.prices.get(line["line_no"], Decimal(line["unit_price"]))
        out.append({"line_no": len(out) + 1, "order_line_no": line["order_line_no"], "item_id": line["item_id"],
                    "description": line["description"], "quantity": qty, "uom": line["uom"],
                    "unit_price": Decimal(price), "lot": line["lot"], "serial": line["serial"],
                    "expiry": line["expiry"]})
    return out


# --- the credit-and-rebill rate --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CreditRate:
    """How often billing had to be corrected in a period: a billing-quality measure (DSO suffers from
    every correction). ``rate`` is corrections / invoices issued, None when nothing was invoiced."""

    start: date
    end: date
    invoices_issued: int
    credit_memos: int
    rebills: int
    by_reason: dict[str, int]

    @property
    def rate(self) -> Decimal | None:
        if not self.invoices_issued:
            return None
        return (Decimal(self.credit_memos) / Decimal(self.invoices_issued)).quantize(Decimal("0.0001"))

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "invoices_issued": self.invoices_issued,
                "credit_memos": self.credit_memos, "rebills": self.rebills, "by_reason": self.by_reason,
                "rate": None if self.rate is None else str(self.rate)}


def credit_rebill_rate(conn: Connection, start: date, end: date) -> CreditRate:
    """Credit memos (each rebill comes with exactly one, so a rebill counts once) over first-time
    invoices issued between ``start`` and ``end`` inclusive. Rebills are not in the denominator:
    billing again what was billed wrongly is not more business."""
    inv = t.invoices
    in_period = inv.c.issue_date.between(start, end)
    first_time = select(func.count()).where(in_period, inv.c.kind == "invoice", inv.c.original_invoice.is_(None))
    rebills = select(func.count()).where(in_period, inv.c.kind == "invoice", inv.c.original_invoice.is_not(None))
    reasons = dict(conn.execute(select(inv.c.reason_code, func.count()).where(in_period, inv.c.kind == "credit_memo")
                                .group_by(inv.c.reason_code)).all())
    return CreditRate(start, end, conn.execute(first_time).scalar_one(), sum(reasons.values()),
                      conn.execute(rebills).scalar_one(),
                      {str(code): int(n) for code, n in sorted(reasons.items(), key=lambda kv: str(kv[0]))})


def credits_of(conn: Connection, invoice_number: str) -> list[dict]:
    """Credit memos and rebills issued against an invoice, oldest first (for ``invoice show``)."""
    rows = conn.execute(select(t.invoices.c.invoice_number, t.invoices.c.kind, t.invoices.c.reason_code,
                               t.invoices.c.total_minor, t.invoices.c.issue_date)
                        .where(t.invoices.c.original_invoice == invoice_number)
                        .order_by(t.invoices.c.created_at, t.invoices.c.invoice_number)).mappings()
    return [dict(r) for r in rows]
