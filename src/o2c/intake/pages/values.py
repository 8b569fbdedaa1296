"""Value readers for text found on pages: dates, quantities, money, codes, GS1 element strings.

They return raw-but-normalised strings (ISO dates, decimal strings) or ``None`` when the text is not
such a value, so callers can use them both to parse and to validate a label's candidate value.
OCR confuses a few glyphs (O/0, l/1, S/5); numeric readers repair those only inside tokens that are
otherwise numeric, never in free text.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from o2c.kernel.errors import InvalidValue
from o2c.kernel.money import parse_decimal

MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
MONTHS.update({"sept": 9, "mär": 3, "mrz": 3, "mai": 5, "okt": 10, "dez": 12, "janv": 1, "févr": 2, "avr": 4,
               "juil": 7, "déc": 12})

_NUMERIC_FIXES = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1", "S": "5", "B": "8"})

_D_NUM = re.compile(r"(?<!\d)(\d{1,4})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{2,4})(?!\d)")
_D_MON_FIRST = re.compile(r"\b([A-Za-zäé]{3,9})\.?\s*(\d{1,2})(?:st|nd|rd|th)?,?\s*(\d{4})\b")
_D_DAY_FIRST = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?[\s\-.]*([A-Za-zäé]{3,9})\.?[\s\-.,]*(\d{2,4})\b")


def _month(name: str) -> int | None:
    key = name.lower().rstrip(".")
    if key in MONTHS:
        return MONTHS[key]
    return MONTHS.get(key[:3]) if len(key) >= 3 and key[:3] in MONTHS and key.isalpha() else None


def _year(text: str) -> int:
    y = int(text)
    return y + 2000 if y < 100 else y


def _make(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def parse_date_text(text: str | None, day_first: bool = False) -> str | None:
    """First date in the text as ISO: 11/06/2026, 2026-11-06, Nov 6 2026, 06-Nov-2026, 6.11.2026.
    Slashed dates are US month-first unless the first number cannot be a month (or ``day_first``)."""
    if not text:
        return None
    m = _D_NUM.search(text)
    if m:
        a, sep, b, c = m.group(1), m.group(2), m.group(3), m.group(4)
        if len(a) == 4:
            return _make(int(a), int(b), int(c))
        x, y, yr = int(a), int(b), _year(c)
        if sep == "." or day_first or x > 12:
            return _make(yr, y, x)
        return _make(yr, x, y)
    m = _D_MON_FIRST.search(text)
    if m and _month(m.group(1)):
        return _make(int(m.group(3)), _month(m.group(1)), int(m.group(2)))
    m = _D_DAY_FIRST.search(text)
    if m and _month(m.group(2)) and len(m.group(3)) in (2, 4):
        return _make(_year(m.group(3)), _month(m.group(2)), int(m.group(1)))
    return None


def gs1_date(yymmdd: str) -> str | None:
    """GS1 AI (17) date; day 00 means the last day of the month."""
    if not re.fullmatch(r"\d{6}", yymmdd or ""):
        return None
    y, m, d = 2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if d == 0:
        import calendar

        if not 1 <= m <= 12:
            return None
        d = calendar.monthrange(y, m)[1]
    return _make(y, m, d)


def decimal_text(value: Decimal) -> str:
    """Canonical decimal string: integral quantities lose their zeros ("2.00" -> "2")."""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


_QTY = re.compile(r"^[(\[]?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)[)\]]?\.*(?:[A-Za-z]{1,4})?$")


def parse_quantity(text: str | None) -> str | None:
    """A quantity cell ("2", "10.00", "1,000", OCR'd "l0") as a decimal string; None otherwise."""
    if not text:
        return None
    for token in text.replace("\u2019", "'").split():
        token = token.strip("'\"`:;,~_-|°*")
        fixed = token.translate(_NUMERIC_FIXES) if re.search(r"\d", token) else token
        m = _QTY.match(fixed)
        if m:
            try:
                value = parse_decimal(m.group(1), "quantity")
            except InvalidValue:
                continue
            if value > 0:
                return decimal_text(value)
    return None


#: an amount never stops just before another separator and digit ("1,234" of "1,234.5" is not one).
_MONEY = re.compile(r"(?:[-(]?[$€£]?\s?\d{1,3}(?:[,.' ]\d{3})*(?:[.,]\d{2,4})|[-(]?[$€£]?\s?\d+(?:[.,]\d{2,4}))"
                    r"(?![.,]?\d)")


_SHORT_MONEY = re.compile(r"[-(]?[$€£]?\s?\d{1,3}(?:,\d{3})+\.\d(?!\d)|[-(]?[$€£]?\s?\d+\.\d(?![\d.])")
_BARE_MONEY = re.compile(r"^\(?(?:[$€£]|USD|EUR|GBP|CAD)?\s?(\d{1,3}(?:,\d{3})+|\d+)\)?$", re.I)


def parse_money(text: str | None, bare: bool = False) -> str | None:
    """Money as a decimal string; accepts 1,234.50 and the European 1.234,50 forms, and amounts
    an ERP prints with one decimal ("1234.5"). ``bare`` is for cells a price column header already
    types as money: there a whole-cell integer ("875", "$1,200") is an amount too."""
    if not text:
        return None
    found = _parse_money(text)
    if found is None:
        m = _SHORT_MONEY.search(text)
        found = _parse_money(m.group(0) + "0") if m else None
    if found is None and bare:
        m = _BARE_MONEY.match(text.strip())
        found = format(parse_decimal(m.group(1).replace(",", ""), "amount"), "f") if m else None
    return found


def _parse_money(text: str) -> str | None:
    cleaned = text.replace("O", "0") if re.search(r"\d", text) else text
    for m in _MONEY.finditer(cleaned):
        raw = m.group(0).strip().lstrip("$€£(").replace(" ", "").replace("'", "")
        negative = raw.startswith("-")
        raw = raw.lstrip("-$€£")
        if re.search(r",\d{2}$", raw) and (raw.count(",") == 1):
            raw = raw.replace(".", "").replace(",", ".")
        try:
            value = parse_decimal(raw.replace(",", ""), "amount")
        except InvalidValue:
            continue
        if negative:
            value = -value
        return format(value, "f")
    return None


def looks_like_money(text: str) -> bool:
    return bool(re.fullmatch(r"[-(]?[$€£]?\s?\d{1,3}(?:[,.]\d{3})*[.,]\d{2}\)?", text.strip()))


def looks_like_date(text: str) -> bool:
    return parse_date_text(text) is not None


_CODE = re.compile(r"^[A-Z0-9][A-Z0-9\-./]{3,}[A-Z0-9]$", re.I)


def strip_code(token: str) -> str:
    """A code token without the punctuation OCR glues to it ("-7603-0001", "7105-0107.", "=7105")."""
    return token.strip(".,;:()[]'\"-~_=—–|«»“”‘’`°©")


def is_item_code(token: str) -> bool:
    """Catalog / part numbers: at least four digits, letters, digits and - . / only, not a date,
    an amount or a phone number."""
    t = strip_code(token)
    if not _CODE.match(t) or sum(ch.isdigit() for ch in t) < 4:
        return False
    if looks_like_date(t) or looks_like_money(t) or re.fullmatch(r"\d+[.,]\d{2}", t):
        return False  # an amount without thousands separators ("33701.82") is no part number
    if re.fullmatch(r"\d{3}[-.]\d{3}[-.]\d{4}", t):  # phone
        return False
    return True


# ------------------------------------------------------------------ GS1 element strings (bracketed HRI)
_GS1 = re.compile(r"\((01|02)\)\s?(\d{14})((?:\s?\(\d{2,4}\)\s?[^()\s]+)*)")
_AI = re.compile(r"\((\d{2,4})\)\s?([^()\s]+)")


def find_gs1(text: str) -> list[dict]:
    """Bracketed GS1 strings such as ``(01)00885074257105(17)280331(10)L44512(21)SN1``, read with a
    small local parser. TODO: switch to ``o2c.formats.udi.parse_udi`` once it lands."""
    found = []
    compact = text.replace(" ", "")
    for m in _GS1.finditer(compact):
        udi = m.group(0)
        parts = {"gtin": m.group(2), "udi": udi, "lot": None, "serial": None, "expiry": None}
        for ai, value in _AI.findall(m.group(3)):
            if ai == "17":
                parts["expiry"] = gs1_date(value)
            elif ai == "10":
                parts["lot"] = value
            elif ai == "21":
                parts["serial"] = value
        found.append(parts)
    if not found:
        # the (01) part misread by OCR: keep the production data the other AIs still give
        m = re.search(r"((?:\((?:17|10|21)\)[^()\s]+){2,})", compact)
        if m:
            parts = {"gtin": None, "udi": None, "lot": None, "serial": None, "expiry": None}
            for ai, value in _AI.findall(m.group(1)):
                key = {"17": "expiry", "10": "lot", "21": "serial"}[ai]
                parts[key] = gs1_date(value) if ai == "17" else value
            found.append(parts)
    return found


def parse_udi_text(text: str) -> dict | None:
    """Prefer the project's UDI parser when it is installed; fall back to the local reader."""
    try:  # pragma: no cover - depends on a module another engineer owns
        from o2c.formats.udi import parse_udi  # type: ignore
    except Exception:
        parse_udi = None
    found = find_gs1(text)
    if not found:
        return None
    result = found[0]
    if parse_udi is not None and result["udi"]:
        try:
            parsed = parse_udi(result["udi"])
            for key in ("lot", "serial", "expiry", "gtin"):
                value = getattr(parsed, key, None) if not isinstance(parsed, dict) else parsed.get(key)
                if value:
                    result[key] = value.isoformat() if hasattr(value, "isoformat") else str(value)
        except Exception:
            pass
    return result


UOM_WORDS = {"EA": "EA", "EACH": "EA", "EAC": "EA", "BX": "BX", "BOX": "BX", "BOXES": "BX", "CS": "CS", "CASE": "CS",
             "CA": "CS", "PK": "PK", "PACK": "PK", "PKG": "PK", "KT": "KT", "KIT": "KT", "PR": "PR", "PAIR": "PR",
             "UN": "EA", "UNIT": "EA", "PC": "PC", "PCS": "PC", "ST": "ST", "STK": "EA", "DZ": "DZ", "BG": "BG",
             "CT": "CT", "RL": "RL", "SET": "SET", "TRAY": "TR", "FA": "EA", "BA": "EA"}


def parse_uom(text: str | None) -> str | None:
    """Units of measure as the usual two-letter codes; OCR's FA/BA for EA are repaired."""
    if not text:
        return None
    for token in text.split():
        key = re.sub(r"[^A-Za-z]", "", token).upper()
        if key in UOM_WORDS:
            return UOM_WORDS[key]
    return None
