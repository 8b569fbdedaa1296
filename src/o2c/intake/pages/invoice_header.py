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
    r"(?:invoice|billing|bill)\s*date|date\s+of\s+(?:invoice|issue)|rechnungsdatum|factuurdatum|"
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


def invoice_date(lines: list[str], day_first: bool) -> str | None:
    """A date after an invoice-date label; else the date in the invoice-number line ("Facture
    n°562044387 du 02 Juillet 2015"); else the first line starting with a bare "Date:" label."""
    for line in lines:
        m = _DATE_LABEL.search(line)
        if m:
            found = parse_date_any(line[m.end():], day_first)
            if found:
                return found
    for line in lines:
        m = _NUMBER_LABEL.search(line)
        if m:
            found = parse_date_any(line[m.end():], day_first)
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


def issuer(lines: list[str], addressee: set[str]) -> str | None:
    """The seller: a company name (a legal form, or a name repeated in the legal footer) from the
    letterhead or a line of company particulars, scored by how seller-like its surroundings are.
    Names printed in the addressee block ("Bill to", "ATTN", the window address) never count."""
    blocked = _addressee_lines(lines)
    best, best_score = None, 0.0
    for i, line in enumerate(lines):
        if i in blocked:
            continue
        for name in _names_in(line):
            if name.lower() in addressee:
                continue
            score = _score(name, i, lines)
            if score > best_score:
                best, best_score = name, score
    return best if best_score >= 3 else None


def _addressee_lines(lines: list[str]) -> set[int]:
    """Indexes of lines inside an addressee block: the labelled line and the three under it."""
    out: set[int] = set()
    for i, line in enumerate(lines):
        if _ADDRESSEE.search(line):
            out.update(range(i, min(len(lines), i + 4)))
    return out


def _names_in(line: str) -> list[str]:
    """Company-name phrases of a line: the text up to a legal form, or the leading words before a
    separator (" - ", "," or a title word) when the line opens the page."""
    out = []
    for m in _LEGAL_FORM.finditer(line):
        start = max(line.rfind(sep, 0, m.start()) for sep in (" - ", ":", ",", "  ", "|"))
        head = line[start + 1 if start >= 0 else 0:m.end()].strip(" -:,|")
        head = re.sub(r"^(?:by|from|de|von|door)\s+", "", head, flags=re.I)
        if 1 <= len(head.split()) <= 6 and re.search(r"[A-Za-z]{2}", head) and not re.search(r"\d{3}", head):
            out.append(head)
    lead = _TITLE_WORDS.split(line)[0]
    lead = re.split(r"\s[-–|]\s|,|:|\s\d", lead)[0].strip(" .:-")
    if lead and 1 <= len(lead.split()) <= 4 and not re.search(r"\d", lead) and "@" not in lead \
            and not _PARTICULARS.search(lead) and not _NOT_NAME.match(lead):
        out.append(lead)
    return [n for n in out if _LEGAL_FORM.sub("", n).strip(" .,&")]


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
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    if len(key) >= 3:
        repeats = sum(1 for j, ln in enumerate(lines) if j != index and key in re.sub(r"[^a-z0-9]", "", ln.lower()))
        score += min(repeats, 2)
    if lines[index].strip(" .,") == name:
        score += 0.5  # a name on a line of its own is a letterhead or signature, not running text
    if _TITLE_WORDS.search(name) or len(key) < 3:
        score -= 3
    return score


# ------------------------------------------------------------------ entry point
def read_invoice_header(text: str, currency: str | None = None) -> dict:
    """{invoice_number, invoice_date, total, seller_raw} as far as the rules find them."""
    # a letter-spaced first capital ("F actuurnummer:") is one word
    lines = [re.sub(r"^([A-Z]) (?=[a-z]{3})", r"\1", ln.strip()) for ln in text.splitlines() if ln.strip()]
    day_first = currency not in ("USD",) and not re.search(r"\b(?:january|february|march|april|june|july|"
                                                           r"august|september|october|november|december)\s+\d",
                                                           text, re.I)
    addressee = {ln.lower() for i in sorted(_addressee_lines(lines)) for ln in [lines[i]]}
    return {
        "invoice_number": invoice_number(lines),
        "invoice_date": invoice_date(lines, day_first),
        "total": invoice_total(lines),
        "seller_raw": issuer(lines, addressee),
    }


_INVOICE_WORD = re.compile(r"\b(?:invoice|rechnung|facture|factuur|receipt|bill)\b", re.I)
_TITLE_INVOICE = re.compile(r"\b(?:invoice|rechnung|facture|factuur)\b(?!\s*(?:to|address|addr))", re.I)


def fill_invoice_header(text: str, result: dict) -> dict:
    """Fill the invoice fields the label reader left empty, for documents that are not orders
    and call themselves an invoice/receipt. Orders are left alone: their fields are read by the
    order-form rules and scored against those."""
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
    found = read_invoice_header(text, result.get("currency"))
    sources = result.setdefault("header_sources", {})
    for key in keys:
        if found.get(key) is not None and result.get(key) is None:
            result[key] = found[key]
            sources[key] = {"source": "text:invoice_header", "confidence": 0.7}
    return result
