"""Orders that arrive as messages: e-mail (``.eml``, mbox) and SMS (text + sidecar, Twilio webhook).

A message is read into the raw section-2 dict (ids null) that ``resolve`` completes. Three jobs:

* taking the message apart: body (text/plain preferred, HTML turned into text), attachments (handed
  to the caller's reader: PDFs and images to the page pipeline, X12 to the EDI reader), forwarded
  chains (the original sender of a forwarded PO is the customer, not the person who forwarded it),
  and the Date header as the time it was received;
* reading free text as people type orders: "used 2x 7103-1204 lot L44512 at mercy dr patel",
  "- 7104-1002 (desc) qty 1 EA @ $650.00 ea", a pasted table, "bill only pls";
* reading relative dates ("yest", "today", "tues", "11/8") against the time the message arrived.

Nothing is invented: a value the text does not state stays ``None``.
"""
from __future__ import annotations

import email
import email.policy
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Callable, Mapping

from dateutil import parser as date_parser

from o2c.kernel.money import decimal_text, parse_decimal

IsItem = Callable[[str], bool]
ReadAttachment = Callable[[bytes, str], dict]

UOMS = {"EA": "EA", "EACH": "EA", "BX": "BX", "BOX": "BX", "CS": "CS", "CASE": "CS", "PK": "PK", "PACK": "PK",
        "KT": "KT", "KIT": "KT", "PR": "PR", "PAIR": "PR", "ST": "ST", "SET": "ST", "CT": "CT", "UN": "EA",
        "BG": "BG", "BAG": "BG", "DZ": "DZ", "RL": "RL", "UNIT": "EA", "PC": "EA"}
_WEEKDAYS = {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "weds": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4,
             "sat": 5, "sun": 6, "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
             "saturday": 5, "sunday": 6}

_LOT = re.compile(r"(?i)(?:\b(?:lot|lt|batch)(?:\s*(?:no\.?|number))?|\b(?-i:L)(?=\s*:))[\s:#.]+"
                  r"(?=[A-Z0-9-]*\d)([A-Z0-9][A-Z0-9-]*)")
_SERIAL = re.compile(r"(?i)(?:\bs/n|\bsn|\bserial(?:\s*(?:no\.?|number))?|\bser)[\s:#.]+(?=[A-Z0-9-]*\d)"
                     r"([A-Z0-9][A-Z0-9-]*)")
_UDI = re.compile(r"(?:\(01\)\s*\d{14}(?:\s*\(\d{2,4}\)\s*[^\s()]+)*)|(?:\+[A-Z]\d{3}[A-Z0-9]{1,18}/?[A-Z0-9$+/]*)")
_TOKEN = re.compile(r"(?<![\w$/.])[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*(?![\w/])")
_MONEY = re.compile(r"(?:@\s*)?\$?\s?\d{1,3}(?:,\d{3})*\.\d{2}\b|(?:@\s*)?\$?\s?\d+\.\d{2}\b")
_PHONE = re.compile(r"^\+?1?[-.\s]?\(?\d{3}\)?[-.\s]\d{3}[-.\s]\d{4}$")
_PO_TOKEN = re.compile(r"\b(PO\d{4,}[A-Z0-9-]*)\b")
_PO = re.compile(r"(?i)\b(?:P\.?O\.?|purchase\s+order)(?!\d)(?:\s*(?:#|no\.?(?!\w)|number\b|num\b))?\s*[:#.]?\s*"
                 r"(?=[A-Z0-9-]*\d)([A-Z0-9][A-Z0-9-]{3,})\b")
_PHYSICIAN_LABEL = re.compile(r"(?im)^[ \t]*(?:surgeon|physician|doctor|attending|provider)[ \t]*[:#-][ \t]*"
                              r"([^\n,;()]{3,60})")
_MD = re.compile(r"(?:\b([A-Z][a-z]+|[A-Z]\.)[ \t]+)?(?:([A-Z]\.?)[ \t]+)?\b((?i:[a-z][a-z'-]{2,})),?[ \t]+"
                 r"(?i:m\.?d)\b\.?(?![ \t]*\d{5})")  # "Baltimore, MD 21201" is a state
#: words that end a name typed after "dr": places, dates and the rest of the message
_NOT_NAME = {"today", "tonight", "yest", "yesterday", "yday", "last", "this", "at", "w", "with", "on", "for", "in",
             "lot", "lt", "sn", "mrn", "pt", "case", "used", "and", "the", "pls", "please", "thx", "thanks", "am",
             "pm", "or", "room", "x", "qty", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept",
             "oct", "nov", "dec", "january", "february", "march", "april", "june", "july", "august", "september",
             "october", "november", "december"} | set(_WEEKDAYS)
_PHYSICIAN = re.compile(r"(?i)\bdr\.?[ \t]*((?:[a-z]\.?[ \t]+)?[a-z][a-z'-]+(?:[ \t]+[a-z][a-z'-]+)?)")
_PATIENT = re.compile(r"(?i)\b(?:MRN|MR#|med(?:ical)?\s+rec(?:ord)?\s*(?:no|#)?|patient(?:\s*(?:id|#|ref))?|pt)"
                      r"[\s:#.]+(?=[A-Z0-9-]*\d)([A-Z0-9-]{3,})")
_CASE = re.compile(r"(?i)\bcase\s*(?:id|#|no\.?|number)?[\s:#]*(?=[A-Z0-9-]*\d)([A-Z]{0,4}-?\d[\w-]*)")
_BILL_ONLY = re.compile(r"(?i)\bbill[\s-]*only\b|\b(?:pls|please|plz)\s+bill\b|\bbill\s+(?:it|this|pls|please)\b")
_USAGE = re.compile(r"(?i)\b(?:used|implanted|case\s+done|usage|bill[\s-]*only|pls\s+bill|please\s+bill|"
                    r"replace|replenish|consigned)\b")
_FORWARD = re.compile(r"(?im)^\s*(?:-{2,}\s*Forwarded message\s*-{2,}|-{2,}\s*Original Message\s*-{2,}|"
                      r"Begin forwarded message:)\s*$")
_WROTE = re.compile(r"(?im)^\s*On\s+(.{6,80}?(?:\d{1,2}:\d\d(?::\d\d)?(?:\s*[AaPp]\.?[Mm]\.?)?|\b(?:19|20)\d\d)|"
                    r".{6,80}?),?\s+(.{0,80}?<?[\w.+'-]+@[\w.-]+>?)\s+wrote:\s*$")
_GENERIC_WORDS = {"thanks", "thx", "thank", "you", "hi", "hello", "pls", "please", "case", "used", "done"}


# ------------------------------------------------------------------ dates
def relative_day(text: str, received_at: datetime | None) -> date | None:
    """The day a message means by "today", "yest", "tues", "11/8" or "Nov 8", read against the
    local date it was received (a text sent at 11 pm says "today" about that evening)."""
    if not text:
        return None
    low = text.lower()
    base = received_at.date() if received_at else None
    if base is not None:
        if re.search(r"\b(?:yesterday|yest|yday|ystrdy|last\s+night)\b", low):
            return base - timedelta(days=1)
        if re.search(r"\b(?:today|tonight|this\s+(?:am|morning|afternoon|pm|evening))\b", low):
            return base
        for word in re.findall(r"[a-z]+", low):
            if word in _WEEKDAYS:
                return base - timedelta(days=(base.weekday() - _WEEKDAYS[word]) % 7)
    iso = re.search(r"\b(20\d\d)-(\d\d)-(\d\d)\b", text)
    if iso:
        return _safe_date(int(iso[1]), int(iso[2]), int(iso[3]))
    slash = re.search(r"(?<![\d/.])(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?(?![\d/])", text)
    if slash:
        month, day = int(slash[1]), int(slash[2])
        if slash[3]:
            year = int(slash[3]) + (2000 if len(slash[3]) == 2 else 0)
            return _safe_date(year, month, day)
        return _near(base, month, day)
    months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    named = [(m.start(), m[1], m[2], m[3]) for m in re.finditer(
        r"(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?[ \t]+(\d{1,2})(?:st|nd|rd|th)?\b"
        r"(?:,?[ \t]+(\d{4}))?", text)]
    named += [(m.start(), m[2], m[1], m[3]) for m in re.finditer(
        r"(?i)\b(\d{1,2})(?:st|nd|rd|th)?[ \t]+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b\.?"
        r"(?:,?[ \t]+(\d{4}))?", text)]
    if named:
        _, month_word, day, year = min(named)
        month = months.index(month_word.lower()[:3]) + 1
        if year:
            return _safe_date(int(year), month, int(day))
        return _near(base, month, int(day))
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _near(base: date | None, month: int, day: int) -> date | None:
    """A month/day without a year: the occurrence closest before (or just after) the base day."""
    if base is None:
        return None
    found = _safe_date(base.year, month, day)
    if found and found > base + timedelta(days=31):
        found = _safe_date(base.year - 1, month, day)
    return found


def labelled_date(text: str, labels: str) -> date | None:
    """A date written after one of the labels ("PO date: 11/05/2026", "Order Date 2026-11-05")."""
    match = re.search(rf"(?im)\b(?:{labels})\s*[:#]?\s*([^\n]{{4,40}})", text)
    if not match:
        return None
    value = match.group(1).strip()
    found = relative_day(value, None)
    if found:
        return found
    try:
        return date_parser.parse(value, fuzzy=True, default=datetime(1900, 1, 1)).date() if re.search(
            r"\d{4}", value) else None
    except (ValueError, OverflowError):
        return None


# ------------------------------------------------------------------ free-text lines
_COUNT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "single": 1}
_COUNT = r"(?:\d{1,4}|" + "|".join(_COUNT_WORDS) + r")"
_UOM = r"(?:EA|EACH|BX|BOX(?:ES)?|CS|CASES?|PK|PACKS?|KT|KITS?|PR|PAIRS?|ST|SETS?|CT|BG|BAGS?|UNITS?|PCS?)"
#: words people put between a count and the number that names the item: "1 ea GTIN 0084...", "one REF 7405"
_ITEM_LABEL = re.compile(r"(?i)(?:\b(?:gtin|ref|udi|upn|cat(?:alog)?\.?\s*(?:no\.?|#)?|item\s*(?:no\.?|#)?|"
                         r"our\s*(?:item\s*|part\s*)?(?:no\.?|#)?|part\s*(?:no\.?|#)?|p/n|mfr\s*#?)|#)\s*[:#]?\s*$")
_QTY_LABEL = r"\b(?:qty|quantity|qnty|count)\.?\s*[:=#]?\s*"
_SEPARATOR = re.compile(r"(?i);|,(?!\d{3}(?!\d))|\s+(?:and|&|\+|plus)\s+")
_MARKER = re.compile(r"^\s*(?:[-*•·>–]+|\d{1,2}[).](?=\s)|#\d{1,2}[).:]?(?=\s))\s*")
_PHONE_SPAN = re.compile(r"(?:\+?1[-.\s]?)?\(?\b\d{3}\)?[-.\s]\d{3}[-.\s]\d{4}\b(?:\s*(?:ext|x)\.?\s*\d{1,5})?")
_UDI_PAREN = re.compile(r"\(01\)\s*\d{14}(?:\s*\(\d{2,4}\)\s*[^\s(),;]+)*")
_UDI_PLAIN = re.compile(r"(?<![\w(])01\d{14}[0-9A-Za-z]*(?![\w])")
_HIBC = re.compile(r"(?<![\w])\+[A-Z][A-Z0-9]{3}[A-Z0-9]{1,19}(?:/[A-Z0-9$+/%.-]+)?(?![\w])")
_GTIN_TOKEN = re.compile(r"(?<![\w(/.$-])\d{12,14}(?![\w.-])")


@dataclass
class _Hit:
    """Something on a line that names an item: a known number, a UDI or GTIN, a number that looks
    like a part number, or (without any number) a counted description."""

    start: int
    end: int
    token: str
    kind: str  # known | udi | guess | description
    udi: dict | None = None
    quantity: str | None = None


def _looks_like_catalog(token: str) -> bool:
    """Without master data: a part number has at least four digits and a separator or letters,
    and is not a phone number, a date, a price or a zip code."""
    digits = sum(ch.isdigit() for ch in token)
    if digits < 4 or _PHONE.match(token) or re.fullmatch(r"\d+\.\d+", token):
        return False
    if re.fullmatch(r"\d{1,2}[-/]\d{1,2}[-/]\d{2,4}|20\d\d-\d\d-\d\d", token):
        return False
    return "-" in token or (any(ch.isalpha() for ch in token) and len(token) >= 6)


def _uom(word: str | None) -> str | None:
    """"ea", "boxes", "pcs" as a unit code."""
    w = (word or "").upper().rstrip(".")
    return UOMS.get(w) or UOMS.get(w.rstrip("S")) or (UOMS.get(w[:-2]) if w.endswith("ES") else None)


def _count_value(text: str | None) -> str | None:
    if text is None:
        return None
    low = text.lower()
    return str(_COUNT_WORDS[low]) if low in _COUNT_WORDS else text


def _quantity(before: str, after: str) -> tuple[str | None, str | None, bool]:
    """Quantity, unit of measure and whether the reading is uncertain, from the words around the
    item: "2x 7103", "7103 x1", "(2) 7103", "qty 1 EA", "two 7103", "7103 - 1 each", a leading count
    in a table row ("3  EA  7405-0933") or a count column after the description. A bare number
    after the item with nothing to say it is a count is taken, but as uncertain."""
    before = _ITEM_LABEL.sub("", before)
    patterns = ((rf"(?i){_QTY_LABEL}({_COUNT})\b\s*({_UOM})?\b", after),
                (rf"(?i){_QTY_LABEL}({_COUNT})\b\s*({_UOM})?\b", before),
                (rf"(?i)^[\s,:;-]*[(\[]?\s*x\s*({_COUNT})\b()", after),
                (rf"(?i)(?:^|[\s:(,])({_COUNT})\s*x\s*()$", before),
                (rf"(?i)[(\[]\s*({_COUNT})\s*({_UOM})?\s*[)\]]\s*[-:]?\s*$", before),
                (rf"(?i)(?:^|[\s:(,])({_COUNT})\s*(?:({_UOM})\.?(?:\s+of)?|of)?\s*[-:]?\s*$", before),
                (rf"(?i)^[\s,:;(-]*({_COUNT})\s*({_UOM})\b", after))
    for pattern, text in patterns:
        match = re.search(pattern, text)
        if match:
            return _count_value(match.group(1)), _uom(match.group(2)), False
    # a table whose count column comes after the description: a bare integer set apart by a
    # column gap ("7103-1204  SHELL 52MM   2   EA   1,450.00")
    match = re.search(rf"(?i)(?:\s{{2,}}|\t|\|)\s*(\d{{1,5}})\s*({_UOM})?(?=\s{{2,}}|\s*\||\s*\t|\s*$)", after)
    if match:
        return match.group(1), _uom(match.group(2)), False
    match = re.fullmatch(r"\s*[-,:]?\s*(\d{1,3})\s*[.!]?\s*", after)
    if match:
        return match.group(1), None, True
    return None, None, False


def _prices(text: str) -> list[str]:
    out = []
    for match in _MONEY.finditer(text):
        try:
            out.append(decimal_text(parse_decimal(match.group(0).replace("@", ""), "unit_price")))
        except Exception:  # noqa: BLE001 - a malformed amount is simply not a price
            continue
    return out


def _strip_spans(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            chars[i] = " "
    return "".join(chars)


def parse_lines(text: str, is_item: IsItem | None = None) -> list[dict]:
    """Order lines from free text: every item a text line names (by a known number, a UDI or GTIN,
    a part-number-like token with a count, or a counted description with a lot or price) becomes
    one line, with quantity, unit, price, lot, serial and UDI read from the words that belong to
    that item (items on one line are told apart by separators and by where the next count starts)."""
    lines: list[dict] = []
    for raw_line in text.splitlines():
        line = _MARKER.sub("", raw_line.strip(), count=1) if raw_line.strip() else ""
        if not line or len(line) > 400:
            continue
        lines.extend(_items_in_line(line, is_item))
    for number, line in enumerate(lines, 1):
        line["line_no"] = number
    return lines


def _read_udi(text: str) -> dict | None:
    """A UDI (GS1 with or without brackets, HIBC) or a bare GTIN, read by ``o2c.formats.udi``."""
    try:
        from o2c.formats.udi import parse_udi

        result = parse_udi(text)
    except Exception:  # noqa: BLE001 - not a UDI after all
        return None
    if not (result.gtin or result.product):
        return None
    return {"gtin": result.gtin, "product": result.product if result.issuer == "HIBCC" else None,
            "lot": result.lot, "serial": result.serial,
            "expiry": result.expiry.isoformat() if result.expiry else None}


def _udi_hits(line: str) -> list[_Hit]:
    hits: list[_Hit] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_UDI_PAREN, _HIBC, _UDI_PLAIN, _GTIN_TOKEN):
        for match in pattern.finditer(line):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            parsed = _read_udi(match.group(0))
            if parsed:
                hits.append(_Hit(match.start(), match.end(), match.group(0), "udi", parsed))
                taken.append((match.start(), match.end()))
    return hits


def _description_hits(scrubbed: str, line: str, taken: list[tuple[int, int]]) -> list[_Hit]:
    """A clause without any item number that is a count and words ("one x FEMORAL STEM SIZE 6",
    "tibial nail 9mm x 330mm x1", "Dbm Putty 5cc - 2 each"): a line named by its description, kept
    only when its words also state a lot, a serial or a price (else it is just a sentence with a
    number in it)."""
    hits = []
    bounds = [0] + [m.end() for m in _SEPARATOR.finditer(scrubbed)] + [len(scrubbed) + 1]
    starts = sorted(a for a, _ in taken)
    words = r"([A-Za-z][\w.+/'-]*(?:[ \t]+[\w.+/'-]+){1,8}?)"
    filler = r"\s*(?:(?:used|implanted|usage|need|needs|send|please\s+send|pls)\b[\s:-]*)?"
    count_first = re.compile(rf"(?i){filler}(?:{_QTY_LABEL})?\(?({_COUNT})\)?\s*(?:x\b|{_UOM}\b\.?|of\b)?\s*"
                             rf"(?:of\s+)?[-:]?\s*{words}[\s()\[\],.-]*$")
    count_last = re.compile(rf"(?i){filler}{words}\s*[-,]?\s*(?:[(\[]\s*x\s*({_COUNT})\s*[)\]]|x\s*({_COUNT})|"
                            rf"({_COUNT})\s*{_UOM}\b\.?|{_QTY_LABEL}({_COUNT}))[\s()\[\],.-]*$")
    for start, end in zip(bounds, bounds[1:]):
        if any(start <= a < end for a in starts):
            continue
        clause = scrubbed[start:end].rstrip(";,")
        match = count_first.match(clause)
        if match:
            text, count, at = match.group(2), match.group(1), match.start(2)
        else:
            match = count_last.match(clause)
            if not match:
                continue
            text, at = match.group(1), match.start(1)
            count = next(g for g in match.groups()[1:] if g)
        text = text.strip(" -:.,")
        window = line[start:next((a for a in starts if a > start), len(line))]
        if len(re.findall(r"[A-Za-z]{3,}", text)) < 2 or not (
                _LOT.search(window) or _SERIAL.search(window) or _MONEY.search(window)):
            continue
        hits.append(_Hit(start + at, start + at + len(text), text, "description", quantity=_count_value(count)))
    return hits


def _split_points(scrubbed: str, hits: list[_Hit]) -> list[int]:
    """Where one item's words end and the next item's begin: at the last separator between two
    items, else where the count written before the second item starts."""
    points = [0]
    for left, right in zip(hits, hits[1:]):
        gap = scrubbed[left.end:right.start]
        seps = list(_SEPARATOR.finditer(gap))
        if seps:
            points.append(left.end + seps[-1].end())
            continue
        lead = re.search(rf"(?i)(?:{_QTY_LABEL})?[(\[]?\s*{_COUNT}\s*[)\]]?\s*(?:x|{_UOM}\.?)?\s*[-:]?\s*$",
                         _ITEM_LABEL.sub("", gap))
        if lead and lead.group(0).strip():
            points.append(left.end + lead.start() + len(lead.group(0)) - len(lead.group(0).lstrip()))
        else:
            points.append(left.end + len(gap))
    return points + [len(scrubbed)]


def _items_in_line(line: str, is_item: IsItem | None) -> list[dict]:
    udis = _udi_hits(line)
    protected = [(h.start, h.end) for h in udis] + \
                [(m.start(), m.end()) for p in (_LOT, _SERIAL, _MONEY, _PO, _PATIENT, _CASE, _PHONE_SPAN)
                 for m in p.finditer(line)]
    scrubbed = _strip_spans(line, protected)
    hits = list(udis)
    for match in _TOKEN.finditer(scrubbed):
        token = match.group(0)
        known = bool(is_item and is_item(token))
        if known or _looks_like_catalog(token):
            hits.append(_Hit(match.start(), match.end(), token, "known" if known else "guess"))
    hits += _description_hits(scrubbed, line, [(h.start, h.end) for h in hits])
    if not hits:
        return []
    if any(h.kind in ("known", "udi") for h in hits):
        hits = [h for h in hits if h.kind != "guess"]
    hits.sort(key=lambda h: h.start)
    points = _split_points(scrubbed, hits)
    out = []
    for n, hit in enumerate(hits):
        seg_start, seg_end = points[n], points[n + 1]
        before, after = scrubbed[seg_start:hit.start], scrubbed[hit.end:seg_end]
        if hit.kind == "description":
            quantity, uom, unsure = hit.quantity, None, False
        else:
            quantity, uom, unsure = _quantity(before, after)
        if quantity is None and hit.kind == "guess":
            continue  # an unknown number with no count beside it is not an order line
        segment = line[seg_start:seg_end]
        udi = hit.udi or {}
        lot = _first(_LOT, segment) or udi.get("lot")
        serial = _first(_SERIAL, segment) or udi.get("serial")
        if quantity is None and serial:
            quantity = "1"  # a serial number names exactly one unit
        prices = _prices(line[hit.end:seg_end])
        unit_price = _unit_price(prices, quantity)
        description = _description(after) if hit.kind != "description" else hit.token.upper()
        if description and quantity and re.search(rf"\s{re.escape(quantity)}(?:\s+[A-Z]{{2,4}})?$", description):
            description = re.sub(r"\s+\d+(?:\s+[A-Z]{2,4})?$", "", description)  # the count column, not a word
        catalog = {"known": hit.token, "guess": hit.token, "description": None}.get(hit.kind, udi.get("product"))
        if hit.kind == "description":
            item_raw = description
        elif description:
            item_raw = " ".join(x for x in (hit.token, description) if x)
        else:
            item_raw = segment.strip(" -*•,;")
        found = {"line_no": None, "item_id": None, "item_raw": item_raw, "customer_item_ref": None,
                 "quantity": quantity, "uom": uom, "unit_price": unit_price, "lot": lot, "serial": serial,
                 "expiry": udi.get("expiry"), "udi": re.sub(r"\s+", "", hit.token) if hit.kind == "udi" else None,
                 "catalog_raw": catalog, "description_raw": description}
        if unsure:
            found["confidence"] = 0.6  # a bare number after the item: a count, or part of something else
        out.append(found)
    return out


def _first(pattern: re.Pattern, text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1).upper() if match else None


def _unit_price(prices: list[str], quantity: str | None) -> str | None:
    """One amount on the line is the unit price; with two, the one that times the quantity gives
    the other is the unit price (the other is the extension)."""
    if not prices:
        return None
    if len(prices) >= 2 and quantity:
        try:
            qty = parse_decimal(quantity, "quantity")
            for unit in prices:
                for ext in prices:
                    if unit != ext and parse_decimal(unit) * qty == parse_decimal(ext):
                        return unit
        except Exception:  # noqa: BLE001
            pass
    return prices[0]


def _description(after: str) -> str | None:
    """Words after the item number that are not a count, unit, price or lot: the description."""
    text = re.sub(rf"(?i){_QTY_LABEL}{_COUNT}\b(?:\s*{_UOM}\b)?", " ", after)
    text = re.sub(rf"(?i)(?:^|[\s(])x\s*{_COUNT}\b|@|\b(?:ea|each)\b\s*$|\beach\b", " ", text)
    text = re.sub(rf"(?i)^[\s,:;(-]*{_COUNT}\s*{_UOM}\b", " ", text)
    text = re.sub(r"[()\[\]|]", " ", text)
    text = re.sub(r"\s{2,}", " ", text).strip(" -:;,.")
    if not text or not re.search(r"[A-Za-z]{3,}", text):
        return None
    return text.upper()


# ------------------------------------------------------------------ free-text header
def parse_order_text(text: str, *, received_at: datetime | None = None, is_item: IsItem | None = None,
                     channel: str | None = None) -> dict:
    """A raw section-2 dict (ids null) from a typed order or usage report."""
    text = text or ""
    lines = parse_lines(text, is_item)
    head = _first_meaningful_line(text)
    physician = _physician(text)
    facility = _facility(text, head, physician)
    bill_only = bool(_BILL_ONLY.search(text))
    po = _po_number(text)
    usage = bool(lines) and not po and (bool(_USAGE.search(text)) or physician is not None or channel == "sms"
                                         or any(l["lot"] or l["serial"] for l in lines) and facility is not None)
    doc_type = "usage_report" if usage else ("purchase_order" if lines or po else "unknown")
    raw = _empty_raw(doc_type)
    raw["po_number"] = po
    raw["lines"] = lines
    raw["bill_only"] = bill_only
    raw["customer_name_raw"] = _named_customer(text) or (facility if usage else None)
    raw["facility_raw"] = facility
    raw["ship_to_raw"] = _labelled(text, r"ship\s*to|deliver\s*to|ship-to")
    raw["bill_to_raw"] = _labelled(text, r"bill\s*to|bill-to|invoice\s*to")
    order_date = labelled_date(text, r"po\s*date|order\s*date|date\s*ordered|dated")
    raw["order_date"] = order_date.isoformat() if order_date else None
    patient = _first(_PATIENT, text)
    case = _first(_CASE, text)
    if usage or physician or patient or case:
        when = relative_day(_date_words(text, lines), received_at)
        raw["procedure"] = {"date": when.isoformat() if when else None, "physician_id": None,
                            "physician_raw": physician, "patient_ref": patient, "case_id": case}
        if usage and when is None and received_at is not None:
            raw["procedure"]["date"] = received_at.date().isoformat()
            raw["warnings"].append("procedure date not stated; taken as the day the message was received")
            raw["procedure_date_assumed"] = True
    if bill_only:
        raw["warnings"].append("marked bill only")
    return raw


def _empty_raw(document_type: str = "unknown") -> dict:
    return {"source": None, "document_type": document_type, "channel": None, "customer_id": None,
            "customer_name_raw": None, "site_id": None, "po_number": None, "order_date": None, "currency": None,
            "procedure": None, "rep_id": None, "lines": [], "total": None, "confidence": None, "warnings": []}


def _first_meaningful_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _po_number(text: str) -> str | None:
    match = _PO.search(text) or _PO_TOKEN.search(text)
    return match.group(1).upper() if match else None


def _subject_order_number(subject: str, is_item: IsItem | None) -> str | None:
    """"New order 4500087489", "Order #A-7711": in a subject the number after "order" is the PO
    number (unless it is one of our item numbers)."""
    match = re.search(r"(?i)\border\s*(?:#|no\.?|number|num)?\s*[:#-]?\s*(?=[A-Z0-9-]*\d)([A-Z0-9][A-Z0-9-]{3,})\b",
                      subject or "")
    if not match or (is_item and is_item(match.group(1))) or _looks_like_date(match.group(1)):
        return None
    return match.group(1).upper()


def _looks_like_date(token: str) -> bool:
    return bool(re.fullmatch(r"\d{1,2}[-/]\d{1,2}(?:[-/]\d{2,4})?|20\d\d-\d\d-\d\d", token))


def _labelled(text: str, labels: str) -> str | None:
    match = re.search(rf"(?im)^\s*(?:{labels})\s*[:#-]\s*(.+)$", text)
    return match.group(1).strip() if match else None


def _named_customer(text: str) -> str | None:
    """"Please enter this order for Maple Ridge Surgery Center." names the buyer: a run of
    capitalised words after "for"."""
    match = re.search(r"\bfor\s+((?:(?:[A-Z][\w&'.-]*|&|of|and)[ \t]?){2,8})", text)
    if match:
        name = match.group(1).strip().rstrip(".")
        return name if len(name) > 3 else None
    return None


def _physician(text: str) -> str | None:
    """The surgeon as written: "Surgeon: Ann Lee", "dr patel", "Dr. A. Patel", "Patel MD",
    "Grace Reinholt, MD". A "Dr" after a house number is a street (1200 Lake Dr), not a doctor."""
    label = _PHYSICIAN_LABEL.search(text)
    if label:
        value = re.split(r"\s+[-–|@]\s+|\s+(?:at|w/|on)\s+", label.group(1).strip())[0].strip(" .")
        if re.search(r"[A-Za-z]{2,}", value):
            return value
    found = []
    for match in _PHYSICIAN.finditer(text):
        if not match.group(1):
            continue
        line_start = text.rfind("\n", 0, match.start()) + 1
        if re.search(r"\b\d{1,6}[ \t]+(?:[NSEW]\.?[ \t]+)?(?:[A-Za-z]+[ \t]+){1,3}$", text[line_start:match.start()]):
            continue
        words = match.group(1).split()
        keep = [words[0]]
        for word in words[1:]:
            if len(word) <= 2 and not word.endswith(".") and len(keep[0].rstrip(".")) > 1:
                break
            if word.lower().rstrip(".") in _GENERIC_WORDS | _NOT_NAME:
                break
            keep.append(word)
            if len(keep) >= 2 and len(keep[0].rstrip(".")) > 1:
                break
        if keep[0].lower().rstrip(".") in _NOT_NAME and len(keep) == 1:
            continue
        prefix = text[match.start():match.start(1)]
        found.append((match.start(), (prefix + " ".join(keep)).strip()))
        break
    for match in _MD.finditer(text):
        if match.group(3).lower() in _GENERIC_WORDS | _NOT_NAME:
            continue
        name = " ".join(x for x in match.groups() if x)
        found.append((match.start(), name + ", MD"))
        break
    return min(found)[1] if found else None


_DAY_WORDS = (r"today|tonight|yest|yesterday|yday|last\s+night|this\s+(?:am|pm|morning|afternoon|evening)|"
              r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d|"
              r"(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)(?:day)?\b|mrn|mr#|pt\b|case\b")


def _facility(text: str, head: str, physician: str | None) -> str | None:
    """Where a usage happened: "Facility: Mercy General", "at nrthfield mem Dr. Szabo", "@ lakeshore
    regional w/ dr x", or the first dash-separated part of the first line ("northfoeld mem - dr
    vasquez - r tka")."""
    label = re.search(r"(?im)^[ \t]*(?:facility|hospital|location|site|place|at)[ \t]*[:#-][ \t]*([^\n;(]{3,80})", text)
    if label:
        value = re.split(r"\s+[-–|]\s+|,|\s+(?:w/|with)\s+", label.group(1))[0].strip(" .")
        if re.search(r"[A-Za-z]{3,}", value):
            return value
    match = re.search(r"(?i)(?:\bat|@)\s+([a-z][a-z .'&-]{2,60}?)(?=\s+(?:w/|with|dr\b|dr\.|on\b|for\b|"
                      rf"{_DAY_WORDS}|\d)|\s*[-(.,;:]|$)", text, re.M)
    if match and match.group(1).strip().lower() not in _GENERIC_WORDS:
        return match.group(1).strip()
    parts = [p.strip() for p in re.split(r"\s+[-–|]\s+|\s*[;,]\s*", head) if p.strip()]
    if len(parts) >= 2:
        for part in parts:
            low = part.lower()
            if physician and low in physician.lower() or re.match(r"(?i)dr\b|dr\.", part):
                continue
            if re.search(r"\d{4}", part) or low in _GENERIC_WORDS or re.search(r"\bM\.?D\b", part):
                continue
            return re.sub(r"\s*\(.*?\)\s*", " ", part).strip()
    return None


def _date_words(text: str, lines: list[dict]) -> str:
    """The text where a usage date may be written, without item numbers, UDIs, lots, serials,
    patient numbers, phones and amounts that would read as dates."""
    clean = text
    for pattern in (_UDI_PAREN, _HIBC, _UDI_PLAIN, _GTIN_TOKEN, _LOT, _SERIAL, _PATIENT, _CASE, _PO, _PHONE_SPAN,
                    _MONEY):
        clean = pattern.sub(" ", clean)
    for line in lines:
        for key in ("catalog_raw", "lot", "serial", "udi"):
            if line.get(key):
                clean = re.sub(re.escape(line[key]), " ", clean, flags=re.I)
    return clean


# ------------------------------------------------------------------ e-mail
@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class EmailParts:
    """What o2c needs from an e-mail, with the forwarded original's sender and date when the
    message forwards one."""

    sender: str | None
    sender_name: str | None
    subject: str
    sent_at: datetime | None
    body: str
    attachments: list[Attachment] = field(default_factory=list)
    original_sender: str | None = None
    original_sent_at: datetime | None = None
    message_id: str | None = None

    @property
    def effective_sender(self) -> str | None:
        """Who placed the order: the original author of a forwarded message, else the sender."""
        return self.original_sender or self.sender

    @property
    def effective_date(self) -> datetime | None:
        return self.original_sent_at or self.sent_at


class _HtmlText(HTMLParser):
    """HTML body to text: block elements become line breaks, table cells are spaced apart."""

    _BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("   ")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    text = "".join(parser.parts).replace("\xa0", " ")
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


def parse_email(data: bytes) -> EmailParts:
    """Take an RFC 5322 message apart (stdlib ``email`` with the modern policy)."""
    message: EmailMessage = email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[assignment]
    name, address = parseaddr(str(message.get("From", "")))
    sent_at = _header_date(message.get("Date"))
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        content = _content(body_part)
        body = html_to_text(content) if body_part.get_content_type() == "text/html" else content
    attachments = []
    for part in message.iter_attachments() if message.is_multipart() else []:
        attachments.extend(_attachments(part))
    parts = EmailParts(sender=address.lower() or None, sender_name=name or None,
                       subject=str(message.get("Subject", "") or ""), sent_at=sent_at, body=body,
                       attachments=attachments, message_id=str(message.get("Message-ID", "") or "") or None)
    _find_forwarded_original(parts)
    return parts


def _attachments(part) -> list[Attachment]:
    """An attachment, or the attachments inside an attached message (message/rfc822)."""
    if part.get_content_type() == "message/rfc822":
        inner = part.get_content()
        out = []
        for sub in inner.iter_attachments() if inner.is_multipart() else []:
            out.extend(_attachments(sub))
        return out
    try:
        payload = part.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001 - a broken part is skipped, not fatal
        return []
    return [Attachment(part.get_filename() or "attachment", part.get_content_type(), payload)]


def _content(part) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeDecodeError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def _header_date(value) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        try:
            return date_parser.parse(str(value), fuzzy=True)
        except (ValueError, OverflowError):
            return None


def _find_forwarded_original(parts: EmailParts) -> None:
    """Forwarded and replied chains: the author and date of the quoted original order."""
    body = dequote(parts.body)
    marker = _FORWARD.search(body)
    if marker:
        block = body[marker.end():marker.end() + 1500]
        sender = re.search(r"(?im)^\s*\*?From:\*?\s*(.+)$", block)
        when = re.search(r"(?im)^\s*\*?(?:Date|Sent):\*?\s*(.+)$", block)
        if sender:
            addresses = getaddresses([sender.group(1)])
            if addresses and addresses[0][1]:
                parts.original_sender = addresses[0][1].lower()
            else:
                found = re.search(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", sender.group(1))
                parts.original_sender = found.group(0).lower() if found else None
        if when:
            parts.original_sent_at = _header_date(re.sub(r"\s+at\s+", " ", when.group(1).strip()))
        return
    wrote = _WROTE.search(body)
    if wrote:
        found = re.search(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", wrote.group(2))
        parts.original_sender = found.group(0).lower() if found else None
        parts.original_sent_at = _header_date(re.sub(r"\s+at\s+", " ", wrote.group(1)))


def dequote(text: str) -> str:
    """Remove the ">" quoting of replied text so that quoted order lines read like the original."""
    return "\n".join(re.sub(r"^(?:\s*>)+ ?", "", line) for line in (text or "").splitlines())


def split_mbox(data: bytes) -> list[bytes]:
    """The messages of an mbox file (separated by lines starting with "From ")."""
    chunks = re.split(rb"(?m)^From [^\n]*\n", data)
    messages = [re.sub(rb"(?m)^>(>*From )", rb"\1", chunk) for chunk in chunks if chunk.strip()]
    return messages or [data]


def email_to_raw(parts: EmailParts, *, is_item: IsItem | None = None,
                 read_attachment: ReadAttachment | None = None) -> dict:
    """One e-mail is one document: lines from the attachments that are orders, else from the
    body; header values from the attachment first, the body and subject after."""
    body = dequote(parts.body)
    received = parts.effective_date
    from_body = parse_order_text(body, received_at=received, is_item=is_item, channel="email")
    from_subject = _po_number(parts.subject) or _subject_order_number(parts.subject, is_item)
    raw = from_body
    for attachment in parts.attachments:
        if read_attachment is None:
            raw["warnings"].append(f"attachment {attachment.filename} not read")
            continue
        found = read_attachment(attachment.data, attachment.filename)
        if not found:
            continue
        raw["warnings"].extend(f"{attachment.filename}: {w}" for w in found.get("warnings") or [])
        if found.get("lines"):
            raw = _merge(found, from_body)
            break
    if not raw.get("po_number"):
        raw["po_number"] = from_subject
    if raw["document_type"] == "unknown" and raw.get("po_number"):
        raw["document_type"] = "purchase_order"
    if raw["document_type"] == "purchase_order" and not raw.get("order_date") and received:
        raw["order_date"] = received.date().isoformat()
        raw["order_date_from_message"] = True
    raw["sender_raw"] = parts.effective_sender
    if parts.original_sender and parts.sender and parts.original_sender != parts.sender:
        raw["forwarded_by"] = parts.sender
    return raw


def _merge(document: dict, body: dict) -> dict:
    """Attachment values win; the body fills what the attachment left unknown."""
    merged = dict(document)
    merged["warnings"] = list(body.get("warnings") or []) + list(document.get("warnings") or [])
    for key, value in body.items():
        if key in ("lines", "warnings", "document_type"):
            continue
        if merged.get(key) in (None, "", [], {}) and value not in (None, "", [], {}):
            merged[key] = value
    if merged.get("document_type") in (None, "unknown"):
        merged["document_type"] = "purchase_order"
    return merged


# ------------------------------------------------------------------ SMS
def sms_to_raw(text: str, meta: Mapping | None = None, *, sender: str | None = None,
               received_at: datetime | None = None, is_item: IsItem | None = None) -> dict:
    """A text message (and its sidecar: from, received_at) as a raw usage report or order."""
    meta = meta or {}
    sender = sender or meta.get("from")
    if received_at is None and meta.get("received_at"):
        received_at = _parse_time(str(meta["received_at"]))
    raw = parse_order_text(text, received_at=received_at, is_item=is_item, channel="sms")
    raw["sender_raw"] = sender
    raw["channel"] = "sms"
    return raw


def twilio_form_to_raw(form: Mapping[str, str], *, received_at: datetime | None = None,
                       is_item: IsItem | None = None) -> dict:
    """The form Twilio posts for an incoming SMS/MMS (Body, From, NumMedia, MediaUrl0...) as the
    same raw dict; media URLs are listed for the caller to fetch (no network here)."""
    media = []
    try:
        count = int(form.get("NumMedia") or 0)
    except ValueError:
        count = 0
    for n in range(count):
        url = form.get(f"MediaUrl{n}")
        if url:
            media.append({"url": url, "content_type": form.get(f"MediaContentType{n}")})
    raw = sms_to_raw(form.get("Body") or "", {"from": form.get("From")}, received_at=received_at,
                     is_item=is_item)
    raw["media"] = media
    raw["message_id"] = form.get("MessageSid") or form.get("SmsMessageSid")
    return raw


def read_sidecar(data: bytes | str | None) -> dict:
    """The ``.meta.json`` beside an SMS text; a broken sidecar is treated as absent."""
    if not data:
        return {}
    try:
        value = json.loads(data)
    except (ValueError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        try:
            return date_parser.parse(text)
        except (ValueError, OverflowError):
            return None
