"""Recognise a bank payment file by its content and hand it to the right parser.

File names and extensions lie (``.txt`` BAI2, ``.dat`` NACHA), so the first bytes decide. Anything we
cannot read for sure becomes an ``O2CError`` naming the file and the reason, never a traceback: the
``o2c cash import`` command prints it and exits 1.
"""
from __future__ import annotations

import gzip
import io
import importlib
import re
import zlib
from pathlib import Path

from o2c.cash.payment import IncomingPayment
from o2c.formats.bank.bai2 import parse_bai2
from o2c.formats.bank.camt import parse_camt
from o2c.formats.bank.common import BankFileError, ParseResult, UnsupportedBankFormat
from o2c.formats.bank.lockbox import parse_lockbox_csv
from o2c.formats.bank.nacha import parse_nacha
from o2c.kernel.errors import O2CError

MAX_BYTES = 200 * 1024 * 1024


def _read(path_or_bytes: str | Path | bytes, name: str | None) -> tuple[bytes, str]:
    if isinstance(path_or_bytes, (bytes, bytearray)):
        return bytes(path_or_bytes), name or "<bytes>"
    path = Path(path_or_bytes)
    label = name or str(path_or_bytes)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise BankFileError(label, f"file is larger than {MAX_BYTES // (1024 * 1024)} MB")
        return path.read_bytes(), label
    except OSError as exc:
        raise BankFileError(label, f"cannot read the file ({exc.strerror or exc})") from None


def _gunzip(data: bytes, label: str) -> bytes:
    """Banks often deliver files gzip-compressed; read through the compression, within the size cap."""
    if not data.startswith(b"\x1f\x8b"):
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            inner = stream.read(MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise BankFileError(label, f"damaged gzip file ({exc})") from None
    if len(inner) > MAX_BYTES:
        raise BankFileError(label, f"decompressed file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return inner


def _is_binary(data: bytes) -> bool:
    """NUL bytes or many control characters: a PDF, a zip, an image - not a text bank file."""
    sample = data[:4096]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13, 12))
    return controls > len(sample) // 20


def sniff(data: bytes) -> str:
    """Name of the format the bytes look like: bai2, camt, nacha, x12, ofx, bai_lockbox, csv, unknown."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    text = head.decode("latin-1")
    if text.startswith("01,"):
        return "bai2"
    if re.match(r"\d\d,\d", text) and text[:2] in ("02", "03", "16", "49", "88", "98", "99", "00"):
        return "bai2"                      # a BAI2-like record stream without its 01 header
    if text[:1] in "{[":
        return "json"
    if text.startswith("<") or text.startswith("\ufeff<"):
        if re.search(r"camt\.\d{3}|BkToCstmr", text):
            return "camt"
        if "<OFX" in text.upper():
            return "ofx"
        return "xml"
    if text.startswith("101") and len(text.splitlines()[0].rstrip("\r")) in range(90, 95):
        return "nacha"
    if text.startswith("101") and text[34:37] == "094":
        return "nacha"
    if text.startswith("ISA"):
        return "x12"
    if text.upper().startswith("OFXHEADER") or "<OFX>" in text.upper():
        return "ofx"
    if re.match(r"1\d{2}\S{10}\S{10}\d{6}\d{4}\s*\r?\n2", text):
        return "bai_lockbox"
    first = text.splitlines()[0] if text else ""
    if any(sep in first for sep in (",", ";", "\t", "|")):
        return "csv"
    return "unknown"


def parse_bank_file(path_or_bytes: str | Path | bytes, name: str | None = None, *,
                    lockbox_columns: dict[str, str] | None = None,
                    lockbox_date_format: str | None = None) -> ParseResult:
    """Detect the format and parse; returns payments plus what was skipped and which totals were checked."""
    data, label = _read(path_or_bytes, name)
    data = _gunzip(data, label)
    if not data.strip():
        raise BankFileError(label, "empty file")
    if _is_binary(data):
        raise BankFileError(label, "binary content: not a BAI2, camt, NACHA, X12 820 or lockbox CSV file")
    kind = sniff(data)
    try:
        return _dispatch(kind, data, label, lockbox_columns, lockbox_date_format)
    except O2CError:
        raise
    except Exception as exc:   # a parser bug must still reach the user as a refusal naming the file
        raise BankFileError(label, f"could not read the {kind} file ({type(exc).__name__}: {exc})") from exc


def _dispatch(kind: str, data: bytes, label: str, lockbox_columns, lockbox_date_format) -> ParseResult:
    if kind == "bai2":
        return parse_bai2(data, label)
    if kind == "camt":
        return parse_camt(data, label)
    if kind == "nacha":
        return parse_nacha(data, label)
    if kind == "csv":
        return parse_lockbox_csv(data, label, column_map=lockbox_columns, date_format=lockbox_date_format)
    if kind == "x12":
        return _x12(data, label)
    if kind == "ofx":
        raise UnsupportedBankFormat(label, "OFX statements are not supported for cash application (they carry "
                                           "no remittance detail); ask the bank for BAI2 or camt.053")
    if kind == "bai_lockbox":
        raise UnsupportedBankFormat(label, "fixed-width BAI lockbox transmissions are not supported; ask the "
                                           "bank for its lockbox CSV export")
    if kind == "json":
        raise UnsupportedBankFormat(label, "JSON is not a bank payment file format (expected BAI2, camt XML, "
                                           "NACHA, X12 820 or lockbox CSV)")
    if kind == "xml":
        raise UnsupportedBankFormat(label, "XML that is not an ISO 20022 camt.053/camt.054 message")
    raise BankFileError(label, "unrecognised content: not BAI2 (starts '01,'), camt XML, NACHA ('101' header), "
                               "X12 820 ('ISA') or a lockbox CSV with a header row")


def _x12_reader():
    """The 820 reader of o2c.formats.x12 (built separately), when it is there: ``read_820(data, source)``
    returning payments. Looked up at call time so this package works before and after it lands."""
    for module_name in ("o2c.formats.x12", "o2c.formats.x12.remit820"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        reader = getattr(module, "read_820", None)
        if callable(reader):
            return reader
    return None


def _x12(data: bytes, label: str) -> ParseResult:
    reader = _x12_reader()
    if reader is None:
        raise UnsupportedBankFormat(label, "X12 files are not supported here yet (no 820 reader available)")
    payments = list(reader(data, label))
    if not payments:
        raise BankFileError(label, "X12 file without any 820 payment order/remittance advice")
    return ParseResult(source=label, format="x12_820", payments=payments)


def detect_and_parse(path_or_bytes: str | Path | bytes, name: str | None = None) -> list[IncomingPayment]:
    """The incoming payments of a bank file of any supported format (see ``parse_bank_file``)."""
    return parse_bank_file(path_or_bytes, name).payments
