"""One entry point for Unique Device Identifiers as people and machines hand them to o2c.

A UDI arrives typed into an email, OCR'd from a case sheet, pasted from a scanner (with or
without the invisible GS separator) or decoded from an image. ``parse_udi`` cleans the usual
noise, decides which issuing agency's syntax it is (GS1, HIBCC; ICCBBA is only recognised), and
returns the same fields whatever the issuer.

The rule is never to invent: when two readings of a messy string are both possible (for example
spaces that may or may not be element separators) only the fields on which they agree are kept,
and the rest is reported in ``warnings``. A string that cannot be read at all raises ``UdiError``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from o2c.formats import gs1, hibc
from o2c.kernel.errors import InvalidValue

__all__ = ["UdiError", "UdiResult", "parse_udi", "clean_udi_text"]

GS, RS, EOT = "\x1d", "\x1e", "\x04"


class UdiError(InvalidValue):
    code = "invalid_udi"

    def __init__(self, reason: str):
        super().__init__("udi", reason)


@dataclass(frozen=True)
class UdiResult:
    """Issuer-neutral UDI: the device identifier (DI) and production identifiers (PI)."""

    issuer: str                       # "GS1", "HIBCC" or "ICCBBA"
    raw: str
    normalized: str                   # GS1 bracketed form, or the HIBC / ISBT string as read
    di: str | None = None             # GTIN-14 for GS1; LIC+product+unit of measure for HIBC
    gtin: str | None = None
    labeler: str | None = None
    product: str | None = None
    unit_of_measure: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: date | None = None
    production_date: date | None = None
    quantity: int | None = None
    warnings: tuple[str, ...] = ()
    gs1: gs1.GS1Result | None = field(default=None, repr=False)
    hibc: hibc.HibcResult | None = field(default=None, repr=False)

    def as_dict(self) -> dict:
        """JSON-ready view (dates as ISO strings), as used in extraction results."""
        out = {}
        for name in ("issuer", "normalized", "di", "gtin", "labeler", "product", "unit_of_measure",
                     "lot", "serial", "expiry", "production_date", "quantity"):
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, date) else value
        out["warnings"] = list(self.warnings)
        return out


# ----------------------------------------------------------------------------- cleaning

_SEPARATOR_SPELLINGS = [
    (r"<\s*(?:GS|FNC1?|F1)\s*>|\{\s*GS\s*\}|\[\s*GS\s*\]|\\x1[dD]|\\u001[dD]|\^\]|\u241d|<1D>", GS),
    (r"<\s*RS\s*>|\\x1[eE]|\u241e", RS),
    (r"<\s*EOT\s*>|\\x04|\u2404", EOT),
]


def clean_udi_text(text: str) -> str:
    """Undo the common ways a UDI is mangled in transit, without touching its content.

    Written-out separators (``<GS>``, ``\\x1d``, ``{GS}``, the ␝ symbol) become the real
    character; wrapping quotes, a leading ``UDI:`` label and outer whitespace go.
    """
    s = str(text or "")
    for pattern, char in _SEPARATOR_SPELLINGS:
        s = re.sub(pattern, char, s, flags=re.I)
    s = s.strip().strip("\"'`\u201c\u201d").strip()
    s = re.sub(r"^(?:UDI|GS1|HIBC)\s*[:#=]?\s*(?=[(\[{+0-9\]]|https?://|=)", "", s, flags=re.I)
    return s.strip()


# ----------------------------------------------------------------------------- dispatch

def parse_udi(text: str, *, today: date | None = None) -> UdiResult:
    """Recognise the issuer of a UDI string and parse it; raise UdiError when it cannot be read."""
    raw = "" if text is None else str(text)
    s = clean_udi_text(raw)
    if not s:
        raise UdiError("empty UDI")
    s = _unwrap_iso15434(s)
    body, _sid = gs1.strip_symbology_identifier(s)
    if hibc.looks_like_hibc(body) or hibc.looks_like_hibc(s):
        return _from_hibc(raw, s)
    if body[:1] in ("=", "&"):
        return UdiResult("ICCBBA", raw, body,
                         warnings=("ICCBBA (ISBT 128) UDI recognised; its fields are not decoded",))
    return _from_gs1(raw, s, today)


def _unwrap_iso15434(s: str) -> str:
    """``[)>RS05GS...RS EOT`` envelopes hold GS1 data (format 05); format 06 is ANSI MH10.8.2."""
    m = re.match(r"^\[\)>" + RS + r"(\d\d)" + GS + r"?(.*?)" + RS + r"?" + EOT + r"?$", s, re.S)
    if not m:
        return s
    if m.group(1) != "05":
        raise UdiError(f"ISO/IEC 15434 format {m.group(1)} (not GS1) is not supported")
    return m.group(2)


def _from_hibc(raw: str, s: str) -> UdiResult:
    compact = s.strip()
    try:
        r = hibc.parse_hibc(compact)
    except hibc.HibcError as first:
        # OCR and typing add spaces; HIBC allows a space character, so only retry without them
        if " " not in compact:
            raise UdiError(str(first)) from None
        try:
            r = hibc.parse_hibc(compact.replace(" ", ""))
        except hibc.HibcError:
            raise UdiError(str(first)) from None
    return UdiResult("HIBCC", raw, r.raw, di=r.di, labeler=r.labeler, product=r.product,
                     unit_of_measure=r.unit_of_measure, lot=r.lot, serial=r.serial, expiry=r.expiry,
                     production_date=r.production_date, quantity=r.quantity,
                     warnings=r.problems, hibc=r)


def _from_gs1(raw: str, s: str, today: date | None) -> UdiResult:
    candidates, errors = _gs1_readings(s, today)
    if not candidates:
        bare = _bare_gtin(s)
        if bare:
            return bare
        raise UdiError(errors[0] if errors else "not a GS1, HIBC or ICCBBA UDI")
    result = candidates[0]
    warnings = list(result.problems)
    fields = _fields(result)
    for other in candidates[1:]:
        other_fields = _fields(other)
        for name, value in list(fields.items()):
            if other_fields.get(name) != value and value is not None:
                warnings.append(f"{name} is ambiguous ({value!r} or {other_fields.get(name)!r}); left empty")
                fields[name] = None
    if any(p.startswith("AI (01)") for p in result.problems):
        raise UdiError(next(p for p in result.problems if p.startswith("AI (01)")))
    return UdiResult("GS1", raw, result.hri(), di=fields["gtin"], warnings=tuple(warnings),
                     gs1=result, **fields)


def _fields(r: gs1.GS1Result) -> dict:
    return {"gtin": r.gtin, "lot": r.lot, "serial": r.serial, "expiry": r.expiry,
            "production_date": r.production_date, "quantity": r.quantity}


def _gs1_readings(s: str, today: date | None) -> tuple[list[gs1.GS1Result], list[str]]:
    """Every plausible reading of the text; differing readings are reconciled by the caller."""
    attempts = []
    # [ \t\r\n], not \s: Python counts the GS separator as whitespace
    if re.search(r"[ \t\r\n]", s) and not re.match(r"https?://", s, re.I):
        pairs = _spaced_pairs(s)
        if pairs is not None:
            attempts.append(pairs)
        attempts.append(re.sub(r"[ \t\r\n]+", "", s))
        attempts.append(re.sub(r"[ \t\r\n]+", GS, s))
    else:
        attempts.append(s)
    results, errors, seen = [], [], set()
    for attempt in attempts:
        try:
            r = gs1.parse_gs1(attempt, strict=False, today=today)
        except gs1.GS1Error as exc:
            errors.append(str(exc))
            continue
        key = tuple((e.ai, e.value) for e in r.elements)
        if key not in seen:
            seen.add(key)
            results.append(r)
    return results, errors


def _spaced_pairs(s: str) -> str | None:
    """``01 0084… 17 141120 10 LOT`` typed without brackets: alternate AI and value tokens."""
    tokens = re.split(r"[ \t\r\n]+", s.strip())
    if len(tokens) < 2 or len(tokens) % 2:
        return None
    out = []
    for ai, value in zip(tokens[0::2], tokens[1::2]):
        ai = ai.strip("()[]{}")
        if not ai.isdigit() or gs1.ai_definition(ai) is None:
            return None
        out.append(f"({ai}){value}")
    return "".join(out)


def _bare_gtin(s: str) -> UdiResult | None:
    """A DI given on its own (GTIN-8/12/13/14, as printed under a linear barcode)."""
    digits = re.sub(r"[\s-]", "", s)
    if gs1.is_valid_gtin(digits):
        gtin = gs1.normalize_gtin(digits)
        return UdiResult("GS1", s, f"(01){gtin}", di=gtin, gtin=gtin,
                         warnings=("device identifier only; no production identifiers",))
    return None
