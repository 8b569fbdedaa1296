"""Pieces every bank-file parser shares: the parse result, refusals that name the file, date and
amount readers, and the reading of free remittance text.

Bank files are judged by people who must trust the cash that comes out, so every parser refuses a
whole file (``BankFileError``) rather than guess when the file contradicts itself, and reports the
entries it deliberately leaves out (debits, returns, prenotes) in ``ParseResult.skipped`` instead of
dropping them silently.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from o2c.cash.payment import IncomingPayment, RemittanceLine
from o2c.kernel.errors import O2CError, Problem


class BankFileError(O2CError):
    """A bank file that cannot be imported; the message names the file and, when known, the line."""

    code = "bank_file_invalid"

    def __init__(self, source: str, reason: str, *, line: int | None = None, field: str | None = None):
        problem = Problem(self.code, reason, source=source, line=line, field=field)
        super().__init__(str(problem), problems=[])
        self.source = source
        self.reason = reason
        self.line = line
        self.field = field


class UnsupportedBankFormat(BankFileError):
    """A file we recognise but deliberately do not import (OFX, camt.052, BAI lockbox...)."""

    code = "bank_format_unsupported"


@dataclass(frozen=True, slots=True)
class Skipped:
    """An entry of the file that is not an incoming payment, and why (so nobody wonders where it went)."""

    source_key: str
    reason: str
    amount: Decimal | None = None
    reference: str | None = None


@dataclass(slots=True)
class ParseResult:
    """Everything a parser learnt from one file: the payments, what it left out, and the checks it made."""

    source: str
    format: str
    payments: list[IncomingPayment] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)   # control totals verified, for the audit trail


# ---------------------------------------------------------------------------------------------- dates

def yymmdd(text: str, source: str, *, line: int | None = None, field: str = "date") -> date | None:
    """Six-digit bank dates (BAI2, NACHA). Blank or all-zero means "not stated" rather than an error,
    because NACHA return and COR batches carry 000000 on purpose."""
    raw = (text or "").strip()
    if not raw or set(raw) == {"0"}:
        return None
    if len(raw) != 6 or not raw.isdigit():
        raise BankFileError(source, f"{raw!r} is not a YYMMDD date", line=line, field=field)
    yy, mm, dd = int(raw[:2]), int(raw[2:4]), int(raw[4:])
    century = 2000 if yy < 80 else 1900
    try:
        return date(century + yy, mm, dd)
    except ValueError:
        raise BankFileError(source, f"{raw!r} is not a valid date", line=line, field=field) from None


# --------------------------------------------------------------------------------- remittance text

#: An amount as payers write it in remittance text: thousands separators optional, always two decimals.
_AMOUNT = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d{2}"
_AMOUNT_RE = re.compile(rf"(?<![\w.,]){_AMOUNT}(?![\w.])")
_LABELLED_RE = re.compile(
    rf"\b(GROSS|INVOICE AMT|INV AMT|AMT DUE|DISC(?:OUNT)?|NET|PAID|PAY|ADJ(?:USTMENT)?|DED(?:UCTION)?)\b"
    rf"[\s:=]*({_AMOUNT})",
    re.IGNORECASE,
)


#: What makes a piece of prose look like a document reference: an invoice word next to a number, or a
#: token with at least four digits ("Mitteilung 132" is a message, "INV 27954" and "204026" are not).
_INVOICE_WORD = re.compile(r"(?i)\b(?:inv(?:oice)?|bill|rechnung|facture|factura|doc|ref)\b\W{0,3}\w*\d")
_LONG_NUMBER = re.compile(r"\w*\d{4,}\w*|\w*(?:\d\w*){4,}")


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def parse_remittance_text(text: str | None) -> tuple[RemittanceLine, ...]:
    """Read invoice references (and amounts when written beside them) out of free remittance text.

    Payers write ``INV-1 100.00; INV-2 250.00`` or ``INV-9 GROSS 100.00 DISC 2.00 NET 98.00``. We split
    on ``;`` and line breaks, take what is left of each piece after removing amounts as the reference
    (noise included: the matcher normalises), and only keep pieces whose reference has a digit, since
    an invoice number without one cannot be told apart from prose.
    """
    if not text:
        return ()
    lines: list[RemittanceLine] = []
    for piece in re.split(r"[;\n|]+", text):
        line = _remittance_piece(piece)
        if line is not None:
            lines.extend(_split_reference_list(line))
    return tuple(lines)


#: a reference-like number inside a piece of prose: four or more digits, possibly with letters
_NUMBER_TOKEN = re.compile(r"[A-Za-z]*-?\d[\w-]*")


def _split_reference_list(line: RemittanceLine) -> list[RemittanceLine]:
    """``INVOICES 204011,204015`` or ``INV 204011/204015`` names two invoices, not one reference:
    one line per number, the words before the list kept on each (they say "invoice"). An amount
    written beside a list cannot be told apart per invoice, so the split lines carry none."""
    words = re.split(r"[\s,/]+", line.reference or "")
    numbers = [w for w in words if _NUMBER_TOKEN.fullmatch(w) and sum(c.isdigit() for c in w) >= 4]
    if len(numbers) < 2:
        return [line]
    first = words.index(numbers[0])
    label = " ".join(w for w in words[:first] if not any(c.isdigit() for c in w))
    return [RemittanceLine(reference=f"{label} {n}".strip(), po_number=line.po_number) for n in numbers]


def _remittance_piece(piece: str) -> RemittanceLine | None:
    labelled = {m.group(1).upper()[:3]: _money(m.group(2)) for m in _LABELLED_RE.finditer(piece)}
    rest = _LABELLED_RE.sub(" ", piece)
    loose = [_money(m.group(0)) for m in _AMOUNT_RE.finditer(rest)]
    reference = " ".join(_AMOUNT_RE.sub(" ", rest).split()).strip(" ,.:-")
    if not reference or not (_INVOICE_WORD.search(reference) or _LONG_NUMBER.search(reference)):
        return None
    gross = labelled.get("GRO") or labelled.get("INV") or labelled.get("AMT")
    paid = labelled.get("NET") or labelled.get("PAI") or labelled.get("PAY") or (loose[0] if loose else None)
    adjustment = labelled.get("ADJ") or labelled.get("DED")
    return RemittanceLine(reference=reference, amount_paid=paid, invoice_amount=gross,
                          discount=labelled.get("DIS"), adjustment=adjustment)


def clean(text: str | None) -> str | None:
    """Collapse whitespace; empty means absent, so callers can store ``None`` instead of ``""``."""
    if text is None:
        return None
    value = " ".join(str(text).split())
    return value or None
