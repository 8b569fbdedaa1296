"""Label / value pairs on forms.

A label is a phrase such as "PO Number", "P.O. #", "Date of Surgery"; its value is written after it
in the same phrase ("PO #: PO700453"), in the next phrase to its right, or in the phrase below it
inside the label's column. Labels are matched on normalised word runs, so spacing and punctuation
variants ("PO#", "P.O. No.", "Order No:") all hit the same entry without per-layout rules.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from o2c.intake.pages.geometry import PageLayout, Segment, norm_token
from o2c.intake.pages import values as V

#: normalised label text -> field. "weak" labels only count when followed by a colon.
LABELS: dict[str, str] = {}
WEAK: set[str] = set()


def _add(field: str, *phrases: str, weak: bool = False) -> None:
    for p in phrases:
        key = "".join(norm_token(t) for t in p.split())
        LABELS[key] = field
        if weak:
            WEAK.add(key)


_add("po_number", "PO Number", "PO #", "PO No", "PO Nbr", "PO Num", "P.O. Number", "Purchase Order Number",
     "Purchase Order #", "Purchase Order No", "Order Number", "Order #", "Order No", "Customer PO",
     "Customer PO #", "Customer PO Number", "Your PO", "Bill Only PO", "Bill Only PO #", "PO Ref", "Bestellnummer")
_add("po_number", "PO", "Purchase Order", "Order", "PO Reference", weak=True)
_add("order_date", "PO Date", "Order Date", "Date Ordered", "Purchase Order Date", "Date of Order", "Issue Date",
     "Date Issued", "Order Dt", "PO Dt")
_add("date", "Date", weak=False)
_add("procedure.date", "Date of Surgery", "Surgery Date", "Procedure Date", "Date of Procedure", "DOS",
     "Date of Service", "Service Date", "Case Date", "Surgery Dt", "Implant Date", "Date of Implant", "OR Date")
_add("procedure.physician_raw", "Surgeon", "Physician", "Attending Physician", "Attending", "Doctor",
     "Implanting Physician", "Surgeon Name", "Ordering Physician", "Attending Surgeon", "Surgeon/Physician")
_add("procedure.patient_ref", "Patient MRN", "MRN", "Patient ID", "Patient #", "Patient Number", "Medical Record #",
     "Medical Record Number", "Patient", "Patient Acct", "Patient Account", "Acct #")
_add("procedure.case_id", "Case #", "Case Number", "Case ID", "Case No")
_add("procedure.case_id", "Case", weak=True)  # "Case study", "Case cart" are words, "Case:" a label
_add("procedure.name", "Procedure")
_add("rep_raw", "Vendor Rep", "Sales Rep", "Rep", "Representative", "Rep Name", "Company Rep", "Sales Representative")
_add("vendor_raw", "Vendor", "Supplier", "Vendor Name", "Supplier Name", "Manufacturer", "Sold By", "Seller")
_add("facility_raw", "Facility", "Hospital", "Location", "Site", "Surgery Center")
_add("ship_to_raw", "Ship To", "Deliver To", "Delivery Address", "Ship-To", "Shipping Address", "Send To",
     "Delivery To", "Lieferadresse")
_add("bill_to_raw", "Bill To", "Invoice To", "Billing Address", "Bill-To", "Sold To", "Customer",
     "Send Invoices To", "Invoice Address")
_add("total", "Total", "Order Total", "Grand Total", "Total USD", "Total Amount", "Amount Due", "Total Due",
     "Balance Due", "Invoice Total", "PO Total", "Total Order", "Total (USD)", "Net Total", "Total Value",
     "Total EUR", "Amount", "Gesamtbetrag", "Total TTC", "Total Price", "Total Amount Due", "Total to Pay", "Totaal", "Te betalen", "Total TTC",
     "Montant TTC", "Total Payable", "Grand Total (INR)")
_add("subtotal", "Subtotal", "Sub Total", "Sub-Total", "Merchandise Total", "Net Amount", "Total Net", "Tax",
     "Sales Tax", "Freight", "Shipping", "VAT", "Shipping & Handling", "Total Tax", "Total VAT")
_add("invoice_number", "Invoice Number", "Invoice #", "Invoice No", "Invoice", "Inv #", "Invoice ID", "Bill Number",
     "Rechnungsnummer", "Facture", "Invoice Nr", "Order ID", "Factuurnummer", "Invoice No.", "Receipt #",
     "Booking ID", "Numéro de facture", "Facture N°")
_add("invoice_date", "Invoice Date", "Date of Invoice", "Rechnungsdatum", "Billing Date", "Date of Issue",
     "Invoice Dt", "Factuurdatum", "Date de facture", "Date de facturation")
_add("due_date", "Due Date", "Payment Due", "Date Due")
_add("currency", "Currency")
_add("buyer_raw", "Buyer", "Requisitioner", "Ordered By", "Contact", "Authorized By")
_add("terms_raw", "Terms", "Payment Terms")
_add("room", "OR Room", "Room", "Procedure Room")

_MAX_LABEL_WORDS = 4
#: words after a label word that make the phrase a caption under a line to sign on.
_CAPTION_WORDS = {"signature", "sign", "signed", "initials", "initial"}

# ------------------------------------------------------------------ OCR-tolerant label keys
#: a lone glyph OCR makes of "#" after a label word ("PO i", "Case !", "PO H").
_HASH_GLYPHS = {"i", "!", "H", "#!", "i:", "!:"}
#: glyph runs tesseract confuses; both the label keys and the read words are folded the same way.
_FOLDS = (("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "i"), ("l", "i"), ("|", "i"))
#: labels this long (letters) may also match with one substituted letter ("Surgerv").
_NEAR_MIN_LETTERS = 6


def _fold(key: str) -> str:
    """Collapse the glyphs OCR confuses so "P0 Nurnber" and "PO Number" share one key."""
    for a, b in _FOLDS:
        key = key.replace(a, b)
    return key


def _folded_index() -> tuple[dict[str, str], dict[int, list[str]]]:
    """Folded key -> label key (ambiguous folds dropped), and long folded keys by length."""
    folded: dict[str, str | None] = {}
    for key in LABELS:
        f = _fold(key)
        folded[f] = key if folded.get(f, key) == key else None
    exact = {f: k for f, k in folded.items() if k is not None}
    by_len: dict[int, list[str]] = {}
    for f in exact:
        if sum(c.isalpha() for c in f) >= _NEAR_MIN_LETTERS:
            by_len.setdefault(len(f), []).append(f)
    return exact, by_len


_FOLDED, _NEAR = _folded_index()


def ocr_token(text: str, first: bool) -> str:
    """A word's key on an OCR'd page: a lone "i"/"!" after the first word was printed as "#"."""
    if not first and text.strip() in _HASH_GLYPHS:
        return "#"
    return norm_token(text)


def _near_label(folded: str) -> str | None:
    """The one long label within a single substituted letter (never the first one), else None:
    a second candidate means the misread is ambiguous and no label is claimed."""
    found = None
    for cand in _NEAR.get(len(folded), ()):
        diff = [i for i, (a, b) in enumerate(zip(cand, folded)) if a != b]
        if len(diff) == 1 and diff[0] > 0 and cand[diff[0]].isalpha() and folded[diff[0]].isalpha():
            if found is not None:
                return None
            found = _FOLDED[cand]
    return found


def match_label(key: str, ocr: bool = False) -> str | None:
    """The LABELS key a normalised word run reads as. Text pages match exactly; OCR'd pages also
    after folding confusable glyphs, and labels of six letters or more with one misread letter.
    Short labels get no edit distance: "Pol", "Dated" are words, not misread labels."""
    if key in LABELS:
        return key
    if not ocr or not key:
        return None
    folded = _fold(key)
    return _FOLDED.get(folded) or _near_label(folded)


@dataclass
class LabelHit:
    field: str
    segment: Segment  # the whole phrase the label was found in
    start: int  # word index of the label in the segment
    end: int  # word index after the label
    colon: bool

    @property
    def label_segment(self) -> Segment:
        return self.segment.sub(self.start, self.end)

    @property
    def inline(self) -> Segment | None:
        """Words after the label inside the same phrase (up to the next label)."""
        if self.end >= len(self.segment.words):
            return None
        return self.segment.sub(self.end, self._stop)

    _stop: int | None = None
    #: the LABELS key the words were read as ("patientmrn"), even when OCR misread them.
    key: str = ""
    #: a whole spreadsheet cell: its value is the next cell on the row.
    cell: bool = False


def find_labels(segment: Segment, ocr: bool = False, cell_pair: bool = False) -> list[LabelHit]:
    """All labels inside a phrase; a label not at the phrase start must end with a colon, so words
    of a value ("Total Hip Arthroplasty") are not read as labels. ``ocr``: the phrase was OCR'd, so
    misread labels are accepted (``match_label``). ``cell_pair``: the phrase is a whole spreadsheet
    cell with a value cell to its right, so a weak label ("Purchase Order") needs no colon there."""
    words = [w.text for w in segment.words]
    if cell_pair:
        whole = _whole_cell_label(words)
        if whole is not None:
            return [whole_hit(segment, whole)]
    hits: list[LabelHit] = []
    i = 0
    while i < len(words):
        best = None
        key = ""
        for j in range(i, min(len(words), i + _MAX_LABEL_WORDS)):
            key += ocr_token(words[j], j == i) if ocr else norm_token(words[j])
            colon = words[j].rstrip().endswith(":")
            label = match_label(key, ocr)
            if label is not None:
                strong = label not in WEAK or colon
                if (i == 0 or colon) and strong:
                    best = LabelHit(LABELS[label], segment, i, j + 1, colon, key=label)
            if colon:
                break
        if best is not None and best.end < len(words) and norm_token(words[best.end]) in _CAPTION_WORDS:
            i = best.end  # "Rep signature / date", "Surgeon initials": a line to sign on, not a field
        elif best is not None:
            hits.append(best)
            i = best.end
        else:
            i += 1
    # A colon alone after the label ("PO Number :") belongs to the label.
    for k, hit in enumerate(hits):
        hit._stop = hits[k + 1].start if k + 1 < len(hits) else None
        if hit.end < len(words) and words[hit.end] in (":", "#", "#:", "-"):
            hit.end += 1
            hit.colon = True
    return hits


def _whole_cell_label(words: list[str]) -> str | None:
    """The label a whole cell spells, weak ones included, or None."""
    if not words or len(words) > _MAX_LABEL_WORDS:
        return None
    key = "".join(norm_token(w) for w in words)
    return key if key in LABELS else None


def whole_hit(segment: Segment, key: str) -> LabelHit:
    """A hit covering the whole phrase; it stands for a colon (its value is in the next cell)."""
    hit = LabelHit(LABELS[key], segment, 0, len(segment.words), True, key=key, cell=True)
    return hit


def is_label_text(text: str, ocr: bool = False) -> bool:
    """Whether a phrase starts with a known label (such a phrase is never someone's value)."""
    tokens = text.split()
    key = ""
    for n, t in enumerate(tokens[:_MAX_LABEL_WORDS]):
        key += ocr_token(t, n == 0) if ocr else norm_token(t)
        label = match_label(key, ocr)
        if label is not None and label not in WEAK:
            return True
    return False


# ------------------------------------------------------------------ value validation per field
DATE_FIELDS = ("order_date", "date", "procedure.date", "invoice_date", "due_date")
#: a year OCR cut after its century: "14-Apr-20 26" (handwriting spaces its digits widely).
_SPLIT_YEAR = re.compile(r"(?<=[/.\-\s])(19|20)\s+(\d{2})(?!\d)")
#: a two-digit year with more digits after it is a cut four-digit year that cannot be completed.
_CUT_YEAR = re.compile(r"[/.\-][A-Za-z]{0,9}\d{0,2}[/.\-]?\d{2}\s+\d{1,2}(?![\d:])")


def date_value(text: str) -> str | None:
    """The ISO date a date field's text states. A year split by a space after its century is joined
    ("14-Apr-20 26" is 2026, not 2020); a short year followed by other digits is refused (null)."""
    joined = _SPLIT_YEAR.sub(r"\1\2", text)
    value = V.parse_date_text(joined)
    if value is None:
        return None
    if joined == text and _CUT_YEAR.search(text) and not re.search(r"\d{4}", text):
        return None
    return value


def value_ok(field: str, text: str) -> bool:
    """Cheap sanity checks so that a neighbouring label or a stray word is not taken as the value."""
    t = text.strip(" :#-")
    if not t or (is_label_text(t) and not (field == "procedure.patient_ref" and re.search(r"\d{3,}", t))):
        return False
    if field in ("po_number", "procedure.case_id", "invoice_number"):
        return bool(re.search(r"\d", t)) and len(t.split()) <= 3 and V.parse_date_text(t) is None \
            and len(t) <= 30
    if field in DATE_FIELDS:
        return date_value(t) is not None
    if field == "procedure.patient_ref":
        return bool(re.search(r"\d{3,}", t)) and len(t) <= 30
    if field in ("total", "subtotal"):
        return V.parse_money(t) is not None
    if field == "procedure.physician_raw":
        return bool(re.search(r"[A-Za-z]{2,}", t)) and not re.search(r"\d{3,}", t)
    if field == "currency":
        return bool(re.fullmatch(r"[A-Z]{3}", t))
    return bool(re.search(r"[A-Za-z0-9]", t))


def clean_value(field: str, text: str) -> str | None:
    """Turn the accepted text into the field's raw value (dates ISO, money decimal strings)."""
    t = text.strip(" :;,|_")
    if field in DATE_FIELDS:
        return date_value(t)
    if field in ("total", "subtotal"):
        return V.parse_money(t)
    if field in ("po_number", "procedure.case_id", "invoice_number"):
        t = re.sub(r"^(?:#|n[°o]\.?|nr\.?|no\.|number)\s*:?\s*", "", t.strip(".,"), flags=re.I)
        return t.split()[0] if len(t.split()) > 1 and re.search(r"\d", t.split()[0]) else t
    return t or None


# ------------------------------------------------------------------ patient reference
_MRN_LABEL = re.compile(r"mrn|medicalrecord")
_MRN_VALUE = re.compile(r"^MRN\W*(\w[\w-]*)$", re.I)
_BARE_NUMBER = re.compile(r"^\d[\d-]*$")


def patient_ref_value(hit: LabelHit, seg: Segment, value: str) -> str:
    """A patient reference keeps the kind of number it is: "MRN 0943284", as printed in a value
    cell. When the label itself names a medical record ("MRN", "Patient MRN", "Medical Record #")
    and the value is a bare number, the "MRN" was either a label read into the value on a scan
    ("MRN 7111153" -> label MRN, value 7111153) or a label with a colon; both are written
    "MRN <number>" so scans and text PDFs agree. Other labels ("Patient ID") keep the value as is."""
    m = _MRN_VALUE.match(value.strip())
    if m:
        return f"MRN {m.group(1)}"
    if _MRN_LABEL.search(hit.key) and _BARE_NUMBER.match(value.strip()):
        return f"MRN {value.strip()}"
    return value


# ------------------------------------------------------------------ value search
def value_for(hit: LabelHit, layout: PageLayout) -> Segment | None:
    """Inline value, else the next phrase to the right, else the phrase below within the column."""
    inline = hit.inline
    if inline is not None and value_ok(hit.field, inline.text):
        return inline
    if inline is not None and is_label_text(inline.text):
        return None
    line = layout.lines[_line_pos(layout, hit.segment)]
    right = [s for s in line if s.x0 > hit.segment.x1 - 1]
    if right:
        nearest = min(right, key=lambda s: s.x0)
        if nearest.x0 - hit.segment.x1 < layout.width * 0.35 and value_ok(hit.field, nearest.text):
            return nearest
    return _value_below(hit, layout, right)


def _line_pos(layout: PageLayout, seg: Segment) -> int:
    for i, line in enumerate(layout.lines):
        if any(s is seg for s in line):
            return i
    for i, line in enumerate(layout.lines):
        if line and line[0].line_index == seg.line_index:
            return i
    return 0


def _value_below(hit: LabelHit, layout: PageLayout, right: list[Segment]) -> Segment | None:
    """Forms with boxes put the value under the label, often indented: accept a phrase starting in
    the label's column (up to the next phrase on the label's line) within ~2.5 line heights."""
    label = hit.label_segment
    col_end = min((s.x0 for s in right), default=layout.width)
    pos = _line_pos(layout, hit.segment)
    limit = label.y1 + 2.6 * layout.line_height
    for line in layout.lines[pos + 1:pos + 4]:
        for seg in line:
            if seg.y0 > limit:
                return None
            starts_in = label.x0 - layout.line_height <= seg.x0 < col_end - 1
            overlaps = seg.x0 < label.x1 and seg.x1 > label.x0
            if (starts_in or overlaps) and seg.x0 < col_end:
                return seg if value_ok(hit.field, seg.text) else None
    return None


def _cell_block(right: list[Segment]) -> list[Segment]:
    """A spreadsheet label cell's block is the value cell beside it ("Ship To | Cedar Ridge")."""
    nearest = min(right, key=lambda s: s.x0, default=None)
    return [nearest] if nearest is not None and not is_label_text(nearest.text) else []


def block_below(hit: LabelHit, layout: PageLayout, max_lines: int = 6) -> list[Segment]:
    """An address block: the inline text plus the phrases stacked under the label in its column,
    until a blank gap or another label."""
    label = hit.label_segment
    line = layout.lines[_line_pos(layout, hit.segment)]
    right = [s for s in line if s.x0 > hit.segment.x1 - 1]
    if hit.cell:
        return _cell_block(right)
    col_end = min((s.x0 for s in right), default=layout.width)
    out: list[Segment] = []
    if hit.inline is not None and hit.inline.text.strip(" :"):
        out.append(hit.inline)
    pos = _line_pos(layout, hit.segment)
    last_y1 = label.y1
    # an address line starts under the label; a phrase starting well past the label's end is in
    # the next column (a "PO #" box beside a "Deliver To" block), not part of the address.
    col_end = min(col_end, label.x1 + 2 * layout.line_height) if not right else col_end
    for line in layout.lines[pos + 1:]:
        cands = [s for s in line if label.x0 - 2 * layout.line_height <= s.x0 < col_end - 1]
        if not cands:
            if line[0].y0 - last_y1 > 1.2 * layout.line_height:
                break
            continue
        seg = cands[0]
        if seg.y0 - last_y1 > 1.6 * layout.line_height or is_label_text(seg.text, layout.ocr):
            break
        out.append(seg)
        last_y1 = seg.y1
        if len(out) >= max_lines:
            break
    return out
