"""BAI2 (Bank Administration Institute, version 2) prior-day and intraday reports.

A BAI2 file nests file (01/99) > group (02/98) > account (03/49) > transaction detail (16), and any
record may be continued by 88 records. Every trailer carries a control total and a record count, so
we check them all: a file whose totals disagree has been cut or edited and must not post cash.

Real banks bend the layout: several records on one physical line (``.../ 16,...``), a record wrapped
onto a physical line of its own without an 88, ``/`` inside a customer reference, amounts with a
sign and leading zeros. The reader below accepts those and refuses what it cannot read for sure.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from o2c.cash.payment import IncomingPayment
from o2c.formats.bank.common import (
    BankFileError, ParseResult, Skipped, clean, parse_remittance_text, yymmdd,
)
from o2c.kernel.money import minor_digits

RECORD_CODES = ("01", "02", "03", "16", "49", "88", "98", "99")
_RECORD_START = re.compile(r"^\s*(\d\d),")
_BAD_START = re.compile(r"^\s*(01|02|03|16|49|88|98|99)[^,\d]")
# A new logical record on the same physical line: "/" then blanks then a record code and a comma.
_INLINE_SPLIT = re.compile(r"(?<=/)\s+(?=(?:01|02|03|16|49|88|98|99),)")


@dataclass
class _Record:
    code: str
    line: int
    body: str                                   # text after "NN," of the first physical record
    continuations: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Records this logical record counts for in trailer record counts (itself plus its 88s)."""
        return 1 + len(self.continuations)

    def fields(self) -> list[str]:
        """Comma fields with the record terminator removed; 88 continuations extend the field list."""
        out = _strip_terminator(self.body).split(",")
        for cont in self.continuations:
            out.extend(_strip_terminator(cont).split(","))
        return [f.strip() for f in out]


def _strip_terminator(text: str) -> str:
    text = text.rstrip()
    return text[:-1] if text.endswith("/") else text


# ----------------------------------------------------------------------------------------- reading

def _physical_lines(text: str) -> list[tuple[int, str]]:
    """Split into (line number, logical record text), splitting lines that hold several records."""
    out: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        for part in _INLINE_SPLIT.split(line):
            out.append((number, part))
    return out


def _records(text: str, source: str) -> list[_Record]:
    """Logical records, with each 88 attached to the record it continues."""
    records: list[_Record] = []
    for number, part in _physical_lines(text):
        if _BAD_START.match(part):
            raise BankFileError(source, f"malformed record start {part.strip()[:12]!r} (expected 'NN,')",
                                line=number)
        match = _RECORD_START.match(part)
        if match is None or match.group(1) not in RECORD_CODES:
            if not records:
                raise BankFileError(source, "not a BAI2 file: the first record must be an 01 file header",
                                    line=number)
            _wrap_onto(records[-1], part)
            continue
        code, body = match.group(1), part[match.end():]
        if code == "88":
            if not records:
                raise BankFileError(source, "88 continuation record before any record", line=number)
            records[-1].continuations.append(body)
        else:
            records.append(_Record(code, number, body))
    return records


def _wrap_onto(record: _Record, part: str) -> None:
    """A physical line with no record code continues the previous line as is (a wrapped record)."""
    if record.continuations:
        record.continuations[-1] += part
    else:
        record.body += part


# ------------------------------------------------------------------------------------- structure

@dataclass
class _Txn:
    record: _Record
    index: int


@dataclass
class _Account:
    header: _Record
    index: int
    txns: list[_Txn] = field(default_factory=list)
    trailer: _Record | None = None


@dataclass
class _Group:
    header: _Record
    index: int
    accounts: list[_Account] = field(default_factory=list)
    trailer: _Record | None = None


@dataclass
class _File:
    header: _Record
    groups: list[_Group] = field(default_factory=list)
    trailer: _Record | None = None


def _structure(records: list[_Record], source: str) -> _File:
    """Nest the records, refusing anything out of order (a 16 outside an account, a missing 49...)."""
    if not records or records[0].code != "01":
        raise BankFileError(source, "not a BAI2 file: the first record must be an 01 file header")
    bai = _File(records[0])
    group: _Group | None = None
    account: _Account | None = None
    for rec in records[1:]:
        if bai.trailer is not None:
            raise BankFileError(source, f"record {rec.code} after the 99 file trailer", line=rec.line)
        if rec.code == "02":
            if group is not None:
                raise BankFileError(source, "02 group header before the previous group's 98 trailer", line=rec.line)
            group = _Group(rec, len(bai.groups) + 1)
            bai.groups.append(group)
        elif rec.code == "03":
            if group is None or account is not None:
                raise BankFileError(source, "03 account header outside a group or before the previous 49",
                                    line=rec.line)
            account = _Account(rec, len(group.accounts) + 1)
            group.accounts.append(account)
        elif rec.code == "16":
            if account is None:
                raise BankFileError(source, "16 transaction outside an account (no 03 before it)", line=rec.line)
            account.txns.append(_Txn(rec, len(account.txns) + 1))
        elif rec.code == "49":
            if account is None:
                raise BankFileError(source, "49 account trailer without an open account", line=rec.line)
            account.trailer, account = rec, None
        elif rec.code == "98":
            if group is None or account is not None:
                raise BankFileError(source, "98 group trailer without an open group, or an account left open",
                                    line=rec.line)
            group.trailer, group = rec, None
        elif rec.code == "99":
            if group is not None:
                raise BankFileError(source, "99 file trailer while a group is still open (no 98)", line=rec.line)
            bai.trailer = rec
        elif rec.code == "01":
            raise BankFileError(source, "second 01 file header in one file", line=rec.line)
    if bai.trailer is None:
        raise BankFileError(source, "file ends without the 99 file trailer: it is truncated or incomplete, "
                                    "so its totals cannot be checked")
    return bai


# -------------------------------------------------------------------------------- amounts & totals

def _int_amount(text: str, source: str, line: int, what: str) -> int:
    raw = text.strip()
    body = raw[1:] if raw[:1] in "+-" else raw
    if not body.isdigit():
        raise BankFileError(source, f"{what} {raw!r} is not a whole number of minor units", line=line)
    return -int(body) if raw.startswith("-") else int(body)


def _skip_funds(fields: list[str], pos: int, funds_type: str, source: str, line: int) -> int:
    """Step over the availability fields that follow a funds type code; their count depends on it."""
    kind = funds_type.upper()
    if kind == "V":
        return pos + 2                     # value date, value time
    if kind == "S":
        return pos + 3                     # immediate, one-day, two-or-more-day amounts
    if kind == "D":
        if pos >= len(fields) or not fields[pos].isdigit():
            raise BankFileError(source, "funds type D without a distribution count", line=line)
        return pos + 1 + 2 * int(fields[pos])
    if kind in ("", "0", "1", "2", "Z"):
        return pos
    raise BankFileError(source, f"unknown funds type {funds_type!r}", line=line)


def _summary_amounts(rec: _Record, source: str) -> list[tuple[str, int]]:
    """Type code and amount of each status/summary item of an 03 record (with its 88s)."""
    fields = rec.fields()[2:]              # past account number and currency
    items: list[tuple[str, int]] = []
    pos = 0
    while pos < len(fields):
        type_code = fields[pos]
        if not type_code:                  # empty trailing field before "/" at a continuation boundary
            pos += 1
            continue
        amount = fields[pos + 1] if pos + 1 < len(fields) else ""
        funds = fields[pos + 3] if pos + 3 < len(fields) else ""
        if amount:
            items.append((type_code, _int_amount(amount, source, rec.line, f"amount of type {type_code}")))
        pos = _skip_funds(fields, pos + 4, funds, source, rec.line)
    return items


def _trailer_values(rec: _Record, source: str, what: str) -> tuple[int | None, list[int]]:
    """Control total (None when blank) and the counts that follow it in a 49/98/99 trailer."""
    fields = rec.fields()
    total = _int_amount(fields[0], source, rec.line, f"{what} control total") if fields and fields[0] else None
    counts = []
    for value in fields[1:]:
        if value:
            counts.append(_int_amount(value, source, rec.line, f"{what} count"))
    return total, counts


def _check(source: str, rec: _Record, what: str, stated: int | None, computed: int, checks: list[str]) -> None:
    if stated is None:
        return
    if stated != computed:
        raise BankFileError(source, f"{what} is {stated} but the records add up to {computed}; "
                                    f"the file is incomplete or altered", line=rec.line)
    checks.append(f"{what} {stated} ok (line {rec.line})")


# ---------------------------------------------------------------------------------------- details

@dataclass
class _Detail:
    type_code: str
    amount: int
    funds_type: str
    value_date: str
    bank_ref: str
    customer_ref: str
    text: str


def _detail(rec: _Record, source: str) -> _Detail:
    """Fields of a 16 record; the text is the last field and runs to the end (commas and all)."""
    body = rec.body.rstrip()
    parts = body.split(",")
    if len(parts) < 2:
        raise BankFileError(source, "16 record without type code and amount", line=rec.line)
    type_code, amount_text = parts[0].strip(), parts[1].strip()
    amount = _int_amount(amount_text, source, rec.line, "16 amount") if amount_text.strip("/") else 0
    funds = parts[2].strip().rstrip("/") if len(parts) > 2 else ""
    pos = _skip_funds(parts, 3, funds, source, rec.line)
    value_date = parts[3].strip() if funds.upper() == "V" and len(parts) > 3 else ""
    rest = parts[pos:]
    bank_ref = rest[0].strip() if rest else ""
    customer_ref = rest[1].strip() if len(rest) > 1 else ""
    text = ",".join(rest[2:]) if len(rest) > 2 else ""
    if not text and customer_ref.endswith("/"):
        customer_ref = customer_ref[:-1].strip()
    if not text and len(rest) <= 1 and bank_ref.endswith("/"):
        bank_ref = bank_ref[:-1].strip()
    pieces = [_strip_terminator(text).strip()] + [_strip_terminator(c).strip() for c in rec.continuations]
    return _Detail(type_code, amount, funds, value_date, bank_ref, customer_ref,
                   " ".join(p for p in pieces if p))


def classify_type_code(code: str) -> str:
    """``credit``, ``debit`` or ``other`` by the BAI2 ranges (101-399 and 920-959 are credits)."""
    if not code.isdigit():
        return "other"
    value = int(code)
    if 101 <= value <= 399 or 920 <= value <= 959:
        return "credit"
    if 401 <= value <= 699 or 960 <= value <= 999:
        return "debit"
    return "other"


# Keys banks use inside 16/88 text, longest first so "ORIG CO NAME" wins over "NAME".
_TEXT_KEYS = sorted({
    "ORIG CO NAME", "ORIG CO ID", "ORIG ID", "ORIG BANK", "ORIGINATOR", "ORIGINATOR NAME", "ORG", "B/O",
    "BY ORDER OF", "ENTRY DESC", "ENTRY DESCRIPTION", "DESC DATE", "SEC", "IND ID", "IND NAME", "TRACE",
    "TRACE NO", "EFF DATE", "REMIT", "REMITTANCE", "REMITTANCE INFO", "RMT", "RMR", "OBI", "BNF", "BBI",
    "RFB", "REF", "FROM", "TO", "DBNM", "CRNM", "EREF", "CREF", "REMI", "DACT", "CACT", "DABA", "CABA",
    "DBIC", "CBIC", "IDNM", "CHKN", "CLIENT REF ID", "GS ID", "RETURN FROM", "RETURN TO", "REASON",
    "SENDER", "SND", "URI", "INFO", "PMT DET", "PAYMENT DETAILS", "CO ENTRY DESCR", "CO NAME", "CO ID",
}, key=len, reverse=True)
_KEY_RE = re.compile(r"(?:^|(?<=[\s,]))(" + "|".join(re.escape(k) for k in _TEXT_KEYS) + r")\s*:",
                     re.IGNORECASE)
_PAYER_KEYS = ("ORIG CO NAME", "ORIGINATOR NAME", "ORIGINATOR", "ORG", "BY ORDER OF", "B/O", "DBNM",
               "FROM", "SENDER", "CO NAME")
_REMIT_KEYS = ("REMIT", "REMITTANCE INFO", "REMITTANCE", "RMT", "REMI", "OBI", "URI", "RMR",
               "PMT DET", "PAYMENT DETAILS")


def keyed_text(text: str) -> dict[str, str]:
    """``KEY:value`` pairs of bank text; a value runs to the next known key (first occurrence wins)."""
    found: dict[str, str] = {}
    matches = list(_KEY_RE.finditer(text))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        value = text[match.end():end].strip().strip(",").strip().strip('"').strip()
        found.setdefault(match.group(1).upper(), value)
    return found


def _first(values: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = clean(values.get(key))
        if value and value != "-":
            return value
    return None


# ---------------------------------------------------------------------------------------- parsing

def parse_bai2(data: bytes | str, source: str) -> ParseResult:
    """Parse a BAI2 file into incoming payments (credit 16 records); debits and others are skipped."""
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    bai = _structure(_records(text, source), source)
    result = ParseResult(source=source, format="bai2")
    file_total, file_records = 0, bai.header.count + bai.trailer.count
    for group in bai.groups:
        group_total, group_records = _parse_group(group, source, result)
        file_total += group_total
        file_records += group_records
    stated, counts = _trailer_values(bai.trailer, source, "99 file")
    _check(source, bai.trailer, "99 file control total", stated, file_total, result.checks)
    if counts:
        _check(source, bai.trailer, "99 number of groups", counts[0], len(bai.groups), result.checks)
    if len(counts) > 1:
        _check(source, bai.trailer, "99 number of records", counts[1], file_records, result.checks)
    return result


def _group_context(group: _Group, source: str) -> tuple[date | None, str]:
    fields = group.header.fields()
    as_of = yymmdd(fields[3] if len(fields) > 3 else "", source, line=group.header.line, field="as-of date")
    currency = fields[5].upper() if len(fields) > 5 and fields[5] else "USD"
    return as_of, currency


def _parse_group(group: _Group, source: str, result: ParseResult) -> tuple[int, int]:
    if group.trailer is None:     # _structure guarantees it, kept for type checkers
        raise BankFileError(source, "group without 98 trailer", line=group.header.line)
    as_of, currency = _group_context(group, source)
    total, records = 0, group.header.count + group.trailer.count
    for account in group.accounts:
        account_total, account_records = _parse_account(group, account, as_of, currency, source, result)
        total += account_total
        records += account_records
    stated, counts = _trailer_values(group.trailer, source, "98 group")
    where = f"group {group.index}"
    _check(source, group.trailer, f"98 control total of {where}", stated, total, result.checks)
    if counts:
        _check(source, group.trailer, f"98 number of accounts of {where}", counts[0], len(group.accounts),
               result.checks)
    if len(counts) > 1:
        _check(source, group.trailer, f"98 number of records of {where}", counts[1], records, result.checks)
    return total, records


def _parse_account(group: _Group, account: _Account, as_of: date | None, group_currency: str,
                   source: str, result: ParseResult) -> tuple[int, int]:
    if account.trailer is None:
        raise BankFileError(source, "account without 49 trailer", line=account.header.line)
    fields = account.header.fields()
    number = fields[0] if fields else ""
    currency = (fields[1].upper() if len(fields) > 1 and fields[1] else group_currency) or "USD"
    total = sum(amount for _, amount in _summary_amounts(account.header, source))
    records = account.header.count + account.trailer.count
    for txn in account.txns:
        detail = _detail(txn.record, source)
        total += detail.amount
        records += txn.record.count
        key = f"group{group.index}/account{account.index}/txn{txn.index}"
        _emit(detail, txn.record, key, number, currency, as_of, source, result)
    stated, counts = _trailer_values(account.trailer, source, "49 account")
    where = f"account {number or account.index}"
    _check(source, account.trailer, f"49 control total of {where}", stated, total, result.checks)
    if counts:
        _check(source, account.trailer, f"49 number of records of {where}", counts[0], records, result.checks)
    return total, records


def _emit(detail: _Detail, rec: _Record, key: str, account_number: str, currency: str,
          as_of: date | None, source: str, result: ParseResult) -> None:
    """Turn one 16 record into a payment, or a skipped entry with the reason."""
    amount = Decimal(detail.amount).scaleb(-minor_digits(currency))
    kind = classify_type_code(detail.type_code)
    reference = detail.bank_ref or detail.customer_ref or None
    if kind != "credit":
        reason = (f"debit (BAI2 type code {detail.type_code})" if kind == "debit"
                  else f"BAI2 type code {detail.type_code!r} is not a credit transaction detail")
        result.skipped.append(Skipped(key, reason, amount, reference))
        return
    value_date = yymmdd(detail.value_date, source, line=rec.line, field="value date") or as_of
    values = keyed_text(detail.text)
    remit = _first(values, _REMIT_KEYS)
    free_text = remit or clean(detail.text)
    alt = tuple(dict.fromkeys(r for r in (detail.customer_ref, values.get("EREF"))
                              if r and r != reference))
    if not detail.bank_ref:
        result.warnings.append(f"{key}: no bank reference; using the customer reference")
    result.payments.append(IncomingPayment(
        source=source, format="bai2", bank_ref=reference or "", amount=amount, currency=currency,
        value_date=value_date, payer_name=_first(values, _PAYER_KEYS),
        payer_account=clean(values.get("DACT")), payer_routing=clean(values.get("DABA") or values.get("DBIC")),
        alt_refs=alt, free_text=free_text, remittance=parse_remittance_text(remit),
        source_key=key,
        extra={"type_code": detail.type_code, "customer_ref": detail.customer_ref or None,
               "raw_text": detail.text, "account": account_number, "funds_type": detail.funds_type,
               "line": rec.line, "text_fields": values},
    ))
