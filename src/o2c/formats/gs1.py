"""GS1 identifiers and element strings: GTIN check digits, AI table, and the three text forms.

Medical-device UDIs are most often GS1: a GTIN (the UDI-DI) followed by production identifiers
(lot, serial, expiry, production date). They reach o2c as a scanner's raw FNC1/GS-separated
string (sometimes with an AIM symbology identifier such as ``]d2``), as the bracketed human
readable form printed under the symbol, or as a GS1 Digital Link URI in a QR code. All three are
reduced here to one ordered list of ``(AI, value)`` elements, validated against the GS1 AI table
(length, character set, check digits, dates), and summarised into the fields order-to-cash needs.

Two levels of strictness: structural problems (unknown AI, value too long or too short, so that
we cannot tell where the next element starts) always raise; value problems (a bad check digit, an
impossible date) raise in strict mode and, with ``strict=False``, are reported in ``problems`` while
the affected summary field stays ``None`` -- we never guess a value we could not validate.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from o2c.kernel.errors import InvalidValue

GS = "\x1d"

__all__ = [
    "GS", "GS1Error", "AIDefinition", "GS1Element", "GS1Result",
    "gs1_check_digit", "is_valid_gtin", "normalize_gtin", "gtin_check_digit", "add_check_digit",
    "ai_definition", "parse_gs1", "parse_element_string", "parse_hri", "parse_digital_link",
    "strip_symbology_identifier", "gs1_date", "looks_like_gs1",
]


class GS1Error(InvalidValue):
    """A GS1 string that cannot be read as it stands (bad structure, check digit, date...)."""

    code = "invalid_gs1"

    def __init__(self, reason: str, ai: str | None = None):
        super().__init__(f"AI ({ai})" if ai else "gs1", reason)
        self.ai = ai


# --------------------------------------------------------------------------- check digits

def gs1_check_digit(body: str) -> str:
    """Mod-10 check digit shared by GTIN, GLN, SSCC, GSIN...: weights 3,1,3... from the right."""
    if not body.isdigit():
        raise GS1Error(f"{body!r} must be digits to compute a check digit")
    total = sum(int(ch) * (3 if i % 2 == 0 else 1) for i, ch in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def add_check_digit(body: str) -> str:
    """Append the GS1 check digit (for building test data and GTINs from a company prefix)."""
    return body + gs1_check_digit(body)


def gtin_check_digit(gtin_without_check: str) -> str:
    """Check digit of a GTIN-8/12/13/14 given without its last digit."""
    if len(gtin_without_check) not in (7, 11, 12, 13):
        raise GS1Error(f"{gtin_without_check!r} is not a GTIN body (7, 11, 12 or 13 digits)")
    return gs1_check_digit(gtin_without_check)


def _check_digit_ok(digits: str) -> bool:
    return digits.isdigit() and len(digits) > 1 and gs1_check_digit(digits[:-1]) == digits[-1]


def is_valid_gtin(value: str) -> bool:
    """True for a GTIN-8, -12, -13 or -14 whose check digit is right."""
    value = (value or "").strip()
    return len(value) in (8, 12, 13, 14) and _check_digit_ok(value)


def normalize_gtin(value: str) -> str:
    """Validate a GTIN and return it as 14 digits, the form the UDI-DI and master data use.

    Raises GS1Error for anything else, so a mistyped DI never matches some other product.
    """
    text = re.sub(r"[\s-]", "", str(value or ""))
    if not text.isdigit() or len(text) not in (8, 12, 13, 14):
        raise GS1Error(f"{value!r} is not a GTIN (8, 12, 13 or 14 digits)", "01")
    if not _check_digit_ok(text):
        raise GS1Error(f"GTIN {text} has a bad check digit (expected {gs1_check_digit(text[:-1])})", "01")
    return text.zfill(14)


# --------------------------------------------------------------------------- dates

def gs1_date(yymmdd: str, *, allow_day_zero: bool = True, today: date | None = None) -> date:
    """Read a GS1 YYMMDD date.

    The century follows the GS1 General Specifications rule (7.12): the year lies within 49 years
    back and 50 years ahead of the current year. Day ``00`` (allowed for expiry-like AIs) means the
    last day of the month.
    """
    if len(yymmdd) != 6 or not yymmdd.isdigit():
        raise GS1Error(f"{yymmdd!r} is not a YYMMDD date")
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    year = _gs1_century(yy, (today or date.today()).year)
    if not 1 <= mm <= 12:
        raise GS1Error(f"{yymmdd!r} has month {mm:02d}")
    if dd == 0:
        if not allow_day_zero:
            raise GS1Error(f"{yymmdd!r} has day 00")
        return _end_of_month(year, mm)
    try:
        return date(year, mm, dd)
    except ValueError:
        raise GS1Error(f"{yymmdd!r} is not a calendar date") from None


def _gs1_century(yy: int, current_year: int) -> int:
    """GS1 sliding window: 51..99 years ahead means last century, 50+ years back means next."""
    century, current_yy = divmod(current_year, 100)
    diff = yy - current_yy
    if diff >= 51:
        century -= 1
    elif diff <= -50:
        century += 1
    return century * 100 + yy


def _end_of_month(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _yyyymmdd(text: str) -> date:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise GS1Error(f"{text!r} is not a YYYYMMDD date") from None


# --------------------------------------------------------------------------- AI table

_CSETS = {
    "N": re.compile(r"[0-9]*"),
    # CSET 82: the invariant subset of ISO 646 that GS1 allows in alphanumeric AIs
    "X": re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*"),
    # CSET 39: upper-case letters, digits, # - /
    "Y": re.compile(r"[#\-/0-9A-Z]*"),
    # base64url (digital signature AI 8030), padding allowed
    "Z": re.compile(r"[A-Za-z0-9\-_=]*"),
}


@dataclass(frozen=True, slots=True)
class Component:
    """One part of an AI's data field, e.g. ``N6`` plus linters such as ``yymmd0``."""

    cset: str
    min_len: int
    max_len: int
    optional: bool
    linters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AIDefinition:
    ai: str
    title: str
    components: tuple[Component, ...]
    predefined_length: bool      # in the GS1 predefined-length table: never followed by FNC1
    dl_primary_key: bool

    @property
    def fixed_length(self) -> int | None:
        """Total length when every component is mandatory and fixed, else None."""
        if any(c.optional or c.min_len != c.max_len for c in self.components):
            return None
        return sum(c.max_len for c in self.components)

    @property
    def max_length(self) -> int:
        return sum(c.max_len for c in self.components)

    @property
    def decimal_places(self) -> int | None:
        """Implied decimal point for measures (31nn-36nn), amounts and prices (39nn)."""
        if len(self.ai) == 4 and self.ai[:2] in ("31", "32", "33", "34", "35", "36", "39"):
            return int(self.ai[3])
        return None


_COMPONENT = re.compile(r"^(\[)?([NXYZ])(\.\.)?(\d+)(\])?((?:,\w+)*)$")


def _parse_component(token: str) -> Component:
    m = _COMPONENT.match(token)
    if not m:
        raise ValueError(f"bad AI table component {token!r}")
    optional, cset, dots, length, _, linters = m.groups()
    n = int(length)
    return Component(cset, 1 if dots else n, n, bool(optional),
                     tuple(x for x in linters.split(",") if x))


def _expand(ais: str) -> list[str]:
    """``3100-3105`` -> every AI of the range; ``91-99`` likewise."""
    if "-" not in ais:
        return [ais]
    lo, hi = ais.split("-")
    return [str(n).zfill(len(lo)) for n in range(int(lo), int(hi) + 1)]


@lru_cache(maxsize=1)
def _ai_table() -> dict[str, AIDefinition]:
    table: dict[str, AIDefinition] = {}
    for line in _AI_TABLE.strip().splitlines():
        head, flags, rest = line.split(None, 2)
        tokens = rest.split()
        comps = [t for t in tokens if _COMPONENT.match(t)]
        title = " ".join(tokens[len(comps):])
        parsed = tuple(_parse_component(t) for t in comps)
        for ai in _expand(head):
            table[ai] = AIDefinition(ai, title, parsed, flags[0] == "*", flags[1] == "K")
    return table


def ai_definition(ai: str) -> AIDefinition | None:
    """The table entry for an AI, or None when GS1 has not defined it."""
    return _ai_table().get(ai)


def _match_ai(text: str, pos: int) -> AIDefinition | None:
    """AIs are prefix-free, so the first 2, 3 or 4 digit prefix found in the table is the AI."""
    for n in (2, 3, 4):
        found = _ai_table().get(text[pos:pos + n])
        if found is not None:
            return found
    return None


# --------------------------------------------------------------------------- elements & results

@dataclass(frozen=True, slots=True)
class GS1Element:
    """One AI and its value, with the typed reading of dates and implied-decimal quantities."""

    ai: str
    value: str
    title: str
    date: date | None = None
    decimal: Decimal | None = None
    currency: str | None = None
    valid: bool = True

    def hri(self) -> str:
        return f"({self.ai}){self.value}"


@dataclass(frozen=True)
class GS1Result:
    """A parsed GS1 message: every element in order, plus the fields a UDI reader needs."""

    elements: tuple[GS1Element, ...]
    form: str                       # "element_string", "hri" or "digital_link"
    symbology: str | None = None    # AIM identifier when one was given, e.g. "]d2"
    problems: tuple[str, ...] = ()
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: date | None = None
    production_date: date | None = None
    best_before: date | None = None
    quantity: int | None = None
    sscc: str | None = None
    additional_id: str | None = None
    extra: dict = field(default_factory=dict)

    def get(self, ai: str) -> str | None:
        """Value of the first element with this AI."""
        return next((e.value for e in self.elements if e.ai == ai), None)

    def as_dict(self) -> dict[str, str]:
        return {e.ai: e.value for e in self.elements}

    def hri(self) -> str:
        """Bracketed human readable form, e.g. ``(01)...(17)...(10)...``."""
        return "".join(e.hri() for e in self.elements)

    def element_string(self) -> str:
        """Unbracketed form with a GS after every variable-length element that is not last."""
        out = []
        for i, e in enumerate(self.elements):
            out.append(e.ai + e.value)
            definition = ai_definition(e.ai)
            if i < len(self.elements) - 1 and not (definition and definition.predefined_length):
                out.append(GS)
        return "".join(out)


# --------------------------------------------------------------------------- value validation

def _validate(definition: AIDefinition, value: str, today: date | None) -> GS1Element:
    """Check a value against its AI's components and build the typed element (raises GS1Error)."""
    try:
        return _validate_components(definition, value, today)
    except GS1Error as exc:
        if exc.ai is None:      # date helpers do not know the AI; name it for the reader
            raise GS1Error(exc.reason, definition.ai) from None
        raise


def _validate_components(definition: AIDefinition, value: str, today: date | None) -> GS1Element:
    ai = definition.ai
    if len(value) > definition.max_length:
        raise GS1Error(f"value {value!r} is too long (max {definition.max_length})", ai)
    pos = 0
    parts: list[str] = []
    for comp in definition.components:
        remaining = len(value) - pos
        if remaining == 0 and comp.optional:
            break
        take = comp.max_len if comp.min_len == comp.max_len else remaining
        take = min(take, comp.max_len)
        part = value[pos:pos + take]
        if len(part) < comp.min_len:
            raise GS1Error(f"value {value!r} is too short", ai)
        if not _CSETS[comp.cset].fullmatch(part):
            raise GS1Error(f"value {value!r} has characters not allowed here", ai)
        _lint(ai, part, comp.linters, today)
        parts.append(part)
        pos += take
    if pos != len(value):
        raise GS1Error(f"value {value!r} is too long", ai)
    return _typed(definition, value, parts, today)


def _lint(ai: str, part: str, linters: tuple[str, ...], today: date | None) -> None:
    """The content checks that matter for UDIs and logistics: check digits and dates."""
    for linter in linters:
        if linter == "csum" and not _check_digit_ok(part):
            raise GS1Error(f"{part} has a bad check digit (expected {gs1_check_digit(part[:-1])})", ai)
        if linter in ("yymmd0", "yymmdd"):
            gs1_date(part, allow_day_zero=linter == "yymmd0", today=today)
        if linter == "yyyymmdd":
            _yyyymmdd(part)
        if linter == "hhmi" and not (int(part[:2]) < 24 and int(part[2:4]) < 60):
            raise GS1Error(f"{part!r} is not a time HHMM", ai)
        if linter == "zero" and part != "0":
            raise GS1Error(f"{part!r} must be 0", ai)


def _typed(definition: AIDefinition, value: str, parts: list[str], today: date | None) -> GS1Element:
    ai, comps = definition.ai, definition.components
    when = None
    first = comps[0].linters
    if "yymmd0" in first or "yymmdd" in first:
        when = gs1_date(parts[0], allow_day_zero="yymmd0" in first, today=today)
    elif "yyyymmdd" in first:
        when = _yyyymmdd(parts[0])
    amount = currency = None
    places = definition.decimal_places
    if places is not None:
        digits = parts[-1]
        if "iso4217" in first:
            currency = parts[0]
        amount = Decimal(int(digits)).scaleb(-places)
    return GS1Element(ai, value, definition.title, when, amount, currency)


# --------------------------------------------------------------------------- text forms

_SYMBOLOGY = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
GS1_SYMBOLOGIES = {"]C1", "]d2", "]Q3", "]e0", "]J1", "]z1", "]z2", "]z3", "]z4", "]z5", "]z6"}


def strip_symbology_identifier(text: str) -> tuple[str, str | None]:
    """Split off an AIM symbology identifier (``]d2`` GS1 DataMatrix, ``]C1`` GS1-128...)."""
    if _SYMBOLOGY.match(text):
        return text[3:], text[:3]
    return text, None


def parse_element_string(text: str, *, strict: bool = True, today: date | None = None,
                         symbology: str | None = None, form: str = "element_string") -> GS1Result:
    """Parse the unbracketed form: AIs back to back, GS (FNC1) after variable-length values."""
    text, sid = strip_symbology_identifier(text)
    text = text.lstrip(GS)
    pairs = _split_element_string(text)
    return _build(pairs, form, symbology or sid, strict, today)


def _split_element_string(text: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    pos = 0
    if not text:
        raise GS1Error("no data")
    while pos < len(text):
        if text[pos] == GS:          # a separator after a fixed-length value: tolerated
            pos += 1
            continue
        definition = _match_ai(text, pos)
        if definition is None:
            raise GS1Error(f"unknown application identifier at {text[pos:pos + 4]!r}")
        pos += len(definition.ai)
        fixed = definition.fixed_length
        if fixed is not None:
            value = text[pos:pos + fixed]
            if GS in value or len(value) < fixed:
                raise GS1Error(f"value {value.split(GS)[0]!r} is too short (needs {fixed})", definition.ai)
            pos += fixed
        else:
            end = text.find(GS, pos)
            end = len(text) if end < 0 else end
            value = text[pos:end]
            if len(value) > definition.max_length:
                raise GS1Error(f"value {value!r} is too long (max {definition.max_length}); "
                               "a separator is probably missing", definition.ai)
            pos = end
        if not value:
            raise GS1Error("empty value", definition.ai)
        pairs.append((definition.ai, value))
    return pairs


_HRI_AI = re.compile(r"[({\[](\d{2,4})[)}\]]")


def parse_hri(text: str, *, strict: bool = True, today: date | None = None) -> GS1Result:
    """Parse the bracketed human readable form ``(01)...(17)...(10)...``.

    Braces ``{01}`` and square brackets are accepted (FHIR and some label software use them).
    A bracket only opens an AI when the digits inside are a known AI, so values may contain
    parentheses. A fixed-length value that runs on (``(01)<14 digits>10LOT``) is read as the
    unbracketed element string it is.
    """
    text, sid = strip_symbology_identifier(text.strip())
    text = re.sub(r"[ \t\r\n]+", "", text)      # not \s: that would eat the GS separator
    marks = [m for m in _HRI_AI.finditer(text) if ai_definition(m.group(1))]
    if not marks or marks[0].start() != 0:
        raise GS1Error("bracketed form must start with an (AI)")
    pieces: list[str] = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        value = text[m.end():end].replace(GS, "")
        definition = ai_definition(m.group(1))
        fixed = definition.fixed_length
        if fixed is not None and len(value) < fixed:
            raise GS1Error(f"value {value!r} is too short (needs {fixed})", definition.ai)
        pieces.append(m.group(1) + value)
    pairs = _split_element_string(GS.join(pieces))
    return _build(pairs, "hri", sid, strict, today)


# GS1 Digital Link short names (URI syntax 1.x) for path keys and qualifiers.
_DL_SHORT_NAMES = {
    "sscc": "00", "gtin": "01", "cpv": "22", "lot": "10", "ser": "21", "tpx": "235",
    "gdti": "253", "glnx": "254", "gcn": "255", "ginc": "401", "gsin": "402",
    "shipTo": "410", "billTo": "411", "purchasedFrom": "412", "shipFor": "413",
    "gln": "414", "payTo": "415", "glnProd": "416", "party": "417",
    "grai": "8003", "giai": "8004", "itip": "8006", "cpid": "8010", "cpsn": "8011",
    "gmn": "8013", "gsrnp": "8017", "gsrn": "8018", "srin": "8019",
    "exp": "17", "expdt": "7003",
}


def parse_digital_link(uri: str, *, strict: bool = True, today: date | None = None) -> GS1Result:
    """Parse an uncompressed GS1 Digital Link URI (``https://id.gs1.org/01/…/10/…?17=…``).

    The path may carry a prefix before the primary key; numeric AIs and short names are both
    read. Query parameters that are AIs become data attributes; others (``linkType``) are ignored.
    Compressed Digital Links are refused rather than guessed at.
    """
    parts = urlsplit(uri.strip())
    if parts.scheme not in ("http", "https"):
        raise GS1Error(f"{uri!r} is not an http(s) URI")
    segments = [s for s in parts.path.split("/") if s]
    start = _dl_primary_key_index(segments)
    if start is None:
        raise GS1Error("no GS1 Digital Link primary key in the path (compressed links are not supported)")
    path = segments[start:]
    if len(path) % 2:
        raise GS1Error("Digital Link path has a key without a value")
    pairs = []
    for key, raw in zip(path[0::2], path[1::2]):
        ai = _DL_SHORT_NAMES.get(key, key)
        value = unquote(raw)
        if ai == "01" and value.isdigit() and len(value) in (8, 12, 13):
            value = value.zfill(14)
        if ai_definition(ai) is None:
            raise GS1Error(f"unknown application identifier {key!r} in Digital Link path")
        pairs.append((ai, value))
    for item in filter(None, parts.query.split("&")):
        key, _, raw = item.partition("=")
        ai = _DL_SHORT_NAMES.get(key, key)
        if ai.isdigit() and ai_definition(ai) is not None:
            pairs.append((ai, unquote(raw.replace("+", " "))))
    return _build(pairs, "digital_link", None, strict, today)


# Location AIs that Digital Link 1.x accepted as primary keys before the syntax dictionary
# narrowed them; links printed then are still in circulation.
_DL_LEGACY_KEYS = {"410", "411", "412", "413", "416"}


def _dl_primary_key_index(segments: list[str]) -> int | None:
    for i in range(len(segments) - 1):
        ai = _DL_SHORT_NAMES.get(segments[i], segments[i])
        definition = ai_definition(ai)
        if definition is not None and (definition.dl_primary_key or ai in _DL_LEGACY_KEYS):
            return i
    return None


def looks_like_gs1(text: str) -> bool:
    """Cheap test used by the UDI dispatcher: bracketed AI, digital link, or known AI prefix."""
    body, _ = strip_symbology_identifier(text.strip())
    if _HRI_AI.match(body) or re.match(r"https?://", body, re.I):
        return True
    return bool(body[:1].isdigit() and _match_ai(body, 0))


def parse_gs1(text: str, *, strict: bool = True, today: date | None = None) -> GS1Result:
    """Parse any of the three forms, chosen by the text's shape."""
    if text is None or not str(text).strip():
        raise GS1Error("no data")
    body = str(text).strip()
    if re.match(r"https?://", body, re.I):
        return parse_digital_link(body, strict=strict, today=today)
    stripped, sid = strip_symbology_identifier(body)
    if _HRI_AI.match(stripped.strip()):
        result = parse_hri(stripped, strict=strict, today=today)
        return _with_symbology(result, sid)
    return parse_element_string(re.sub(r"[ \t\r\n]+", "", stripped), strict=strict, today=today,
                                symbology=sid)


def _with_symbology(result: GS1Result, sid: str | None) -> GS1Result:
    if sid is None:
        return result
    from dataclasses import replace
    return replace(result, symbology=sid)


# --------------------------------------------------------------------------- summary

def _build(pairs: list[tuple[str, str]], form: str, symbology: str | None, strict: bool,
           today: date | None) -> GS1Result:
    """Validate every element and summarise; in lenient mode bad values become problems."""
    elements: list[GS1Element] = []
    problems: list[str] = []
    for ai, value in pairs:
        definition = ai_definition(ai)
        try:
            elements.append(_validate(definition, value, today))
        except GS1Error as exc:
            if strict:
                raise
            problems.append(str(exc))
            elements.append(GS1Element(ai, value, definition.title, valid=False))
    summary = _summarise(elements, problems)
    return GS1Result(tuple(elements), form, symbology, tuple(problems), **summary)


def _summarise(elements: list[GS1Element], problems: list[str]) -> dict:
    """Map AIs to the UDI fields; a field seen twice with different values is left unknown."""
    wanted = {"01": "gtin", "10": "lot", "21": "serial", "00": "sscc", "240": "additional_id"}
    dates = {"17": "expiry", "11": "production_date", "15": "best_before"}
    out: dict = {}
    conflicts: set[str] = set()

    def put(name: str, value) -> None:
        if name in out and out[name] != value:
            conflicts.add(name)
        out[name] = value

    for e in elements:
        if not e.valid:
            continue
        if e.ai in wanted:
            put(wanted[e.ai], e.value)
        elif e.ai in dates:
            put(dates[e.ai], e.date)
        elif e.ai in ("30", "37"):
            put("quantity", int(e.value))
    for name in conflicts:
        problems.append(f"{name} appears twice with different values")
        out.pop(name)
    return out


# Derived from the GS1 Barcode Syntax Dictionary (gs1/gs1-syntax-engine, release 2026-01-27,
# Apache-2.0, (c) BWIPP, Zint, GS1 AISBL), reduced to what a parser needs: AI or range; flags
# ("*" predefined length, never followed by FNC1; "K" Digital Link primary key); component
# formats with their linters; title.
_AI_TABLE = """
00         *K N18,csum,gcppos2                         SSCC
01         *K N14,csum,gcppos2                         GTIN
02         *- N14,csum,gcppos2                         CONTENT
03         *- N14,csum,gcppos2                         MTO GTIN
10         -- X..20                                    BATCH/LOT
11         *- N6,yymmd0                                PROD DATE
12         *- N6,yymmd0                                DUE DATE
13         *- N6,yymmd0                                PACK DATE
15         *- N6,yymmd0                                BEST BEFORE or BEST BY
16         *- N6,yymmd0                                SELL BY
17         *- N6,yymmd0                                USE BY or EXPIRY
20         *- N2                                       VARIANT
21         -- X..20                                    SERIAL
22         -- X..20                                    CPV
235        -- X..28                                    TPX
240        -- X..30                                    ADDITIONAL ID
241        -- X..30                                    CUST. PART No.
242        -- N..6                                     MTO VARIANT
243        -- X..20                                    PCN
250        -- X..30                                    SECONDARY SERIAL
251        -- X..30                                    REF. TO SOURCE
253        -K N13,csum,gcppos1 [X..17]                 GDTI
254        -- X..20                                    GLN EXTENSION COMPONENT
255        -K N13,csum,gcppos1 [N..12]                 GCN
30         -- N..8                                     VAR. COUNT
3100-3105  *- N6                                       NET WEIGHT (kg)
3110-3115  *- N6                                       LENGTH (m)
3120-3125  *- N6                                       WIDTH (m)
3130-3135  *- N6                                       HEIGHT (m)
3140-3145  *- N6                                       AREA (m²)
3150-3155  *- N6                                       NET VOLUME (l)
3160-3165  *- N6                                       NET VOLUME (m³)
3200-3205  *- N6                                       NET WEIGHT (lb)
3210-3215  *- N6                                       LENGTH (in)
3220-3225  *- N6                                       LENGTH (ft)
3230-3235  *- N6                                       LENGTH (yd)
3240-3245  *- N6                                       WIDTH (in)
3250-3255  *- N6                                       WIDTH (ft)
3260-3265  *- N6                                       WIDTH (yd)
3270-3275  *- N6                                       HEIGHT (in)
3280-3285  *- N6                                       HEIGHT (ft)
3290-3295  *- N6                                       HEIGHT (yd)
3300-3305  *- N6                                       GROSS WEIGHT (kg)
3310-3315  *- N6                                       LENGTH (m), log
3320-3325  *- N6                                       WIDTH (m), log
3330-3335  *- N6                                       HEIGHT (m), log
3340-3345  *- N6                                       AREA (m²), log
3350-3355  *- N6                                       VOLUME (l), log
3360-3365  *- N6                                       VOLUME (m³), log
3370-3375  *- N6                                       KG PER m²
3400-3405  *- N6                                       GROSS WEIGHT (lb)
3410-3415  *- N6                                       LENGTH (in), log
3420-3425  *- N6                                       LENGTH (ft), log
3430-3435  *- N6                                       LENGTH (yd), log
3440-3445  *- N6                                       WIDTH (in), log
3450-3455  *- N6                                       WIDTH (ft), log
3460-3465  *- N6                                       WIDTH (yd), log
3470-3475  *- N6                                       HEIGHT (in), log
3480-3485  *- N6                                       HEIGHT (ft), log
3490-3495  *- N6                                       HEIGHT (yd), log
3500-3505  *- N6                                       AREA (in²)
3510-3515  *- N6                                       AREA (ft²)
3520-3525  *- N6                                       AREA (yd²)
3530-3535  *- N6                                       AREA (in²), log
3540-3545  *- N6                                       AREA (ft²), log
3550-3555  *- N6                                       AREA (yd²), log
3560-3565  *- N6                                       NET WEIGHT (tr oz)
3570-3575  *- N6                                       NET VOLUME (oz)
3600-3605  *- N6                                       NET VOLUME (qt (US))
3610-3615  *- N6                                       NET VOLUME (gal.)
3620-3625  *- N6                                       VOLUME (qt (US)), log
3630-3635  *- N6                                       VOLUME (gal (US)), log
3640-3645  *- N6                                       NET VOLUME (in³)
3650-3655  *- N6                                       NET VOLUME (ft³)
3660-3665  *- N6                                       NET VOLUME (yd³)
3670-3675  *- N6                                       VOLUME (in³), log
3680-3685  *- N6                                       VOLUME (ft³), log
3690-3695  *- N6                                       VOLUME (yd³), log
37         -- N..8                                     COUNT
3900-3909  -- N..15                                    AMOUNT
3910-3919  -- N3,iso4217 N..15                         AMOUNT
3920-3929  -- N..15                                    PRICE
3930-3939  -- N3,iso4217 N..15                         PRICE
3940-3943  -- N4                                       PRCNT OFF
3950-3955  -- N6                                       PRICE/UoM
400        -- X..30                                    ORDER NUMBER
401        -K X..30,gcppos1                            GINC
402        -K N17,csum,gcppos1                         GSIN
403        -- X..30                                    ROUTE
410        *- N13,csum,gcppos1                         SHIP TO LOC
411        *- N13,csum,gcppos1                         BILL TO
412        *- N13,csum,gcppos1                         PURCHASE FROM
413        *- N13,csum,gcppos1                         SHIP FOR LOC
414        *K N13,csum,gcppos1                         LOC No.
415        *K N13,csum,gcppos1                         PAY TO
416        *- N13,csum,gcppos1                         PROD/SERV LOC
417        *K N13,csum,gcppos1                         PARTY
420        -- X..20                                    SHIP TO POST
421        -- N3,iso3166 X..9                          SHIP TO POST
422        -- N3,iso3166                               ORIGIN
423        -- N3,iso3166 [N3],iso3166 [N3],iso3166 [N3],iso3166 [N3],iso3166 COUNTRY - INITIAL PROCESS
424        -- N3,iso3166                               COUNTRY - PROCESS
425        -- N3,iso3166 [N3],iso3166 [N3],iso3166 [N3],iso3166 [N3],iso3166 COUNTRY - DISASSEMBLY
426        -- N3,iso3166                               COUNTRY - FULL PROCESS
427        -- X..3                                     ORIGIN SUBDIVISION
4300       -- X..35,pcenc                              SHIP TO COMP
4301       -- X..35,pcenc                              SHIP TO NAME
4302       -- X..70,pcenc                              SHIP TO ADD1
4303       -- X..70,pcenc                              SHIP TO ADD2
4304       -- X..70,pcenc                              SHIP TO SUB
4305       -- X..70,pcenc                              SHIP TO LOC
4306       -- X..70,pcenc                              SHIP TO REG
4307       -- X2,iso3166alpha2                         SHIP TO COUNTRY
4308       -- X..30                                    SHIP TO PHONE
4309       -- N10,latitude N10,longitude               SHIP TO GEO
4310       -- X..35,pcenc                              RTN TO COMP
4311       -- X..35,pcenc                              RTN TO NAME
4312       -- X..70,pcenc                              RTN TO ADD1
4313       -- X..70,pcenc                              RTN TO ADD2
4314       -- X..70,pcenc                              RTN TO SUB
4315       -- X..70,pcenc                              RTN TO LOC
4316       -- X..70,pcenc                              RTN TO REG
4317       -- X2,iso3166alpha2                         RTN TO COUNTRY
4318       -- X..20                                    RTN TO POST
4319       -- X..30                                    RTN TO PHONE
4320       -- X..35,pcenc                              SRV DESCRIPTION
4321       -- N1,yesno                                 DANGEROUS GOODS
4322       -- N1,yesno                                 AUTH TO LEAVE
4323       -- N1,yesno                                 SIG REQUIRED
4324       -- N6,yymmd0 N4,hhmi                        NOT BEF DEL DT
4325       -- N6,yymmd0 N4,hhmi                        NOT AFT DEL DT
4326       -- N6,yymmdd                                REL DATE
4330       -- N6 [X1],hyphen                           MAX TEMP F.
4331       -- N6 [X1],hyphen                           MAX TEMP C.
4332       -- N6 [X1],hyphen                           MIN TEMP F.
4333       -- N6 [X1],hyphen                           MIN TEMP C.
7001       -- N13                                      NSN
7002       -- X..30                                    MEAT CUT
7003       -- N6,yymmdd N4,hhmi                        EXPIRY TIME
7004       -- N..4                                     ACTIVE POTENCY
7005       -- X..12                                    CATCH AREA
7006       -- N6,yymmdd                                FIRST FREEZE DATE
7007       -- N6,yymmdd [N6],yymmdd                    HARVEST DATE
7008       -- X..3                                     AQUATIC SPECIES
7009       -- X..10                                    FISHING GEAR TYPE
7010       -- X..2                                     PROD METHOD
7011       -- N6,yymmdd [N4],hhmi                      TEST BY DATE
7020       -- X..20                                    REFURB LOT
7021       -- X..20                                    FUNC STAT
7022       -- X..20                                    REV STAT
7023       -- X..30,gcppos1                            GIAI - ASSEMBLY
7030       -- N3,iso3166999 X..27                      PROCESSOR # 0
7031       -- N3,iso3166999 X..27                      PROCESSOR # 1
7032       -- N3,iso3166999 X..27                      PROCESSOR # 2
7033       -- N3,iso3166999 X..27                      PROCESSOR # 3
7034       -- N3,iso3166999 X..27                      PROCESSOR # 4
7035       -- N3,iso3166999 X..27                      PROCESSOR # 5
7036       -- N3,iso3166999 X..27                      PROCESSOR # 6
7037       -- N3,iso3166999 X..27                      PROCESSOR # 7
7038       -- N3,iso3166999 X..27                      PROCESSOR # 8
7039       -- N3,iso3166999 X..27                      PROCESSOR # 9
7040       -- N1 X1 X1 X1,importeridx                  UIC+EXT
7041       -- X..4,packagetype                         UFRGT UNIT TYPE
710        -- X..20                                    NHRN PZN
711        -- X..20                                    NHRN CIP
712        -- X..20                                    NHRN CN
713        -- X..20                                    NHRN DRN
714        -- X..20                                    NHRN AIM
715        -- X..20                                    NHRN NDC
716        -- X..20                                    NHRN AIC
717        -- X..20                                    NHRN SRN
7230       -- X2 X..28                                 CERT # 1
7231       -- X2 X..28                                 CERT # 2
7232       -- X2 X..28                                 CERT # 3
7233       -- X2 X..28                                 CERT # 4
7234       -- X2 X..28                                 CERT # 5
7235       -- X2 X..28                                 CERT # 6
7236       -- X2 X..28                                 CERT # 7
7237       -- X2 X..28                                 CERT # 8
7238       -- X2 X..28                                 CERT # 9
7239       -- X2 X..28                                 CERT # 10
7240       -- X..20                                    PROTOCOL
7241       -- N2,mediatype                             AIDC MEDIA TYPE
7242       -- X..25                                    VCN
7250       -- N8,yyyymmdd                              DOB
7251       -- N8,yyyymmdd N4,hhmi                      DOB TIME
7252       -- N1,iso5218                               BIO SEX
7253       -- X..40,pcenc                              FAMILY NAME
7254       -- X..40,pcenc                              GIVEN NAME
7255       -- X..10                                    SUFFIX
7256       -- X..90,pcenc                              FULL NAME
7257       -- X..70,pcenc                              PERSON ADDR
7258       -- X3,posinseqslash                         BIRTH SEQUENCE
7259       -- X..40,pcenc                              BABY
8001       -- N4,nonzero N5,nonzero N3,nonzero N1,winding N1 DIMENSIONS
8002       -- X..20                                    CMT No.
8003       -K N1,zero N13,csum,gcppos1 [X..16]         GRAI
8004       -K X..30,gcppos1                            GIAI
8005       -- N6                                       PRICE PER UNIT
8006       -K N14,csum,gcppos2 N4,pieceoftotal         ITIP
8007       -- X..34,iban                               IBAN
8008       -- N6,yymmdd N2,hh [N2],mi [N2],ss          PROD TIME
8009       -- X..50                                    OPTSEN
8010       -K Y..30,gcppos1                            CPID
8011       -- N..12,nozeroprefix                       CPID SERIAL
8012       -- X..20                                    VERSION
8013       -K X..25,csumalpha,gcppos1                  GMN
8014       -- X..25,csumalpha,gcppos1,hasnondigit      MUDI
8017       -K N18,csum,gcppos1                         GSRN - PROVIDER
8018       -K N18,csum,gcppos1                         GSRN - RECIPIENT
8019       -- N..10                                    SRIN
8020       -- X..25                                    REF No.
8026       -- N14,csum,gcppos2 N4,pieceoftotal         ITIP CONTENT
8030       -- Z..90                                    DIGSIG
8040       -- N15                                      IMEI
8041       -- N15                                      IMEI2
8042       -- N32                                      ESIM
8043       -- N18 [N..2]                               PSIM
8110       -- X..70,couponcode                         
8111       -- N4                                       POINTS
8112       -- X..70,couponposoffer                     
8200       -- X..70                                    PRODUCT URL
90         -- X..30                                    INTERNAL
91-99      -- X..90                                    INTERNAL
"""
