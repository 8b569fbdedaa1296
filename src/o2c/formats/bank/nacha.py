"""NACHA ACH files: fixed 94-character records 1 (file header), 5 (batch header), 6 (entry),
7 (addenda), 8 (batch control) and 9 (file control).

Incoming credits (transaction codes 22/32/42/52) become payments referenced by their trace number.
Debits, prenotes, zero-dollar entries, returns (99 addenda) and notifications of change (COR, 98
addenda) are reported as skipped with the reason. Remittance comes from the 05 addenda: free text
for CCD/PPD/WEB, or for CTX an X12 820 fragment split across up to 9,999 addenda, reassembled here
and read minimally (RMR, REF, ADX, ENT) because the full X12 reader lives elsewhere.

Batch and file controls carry entry counts, an entry hash (sum of receiving DFI routing numbers) and
debit/credit totals; any disagreement means a cut or altered file, which we refuse.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from o2c.cash.payment import IncomingPayment, RemittanceLine
from o2c.formats.bank.common import (
    BankFileError, ParseResult, Skipped, clean, parse_remittance_text, yymmdd,
)

RECORD = 94
_HASH_MOD = 10 ** 10
_CREDIT_CODES = {"22", "32", "42", "52"}
_PRENOTES = {"23", "28", "33", "38", "43", "48", "53"}
_ZERO_DOLLAR = {"24", "29", "34", "39", "44", "49", "54"}
_RETURN_OR_NOC = {"21", "26", "31", "36", "41", "46", "51", "56"}


@dataclass
class _Entry:
    line: int
    record: str
    addenda: list[tuple[int, str]] = field(default_factory=list)

    def f(self, start: int, end: int) -> str:
        """Field by the 1-based inclusive positions the NACHA rules use."""
        return self.record[start - 1:end]


@dataclass
class _Batch:
    line: int
    header: str
    entries: list[_Entry] = field(default_factory=list)
    control: tuple[int, str] | None = None
    records: int = 0            # entries + addenda, as the batch control counts them


def _f(record: str, start: int, end: int) -> str:
    return record[start - 1:end]


def _records(text: str, source: str) -> list[tuple[int, str]]:
    """(line, 94-char record) pairs; accepts files without line breaks and lines with trimmed blanks."""
    lines = text.splitlines()
    if len(lines) == 1 and len(lines[0]) > RECORD and len(lines[0]) % RECORD == 0:
        lines = [lines[0][i:i + RECORD] for i in range(0, len(lines[0]), RECORD)]
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if len(line) > RECORD:
            raise BankFileError(source, f"record is {len(line)} characters long; NACHA records are 94", line=number)
        out.append((number, line.ljust(RECORD)))
    return out


def _number(text: str, source: str, line: int, what: str) -> int:
    value = text.strip()
    if not value.isdigit():
        raise BankFileError(source, f"{what} {text!r} is not a number", line=line, field=what)
    return int(value)


# ------------------------------------------------------------------------------------- structure

def _structure(records: list[tuple[int, str]], source: str) -> tuple[str, list[_Batch], tuple[int, str]]:
    """Header, batches and file control, refusing records out of place."""
    if not records or records[0][1][0] != "1":
        raise BankFileError(source, "not a NACHA file: the first record must be the '1' file header")
    header = records[0][1]
    if _f(header, 35, 37) != "094":
        raise BankFileError(source, f"file header states record size {_f(header, 35, 37)!r}, expected 094", line=1)
    batches: list[_Batch] = []
    batch: _Batch | None = None
    control: tuple[int, str] | None = None
    for line, rec in records[1:]:
        kind = rec[0]
        if control is not None:
            if set(rec) == {"9"}:
                continue                   # block filler after the file control
            raise BankFileError(source, f"record type {kind!r} after the file control", line=line)
        if kind == "5":
            if batch is not None:
                raise BankFileError(source, "batch header before the previous batch's control record", line=line)
            batch = _Batch(line, rec)
            batches.append(batch)
        elif kind in "678" and batch is None:
            raise BankFileError(source, f"record type {kind} outside a batch", line=line)
        elif kind == "6":
            batch.entries.append(_Entry(line, rec))
            batch.records += 1
        elif kind == "7":
            if not batch.entries:
                raise BankFileError(source, "addenda record before any entry", line=line)
            batch.entries[-1].addenda.append((line, rec))
            batch.records += 1
        elif kind == "8":
            batch.control, batch = (line, rec), None
        elif kind == "9":
            if batch is not None:
                raise BankFileError(source, "file control while a batch is still open", line=line)
            control = (line, rec)
        else:
            raise BankFileError(source, f"unknown record type {kind!r}", line=line)
    if control is None:
        raise BankFileError(source, "file ends without the '9' file control record: truncated or incomplete")
    return header, batches, control


# ------------------------------------------------------------------------------------- controls

def _entry_totals(entries: list[_Entry], source: str) -> tuple[int, int, int]:
    """Entry hash (before truncation), debit total and credit total in cents."""
    entry_hash = debit = credit = 0
    for entry in entries:
        entry_hash += _number(entry.f(4, 11), source, entry.line, "receiving DFI")
        amount = _number(entry.f(30, 39), source, entry.line, "amount")
        code = entry.f(2, 3)
        if code[1:] in "01234" and code[1:]:
            credit += amount
        else:
            debit += amount
    return entry_hash, debit, credit


def _compare(source: str, line: int, what: str, stated: int, computed: int, checks: list[str]) -> None:
    if stated != computed:
        raise BankFileError(source, f"{what} is {stated} but the entries give {computed}; the file is "
                                    f"incomplete or altered", line=line)
    checks.append(f"{what} {stated} ok (line {line})")


def _check_batch(batch: _Batch, index: int, source: str, checks: list[str]) -> tuple[int, int, int, int]:
    if batch.control is None:
        raise BankFileError(source, "batch without its '8' control record", line=batch.line)
    line, rec = batch.control
    entry_hash, debit, credit = _entry_totals(batch.entries, source)
    where = f"batch {index}"
    _compare(source, line, f"{where} entry/addenda count", _number(_f(rec, 5, 10), source, line, "count"),
             batch.records, checks)
    _compare(source, line, f"{where} entry hash", _number(_f(rec, 11, 20), source, line, "entry hash"),
             entry_hash % _HASH_MOD, checks)
    _compare(source, line, f"{where} total debits", _number(_f(rec, 21, 32), source, line, "debit total"),
             debit, checks)
    _compare(source, line, f"{where} total credits", _number(_f(rec, 33, 44), source, line, "credit total"),
             credit, checks)
    return batch.records, entry_hash, debit, credit


def _check_file(control: tuple[int, str], batches: list[_Batch], totals: list[tuple[int, int, int, int]],
                source: str, checks: list[str]) -> None:
    line, rec = control
    _compare(source, line, "file batch count", _number(_f(rec, 2, 7), source, line, "batch count"),
             len(batches), checks)
    _compare(source, line, "file entry/addenda count", _number(_f(rec, 14, 21), source, line, "count"),
             sum(t[0] for t in totals), checks)
    _compare(source, line, "file entry hash", _number(_f(rec, 22, 31), source, line, "entry hash"),
             sum(t[1] for t in totals) % _HASH_MOD, checks)
    _compare(source, line, "file total debits", _number(_f(rec, 32, 43), source, line, "debit total"),
             sum(t[2] for t in totals), checks)
    _compare(source, line, "file total credits", _number(_f(rec, 44, 55), source, line, "credit total"),
             sum(t[3] for t in totals), checks)


# ----------------------------------------------------------------------------------- remittance

def _addenda_text(entry: _Entry, sec: str) -> str:
    """Payment-related information of the 05 addenda. CTX splits one X12 stream across records, so
    its pieces are joined as they are; other SEC codes carry one human text per addenda."""
    kind = "17" if sec == "IAT" else "05"      # IAT carries remittance in its 17 addenda
    pieces = [_f(rec, 4, 83) for _, rec in entry.addenda if _f(rec, 2, 3) == kind]
    if sec == "CTX":
        return "".join(pieces).strip()
    return " ".join(p.strip() for p in pieces if p.strip())


def _x12_separators(text: str) -> tuple[str, str]:
    """Element and segment separators of an X12 fragment: ``*`` and ``~`` unless the data says otherwise."""
    element = "*"
    match = re.search(r"(?:RMR|REF|ENT|BPR|TRN|ADX|NTE|DTM|TXP|ISA|ST)([^A-Za-z0-9 ])", text)
    if match:
        element = match.group(1)
    for candidate in ("~", "\\", "'", "\n"):
        if candidate in text and candidate != element:
            return element, candidate
    return element, "~"


def parse_x12_remittance(text: str) -> tuple[tuple[RemittanceLine, ...], dict]:
    """Minimal reading of an 820 fragment: each RMR is an invoice line; REF*PO and ADX that follow
    it belong to it; ENT/N1 give the payer when present."""
    element, segment = _x12_separators(text)
    lines: list[dict] = []
    info: dict = {"refs": []}
    for raw in text.split(segment):
        parts = [p.strip() for p in raw.strip().split(element)]
        tag = parts[0].upper() if parts else ""
        if tag == "RMR" and len(parts) > 2:
            lines.append({"reference": parts[2] or None, "qualifier": parts[1],
                          "paid": _x12_amount(parts, 4), "gross": _x12_amount(parts, 5),
                          "discount": _x12_amount(parts, 6)})
        elif tag == "REF" and len(parts) > 2:
            if lines and parts[1].upper() == "PO":
                lines[-1]["po"] = parts[2]
            else:
                info["refs"].append(f"{parts[1]}:{parts[2]}")
        elif tag == "ADX" and len(parts) > 1 and lines:
            amount = _x12_amount(parts, 1)
            if amount is not None:        # ADX01 is negative when the payer deducted
                lines[-1]["adjustment"] = (lines[-1].get("adjustment") or Decimal(0)) - amount
                lines[-1]["reason"] = parts[2] if len(parts) > 2 else None
        elif tag == "N1" and len(parts) > 2 and parts[1].upper() in ("PR", "PE"):
            info.setdefault("parties", {})[parts[1].upper()] = parts[2]
        elif tag == "ENT" and len(parts) > 1:
            info.setdefault("entities", []).append(element.join(parts[1:]))
    remittance = tuple(RemittanceLine(
        reference=ln["reference"], amount_paid=ln["paid"], invoice_amount=ln["gross"], discount=ln["discount"],
        adjustment=ln.get("adjustment"), adjustment_reason=ln.get("reason"),
        po_number=ln.get("po") or (ln["reference"] if ln["qualifier"].upper() == "PO" else None))
        for ln in lines)
    return remittance, info


def _x12_amount(parts: list[str], pos: int) -> Decimal | None:
    if pos >= len(parts) or not parts[pos]:
        return None
    try:
        return Decimal(parts[pos])
    except ArithmeticError:
        return None


# ------------------------------------------------------------------------------------------ parse

def parse_nacha(data: bytes | str, source: str) -> ParseResult:
    """Parse a NACHA file; incoming credit entries become payments, everything else is skipped with why."""
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    header, batches, control = _structure(_records(text, source), source)
    result = ParseResult(source=source, format="nacha")
    created = yymmdd(_f(header, 24, 29), source, line=1, field="file creation date")
    totals = [_check_batch(batch, i, source, result.checks) for i, batch in enumerate(batches, start=1)]
    _check_file(control, batches, totals, source, result.checks)
    for b_index, batch in enumerate(batches, start=1):
        _parse_batch(batch, b_index, created, source, result)
    return result


def _parse_batch(batch: _Batch, b_index: int, created: date | None, source: str, result: ParseResult) -> None:
    head = batch.header
    sec = _f(head, 51, 53).strip().upper()
    effective = _effective_date(head, batch.line, source) or created
    for e_index, entry in enumerate(batch.entries, start=1):
        key = f"batch{b_index}/entry{e_index}"
        reason = _skip_reason(entry, sec)
        amount = Decimal(_number(entry.f(30, 39), source, entry.line, "amount")).scaleb(-2)
        trace = entry.f(80, 94).strip()
        if reason:
            result.skipped.append(Skipped(key, reason, amount, trace))
            continue
        result.payments.append(_payment(entry, head, sec, key, amount, trace, effective, source))


def _effective_date(head: str, line: int, source: str) -> date | None:
    """Effective entry date; some files put a descriptive value there, so an unreadable one is ignored."""
    try:
        return yymmdd(_f(head, 70, 75), source, line=line, field="effective entry date")
    except BankFileError:
        return None


def _skip_reason(entry: _Entry, sec: str) -> str | None:
    code = entry.f(2, 3)
    addenda_types = {_f(rec, 2, 3) for _, rec in entry.addenda}
    if sec == "COR" or "98" in addenda_types:
        return "notification of change (COR), not a payment"
    if "99" in addenda_types or code in _RETURN_OR_NOC:
        return f"return entry (transaction code {code})"
    if code in _PRENOTES:
        return f"prenotification (transaction code {code}), no money moves"
    if code in _ZERO_DOLLAR:
        return f"zero-dollar entry (transaction code {code})"
    if code not in _CREDIT_CODES:
        return f"debit entry (transaction code {code})"
    return None


def _payment(entry: _Entry, head: str, sec: str, key: str, amount: Decimal, trace: str,
             effective: date | None, source: str) -> IncomingPayment:
    text = _addenda_text(entry, sec)
    info: dict = {}
    if "RMR" in text.upper():
        remittance, info = parse_x12_remittance(text)
    else:
        remittance = parse_remittance_text(text)
    ident, receiver, payer = _parties(entry, head, sec)
    return IncomingPayment(
        source=source, format="nacha", bank_ref=trace, amount=amount, currency="USD", value_date=effective,
        payer_name=payer or info.get("parties", {}).get("PR"),
        payer_account=None, payer_routing=clean(_f(head, 80, 87)),
        alt_refs=tuple(r for r in (ident,) if r and r != trace), free_text=clean(text) if text else None,
        remittance=remittance, source_key=key,
        extra={"sec": sec, "transaction_code": entry.f(2, 3), "company_id": clean(_f(head, 41, 50)),
               "entry_description": clean(_f(head, 54, 63)), "receiver_name": receiver,
               "receiver_account": clean(entry.f(40, 74) if sec == "IAT" else entry.f(13, 29)), "receiver_dfi": entry.f(4, 11),
               "x12": info or None, "line": entry.line},
    )


def _parties(entry: _Entry, head: str, sec: str) -> tuple[str | None, str | None, str | None]:
    """Identification number, receiver name and payer name; their places depend on the SEC code.

    The payer of an incoming credit is the batch's originating company, except for IAT where the
    batch header holds foreign-exchange data and the originator's name is in the 11 addenda."""
    if sec == "IAT":
        originator = next((clean(_f(rec, 4, 38)) for _, rec in entry.addenda if _f(rec, 2, 3) == "11"), None)
        receiver = next((clean(_f(rec, 47, 81)) for _, rec in entry.addenda if _f(rec, 2, 3) == "10"), None)
        return None, receiver, originator
    receiver = clean(entry.f(59, 74)) if sec == "CTX" else clean(entry.f(55, 76))
    return clean(entry.f(40, 54)), receiver, clean(_f(head, 5, 20))
