"""An invoice or credit memo as a document to render (PDF, X12 810, UBL/Peppol).

These are plain values, already computed by the billing domain: renderers add no business logic,
they only lay out what is here. Amounts are exact Decimals, rounded to the currency's minor unit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Party:
    party_id: str                 # our master-data id (customer_id, or the seller's own id)
    name: str
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str = "US"
    email: str | None = None
    tax_id: str | None = None     # VAT / EIN
    edi_id: str | None = None     # ISA/GS id when the party trades by EDI
    gln: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentLine:
    line_no: int
    item_id: str
    description: str
    quantity: Decimal
    uom: str
    unit_price: Decimal
    amount: Decimal               # quantity x unit_price, rounded
    gtin: str | None = None
    customer_item_ref: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: date | None = None
    tax_rate: Decimal = Decimal("0")


@dataclass(frozen=True, slots=True)
class InvoiceDocument:
    number: str
    kind: str                     # "invoice" | "credit_memo"
    issue_date: date
    due_date: date | None
    currency: str
    seller: Party
    buyer: Party
    lines: tuple[DocumentLine, ...]
    subtotal: Decimal
    tax_total: Decimal
    freight: Decimal
    total: Decimal
    ship_to: Party | None = None
    po_number: str | None = None
    order_id: str | None = None
    payment_terms: str | None = None        # "2/10 NET30"
    discount_percent: Decimal | None = None  # early-payment discount
    discount_days: int | None = None
    original_invoice: str | None = None      # for a credit memo or rebill
    reason_code: str | None = None
    notes: tuple[str, ...] = field(default=())
    procedure_date: date | None = None
    patient_ref: str | None = None           # never printed in full; renderers mask it
