"""What a bank file tells us about one incoming payment, before any matching.

Every bank format (BAI2, camt.053/054, X12 820, NACHA CCD+/CTX, lockbox CSV) is parsed into these
plain values, so that the matching engine never knows which format a payment came from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class RemittanceLine:
    """One invoice the payer says it is paying (from addenda, a lockbox row, an 820 RMR, camt Strd)."""

    reference: str | None              # invoice number as written by the payer, noise included
    amount_paid: Decimal | None = None
    invoice_amount: Decimal | None = None   # gross amount the payer believes was billed, when stated
    discount: Decimal | None = None
    adjustment: Decimal | None = None       # deduction the payer took (positive = paid less)
    adjustment_reason: str | None = None
    po_number: str | None = None


@dataclass(frozen=True, slots=True)
class IncomingPayment:
    """One payment as stated by a bank file.

    ``bank_ref`` is the payment's own reference as the spec defines it per format (BAI2 16-record bank
    reference, camt EndToEndId else AcctSvcrRef, 820 TRN02, lockbox check number, NACHA trace number).
    ``source_key`` identifies the payment inside its file for idempotency even when ``bank_ref`` repeats.
    """

    source: str                  # file name as given
    format: str                  # bai2 | camt053 | camt054 | x12_820 | nacha | lockbox
    bank_ref: str
    amount: Decimal              # always positive for a credit (money in)
    currency: str = "USD"
    value_date: date | None = None
    payer_name: str | None = None
    payer_account: str | None = None   # remitter account number / IBAN
    payer_routing: str | None = None   # ABA / BIC
    alt_refs: tuple[str, ...] = ()     # other references (lockbox item id, AcctSvcrRef, customer ref)
    free_text: str | None = None       # unstructured remittance information, as written
    remittance: tuple[RemittanceLine, ...] = ()
    is_credit: bool = True
    source_key: str = ""               # stable position in the file, e.g. "group1/account2/txn5"
    extra: dict = field(default_factory=dict, hash=False, compare=False)
