"""HIBC LIC (Health Industry Bar Code, ANSI/HIBC 2.x) primary and secondary data structures.

HIBCC is the second FDA-accredited UDI issuer after GS1 and is common on surgical instruments and
implants. A label carries a *primary* structure (labeler code, product/catalog number, unit of
measure: together the UDI-DI) and a *secondary* one (lot or serial, expiry, quantity: the UDI-PI),
either in two symbols tied together by a link character or concatenated with ``/`` in one.
Every symbol ends with a modulus-43 check character over all preceding characters, which we always
verify: a misread HIBC string is refused rather than half-trusted.

Layouts read here (flag characters after ``+`` or ``/``):

* ``$``  lot;  ``$+`` serial
* ``$$`` date then lot, ``$$+`` date then serial, where the first digit picks the date format:
  ``0``/``1`` MMYY, ``2`` MMDDYY, ``3`` YYMMDD, ``4`` YYMMDDHH, ``5`` YYJJJ, ``6`` YYJJJHH,
  ``7`` no date; ``8`` and ``9`` put a 2- or 5-digit quantity first, then one of those formats
* a legacy secondary of 5 digits (YYJJJ expiry) then lot
* supplemental fields after ``/``: ``S`` serial, ``16D`` manufacture date and ``14D`` expiry
  (YYYYMMDD), ``Q`` quantity.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from o2c.kernel.errors import InvalidValue

__all__ = ["HibcError", "HibcResult", "mod43_check_character", "parse_hibc", "looks_like_hibc"]

_MOD43 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"


class HibcError(InvalidValue):
    """An HIBC string that does not follow the standard or whose check character is wrong."""

    code = "invalid_hibc"

    def __init__(self, reason: str):
        super().__init__("hibc", reason)


def mod43_check_character(data: str) -> str:
    """Modulus-43 check character over ``data`` (which starts with the ``+`` flag)."""
    try:
        return _MOD43[sum(_MOD43.index(ch) for ch in data) % 43]
    except ValueError:
        bad = next(ch for ch in data if ch not in _MOD43)
        raise HibcError(f"character {bad!r} is not in the HIBC character set") from None


@dataclass(frozen=True)
class HibcResult:
    """Fields of one HIBC symbol (or a concatenated pair), in the same shape as a GS1 result."""

    kind: str                        # "primary", "secondary", "concatenated" or "pas"
    raw: str
    check_character: str
    labeler: str | None = None
    product: str | None = None
    unit_of_measure: str | None = None
    link_character: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: date | None = None
    expiry_hour: int | None = None
    production_date: date | None = None
    quantity: int | None = None
    problems: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    @property
    def di(self) -> str | None:
        """The HIBC UDI-DI: labeler code + product number + unit of measure."""
        if self.labeler is None:
            return None
        return f"{self.labeler}{self.product}{self.unit_of_measure}"


def looks_like_hibc(text: str) -> bool:
    """Cheap shape test for the UDI dispatcher."""
    body = _normalise(text)
    return body.startswith("+") and len(body) >= 3


def _normalise(text: str) -> str:
    """Drop what scanners and captions add: AIM identifier, Code 39 ``*`` delimiters, outer spaces."""
    body = (text or "").strip()
    if re.match(r"^\][A-Za-z][0-9]", body):
        body = body[3:]
    if len(body) > 2 and body.startswith("*") and body.endswith("*"):
        body = body[1:-1]
    return body.rstrip("\r\n")


def parse_hibc(text: str, *, verify_check: bool = True) -> HibcResult:
    """Parse an HIBC LIC primary, secondary or concatenated string (``+...``) and verify it."""
    body = _normalise(text)
    if not body.startswith("+") or len(body) < 3:
        raise HibcError(f"{text!r} does not start with the HIBC '+' flag")
    check = body[-1]
    expected = mod43_check_character(body[:-1])
    if verify_check and check != expected:
        raise HibcError(f"check character is {check!r}, expected {expected!r}")
    data = body[1:-1]
    if data.startswith("/"):
        return HibcResult("pas", body, check, extra={"pas_data": data[1:]},
                          problems=("HIBC PAS (provider) data is not decoded",))
    if data[:1].isalpha():
        return _primary_or_concatenated(body, data, check)
    return _standalone_secondary(body, data, check)


def _primary_or_concatenated(body: str, data: str, check: str) -> HibcResult:
    primary, sep, secondary = data.partition("/")
    labeler, product, uom = _split_primary(primary)
    if not sep:
        return HibcResult("primary", body, check, labeler, product, uom)
    fields, problems, extra = _secondary_fields(secondary)
    return HibcResult("concatenated", body, check, labeler, product, uom,
                      problems=tuple(problems), extra=extra, **fields)


def _split_primary(primary: str) -> tuple[str, str, str]:
    """LIC (letter + 3 alphanumerics), product/catalog number (1-18), one-digit unit of measure."""
    m = re.fullmatch(r"([A-Z][A-Z0-9]{3})([A-Z0-9]{1,18})([0-9])", primary)
    if not m:
        raise HibcError(f"primary data {primary!r} is not LIC + product number + unit of measure")
    return m.group(1), m.group(2), m.group(3)


def _standalone_secondary(body: str, data: str, check: str) -> HibcResult:
    """A secondary symbol on its own ends with the link character (the primary's check character)."""
    if len(data) < 2:
        raise HibcError("secondary data is empty")
    link = data[-1]
    fields, problems, extra = _secondary_fields(data[:-1])
    return HibcResult("secondary", body, check, link_character=link,
                      problems=tuple(problems), extra=extra, **fields)


def _secondary_fields(secondary: str) -> tuple[dict, list[str], dict]:
    main, *supplements = secondary.split("/")
    problems: list[str] = []
    fields = _main_secondary(main, problems)
    extra: dict = {}
    for supplement in supplements:
        _supplemental(supplement, fields, extra)
    return fields, problems, extra


def _main_secondary(main: str, problems: list[str]) -> dict:
    """The first secondary segment: which flag it has decides lot vs serial and the date format."""
    if main.startswith("$$+"):
        out = _dated(main[3:])
        return _identifier(out, "serial")
    if main.startswith("$$"):
        out = _dated(main[2:])
        return _identifier(out, "lot")
    if main.startswith("$+"):
        return {"serial": _lot_value(main[2:])}
    if main.startswith("$"):
        return {"lot": _lot_value(main[1:])}
    if main.startswith("+$"):
        problems.append("non-standard '+$' flag read as a lot number")
        return {"lot": _lot_value(main[2:])}
    if re.match(r"\d{5}", main):
        out = {"expiry": _julian(main[:5]), "rest": main[5:]}
        return _identifier(out, "lot")
    raise HibcError(f"secondary data {main!r} has no known flag ($, $$, $+, $$+)")


def _identifier(out: dict, name: str) -> dict:
    rest = out.pop("rest")
    if rest:
        out[name] = _lot_value(rest)
    return out


def _lot_value(value: str) -> str:
    if not re.fullmatch(r"[A-Z0-9\-. $%]{1,18}", value):
        raise HibcError(f"lot/serial {value!r} is empty, too long or has characters HIBC does not allow")
    return value


def _dated(text: str) -> dict:
    """Quantity/date part after ``$$``: returns expiry, quantity and the remaining identifier."""
    out: dict = {}
    flag = text[:1]
    if flag in ("8", "9"):
        width = 2 if flag == "8" else 5
        qty = text[1:1 + width]
        if not (len(qty) == width and qty.isdigit()):
            raise HibcError(f"quantity {qty!r} after $${flag} must be {width} digits")
        out["quantity"] = int(qty)
        text = text[1 + width:]
        flag = text[:1]
    if flag in ("0", "1"):
        out["expiry"] = _mmyy(text[:4])
        out["rest"] = text[4:]
    elif flag in ("2", "3", "4", "5", "6"):
        width = {"2": 6, "3": 6, "4": 8, "5": 5, "6": 7}[flag]
        stamp = text[1:1 + width]
        if not (len(stamp) == width and stamp.isdigit()):
            raise HibcError(f"date {stamp!r} after flag {flag} must be {width} digits")
        out["expiry"], hour = _stamp(flag, stamp)
        if hour is not None:
            out["expiry_hour"] = hour
        out["rest"] = text[1 + width:]
    elif flag == "7":
        out["rest"] = text[1:]
    else:
        raise HibcError(f"unknown date format flag {flag!r} after $$")
    return out


def _stamp(flag: str, stamp: str) -> tuple[date, int | None]:
    if flag == "2":
        return _ymd(stamp[4:6], stamp[:2], stamp[2:4]), None
    if flag == "3":
        return _ymd(stamp[:2], stamp[2:4], stamp[4:6]), None
    if flag == "4":
        return _ymd(stamp[:2], stamp[2:4], stamp[4:6]), _hour(stamp[6:8])
    if flag == "5":
        return _julian(stamp), None
    return _julian(stamp[:5]), _hour(stamp[5:7])


def _hour(hh: str) -> int:
    if int(hh) > 23:
        raise HibcError(f"hour {hh!r} is not 00-23")
    return int(hh)


def _ymd(yy: str, mm: str, dd: str) -> date:
    try:
        return date(2000 + int(yy), int(mm), int(dd))
    except ValueError:
        raise HibcError(f"{yy}{mm}{dd} (YYMMDD) is not a calendar date") from None


def _mmyy(text: str) -> date:
    """MMYY expiry: the product is good through the end of that month."""
    if not (len(text) == 4 and text.isdigit() and 1 <= int(text[:2]) <= 12):
        raise HibcError(f"{text!r} is not an MMYY date")
    year, month = 2000 + int(text[2:]), int(text[:2])
    return date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)


def _julian(text: str) -> date:
    year, day = 2000 + int(text[:2]), int(text[2:5])
    start = date(year, 1, 1)
    result = start + timedelta(days=day - 1)
    if day < 1 or result.year != year:
        raise HibcError(f"{text!r} is not a YYJJJ date")
    return result


def _yyyymmdd(text: str, what: str) -> date:
    try:
        if len(text) != 8 or not text.isdigit():
            raise ValueError
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise HibcError(f"{what} {text!r} is not YYYYMMDD") from None


def _supplemental(segment: str, fields: dict, extra: dict) -> None:
    """``/S`` serial, ``/16D`` manufacture date, ``/14D`` expiry, ``/Q`` quantity; others kept raw."""
    if segment.startswith("16D"):
        fields["production_date"] = _yyyymmdd(segment[3:], "manufacture date")
    elif segment.startswith("14D"):
        _set_once(fields, "expiry", _yyyymmdd(segment[3:], "expiry"))
    elif segment.startswith("S"):
        _set_once(fields, "serial", _lot_value(segment[1:]))
    elif segment.startswith("Q") and segment[1:].isdigit():
        _set_once(fields, "quantity", int(segment[1:]))
    else:
        extra.setdefault("supplemental", []).append(segment)


def _set_once(fields: dict, name: str, value) -> None:
    if name in fields and fields[name] != value:
        raise HibcError(f"{name} is given twice with different values")
    fields[name] = value
