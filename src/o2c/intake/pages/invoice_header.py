"""Invoice header fields from the text layer: number, date, total and issuer (the seller).

Invoices arrive in many languages and layouts; the geometric label reader (``pages.labels``) is
tuned for order forms. This pass reads the document's lines in reading order with general rules
only (no per-sender templates): a labelled number ("Invoice No", "Rechnungsnr.", "Facture n°"), a
labelled date in numeric or month-name form (English, German, French, Dutch), the amount of the
strongest "total" label, and the seller as the company named in the letterhead or the legal
footer, never the addressee. It only fills what the label reader left empty; nothing is guessed
when no rule fires.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

_MONTHS = {
    # English / German / French / Dutch month names (prefix of four letters suffices below)
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "januar": 1, "februar": 2, "märz": 3, "maerz": 3, "mai": 5, "juni": 6, "juli": 7, "oktober": 10, "dezember": 12,
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7, "août": 8,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    "januari": 1, "februari": 2, "maart": 3, "mei": 5, "augustus": 8,
}

_NUMBER_LABEL = re.compile(
    r"(?:invoice|bill|receipt)\s*(?:no\.?|number|nr\.?|num\.?|#|id)\s*[:#]?|rechnungs-?\s*(?:nummer|nr\.?)\s*:?|"
    r"factuur\s*(?:nummer|nr\.?)\s*:?|num[ée]ro\s+de\s+facture\s*:?|facture\s*n[°o]\.?\s*:?|"
    r"fa(?:k|c)tura\s*(?:nr\.?|n[°o])\s*:?", re.I)
_DATE_LABEL = re.compile(
    r"(?:invoice|billing|bill)\s*date|date\s+of\s+(?:invoice|issue)|rechnungs-?\s*datum|factuur\s*datum|"
    r"date\s+de\s+factur(?:e|ation)|data\s+wystawienia", re.I)
_PLAIN_DATE_LABEL = re.compile(r"^(?:date|datum|dated)\s*:", re.I)
_TOTAL_STRONG = re.compile(
    r"grand\s+total|amount\s+due|total\s+amount\s+due|balance\s+due|total\s+due|total\s+for\s+this\s+invoice|"
    r"invoice\s+total|total\s+ttc|montant\s+ttc|somme\s+[àa]\s+payer|net\s+[àa]\s+payer|total\s+facture|"
    r"gesamtbetrag|rechnungsbetrag|endbetrag|zu\s+zahlen|totaal|te\s+betalen|factuur\s+totaal|"
    r"total\s+payable|total\s+to\s+pay|do\s+zap[łl]aty", re.I)
_TOTAL_WEAK = re.compile(r"^\s*(?:total|summe|gesamt|amount)\b", re.I)
_NOT_TOTAL = re.compile(r"sub\s*-?total|subtotaal|total\s+(?:ht|net|vat|tax|tva|btw|excl)|exclusief|"
                        r"zwischensumme|netto|\bht\b|tax\b|vat\b|tva\b|mwst|btw\b|untaxed", re.I)
_MONEY = re.compile(r"(?<![\w.,])-?(?:\d{1,3}(?:[.,' ]\d{3})+|\d+)(?:[.,]\d{2})(?![\d])")
_CURRENCY_INT = re.compile(r"(?:Rs\.?|INR|USD|EUR|\$|€|£|₹)\s?(\d+)(?![\d.,])")

#: words that mark a company (legal form) and lines that are company particulars, not a name.
_LEGAL_FORM = re.compile(r"\b(?:inc|ltd|limited|llc|gmbh|ag|b\.?v|n\.?v|s\.?a|sarl|sas|s\.?r\.?l|plc|pvt|"
                         r"corp|corporation|company|co|kg|spółka|sp\.?\s?z\s?o\.?o)\b\.?", re.I)
_PARTICULARS = re.compile(r"\b(?:vat|ust-?id|ustid|tva|btw|iban|bic|swift|siret|siren|kvk|gstin|cin|"
                          r"hrb|registergericht|si[èe]ge\s+social|registered\s+office|regd\.?\s+office)\b|"
                          r"@|www\.|https?://", re.I)
_ADDRESSEE = re.compile(r"\b(?:bill\s*to|invoice\s*to|sold\s*to|ship\s*to|attn|billing\s+address|"
                        r"shipping\s+address|factuuradres|afleveradres|guest\s+name|customer|kunde|client)\b", re.I)
_NOT_NAME = re.compile(r"(?:total|totaal|summe|date|datum|tax|vat|btw|tva|mwst|amount|balance|description|"
                       r"item|qty|quantity|price|note|notes|terms|due|order|account|summary|detail|charges|"
                       r"credits|phone|tel|fax|email|address|adresse|dat|the|this|please|pour|les|la|le)\b",
                       re.I)
_TITLE_WORDS = re.compile(r"\b(?:invoice|rechnung|facture|factuur|receipt|bill|payment|retail|page|seite|kopie|"
                          r"copy)\b\.?", re.I)


# ------------------------------------------------------------------ values
def parse_date_any(text: str, day_first: bool = True) -> str | None:
    """First date in the text: ISO, numeric with . / - separators (day first unless the document
    reads month first), or with a month name in English, German, French or Dutch."""
    m = re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", text)
    if m:
        return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.search(r"\b(\d{1,2})\s*([./-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})\b", text)
    if m:
        a, b, year = int(m.group(1)), int(m.group(3)), _year(m.group(4))
        if m.group(2) == "." or a > 12 or (day_first and b <= 12):
            return _iso(year, b, a)
        return _iso(year, a, b)
    m = re.search(r"\b(\d{1,2})\.?\s+([A-Za-zÀ-ÿ]{3,10})\.?\s+(\d{4})\b", text)
    if m and _month(m.group(2)):
        return _iso(int(m.group(3)), _month(m.group(2)), int(m.group(1)))
    m = re.search(r"\b([A-Za-zÀ-ÿ]{3,10})\.?\s+(\d{1,2})\s*(?:st|nd|rd|th)?\s*,?\s+(\d{4})\b", text)
    if m and _month(m.group(1)):
        return _iso(int(m.group(3)), _month(m.group(1)), int(m.group(2)))
    return None


def _month(word: str) -> int | None:
    w = word.lower().rstrip(".")
    if w in _MONTHS:
        return _MONTHS[w]
    if len(w) >= 3:
        hits = {n for name, n in _MONTHS.items() if name.startswith(w)}
        return hits.pop() if len(hits) == 1 else None
    return None


def _year(text: str) -> int:
    y = int(text)
    return y + 2000 if y < 100 else y


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def parse_amount(text: str) -> str | None:
    """An amount in either decimal convention ("4.904,94", "4,904.94", "56,02", "Rs 1939")."""
    m = _MONEY.search(text)
    if m:
        raw = m.group(0).replace("'", "").replace(" ", "")
        dec = raw[-3]
        whole = re.sub(r"[.,]", "", raw[:-3])
        try:
            return str(Decimal(f"{whole}.{raw[-2:]}")) if dec in ".," else None
        except InvalidOperation:
            return None
    m = _CURRENCY_INT.search(text)
    return f"{int(m.group(1))}.00" if m else None


def _amounts(text: str) -> list[str]:
    """Every amount on a line, left to right (the total of a line is its last figure)."""
    out = []
    for m in _MONEY.finditer(text):
        value = parse_amount(m.group(0))
        if value is not None:
            out.append(value)
    if not out:
        out += [f"{int(m.group(1))}.00" for m in _CURRENCY_INT.finditer(text)]
    return out


# ------------------------------------------------------------------ fields
def invoice_number(lines: list[str]) -> str | None:
    """The token after an invoice-number label (same line), containing at least one digit."""
    for line in lines:
        for m in _NUMBER_LABEL.finditer(line):
            rest = line[m.end():].strip(" :#")
            token = rest.split()[0] if rest.split() else ""
            token = token.strip(".,;")
            if re.search(r"\d", token) and len(token) <= 30 and parse_date_any(token) is None:
                return token
    return None


def invoice_date(lines: list[str], day_first: bool, pairs: list[tuple[str, str]] = ()) -> str | None:
    """A date after an invoice-date label; else under it in a label-row table; else the date in
    the invoice-number line ("Facture n°562044387 du 02 Juillet 2015"); else the first line
    starting with a bare "Date:" label."""
    for line in lines:
        m = _DATE_LABEL.search(line)
        if m:
            found = parse_date_any(line[m.end():], day_first)
            if found:
                return found
    found = table_date(pairs, day_first)
    if found:
        return found
    for line in lines:
        m = _NUMBER_LABEL.search(line)
        if m:
            found = parse_date_any(line[m.end():], day_first)
            if found:
                return found
    found = table_date(pairs, day_first, plain=True)
    if found:
        return found
    for line in lines:
        for m in re.finditer(r"(?:^|\s)(?:date|datum|dated)\s*:", line, re.I):
            found = parse_date_any(line[m.end():], day_first)
            if found:
                return found
    return None


def invoice_total(lines: list[str]) -> str | None:
    """The amount of the strongest total label: "Grand total", "Amount due", "Total TTC",
    "Totaal"... (the last figure on that line); with several, the largest, since a document's
    amount payable is never below one of its own partial totals. A bare "Total" is the fallback."""
    strong, weak = [], []
    for line in lines:
        m = _TOTAL_STRONG.search(line)
        if m and not _NOT_TOTAL.search(line[:m.start()] + m.group(0)):
            figures = _amounts(line[m.end():])
            if figures:
                strong.append(figures[-1] if not re.search(r"\bop\b|\bon\b", line[m.end():]) else figures[0])
            continue
        if _TOTAL_WEAK.search(line) and not _NOT_TOTAL.search(line):
            figures = _amounts(line)
            if figures:
                weak.append(figures[-1])
    pool = strong or weak
    return max(pool, key=Decimal) if pool else None


def issuer(lines: list[str], addressee: set[str], cued: list[tuple[int, str]] = ()) -> str | None:
    """The seller (see ``seller_parties``)."""
    return seller_parties(lines, addressee, cued)[0]


def seller_parties(lines: list[str], addressee: set[str],
                   cued: list[tuple[int, str]] = ()) -> tuple[str | None, str | None]:
    """(seller, its legal name when the seller is given by its trading name, else None).

    The seller is a company name (a legal form, or a name repeated in the legal footer) from the
    letterhead, a line of company particulars or right after a seller cue ("Sold by", "Payment
    received by", the account holder of the bank details), scored by how seller-like its
    surroundings are. Names printed in the addressee block ("Bill to", "ATTN", the window address)
    never count, and neither does a place name: a city is printed as often as a company and would
    outscore it. A trading name (``trading_name``) that the legal name does not contain is
    reported instead of it, the legal name beside it."""
    window = window_addressee(lines)
    blocked = _addressee_lines(lines) | window
    avoid = {_key(n) for n in addressee} | {_key(lines[i]) for i in window} | place_names(lines)
    cued = [(i, n) for i, n in cued if i not in blocked and _key(n) not in avoid and n.lower() not in addressee]
    cued_keys = {_key(n) for _, n in cued}
    candidates = [(i, n) for i, line in enumerate(lines) if i not in blocked for n in _names_in(line)] + cued
    best, best_score = None, 0.0
    for i, name in candidates:
        if name.lower() in addressee or _key(name) in avoid:
            continue
        score = _score(name, i, lines) + (2 if _key(name) in cued_keys else 0)
        if score > best_score:
            best, best_score = name, score
    best = best if best_score >= 3 else None
    brand = trading_name(lines, cued)
    if brand and (best is None or not _words(brand) <= _words(best)):
        return brand, best
    return best, None


def _words(name: str) -> set[str]:
    return {_key(w) for w in name.split()} - {""}


# ------------------------------------------------------------------ seller cues and trading names
#: labels whose value is the seller or the payee ("Sold By : X", "Titulaire du compte : X")
_CUE_LABEL = re.compile(r"\b(?:seller|vendor|supplier|service\s+provider|verk[äa]ufer|lieferant|vendeur|fournisseur|"
                        r"verkoper|leverancier|account\s+holder|titulaire\s+du\s+compte|kontoinhaber|"
                        r"rekeninghouder|beneficiary|b[ée]n[ée]ficiaire|beg[üu]nstigter)\s*$", re.I)
#: phrases followed by the seller's or the payee's name ("sold by X", "Payment received by X")
_CUE_PHRASE = re.compile(r"\b(?:sold\s+by|payment\s+received\s+by|in\s+fav(?:ou)?r\s+of|payable\s+to|"
                         r"verkauft\s+von|vendu\s+par|verkocht\s+door)\s*:?\s*", re.I)
_CUE_NAME = re.compile(r"[^,;()|]+?(?:,\s*(?:" + _LEGAL_FORM.pattern + r"))?(?=\s*(?:[,;()|]|\s[-–]\s|$))", re.I)


def _cue_split(text: str) -> tuple[bool, str] | None:
    """(cue found, text after it) for a phrase holding a seller cue; None without one. A label
    cue counts only when a colon or nothing follows it (a column header "Vendor SKU" is no cue)."""
    m = _CUE_PHRASE.search(text)
    if m:
        return True, text[m.end():]
    head, colon, rest = text.partition(":")
    if colon and _CUE_LABEL.search(head):
        return True, rest
    if _CUE_LABEL.search(text):
        return True, ""
    return None


def cue_name(text: str) -> str | None:
    """The name opening the text after a cue: up to a separator, ", Inc." kept; capitalised,
    at most six words, no figures-only or e-mail text."""
    m = _CUE_NAME.match(text.strip(" :-–"))
    if not m:
        return None
    name = m.group(0).strip(" ,;:")
    if not name or not (name[0].isupper() or name[0].isdigit()) or len(name.split()) > 6:
        return None
    if not re.search(r"[A-Za-zÀ-ÿ]{2}", name) or re.search(r"@|www\.|https?://", name) or _NOT_NAME.match(name):
        return None
    return name


def seller_cues(lines: list[str], layouts: list | None = None) -> list[tuple[int, str]]:
    """(line index, name) of the names printed right after a seller cue. With the page layouts
    a cue's value is the rest of its phrase, the next phrase on its line, or the phrase under it
    (within three lines); from text alone, the rest of the line or the next line."""
    names: list[str] = []
    if layouts:
        for lay in layouts:
            for k, line in enumerate(lay.lines):
                for j, seg in enumerate(line):
                    found = _cue_split(seg.text)
                    if found is None:
                        continue
                    following = [found[1]] if found[1].strip(" :") else []
                    following += [s.text for s in line[j + 1:j + 2]]
                    following += [s.text for ln in lay.lines[k + 1:k + 4] for s in ln
                                  if min(s.x1, seg.x1) - max(s.x0, seg.x0) > 0]
                    name = next((n for n in map(cue_name, following) if n), None) if following else None
                    if name:
                        names.append(name)
    else:
        for i, line in enumerate(lines):
            found = _cue_split(line)
            if found is None:
                continue
            rest = found[1] if found[1].strip(" :") else (lines[i + 1] if i + 1 < len(lines) else "")
            name = cue_name(rest)
            if name:
                names.append(name)
    out = []
    for name in dict.fromkeys(names):
        key = _key(name)
        where = [i for i, ln in enumerate(lines) if key in _key(ln)]
        cue_near = [i for i in where if any(_cue_split(ln) for ln in lines[max(0, i - 3):i + 1])]
        if where:
            out.append(((cue_near or where)[0], name))
    return out


_HOST = re.compile(r"(?:@|\bwww\.|https?://)((?:[a-z0-9-]+\.)+[a-z]{2,10})\b", re.I)
_URL_OR_MAIL = re.compile(r"\S+@\S+|(?:https?://|\bwww\.)\S+", re.I)


def domain_names(lines: list[str]) -> set[str]:
    """Keys of the names in the web and e-mail addresses of the document ("www.flipkart.com",
    "contactus@oyorooms.com" -> "flipkart", "oyorooms")."""
    out = set()
    for line in lines:
        for m in _HOST.finditer(line):
            parts = [p for p in m.group(1).lower().split(".") if p != "www"][:-1]
            while parts and parts[-1] in ("co", "com", "org", "net", "gov", "ac", "or", "ne"):
                parts.pop()
            if parts and len(_key(parts[-1])) >= 3:
                out.add(_key(parts[-1]))
    return out


def trading_name(lines: list[str], cued: list[tuple[int, str]]) -> str | None:
    """The seller's trading name: a name printed after a seller cue that the document's own web or
    e-mail address spells (the whole address name, or its start: "OYO" and oyorooms.com), and
    that is printed as a name at least twice outside those addresses."""
    domains = domain_names(lines)
    if not domains:
        return None
    plain = _URL_OR_MAIL.sub(" ", "\n".join(lines))
    for _, name in cued:
        key = _key(name)
        if len(key) < 3 or not any(d == key or d.startswith(key) for d in domains):
            continue
        words = r"\s+".join(re.escape(w) for w in name.split())
        if len(re.findall(rf"(?<![\w-]){words}(?![\w-])", plain, re.I)) >= 2:
            return name
    return None


# ------------------------------------------------------------------ label-row tables
#: a column header naming the invoice number: "Invoice No.", "Rechnung Nr"; in a row of column
#: headers the bare document word ("Factuur", "Invoice") heads the column holding the number.
_COL_NUMBER = re.compile(r"(?:invoice|bill|receipt|rechnung|rechnungs|factuur|facture|fattura|faktura)\s*"
                         r"(?:no\.?|number|nr\.?|num\.?|#|id|nummer|n[°o]\.?)?", re.I)
_COL_PLAIN_DATE = re.compile(r"date|datum|dated|data", re.I)


def label_rows(layouts: list) -> list[tuple[str, str]]:
    """(label, value) pairs of label-row tables: a row of column headers without a figure and,
    right under it, a row of values (at least half of them with a figure); each header takes the
    value cell its column overlaps most, one value per header."""
    pairs: list[tuple[str, str]] = []
    for lay in layouts or []:
        for k in range(len(lay.lines) - 1):
            head, below = lay.lines[k], lay.lines[k + 1]
            if _is_label_row(head) and _values_under(head, below, lay.line_height):
                pairs += _pair_columns(head, below)
    return pairs


def _is_label_row(line: list) -> bool:
    return len(line) >= 2 and all(_is_label_cell(s.text) for s in line)


def _is_label_cell(text: str) -> bool:
    t = text.strip(" :")
    return 0 < len(t) <= 30 and len(t.split()) <= 4 and not re.search(r"\d|@", t)


def _values_under(head: list, below: list, line_height: float) -> bool:
    gap = min(s.y0 for s in below) - max(s.y1 for s in head)
    with_figures = sum(1 for s in below if re.search(r"\d", s.text))
    return -0.2 * line_height < gap < 1.5 * line_height and 2 * with_figures >= len(below)


def _pair_columns(head: list, below: list) -> list[tuple[str, str]]:
    """Greedy one-to-one pairing by horizontal overlap (relative to the narrower cell)."""
    options = []
    for i, h in enumerate(head):
        for j, v in enumerate(below):
            overlap = max(0.0, min(h.x1, v.x1) - max(h.x0, v.x0))
            options.append((overlap / max(1.0, min(h.x1 - h.x0, v.x1 - v.x0)), i, j))
    taken_h: set[int] = set()
    taken_v: set[int] = set()
    pairs = {}
    for ratio, i, j in sorted(options, reverse=True):
        if ratio < 0.3 or i in taken_h or j in taken_v:
            continue
        taken_h.add(i)
        taken_v.add(j)
        pairs[i] = (head[i].text.strip(" :"), below[j].text.strip())
    return [pairs[i] for i in sorted(pairs)]


def _number_token(text: str) -> str | None:
    """The first token of a value when it can be a document number: a figure in it, not a date."""
    token = (text.split() or [""])[0].strip(".,;:#")
    if re.search(r"\d", token) and len(token) <= 30 and parse_date_any(token) is None:
        return token
    return None


def table_number(pairs: list[tuple[str, str]]) -> str | None:
    for label, value in pairs:
        if _COL_NUMBER.fullmatch(label) and _number_token(value):
            return _number_token(value)
    return None


def table_date(pairs: list[tuple[str, str]], day_first: bool, plain: bool = False) -> str | None:
    """The value of an invoice-date column (``plain``: of a column headed only "Date")."""
    pattern = _COL_PLAIN_DATE if plain else _DATE_LABEL
    for label, value in pairs:
        if pattern.fullmatch(label):
            found = parse_date_any(value, day_first)
            if found:
                return found
    return None


# ------------------------------------------------------------------ date convention
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})([/-])(\d{1,2})\2(?:\d{4}|\d{2})\b")
_DAY_FIRST_CURRENCIES = {"EUR", "GBP", "INR", "AUD", "NZD", "CHF", "SEK", "DKK", "NOK", "PLN", "MXN", "JPY"}


def date_convention(text: str, currency: str | None = None) -> bool | None:
    """True when the document writes numeric dates day first, False when month first, None when
    nothing says. The document's own unambiguous dates decide ("22-9-2022" is day first,
    "03/20/2023" month first); else its currency (US dollars month first, the others day first)."""
    firsts = seconds = 0
    for m in _NUMERIC_DATE.finditer(text):
        a, b = int(m.group(1)), int(m.group(3))
        if a > 12 >= b:
            firsts += 1
        elif b > 12 >= a:
            seconds += 1
    if firsts and not seconds:
        return True
    if seconds and not firsts:
        return False
    if currency == "USD":
        return False
    return True if currency in _DAY_FIRST_CURRENCIES else None


def _key(text: str) -> str:
    """Letters and digits only, lower case: names compare equal whatever their punctuation."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _addressee_lines(lines: list[str]) -> set[int]:
    """Indexes of lines inside an addressee block: the labelled line and the three under it."""
    out: set[int] = set()
    for i, line in enumerate(lines):
        if _ADDRESSEE.search(line):
            out.update(range(i, min(len(lines), i + 4)))
    return out


# ------------------------------------------------------------------ places and address blocks
#: "69100 Villeurbanne", "3012 CN Rotterdam", "D-63571 Gelnhausen", "75371 Paris Cedex 08"
_POSTCODE_FIRST = re.compile(r"^(?:[A-Z]{1,2}-)?\d{4,5}(?:\s?[A-Z]{2}(?=\s))?\s+(?P<place>[^\d@:]+?)"
                             r"(?:\s+(?:cedex\s*)?\d{1,2})?[\s.,]*$", re.I)
#: "New Delhi - 110001", "Bangalore-560068", "Springfield, IL 62704", "Lucknow 226010"
_POSTCODE_LAST = re.compile(r"^(?P<place>[^\d@:]+?)[\s,-]+(?:[A-Z]{2}\s+)?\d{5,6}(?:-\d{4})?[\s.,]*$")
#: "27 rue Henri Rolland", "93B Sai Yu Chung", "Sessamestreet 32", "Hauptstr. 1", "Uferweg 40-42"
_STREET = re.compile(r"^\d{1,4}[A-Za-z]?,?\s+[A-Za-zÀ-ÿ][^@:]*$|"
                     r"^[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ.' -]{2,40}\s\d{1,4}[A-Za-z]?(?:[-/]\d{1,4})?$")


def place_of(line: str) -> str | None:
    """The place name of a postcode line ("69100 Villeurbanne" -> "Villeurbanne"), else None."""
    text = line.strip()
    for pattern in (_POSTCODE_FIRST, _POSTCODE_LAST):
        m = pattern.match(text)
        if m and re.search(r"[A-Za-zÀ-ÿ]{2}", m.group("place")) and not _labelled(m.group("place")):
            return m.group("place").strip(" ,.-")
    return None


def _labelled(text: str) -> bool:
    """Whether words before a figure are a label ("Invoice No 123456", "KvK 24330087"), which
    makes the figure a reference rather than a postcode."""
    return bool(_NUMBER_LABEL.search(text) or _TITLE_WORDS.search(text) or _PARTICULARS.search(text)
                or _NOT_NAME.search(text) or re.search(r"\b(?:no|nr|kvk|id|ref)\b\.?\s*$", text, re.I))


def place_names(lines: list[str]) -> set[str]:
    """Keys of the place names the document prints beside a postcode: a line reading only such a
    name ("New Delhi,") is an address line, never the issuer, however often it repeats."""
    return {_key(p) for p in (place_of(ln) for ln in lines) if p and _key(p)}


def _is_street(line: str) -> bool:
    return bool(_STREET.match(line.strip())) and place_of(line) is None


def _is_name_line(line: str) -> bool:
    """A short line of words only: a person or company in an address block."""
    text = line.strip()
    return (0 < len(text) <= 40 and len(text.split()) <= 5 and not re.search(r"\d|:|@", text)
            and not _PARTICULARS.search(text) and not _TITLE_WORDS.search(text) and not _NOT_NAME.match(text))


def window_addressee(lines: list[str], top: int = 15) -> set[int]:
    """Indexes of an unlabelled addressee block near the top of the page (the envelope window):
    one or two name lines, street lines, then a postcode line, 2-5 lines in all. A block followed
    by company particulars (website, VAT, IBAN) is the sender's letterhead, not the addressee; of
    two stacked blocks the first is the sender's return address ("Free Service Abonné / 75371
    Paris Cedex 08") unless it gives a street, so a block without a street line needs one above."""
    found: set[int] = set()
    i, limit, earlier = 0, min(len(lines), top), False
    while i < limit:
        block = _block_at(lines, i)
        if not block:
            i += 1
            continue
        end = block[-1] + 1
        has_street = any(_is_street(lines[k]) for k in block)
        tail = lines[block[0]:end + 1]
        if (has_street or earlier) and not any(_PARTICULARS.search(ln) for ln in tail):
            found.update(block)
        earlier = True
        i = end
    return found


def _block_at(lines: list[str], i: int) -> list[int]:
    """The address block starting at line i (name lines, street lines, a postcode line), or []."""
    k, names, streets = i, 0, 0
    while k < len(lines) and names < 2 and _is_name_line(lines[k]):
        k, names = k + 1, names + 1
    while k < len(lines) and streets < 2 and _is_street(lines[k]):
        k, streets = k + 1, streets + 1
    if names == 0 or k >= len(lines) or place_of(lines[k]) is None or not 2 <= k + 1 - i <= 5:
        return []
    return list(range(i, k + 1))


# ------------------------------------------------------------------ candidate names
#: a fragment of the next printed line that the line grouping wedged into a name: an e-mail, a
#: website or a street and number ("Coolblue Weena 664 B.V." is "Coolblue B.V." above "Weena 664")
_WEDGED = re.compile(r"(?<=[A-Za-zÀ-ÿ.])\s+(?:\S+@\S+\.\w+|www\.\S+|[A-Z][a-zà-ÿ]+\s\d{1,4}[a-z]?)\s+(?=[A-Z])")


def _unwedged(line: str) -> str | None:
    """The line with wedged fragments taken out, so the two halves of a name meet again; None
    when there is nothing to take out."""
    joined = _WEDGED.sub(" ", line)
    return joined if joined != line else None


def _names_in(line: str) -> list[str]:
    """Company-name phrases of a line, and of the line with wedged fragments taken out; a phrase
    still holding a wedged fragment ("Tulpia Dam 12 B.V.") is dropped for its joined form."""
    out = _phrases(line)
    joined = _unwedged(line)
    if joined:
        wedged = [m.group(0).strip() for m in _WEDGED.finditer(line)]
        out = [n for n in out if not any(w in n for w in wedged)]
        out += [n for n in _phrases(joined) if n not in out]
    return out


def _phrases(line: str) -> list[str]:
    """Company-name phrases of a line: the text up to a legal form, or the leading words before a
    separator (" - ", "," or a title word) when the line opens the page. A phrase opening with a
    legal form ("Sarl au capital de ...") is the sentence of a legal footer, not a name."""
    out = []
    for m in _LEGAL_FORM.finditer(line):
        start = max(line.rfind(sep, 0, m.start()) for sep in (" - ", ":", ",", "  ", "|"))
        head = line[start + 1 if start >= 0 else 0:m.end()].strip(" -:,|")
        head = re.sub(r"^(?:by|from|de|von|door)\s+", "", head, flags=re.I)
        head = re.sub(r"^(?:invoice|rechnung|facture|factuur)\W+", "", head, flags=re.I)
        if 1 <= len(head.split()) <= 6 and re.search(r"[A-Za-z]{2}", head) and not re.search(r"\d{3}", head):
            out.append(head)
    lead = _TITLE_WORDS.split(line)[0]
    lead = re.split(r"\s[-–|]\s|,|:|\s\d", lead)[0].strip(" .:-")
    if lead and 1 <= len(lead.split()) <= 4 and not re.search(r"\d", lead) and "@" not in lead \
            and not _PARTICULARS.search(lead) and not _NOT_NAME.match(lead):
        out.append(lead)
    return [n for n in out if _LEGAL_FORM.sub("", n).strip(" .,&") and not _LEGAL_FORM.match(n)]


def _score(name: str, index: int, lines: list[str]) -> float:
    """Seller evidence for a name: a legal form, its place (letterhead at the top, legal footer at
    the bottom), company particulars (VAT id, IBAN, e-mail, website) on or near its line, and the
    name printed again elsewhere (letterhead and footer repeat the seller, rarely the customer)."""
    score = 0.0
    if _LEGAL_FORM.search(name):
        score += 2
    if index < 3:
        score += 1.5 if index == 0 else 0.5
    near = lines[max(0, index - 2):index + 3]
    if any(_PARTICULARS.search(ln) for ln in near):
        score += 1
    key = _key(name)
    if len(key) >= 3:
        repeats = sum(1 for j, ln in enumerate(lines) if j != index and key in _key(ln))
        score += min(repeats, 2)
    if lines[index].strip(" .,") == name.strip(" .,"):
        score += 0.5  # a name on a line of its own is a letterhead or signature, not running text
        score += _legal_footer(index, lines)
    score += _own_email(name, lines[index])
    after = lines[index].split(name, 1)[1] if name in lines[index] else ""
    if _CAPITAL.match(after):
        score += 1  # "Free SAS au capital de ...": the legal statement names the company it binds
    # a title word makes a phrase a heading, unless it sits inside a company's legal name
    if _TITLE_WORDS.match(name) or (_TITLE_WORDS.search(name) and not _LEGAL_FORM.search(name)) or len(key) < 3:
        score -= 3
    return score


#: the statement of a company's share capital or registration that follows its name in a legal footer
_CAPITAL = re.compile(r"\s*[,-]?\s*(?:au\s+capital|with\s+(?:a\s+)?share\s+capital|share\s+capital|"
                      r"stammkapital|grundkapital|met\s+(?:een\s+)?kapitaal|registered\s+in\b)", re.I)


def _legal_footer(index: int, lines: list[str]) -> float:
    """1 when the two lines under a name standing alone state a company's legal particulars
    ("Siège social ...", "Sarl au capital ...", "Registered office"): the legal footer heads its
    particulars with the company's name, which then carries that legal form."""
    below = lines[index + 1:index + 3]
    legal = any(_LEGAL_FORM.search(ln) for ln in below)
    office = any(_PARTICULARS.search(ln) for ln in below)
    return 1.0 if legal and office else 0.0


def _own_email(name: str, line: str) -> float:
    """1 when the line prints an e-mail address spelling the name ("Sammy Maystone" beside
    smaystone4@...): a letterhead gives its owner's address; a wedged-in stranger's would not
    spell the name."""
    words = [w for w in (_key(w) for w in name.split()) if len(w) >= 4]
    for local in re.findall(r"([A-Za-z0-9._-]+)@", line):
        letters = _key(local)
        if any(w in letters for w in words):
            return 1.0
    return 0.0


# ------------------------------------------------------------------ entry point
def read_invoice_header(text: str, currency: str | None = None, layouts: list | None = None) -> dict:
    """{invoice_number, invoice_date, total, seller_raw} as far as the rules find them. With the
    page layouts, label-row tables (headers above, values in the row below) are read too."""
    # a letter-spaced first capital ("F actuurnummer:") is one word
    lines = [re.sub(r"^([A-Z]) (?=[a-z]{3})", r"\1", ln.strip()) for ln in text.splitlines() if ln.strip()]
    day_first = date_convention(text, currency)
    if day_first is None:
        day_first = not re.search(r"\b(?:january|february|march|april|june|july|august|september|october|"
                                  r"november|december)\s+\d", text, re.I)
    addressee = {ln.lower() for i in sorted(_addressee_lines(lines)) for ln in [lines[i]]}
    pairs = label_rows(layouts) if layouts else []
    seller, legal = seller_parties(lines, addressee, seller_cues(lines, layouts))
    return {
        "invoice_number": invoice_number(lines) or table_number(pairs),
        "invoice_date": invoice_date(lines, day_first, pairs),
        "total": invoice_total(lines),
        "seller_raw": seller,
        "seller_legal_raw": legal,
    }


_INVOICE_WORD = re.compile(r"\b(?:invoice|rechnung|facture|factuur|receipt|bill)\b", re.I)
_TITLE_INVOICE = re.compile(r"\b(?:invoice|rechnung|facture|factuur)\b(?!\s*(?:to|address|addr))", re.I)


def fill_invoice_header(text: str, result: dict, layouts: list | None = None) -> dict:
    """Fill the invoice fields the label reader left empty, for documents that are not orders
    and call themselves an invoice/receipt. Orders are left alone: their fields are read by the
    order-form rules and scored against those. With the page layouts, label-row tables are read
    and an ambiguous numeric invoice date the label reader took month first is read again by the
    document's own date convention."""
    if not _INVOICE_WORD.search(text):
        return result
    keys = ("invoice_number", "invoice_date", "total", "seller_raw")
    if result.get("document_type") != "unknown":
        # an order form is left alone unless its own title says invoice ("INVOICE ... PO Number:")
        head = [ln for ln in text.splitlines() if ln.strip()][:3]
        if not any(_TITLE_INVOICE.search(h) for h in head):
            return result
        if result.get("document_type") == "purchase_order":
            keys = ("invoice_number", "invoice_date", "seller_raw")
    found = read_invoice_header(text, result.get("currency"), layouts)
    sources = result.setdefault("header_sources", {})
    if "invoice_date" in keys:
        _reread_date(result, layouts, date_convention(text, result.get("currency")))
    for key in keys:
        if found.get(key) is not None and result.get(key) is None:
            result[key] = found[key]
            sources[key] = {"source": "text:invoice_header", "confidence": 0.7}
            if key == "seller_raw" and found.get("seller_legal_raw"):
                sources[key]["legal_name"] = found["seller_legal_raw"]
    return result


def _reread_date(result: dict, layouts: list | None, day_first: bool | None) -> None:
    """Read the label reader's invoice date again by the document's convention when its printed
    form is ambiguous ("8-9-2022": both figures could be the month)."""
    src = (result.get("header_sources") or {}).get("invoice_date")
    if day_first is None or not layouts or not src or "source" in src or not result.get("invoice_date"):
        return
    seg = _segment_at(layouts, src)
    m = _NUMERIC_DATE.search(seg.text) if seg is not None else None
    if m is None or int(m.group(1)) > 12 or int(m.group(3)) > 12:
        return
    again = parse_date_any(m.group(0), day_first)
    if again and again != result["invoice_date"]:
        result["invoice_date"] = again
        src["read"] = "day first" if day_first else "month first"


def _segment_at(layouts: list, src: dict):
    """The layout segment a header source points to (same page, same box)."""
    box = src.get("bbox") or []
    for lay in layouts:
        if lay.number != src.get("page"):
            continue
        for seg in lay.segments():
            if len(box) == 4 and all(abs(a - b) < 0.2 for a, b in zip(seg.bbox, box)):
                return seg
    return None


# ------------------------------------------------------------------ the seller printed as an image
#: images smaller than this (points) are icons, stamps or rules, not a letterhead or footer block.
MIN_IMAGE_WIDTH, MIN_IMAGE_HEIGHT = 100.0, 15.0
#: the largest images of the first and the last page are read, at most this many.
MAX_IMAGES = 3
IMAGE_DPI = 300


def seller_from_images(data: bytes, result: dict) -> dict:
    """An invoice whose text layer names no seller often prints its letterhead or legal footer as
    an image: read the larger images of the first and the last page by OCR and apply the same
    seller rules to their text (the document's addressee never counts). Only for text PDFs read
    as invoices with the seller still empty, so nothing else pays for the OCR."""
    if result.get("seller_raw") or result.get("source_kind") != "text_pdf" or not data.startswith(b"%PDF"):
        return result
    if not (result.get("invoice_number") or result.get("invoice_date")) or result.get("document_type") != "unknown":
        return result
    texts = _image_texts(data)
    if not texts:
        return result
    lines = [ln.strip() for t in texts for ln in t.splitlines() if ln.strip()]
    addressee = {(result.get(k) or "").lower() for k in ("customer_name_raw", "bill_to_raw", "ship_to_raw")} - {""}
    seller, legal = seller_parties(lines, addressee, seller_cues(lines))
    if seller:
        result["seller_raw"] = seller
        src = {"source": "ocr:image", "confidence": 0.6}
        if legal:
            src["legal_name"] = legal
        result.setdefault("header_sources", {})["seller_raw"] = src
    return result


def _image_texts(data: bytes) -> list[str]:
    """OCR text of the larger images on the first and the last page, top of the page first."""
    import io

    try:
        import pdfplumber
        import pytesseract  # noqa: F401 - the OCR stack ocr_text relies on
    except ImportError:  # pragma: no cover - optional OCR stack
        return []
    from o2c.intake.text import ocr_text

    out = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = list(dict.fromkeys([pdf.pages[0], pdf.pages[-1]])) if pdf.pages else []
            boxes = []
            for page in pages:
                for im in page.images:
                    box = (max(im["x0"], 0), max(im["top"], 0), min(im["x1"], page.width), min(im["bottom"], page.height))
                    if box[2] - box[0] >= MIN_IMAGE_WIDTH and box[3] - box[1] >= MIN_IMAGE_HEIGHT:
                        boxes.append(((box[2] - box[0]) * (box[3] - box[1]), page, box))
            chosen = sorted(boxes, key=lambda b: -b[0])[:MAX_IMAGES]
            for _, page, box in sorted(chosen, key=lambda b: (b[1].page_number, b[2][1])):
                picture = page.crop(box).to_image(resolution=IMAGE_DPI).original.convert("L")
                # one uniform block of text (--psm 6): a letterhead or footer image is no page layout
                out.append(ocr_text(picture, "--psm 6"))
    except Exception:  # a damaged image or PDF leaves the seller empty, as before
        return []
    return out
