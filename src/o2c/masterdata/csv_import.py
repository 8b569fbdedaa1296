"""Reading and validating the master-data CSV files of the interchange contract (spec section 1).

Validation is pure and collects every problem with its file, line and column, so that a person can
fix a whole file in one pass. Nothing is written here: ``o2c.masterdata.service`` stores the result
only when there is no problem at all (all-or-nothing).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Callable

from o2c.kernel.errors import InvalidValue, Problem
from o2c.kernel.money import parse_decimal
from o2c.masterdata.model import CUSTOMER_KINDS, LOCATION_KINDS, REP_KINDS, SITE_KINDS, is_valid_gtin
from o2c.billing.terms import PaymentTerms

# --- value parsers: text -> value, raising InvalidValue(column, reason) ------------------------


def text(value: str, column: str) -> str:
    return value


def decimal(value: str, column: str) -> Decimal:
    return parse_decimal(value, column)


def non_negative_decimal(value: str, column: str) -> Decimal:
    result = parse_decimal(value, column)
    if result < 0:
        raise InvalidValue(column, f"{value!r} must not be negative")
    return result


def integer(value: str, column: str) -> int:
    try:
        number = Decimal(value.replace(",", ""))
    except Exception:
        raise InvalidValue(column, f"{value!r} is not a whole number") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise InvalidValue(column, f"{value!r} is not a whole number")
    return int(number)


def positive_integer(value: str, column: str) -> int:
    number = integer(value, column)
    if number <= 0:
        raise InvalidValue(column, f"{value!r} must be greater than zero")
    return number


def non_negative_integer(value: str, column: str) -> int:
    number = integer(value, column)
    if number < 0:
        raise InvalidValue(column, f"{value!r} must not be negative")
    return number


_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


def boolean(value: str, column: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidValue(column, f"{value!r} is not true or false")


def iso_date(value: str, column: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidValue(column, f"{value!r} is not a date (YYYY-MM-DD)") from None


def gtin(value: str, column: str) -> str:
    digits = value.replace(" ", "")
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise InvalidValue(column, f"{value!r} is not a GTIN (8, 12, 13 or 14 digits)")
    if not is_valid_gtin(digits):
        raise InvalidValue(column, f"{value!r} has a wrong check digit")
    return digits.zfill(14)


def currency(value: str, column: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{3}", value):
        raise InvalidValue(column, f"{value!r} is not an ISO 4217 currency code")
    return value.upper()


def e164(value: str, column: str) -> str:
    if not re.fullmatch(r"\+[1-9]\d{6,14}", value):
        raise InvalidValue(column, f"{value!r} is not a phone number in E.164 form (+15551234567)")
    return value


def email(value: str, column: str) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise InvalidValue(column, f"{value!r} is not an email address")
    return value.lower()


def terms(value: str, column: str) -> str:
    return str(PaymentTerms.parse(value))


def uom(value: str, column: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{1,6}", value):
        raise InvalidValue(column, f"{value!r} is not a unit of measure code (EA, BX, CS...)")
    return value.upper()


def one_of(*choices: str) -> Callable[[str, str], str]:
    def parse(value: str, column: str) -> str:
        lowered = value.lower()
        if lowered not in choices:
            raise InvalidValue(column, f"{value!r} is not one of {', '.join(choices)}")
        return lowered
    return parse


def rate(value: str, column: str) -> Decimal:
    result = parse_decimal(value, column)
    if result < 0 or result >= 1:
        raise InvalidValue(column, f"{value!r} is not a rate between 0 and 1 (0.0725 for 7.25%)")
    return result


@dataclass(frozen=True)
class Col:
    name: str
    parse: Callable[[str, str], object] = text
    required: bool = False
    default: object = None


@dataclass(frozen=True)
class FileSpec:
    file: str
    columns: tuple[Col, ...]
    key: tuple[str, ...]
    keeps_attributes: bool = True   # unknown columns kept in ``attributes``; else refused

    def column(self, name: str) -> Col | None:
        return next((c for c in self.columns if c.name == name), None)


SPECS: tuple[FileSpec, ...] = (
    FileSpec("customers.csv", (
        Col("customer_id", required=True), Col("name", required=True),
        Col("kind", one_of(*CUSTOMER_KINDS), default="other"), Col("gpo_id"), Col("email", email), Col("phone"),
        Col("payment_terms", terms, default="NET30"), Col("credit_limit", non_negative_decimal),
        Col("currency", currency, default="USD"), Col("edi_id"), Col("tax_rate", rate, default=Decimal("0")),
    ), ("customer_id",)),
    FileSpec("sites.csv", (
        Col("site_id", required=True), Col("customer_id", required=True), Col("name", required=True),
        Col("address1"), Col("address2"), Col("city"), Col("state"), Col("postal_code"), Col("country"),
        Col("kind", one_of(*SITE_KINDS)),
    ), ("site_id",)),
    FileSpec("items.csv", (
        Col("item_id", required=True), Col("description", required=True), Col("gtin", gtin),
        Col("uom", uom, default="EA"), Col("pack_size", positive_integer, default=1),
        Col("list_price", non_negative_decimal), Col("standard_cost", non_negative_decimal),
        Col("lot_controlled", boolean, default=False), Col("serial_controlled", boolean, default=False),
        Col("shelf_life_days", positive_integer), Col("tracked_device", boolean, default=False),
        Col("is_kit", boolean, default=False),
    ), ("item_id",)),
    FileSpec("kit_components.csv", (
        Col("kit_id", required=True), Col("item_id", required=True), Col("quantity", positive_integer, True),
    ), ("kit_id", "item_id"), keeps_attributes=False),
    FileSpec("customer_items.csv", (
        Col("customer_id", required=True), Col("customer_item_ref", required=True), Col("item_id", required=True),
    ), ("customer_id", "customer_item_ref"), keeps_attributes=False),
    FileSpec("contracts.csv", (
        Col("contract_id", required=True), Col("item_id", required=True),
        Col("unit_price", non_negative_decimal, True), Col("gpo_id"), Col("customer_id"), Col("uom", uom),
        Col("min_quantity", positive_integer, default=1), Col("start_date", iso_date), Col("end_date", iso_date),
    ), ("contract_id",)),
    FileSpec("reps.csv", (
        Col("rep_id", required=True), Col("name", required=True), Col("phone", e164), Col("email", email),
        Col("agency"), Col("territory"), Col("kind", one_of(*REP_KINDS)),
    ), ("rep_id",)),
    FileSpec("locations.csv", (
        Col("location_id", required=True), Col("kind", one_of(*LOCATION_KINDS), True), Col("name", required=True),
        Col("customer_id"), Col("site_id"), Col("rep_id"),
    ), ("location_id",)),
    FileSpec("physicians.csv", (
        Col("physician_id", required=True), Col("name", required=True), Col("npi"), Col("site_id"),
    ), ("physician_id",)),
    FileSpec("par_levels.csv", (
        Col("location_id", required=True), Col("item_id", required=True),
        Col("par", non_negative_integer, True), Col("max", non_negative_integer),
    ), ("location_id", "item_id"), keeps_attributes=False),
    FileSpec("inventory.csv", (
        Col("location_id", required=True), Col("item_id", required=True),
        Col("quantity", positive_integer, True), Col("lot"), Col("serial"), Col("expiry", iso_date),
    ), ("location_id", "item_id", "lot", "serial"), keeps_attributes=False),
    FileSpec("open_items.csv", (
        Col("invoice_number", required=True), Col("customer_id", required=True),
        Col("invoice_date", iso_date, True), Col("due_date", iso_date, True),
        Col("amount", decimal, True), Col("currency", currency, default="USD"), Col("po_number"),
    ), ("invoice_number",), keeps_attributes=False),
)

SPEC_BY_FILE = {spec.file: spec for spec in SPECS}


@dataclass(frozen=True)
class Row:
    file: str
    line: int
    values: dict
    attributes: dict


@dataclass
class MasterDataSet:
    """Every row read from a folder, by file, in file order."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # ids of rows refused for a bad value: other files may still name them without a second error
    refused_ids: dict[str, set[str]] = field(default_factory=dict)

    def of(self, file: str) -> list[Row]:
        return self.rows.get(file, [])


#: the table each file is stored in, where its name does not say so
_TABLE_OF = {"inventory.csv": "stock_balances", "open_items.csv": "invoices"}


def max_length(file: str, column: str) -> int | None:
    """How many characters the database keeps of ``column`` of ``file`` (None: no limit), read from the
    schema itself, so a value PostgreSQL would refuse halfway through a load is reported up front."""
    from o2c.storage import schema
    table = schema.metadata.tables.get(_TABLE_OF.get(file, file.removesuffix(".csv")))
    if table is None or column not in table.c:
        return None
    return getattr(table.c[column].type, "length", None)


def _decode(path: Path, problems: list[Problem]) -> str | None:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        problems.append(Problem("not_csv", "is not a text CSV file (binary content)", source=path.name, line=1))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        problems.append(Problem("encoding", f"is not UTF-8 (byte {data[err.start]:#x})", source=path.name,
                                line=line))
        return None


def _read_rows(spec: FileSpec, content: str, problems: list[Problem], refused: set[str]) -> list[Row]:
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return []
    except csv.Error as err:
        problems.append(Problem("csv", str(err), source=spec.file, line=1))
        return []
    header = [h.strip() for h in header]
    known = {c.name for c in spec.columns}
    for col in spec.columns:
        if col.required and col.name not in header:
            problems.append(Problem("missing_column", "required column is missing", source=spec.file, line=1,
                                    field=col.name))
    seen_names = set()
    for name in header:
        if not name:
            problems.append(Problem("header", "a column has no name", source=spec.file, line=1))
        elif name in seen_names:
            problems.append(Problem("header", "column appears twice", source=spec.file, line=1, field=name))
        elif name not in known and not spec.keeps_attributes:
            problems.append(Problem("unknown_column", f"unknown column (expected: {', '.join(sorted(known))})",
                                    source=spec.file, line=1, field=name))
        seen_names.add(name)
    if any(p.source == spec.file and p.line == 1 for p in problems):
        return []
    rows, start = [], 2
    try:
        for raw in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in raw):
                continue
            row = _parse_row(spec, header, raw, line, problems)
            if row is not None:
                rows.append(row)
            elif len(raw) == len(header):
                refused.add(dict(zip(header, raw)).get(spec.key[0], "").strip())
    except csv.Error as err:
        problems.append(Problem("csv", str(err), source=spec.file, line=reader.line_num))
    return rows


def _parse_row(spec: FileSpec, header: list[str], raw: list[str], line: int,
               problems: list[Problem]) -> Row | None:
    if len(raw) != len(header):
        problems.append(Problem("columns", f"has {len(raw)} values but the header has {len(header)} columns",
                                source=spec.file, line=line))
        return None
    values, attributes, ok = {}, {}, True
    cells = dict(zip(header, (cell.strip() for cell in raw)))
    for col in spec.columns:
        cell = cells.get(col.name, "")
        if cell == "":
            if col.required:
                problems.append(Problem("required", "is required", source=spec.file, line=line, field=col.name))
                ok = False
            values[col.name] = col.default
            continue
        try:
            values[col.name] = col.parse(cell, col.name)
        except InvalidValue as err:
            problems.append(Problem("invalid", err.reason, source=spec.file, line=line, field=col.name))
            ok = False
            continue
        longest = max_length(spec.file, col.name)
        if isinstance(values[col.name], str) and longest is not None and len(values[col.name]) > longest:
            problems.append(Problem("too_long", f"is {len(values[col.name])} characters long; at most {longest} fit",
                                    source=spec.file, line=line, field=col.name))
            ok = False
    for name, cell in cells.items():
        if spec.column(name) is None and cell != "":
            attributes[name] = cell
    return Row(spec.file, line, values, attributes) if ok else None


def read_folder(folder: Path) -> MasterDataSet:
    """Read and check every known file in ``folder``; other files are reported, not ignored silently."""
    result = MasterDataSet()
    if not folder.is_dir():
        result.problems.append(Problem("not_found", "is not a folder", source=str(folder)))
        return result
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() == ".csv" and path.name not in SPEC_BY_FILE:
            result.problems.append(Problem("unknown_file", f"is not a master-data file (expected one of "
                                           f"{', '.join(SPEC_BY_FILE)})", source=path.name))
    for spec in SPECS:
        path = folder / spec.file
        if not path.is_file():
            continue
        content = _decode(path, result.problems)
        if content is not None:
            refused = result.refused_ids.setdefault(spec.file, set())
            result.rows[spec.file] = _read_rows(spec, content, result.problems, refused)
    _check_duplicates(result)
    return result


def _check_duplicates(data: MasterDataSet) -> None:
    for spec in SPECS:
        first_line: dict[tuple, int] = {}
        for row in data.of(spec.file):
            key = tuple(row.values.get(k) for k in spec.key)
            if key in first_line:
                data.problems.append(Problem(
                    "duplicate", f"duplicate {'/'.join(spec.key)} {'/'.join(str(k or '') for k in key)} "
                    f"(first on line {first_line[key]})", source=spec.file, line=row.line, field=spec.key[0]))
            else:
                first_line[key] = row.line
