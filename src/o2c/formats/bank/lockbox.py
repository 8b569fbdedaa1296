"""Lockbox CSV files: checks a bank received on our behalf, with the invoices the payer said they pay.

No standard exists: each bank names and orders its columns its own way, writes dates as it likes and
sends either one row per check or one row per invoice (the check's columns repeated). So columns are
recognised by header name through synonyms, after normalising case, spacing and punctuation
(``Check #``, ``CHECK_NO`` and ``Check Number`` are one column); a per-bank ``column_map`` from
configuration names the columns we do not recognise. Rows are grouped by item (or check) into one
payment whose invoice rows become remittance lines.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from o2c.cash.payment import IncomingPayment, RemittanceLine
from o2c.formats.bank.common import BankFileError, ParseResult, clean
from o2c.kernel.errors import InvalidValue
from o2c.kernel.money import parse_decimal

# canonical field -> header synonyms (compared after normalisation)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "lockbox": ("lockbox", "lockbox id", "lockbox number", "lbx", "lockbox no", "box number", "box"),
    "batch": ("batch", "batch number", "batch id", "batch no"),
    "item_id": ("item ref", "item reference", "item id", "transaction id", "transaction reference",
                "transaction number", "txn id", "trans id", "item number", "item no", "sequence number",
                "item sequence", "item"),
    "deposit_date": ("deposit date", "process date", "processing date", "posting date", "receipt date",
                     "received date", "received", "date received", "dep date", "deposit dt", "dep dt", "proc date", "value date", "date", "deposit dt", "business date"),
    "check_number": ("check number", "check no", "check num", "check #", "cheque number", "chk no",
                     "check serial", "serial number", "check", "check nbr"),
    "check_amount": ("check amount", "cheque amount", "check amt", "item amount", "payment amount",
                     "check total", "remittance amount", "deposit amount"),
    "remitter_name": ("remitter name", "remitter", "payer name", "payer", "customer name", "drawer",
                      "drawer name", "account name", "name", "payor", "payor name", "remitter_name"),
    "aba": ("aba", "routing", "routing number", "aba number", "aba routing", "transit", "transit number",
            "remitter aba", "remitter routing", "bank routing", "rt", "rtn", "aba rt"),
    "account": ("account", "account number", "remitter account", "acct", "dda", "check account",
                "payer account", "bank account", "remitter account number", "acct number"),
    "invoice_number": ("invoice number", "invoice", "invoice no", "invoice #", "inv no", "invoice id",
                       "document number", "doc number", "invoice reference", "bill number",
                       "invoices", "invoice numbers", "invoice list", "invoices paid", "invoice nos"),
    "amount_paid": ("amount paid", "paid amount", "invoice amount paid", "applied amount", "amount applied",
                    "remit amount", "net amount", "payment", "paid"),
    "invoice_amount": ("invoice amount", "gross amount", "original amount", "invoice total", "amount due"),
    "discount": ("discount", "discount amount", "disc", "discount taken", "disc amount"),
    "deduction": ("deduction", "deduction amount", "adjustment", "adjustment amount", "short pay amount",
                  "short pay", "deduction amt", "adj amount", "adj amt", "deduct amount"),
    "deduction_reason": ("deduction reason", "deduction code", "adjustment code", "adjustment reason",
                         "reason code", "reason", "deduction reason code", "adj code", "adj cd", "reason cd",
                         "deduction cd", "adjustment cd"),
    "po_number": ("po number", "po", "purchase order", "po no", "purchase order number"),
    "currency": ("currency", "ccy", "currency code"),
}
_TOKEN_MAP = {"no": "number", "num": "number", "nbr": "number", "nr": "number", "amt": "amount",
              "chk": "check", "cheque": "check", "acct": "account", "inv": "invoice", "dt": "date",
              "ref": "reference", "txn": "transaction", "trans": "transaction", "id": "id"}
_AMOUNT_FIELDS = ("check_amount", "amount_paid", "invoice_amount", "discount", "deduction")


def normalise_header(text: str) -> str:
    """``Check #`` / ``CHECK_NO`` / ``check-number`` -> ``checknumber``: one spelling per meaning."""
    words = re.split(r"[^a-z0-9]+", text.lower().replace("#", " number "))
    return "".join(_TOKEN_MAP.get(w, w) for w in words if w)


_LOOKUP: dict[str, tuple[str, int]] = {}
for _name, _synonyms in SYNONYMS.items():
    for _rank, _synonym in enumerate(_synonyms):
        _LOOKUP.setdefault(normalise_header(_synonym), (_name, _rank))


@dataclass(frozen=True, slots=True)
class _Columns:
    index: dict[str, int]       # canonical field -> column position
    headers: list[str]
    unknown: list[int]          # positions we did not recognise or did not need (kept in extra)


def _map_columns(headers: list[str], column_map: dict[str, str] | None, source: str) -> _Columns:
    """Match headers to fields: the configured map first, then synonyms. When two headers mean the
    same field (``item`` and ``item ref``), the more specific synonym (earlier in the list) wins."""
    explicit = {normalise_header(k): v for k, v in (column_map or {}).items()}
    best: dict[str, tuple[int, int]] = {}      # field -> (rank, position)
    for pos, header in enumerate(headers):
        key = normalise_header(header)
        if key in explicit:
            name, rank = explicit[key], -1
            if name not in SYNONYMS:
                raise BankFileError(source, f"column map names unknown field {name!r} for column {header!r}; "
                                            f"known fields: {', '.join(SYNONYMS)}", line=1)
        elif key in _LOOKUP:
            name, rank = _LOOKUP[key]
        elif key == "amount":
            name, rank = "check_amount", 99     # a bare "amount" is the check's unless a better one exists
        else:
            continue
        if name not in best or rank < best[name][0]:
            best[name] = (rank, pos)
    index = {name: pos for name, (_, pos) in best.items()}
    used = set(index.values())
    _require(index, headers, source)
    return _Columns(index, headers, [pos for pos in range(len(headers)) if pos not in used])


def _require(index: dict[str, int], headers: list[str], source: str) -> None:
    missing = []
    if "check_number" not in index and "item_id" not in index:
        missing.append("check number (or item id)")
    if "check_amount" not in index and "amount_paid" not in index:
        missing.append("check amount (or amount paid)")
    if missing:
        raise BankFileError(source, f"lockbox header not recognised: no {' and no '.join(missing)} column "
                                    f"among {headers}; give this bank's column mapping in configuration",
                            line=1)


# ------------------------------------------------------------------------------------ values

_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%Y/%m/%d", "%d.%m.%Y",
                 "%d-%b-%Y", "%d-%b-%y", "%b %d, %Y", "%b %d %Y", "%d %b %Y")


def parse_lockbox_date(text: str, date_format: str | None = None) -> date:
    """Dates as banks write them: ISO, US ``MM/DD/YYYY``, compact ``YYYYMMDD``, a few named-month
    forms; a configured ``date_format`` wins. Day-first slashes are ambiguous, so only by configuration."""
    raw = text.strip()
    if "T" in raw and raw[:4].isdigit():
        raw = raw.split("T", 1)[0]
    for fmt in ((date_format,) if date_format else _DATE_FORMATS):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise InvalidValue("date", f"{text!r} is not a date (expected YYYY-MM-DD, MM/DD/YYYY or YYYYMMDD)")


@dataclass
class _Row:
    line: int
    values: dict[str, str]
    extra: dict[str, str]


def _cell(row: _Row, name: str) -> str | None:
    return clean(row.values.get(name))


def _amount(row: _Row, name: str, columns: _Columns, source: str) -> Decimal | None:
    raw = _cell(row, name)
    if raw is None:
        return None
    try:
        return parse_decimal(raw, name)
    except InvalidValue as exc:
        raise BankFileError(source, exc.reason, line=row.line, field=columns.headers[columns.index[name]]) from None


# ------------------------------------------------------------------------------------- reading

def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _dialect(text: str) -> str:
    """Delimiter of the header line: the most frequent of comma, semicolon, tab and pipe."""
    first = text.splitlines()[0] if text else ""
    return max((",", ";", "\t", "|"), key=first.count)


def _rows(text: str, source: str, columns_map: dict[str, str] | None) -> tuple[_Columns, list[_Row]]:
    reader = csv.reader(io.StringIO(text), delimiter=_dialect(text))
    try:
        table = list(reader)
    except csv.Error as exc:
        raise BankFileError(source, f"unreadable CSV ({exc})", line=reader.line_num) from None
    headers = [h.strip() for h in table[0]] if table else []
    if not any(headers):
        raise BankFileError(source, "empty lockbox file (no header row)")
    columns = _map_columns(headers, columns_map, source)
    rows: list[_Row] = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(headers) and any(c.strip() for c in cells[len(headers):]):
            raise BankFileError(source, f"row has {len(cells)} values for {len(headers)} columns", line=number)
        padded = cells + [""] * (len(headers) - len(cells))
        values = {name: padded[pos] for name, pos in columns.index.items()}
        extra = {headers[pos]: padded[pos] for pos in columns.unknown if padded[pos].strip()}
        rows.append(_Row(number, values, extra))
    return columns, rows


def _group_key(row: _Row) -> tuple:
    """Rows of one check: same lockbox, batch and item when the bank numbers items, else same check
    number from the same payer account."""
    if _cell(row, "item_id"):
        return ("item", _cell(row, "lockbox"), _cell(row, "batch"), _cell(row, "item_id"))
    return ("check", _cell(row, "lockbox"), _cell(row, "batch"), _cell(row, "check_number"),
            _cell(row, "aba"), _cell(row, "account"))


def parse_lockbox_csv(data: bytes | str, source: str, *, column_map: dict[str, str] | None = None,
                      date_format: str | None = None) -> ParseResult:
    """Parse a lockbox CSV; ``column_map`` maps this bank's header names to fields of ``SYNONYMS``."""
    text = _decode(data) if isinstance(data, bytes) else data
    columns, rows = _rows(text, source, column_map)
    groups: dict[tuple, list[_Row]] = {}
    for row in rows:
        groups.setdefault(_group_key(row), []).append(row)
    result = ParseResult(source=source, format="lockbox")
    for group in groups.values():
        result.payments.append(_payment(group, columns, source, date_format, result))
    if not result.payments:
        result.warnings.append("lockbox file has a header but no items")
    return result


def _same(group: list[_Row], name: str, columns: _Columns, source: str) -> str | None:
    """A check-level value repeated on each invoice row must not change within the check."""
    values = {_cell(r, name) for r in group} - {None}
    if len(values) > 1:
        header = columns.headers[columns.index[name]]
        raise BankFileError(source, f"rows of one check disagree on {header}: {sorted(values)}",
                            line=group[0].line, field=header)
    return values.pop() if values else None


def _payment(group: list[_Row], columns: _Columns, source: str, date_format: str | None,
             result: ParseResult) -> IncomingPayment:
    first = group[0]
    remittance = tuple(line for row in group for line in _lines(row, columns, source))
    check_amounts = {_amount(r, "check_amount", columns, source) for r in group} - {None}
    if len(check_amounts) > 1:
        raise BankFileError(source, f"rows of one check state different check amounts {sorted(check_amounts)}",
                            line=first.line, field="check amount")
    paid = [line.amount_paid for line in remittance if line.amount_paid is not None]
    amount = check_amounts.pop() if check_amounts else sum(paid, Decimal(0))
    if amount <= 0:
        raise BankFileError(source, f"check amount {amount} is not a positive payment", line=first.line)
    if paid and sum(paid) != amount:
        result.warnings.append(f"line {first.line}: invoice amounts add up to {sum(paid)}, check is {amount}")
    check_number = _same(group, "check_number", columns, source)
    item_id = _cell(first, "item_id")
    if not check_number:
        result.warnings.append(f"line {first.line}: no check number; the item id is the reference")
    return IncomingPayment(
        source=source, format="lockbox", bank_ref=check_number or item_id or "", amount=amount,
        currency=(_cell(first, "currency") or "USD").upper(),
        value_date=_date(first, columns, source, date_format),
        payer_name=_same(group, "remitter_name", columns, source),
        payer_account=_cell(first, "account"), payer_routing=_cell(first, "aba"),
        alt_refs=tuple(r for r in (item_id,) if r and r != check_number),
        remittance=remittance, source_key=_source_key(first),
        extra={"lockbox": _cell(first, "lockbox"), "batch": _cell(first, "batch"),
               "lines": [r.line for r in group], "columns": first.extra},
    )


def _source_key(row: _Row) -> str:
    parts = [f"{name}={_cell(row, name)}" for name in ("lockbox", "batch", "item_id") if _cell(row, name)]
    if not _cell(row, "item_id"):
        parts.append(f"check={_cell(row, 'check_number')}")
        parts.append(f"line={row.line}")
    return "/".join(parts)


def _date(row: _Row, columns: _Columns, source: str, date_format: str | None) -> date | None:
    raw = _cell(row, "deposit_date")
    if raw is None:
        return None
    try:
        return parse_lockbox_date(raw, date_format)
    except InvalidValue as exc:
        raise BankFileError(source, exc.reason, line=row.line,
                            field=columns.headers[columns.index["deposit_date"]]) from None


_REFERENCE_LIST = re.compile(r"[\s;,/|]+")


def _references(cell: str) -> list[str]:
    """The invoice references of one cell. Banks that send one row per check put every invoice of
    the check in one cell (``INV-204011; INV-204015``, ``204011 204015``); each piece that has
    digits is a reference of its own. A single reference with a space (``INV 204011``) stays whole."""
    pieces = [p for p in _REFERENCE_LIST.split(cell) if p]
    numbered = [p for p in pieces if sum(c.isdigit() for c in p) >= 3]
    if len(numbered) < 2 or len(numbered) != len([p for p in pieces if any(c.isdigit() for c in p)]):
        return [cell]
    return numbered


def _lines(row: _Row, columns: _Columns, source: str) -> list[RemittanceLine]:
    """The invoices a row pays (none for a check row without an invoice)."""
    invoice = _cell(row, "invoice_number")
    amounts = {name: _amount(row, name, columns, source) for name in _AMOUNT_FIELDS if name in columns.index}
    if invoice is None:
        return []
    references = _references(invoice)
    if len(references) > 1:     # the row's amounts belong to the check, not to any one invoice
        return [RemittanceLine(reference=ref, po_number=_cell(row, "po_number")) for ref in references]
    paid = amounts.get("amount_paid")
    if paid is None and "amount_paid" not in columns.index:
        paid = amounts.get("check_amount")
    return [RemittanceLine(reference=invoice, amount_paid=paid, invoice_amount=amounts.get("invoice_amount"),
                           discount=amounts.get("discount"), adjustment=amounts.get("deduction"),
                           adjustment_reason=_cell(row, "deduction_reason"), po_number=_cell(row, "po_number"))]
