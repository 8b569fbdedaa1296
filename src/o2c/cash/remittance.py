"""What the payer said it is paying: references and amounts, from structured lines or free text.

Structured remittance (lockbox rows, camt ``Strd``, 820 RMR) is taken as given. Free text (BAI2 88
records, camt ``Ustrd``, wire OBI) is scanned for reference-like tokens; an amount that follows a
reference before the next one is read as that line's paid amount, and ``GROSS``/``DISC``/``NET``
keywords as the invoice amount, discount and net. Words that are obviously not references (bank
boilerplate, dates, amounts) are skipped, but everything else is only a *candidate*: it becomes a
reference only when the open-item book knows it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from o2c.cash.normalize import looks_like_amount, looks_like_date
from o2c.cash.payment import IncomingPayment, RemittanceLine
from o2c.kernel.money import parse_decimal


@dataclass(frozen=True, slots=True)
class StatedLine:
    """One invoice the payer named, with what it said about it (amounts may be unknown)."""

    reference: str
    amount_paid: Decimal | None = None
    invoice_amount: Decimal | None = None
    discount: Decimal | None = None
    adjustment: Decimal | None = None
    adjustment_reason: str | None = None
    po_number: str | None = None
    structured: bool = True

    @property
    def explicit(self) -> bool:
        """Stated as a reference (a structured field, or a token with a letter prefix such as ``INV``),
        as opposed to a bare number found in free text that may be anything."""
        return self.structured or self.reference[:1].isalpha()


#: labels that introduce a reference; they are dropped and glued to the following token
_REF_LABELS = {"INV", "INVOICE", "INVOICES", "INV#", "INVNO", "INV.", "NO", "NO.", "#", "REF", "BILL", "DOC"}
_KEYWORDS = {"GROSS": "invoice_amount", "DISC": "discount", "DISCOUNT": "discount", "NET": "amount_paid",
             "PAID": "amount_paid", "ADJ": "adjustment", "DED": "adjustment"}
#: bank boilerplate whose values are never invoice references
_SKIP_AFTER = {"ID", "ORIG", "SEC", "DESC", "NAME", "ORG", "BNF", "TRN", "IMAD", "OMAD", "ACCT", "ABA"}
_TOKEN = re.compile(r"[A-Za-z0-9#./$(),\-]+")
_LABEL_RUN = re.compile(r"^(?:INV(?:OICE)?S?|REF|BILL|DOC)[#:.\-]*$", re.IGNORECASE)


def _amount(text: str) -> Decimal | None:
    try:
        return parse_decimal(text.strip(",;"))
    except Exception:   # noqa: BLE001 - any unreadable amount is simply not an amount
        return None


def _from_line(line: RemittanceLine) -> StatedLine | None:
    if not line.reference and not line.po_number:
        return None
    return StatedLine(line.reference or "", line.amount_paid, line.invoice_amount, line.discount,
                      line.adjustment, line.adjustment_reason, line.po_number, True)


def _is_candidate(token: str) -> bool:
    """A token worth looking up: has at least three digit-like characters and is no amount or date."""
    if looks_like_amount(token) or looks_like_date(token):
        return False
    return sum(c.isdigit() for c in token) >= 3


#: X12 fragments pasted into free text (``RMT*IV*204011*1500.00\\``): element and segment separators
_X12_SEPARATORS = re.compile(r"[*~\\]+")
#: the X12 invoice qualifier between separators means "invoice", like the word itself
_X12_INVOICE = re.compile(r"\*IV\*", re.IGNORECASE)
#: several references written as one token: ``204011/204015``, ``204011,204015``
_LIST_SPLIT = re.compile(r"[/,]")


def _split_list(token: str) -> list[str]:
    """``204011/204015`` -> both numbers, when every piece is reference-like; an amount or a date
    (``1,234.56``, ``11/20/2026``) stays whole."""
    if looks_like_amount(token) or looks_like_date(token):
        return [token]
    pieces = [p for p in _LIST_SPLIT.split(token) if p]
    if len(pieces) > 1 and all(_is_candidate(p) for p in pieces):
        return pieces
    return [token]


def _raw_tokens(text: str) -> list[str]:
    text = _X12_SEPARATORS.sub(" ", _X12_INVOICE.sub(" INV ", text))
    raw = [t.strip(",;:") for t in re.split(r"[\s;]+", text) if t.strip(",;:")]
    out: list[str] = []
    for tok in raw:
        for part in (p for p in tok.split(":") if p):
            out.extend(_split_list(part))
    return out


def _tokens(text: str) -> list[str]:
    """Free text split into tokens, with ``INV 68252`` / ``INV# 68252`` glued into one reference.

    A label also covers the run of numbers right after it (``INVOICES 204011 204015``), as long as
    they are written like the first one (same length): a different-looking number after the list
    (a check number, a trace id) is left bare. A token that already has its own letter prefix
    (``INVOICE INV-204011``) is not glued again.
    """
    out: list[str] = []
    label: str | None = None
    shape: int | None = None
    for part in _raw_tokens(text):
        if _LABEL_RUN.match(part):
            label, shape = part, None
            out.append(part)
            continue
        if label and _is_candidate(part) and part[:1].isdigit() and shape in (None, len(part)):
            if shape is None and out and out[-1] == label:
                out[-1] = label + "-" + part
            else:
                out.append(label + "-" + part)
            shape = len(part)
            continue
        out.append(part)
        label = None
    return out


def scan_free_text(text: str | None) -> list[StatedLine]:
    """Reference candidates found in free text, each with the amounts stated after it."""
    if not text:
        return []
    lines: list[dict] = []
    skip_next = False
    pending_key: str | None = None
    for tok in _tokens(text):
        upper = tok.upper().rstrip(":")
        if skip_next:
            skip_next = upper in _SKIP_AFTER
            continue
        if upper in _SKIP_AFTER:
            skip_next = True
            continue
        if upper in _KEYWORDS:
            pending_key = _KEYWORDS[upper]
            continue
        if looks_like_amount(tok) or re.fullmatch(r"\d+\.\d{2}", tok):
            if lines:
                key = pending_key or "amount_paid"
                if lines[-1].get(key) is None:
                    lines[-1][key] = _amount(tok)
            pending_key = None
            continue
        if _is_candidate(tok):
            lines.append({"reference": tok})
            pending_key = None
    return [StatedLine(d["reference"], d.get("amount_paid"), d.get("invoice_amount"), d.get("discount"),
                       d.get("adjustment"), None, None, False) for d in lines]


def stated_lines(payment: IncomingPayment) -> list[StatedLine]:
    """Everything the payer stated: structured lines when there are any, else the free text.

    When both exist the structured lines win (they were meant for machines); free text then only adds
    references that the structured part did not mention.
    """
    lines = [s for s in (_from_line(line) for line in payment.remittance) if s is not None]
    seen = {line.reference.upper() for line in lines}
    for extra in scan_free_text(payment.free_text):
        if extra.reference.upper() not in seen:
            if lines:
                extra = StatedLine(extra.reference, None, None, None, None, None, None, False)
            lines.append(extra)
            seen.add(extra.reference.upper())
    return lines
