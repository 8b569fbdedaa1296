"""Line-item tables: found by their header row, read by the header's column x-ranges.

A header row is a line where several phrases name known columns (Item, Catalog #, REF, Description,
Qty, UOM, Unit Price, Ext, Lot, Serial, Exp). Each body word goes to the column whose header it sits
under (or the nearest one), a row starts with a line number, an item code or a quantity, and lines
without one continue the row above (wrapped descriptions). The table ends at a totals row, a
"continued" note, or a wide vertical gap; a later page repeating the header continues it.
When no header can be read (OCR often loses shaded header bars) the columns learnt on an earlier
page are reused, else a header-less reader takes rows holding an item code and a quantity.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import product

from o2c.intake.pages import values as V
from o2c.intake.pages.geometry import PageLayout, Segment, norm_token, x_overlap
from o2c.intake.pages.numbers import adds_up, reconcile
from o2c.intake.text import Word, reread_cells

COLUMN_WORDS: dict[str, str] = {}


def _col(role: str, *phrases: str) -> None:
    for p in phrases:
        COLUMN_WORDS["".join(norm_token(t) for t in p.split())] = role


_col("line_no", "Ln", "Line", "Line #", "Line No", "#", "No", "Pos", "Seq", "Itm", "Ln #", "Row")
_col("customer_item", "Our Item #", "Our Item", "Our Part #", "Customer Item #", "Customer Item", "Cust Item #",
     "Customer Part #", "Buyer Part #", "Buyer Item #", "Hospital Item #", "Our #", "Internal #", "Cust Part #",
     "Item Master #", "MMIS #", "Our Item No", "Our Ref", "Your Item #")
_col("item", "Catalog #", "Catalog", "Catalog No", "Catalog Number", "Cat #", "Cat No", "Mfr Cat #", "Mfr Cat",
     "REF", "REF #", "Part #", "Part No", "Part Number", "Part", "Item #", "Item", "Item No", "Item Number",
     "SKU", "Product Code", "Product #", "Mfr Part #", "Mfr #", "Vendor Part #", "Vendor Item #", "Vendor Cat #",
     "Manufacturer #", "Reorder #", "Article", "Code", "Item Code", "Product ID", "Supplier Item #",
     "Mfg Part #", "Mfr Item #", "Vendor Catalog #", "Model #", "Model", "Artikel", "Réf")
_col("description", "Description", "Desc", "Item Description", "Product Description", "Product", "Item Name",
     "Description of Goods", "Designation", "Bezeichnung", "Désignation", "Product Name", "Service")
_col("quantity", "Qty", "Quantity", "Qty Ordered", "Order Qty", "Qty Used", "Qty Ord", "Ordered", "Units", "Qté",
     "Menge", "Qty.", "Quant")
_col("uom", "UOM", "U/M", "UM", "Unit", "Unit of Measure", "U of M", "UoM", "Pack")
_col("unit_price", "Unit Price", "Price", "Unit Cost", "Cost", "Price Each", "Each", "Rate", "Net Price",
     "Contract Price", "Unit Price USD", "Price/Unit", "Unit Amt", "Einzelpreis", "Prix Unitaire", "Price (USD)")
_col("ext", "Extended", "Ext", "Ext Price", "Ext Cost", "Amount", "Total", "Line Total", "Extended Price",
     "Ext Total", "Net Amount", "Ext Amount", "Total Price", "Value", "Gesamt", "Montant", "Subtotal")
_col("lot", "Lot", "Lot #", "Lot No", "Lot Number", "Batch", "Batch #", "Charge")
_col("serial", "Serial", "Serial #", "SN", "S/N", "Serial No", "Serial Number")
_col("lot_serial", "Lot / Serial", "Lot/Serial", "Lot/SN", "Lot / SN", "Lot/Serial #", "Lot or Serial")
_col("expiry", "Exp", "Expiry", "Exp Date", "Expiration", "Expiration Date", "Use By", "Expires")
_col("udi", "UDI", "Barcode", "GTIN")

_MAX_WORDS = 4
_OCR_FOLD = str.maketrans({"l": "i", "1": "i", "|": "i", "0": "o", "5": "s", "8": "b"})


def _tolerant_words() -> dict[str, str]:
    """Column phrases with the letters OCR confuses folded together ("Ourltem #" for "Our Item #"),
    keeping only folds that still name a single role."""
    folded: dict[str, set[str]] = {}
    for key, role in COLUMN_WORDS.items():
        folded.setdefault(key.translate(_OCR_FOLD), set()).add(role)
    return {k: next(iter(v)) for k, v in folded.items() if len(v) == 1}


_TOLERANT = _tolerant_words()


def column_role(key: str) -> str | None:
    """The role a normalised header phrase names, tolerating OCR's l/I/1 and O/0 confusions."""
    return (COLUMN_WORDS.get(key) or COLUMN_WORDS.get(key + "#")  # "Buyer Part" as "Buyer Part #"
            or _TOLERANT.get(key.translate(_OCR_FOLD)) or _TOLERANT.get((key + "#").translate(_OCR_FOLD)))
#: a header cell nobody could read (OCR garbles shaded header bars): its values are typed by shape.
UNKNOWN = "unknown"
TOTAL_WORDS = re.compile(r"\b(sub\s*-?\s*total|total|tax|freight|shipping|handling|grand|balance|amount due|vat)\b",
                         re.I)
STOP_WORDS = re.compile(r"continued|page \d+ of|authori[sz]ed|signature|approved by|notes?:|comments?:|terms and",
                        re.I)


@dataclass
class Column:
    role: str
    x0: float
    x1: float
    text: str


@dataclass
class Row:
    cells: dict[str, list[Segment]] = field(default_factory=dict)
    page: int = 0
    y0: float = 0.0
    y1: float = 0.0
    x0: float = 1e9
    x1: float = 0.0
    inferred: bool = False
    #: the vertical band of the line that started the row (its numbers sit there).
    ay0: float = 0.0
    ay1: float = 0.0
    #: values not read as printed: role -> how they were obtained ("extended / unit_price").
    derived: dict[str, str] = field(default_factory=dict)

    def add(self, role: str, seg: Segment) -> None:
        self.cells.setdefault(role, []).append(seg)
        self.y1 = max(self.y1, seg.y1)
        self.x0, self.x1 = min(self.x0, seg.x0), max(self.x1, seg.x1)

    def text(self, role: str) -> str | None:
        segs = self.cells.get(role)
        return " ".join(s.text for s in segs) if segs else None

    def conf(self, role: str) -> float:
        segs = self.cells.get(role)
        return min(s.confidence for s in segs) if segs else 1.0

    def source(self) -> dict:
        """Where the line was read (page, bbox) and, for values obtained by arithmetic rather than
        read, how: {"derived": "extended / unit_price"}."""
        src: dict = {"page": self.page, "bbox": [round(self.x0, 1), round(self.y0, 1), round(self.x1, 1),
                                                 round(self.y1, 1)]}
        if self.derived:
            src["derived"] = "; ".join(how if len(self.derived) == 1 else f"{role}: {how}"
                                       for role, how in self.derived.items())
        return src


# ------------------------------------------------------------------ header detection
def header_columns(line: list[Segment]) -> list[Column] | None:
    """Read a line as a table header: every word run naming a column becomes a column. The line
    qualifies with at least three columns including a quantity or a description and an item."""
    words = [w for seg in line for w in seg.words]
    cols: list[Column] = []
    unknown: list[Column] = []
    i = 0
    unmatched = 0
    while i < len(words):
        best = None
        key = ""
        for j in range(i, min(len(words), i + _MAX_WORDS)):
            if j > i and words[j].x0 - words[j - 1].x1 > 1.2 * max(words[j].height, 1):
                break
            key += norm_token(words[j].text)
            role = column_role(key)
            if role:
                best = (j + 1, role)
        if best:
            end, role = best
            cols.append(Column(role, words[i].x0, words[end - 1].x1, " ".join(w.text for w in words[i:end])))
            i = end
        else:
            unmatched += 1
            if cols and words[i].x0 - cols[-1].x1 < 0.6 * max(words[i].height, 1):
                cols[-1].x1 = words[i].x1  # "Qty Ordered (ea)" keeps its tail in the same column
            elif unknown and words[i].x0 - unknown[-1].x1 < 1.2 * max(words[i].height, 1):
                unknown[-1].x1 = words[i].x1
            else:
                unknown.append(Column(UNKNOWN, words[i].x0, words[i].x1, words[i].text))
            i += 1
    roles = {c.role for c in cols}
    if len(cols) < 3 or unmatched > len(cols):
        return None
    if not ({"quantity", "unit_price", "ext"} & roles) or not ({"item", "description", "customer_item"} & roles):
        return None
    return sorted(_disambiguate(cols) + unknown, key=lambda c: c.x0)


def _disambiguate(cols: list[Column]) -> list[Column]:
    """Two item-number columns: the buyer's own number is customer_item, the other the catalog.
    A second 'item' left of a 'Description' when a line number column is absent is kept as item."""
    items = [c for c in cols if c.role == "item"]
    if len(items) > 1:
        for c in items[1:]:
            if c.text.lower().startswith(("mfr", "vendor", "catalog", "cat", "ref", "manufacturer", "supplier")):
                items[0].role = "customer_item" if not items[0].text.lower().startswith(
                    ("mfr", "vendor", "catalog", "cat", "ref")) else items[0].role
    if sum(c.role == "ext" for c in cols) > 1:
        for c in [c for c in cols if c.role == "ext"][:-1]:
            if c.text.lower() in ("amount", "value"):
                c.role = "unit_price"
    # "Item" column left of "Description" in tables that also have "#": keep roles as is.
    return cols


def stacked_header(layout: PageLayout, i: int) -> tuple[list[Column] | None, int]:
    """The header starting at line ``i`` and how many lines it spans. Narrow columns wrap their
    header cell over two or three tight lines ("Product / Code", "Order / Qty") while the other
    cells sit on one line between them: words stacked in the same x-range are read as one phrase,
    and the merged reading wins when it names more columns than the single line does."""
    single = header_columns(layout.lines[i])
    best, span = single, 1
    lines = [layout.lines[i]]
    for j in range(i + 1, min(i + 3, len(layout.lines))):
        above, line = lines[-1], layout.lines[j]
        gap = min(s.y0 for s in line) - max(s.y1 for s in above)
        if _has_values(line) or any(ch.isdigit() for s in line for ch in s.text) or gap > 0.5 * layout.line_height:
            break
        lines.append(line)
        merged = header_columns(_stack_words(lines))
        if merged and (_known(merged) > _known(best or []) or (
                _known(merged) == _known(best or []) > 0 and _continues(line, merged))):
            best, span = merged, len(lines)
    return best, span


def _continues(line: list[Segment], cols: list[Column]) -> bool:
    """Whether every word of a header's next line sits under a named column: the tail of a
    wrapped header cell ("Catalog / #", "Qty / Ordered"), not a line of the table body."""
    known = [c for c in cols if c.role != UNKNOWN]
    return all(any(x_overlap(w.x0, w.x1, c.x0, c.x1) > 0 for c in known) for s in line for w in s.words)


def _known(cols: list[Column]) -> int:
    return sum(c.role != UNKNOWN for c in cols)


def _has_values(line: list[Segment]) -> bool:
    """Whether a line holds data (an item code, an amount or a date) rather than header words."""
    return any(V.is_item_code(w.text) or V.looks_like_money(w.text) or V.looks_like_date(w.text)
               for s in line for w in s.words)


def _stack_words(lines: list[list[Segment]]) -> list[Segment]:
    """One pseudo-line whose words are the x-overlapping stacks of the given lines, each stack's
    text read top to bottom. A phrase that stacks with a phrase of another line moves as a whole
    ("Customer Part" over "#"); other phrases keep their words apart for the column matcher."""
    units = []
    for n, line in enumerate(lines):
        for seg in line:
            stacks = any(x_overlap(seg.x0, seg.x1, o.x0, o.x1) > 0 for m, other in enumerate(lines) if m != n
                         for o in other)
            units.extend([_as_word(seg.words)] if stacks else seg.words)
    units.sort(key=lambda w: (w.y0, w.x0))
    groups: list[list[Word]] = []
    for w in units:
        home = next((g for g in groups if x_overlap(w.x0, w.x1, min(a.x0 for a in g), max(a.x1 for a in g)) > 0
                     and all(abs(a.yc - w.yc) > 0.5 * max(w.height, 1) for a in g)), None)
        if home is None:
            groups.append([w])
        else:
            home.append(w)
    merged = [_as_word(sorted(g, key=lambda a: a.y0)) for g in sorted(groups, key=lambda g: min(a.x0 for a in g))]
    first = lines[0][0]
    return [Segment(merged, first.page, first.line_index)]


def _as_word(words: list[Word]) -> Word:
    return Word(" ".join(a.text for a in words), min(a.x0 for a in words), min(a.y0 for a in words),
                max(a.x1 for a in words), max(a.y1 for a in words), min(a.confidence for a in words))


# ------------------------------------------------------------------ cell assignment
def assign(line: list[Segment], cols: list[Column], lh: float) -> dict[str, list[Segment]]:
    """Map the words of a body line to columns by horizontal overlap with the header words.
    A word under no header continues the text column it follows inside its phrase, else goes to the
    nearest column; words left or right of the whole header are typed by shape (a small integer is
    the quantity, EA/BX the unit...) when the header lacks that column, as OCR often loses it."""
    cells: dict[str, list[Segment]] = {}
    roles_present = {c.role for c in cols}
    known = [c for c in cols if c.role != UNKNOWN] or cols
    left_edge, right_edge = min(c.x0 for c in cols), max(c.x1 for c in cols)
    last_text: str | None = None  # the text column the line's last text word went to
    for seg in line:
        roles: list[str] = []
        for w in seg.words:
            ov = [x_overlap(w.x0, w.x1, c.x0, c.x1) for c in cols]
            if max(ov) > 0:
                # a readable column the word touches beats an unreadable one it overlaps more
                role = max(range(len(cols)), key=lambda q: (cols[q].role != UNKNOWN and ov[q] > 0, ov[q]))
                role = cols[role].role
                if role == UNKNOWN:
                    near = known[_nearest(w.x0, w.x1, known)].role
                    role = _unknown_role(w.text, roles_present, first=not roles and seg is line[0]) or (
                        near if _fits(near, w.text) else UNKNOWN)
            elif w.x1 < left_edge - 0.3 * lh or w.x0 > right_edge + 0.3 * lh:
                near = known[_nearest(w.x0, w.x1, known)].role
                role = near if _fits(near, w.text) else (
                    _orphan_role(w.text, roles_present, first=not roles and seg is line[0]) or near)
            elif roles and _text_role(roles[-1]):
                role = roles[-1]
            else:
                role = known[_nearest(w.x0, w.x1, known)].role
                if role in ("quantity", "unit_price", "ext") and last_text and not _fits(role, w.text) \
                        and not _numeric_word(w.text):
                    role = last_text  # a description running past its column ("X 14MM") is no amount
            roles.append(role)
            if _text_role(role):
                last_text = role
        start = 0
        for k in range(1, len(roles) + 1):
            if k == len(roles) or roles[k] != roles[start]:
                _put(cells, roles[start], seg.sub(start, k))
                start = k
    return cells


def _unknown_role(text: str, present: set[str], first: bool = False) -> str | None:
    """The role of a word under an unreadable header cell, from its shape and the missing columns;
    None when its shape names no missing column (the word is then ignored, never guessed)."""
    if V.is_item_code(text) and "item" not in present:
        return "item"
    return _orphan_role(text, present, first=first)


def _fits(role: str, text: str) -> bool:
    """Whether a word has the shape of the column's values (an amount under a price column...)."""
    t = text.strip(".,:;|'\"°")
    if role in ("unit_price", "ext"):
        return V.looks_like_money(t)
    if role in ("quantity", "line_no"):
        return bool(re.fullmatch(r"\d{1,5}", t))
    if role == "uom":
        return V.parse_uom(t) is not None
    return False


def _orphan_role(text: str, present: set[str], first: bool = False) -> str | None:
    t = text.strip(".,:;|'\"°")
    if re.fullmatch(r"\d{1,5}", t):
        if "quantity" not in present:
            return "quantity"
        if first and "line_no" not in present:
            return "line_no"
    if "uom" not in present and V.parse_uom(t) and len(t) <= 5:
        return "uom"
    if V.looks_like_money(t):
        return "unit_price" if "unit_price" not in present else ("ext" if "ext" not in present else None)
    return None


def _numeric_tail(seg: Segment, col: Column) -> bool:
    """Whether the words of ``seg`` under ``col`` look like that column's numeric value."""
    under = [w for w in seg.words if x_overlap(w.x0, w.x1, col.x0, col.x1) > 0]
    return bool(under) and col.role in ("quantity", "unit_price", "ext", "uom") and all(
        re.fullmatch(r"[$€£]?[\d.,]+|[A-Za-z]{1,4}", w.text) for w in under)


def _numeric_word(text: str) -> bool:
    """A word that could be (part of) a number cell: digits and their marks, or a currency."""
    return bool(re.fullmatch(r"[$€£(]?[\d.,:'/]+\)?|USD|EUR|GBP|CAD|[$€£]", text.strip()))


def _text_role(role: str) -> bool:
    return role in ("description", "item", "customer_item")


def _nearest(x0: float, x1: float, cols: list[Column]) -> int:
    def dist(c: Column) -> float:
        if x1 < c.x0:
            return c.x0 - x1
        if x0 > c.x1:
            return x0 - c.x1
        return 0.0

    return min(range(len(cols)), key=lambda k: dist(cols[k]))


def _put(cells: dict[str, list[Segment]], role: str, seg: Segment) -> None:
    if seg.words:
        cells.setdefault(role, []).append(seg)


# ------------------------------------------------------------------ rows
def _starts_row(cells: dict[str, list[Segment]]) -> bool:
    if "line_no" in cells and re.fullmatch(r"\(?\d{1,4}[.)]?", cells["line_no"][0].text.strip(" .|:°'")):
        return True
    for role in ("item", "customer_item"):
        if role in cells and any(V.is_item_code(w.text) for s in cells[role] for w in s.words):
            return True
    return "quantity" in cells and V.parse_quantity(cells["quantity"][0].text) is not None and (
        "description" in cells or "item" in cells)


def _is_total_line(line: list[Segment]) -> bool:
    text = " ".join(s.text for s in line)
    return bool(TOTAL_WORDS.search(text)) and not any(V.is_item_code(w.text) for s in line for w in s.words)


def read_table(layout: PageLayout, start: int, cols: list[Column], inferred: bool = False) -> tuple[list[Row], int]:
    """Read body lines from ``start`` until the table ends; returns the rows and the stop line.
    Lines that start no row join the row whose first line is vertically nearest (ties go up), so
    descriptions wrapped above a vertically centred row land in the right row."""
    lh = layout.line_height
    entries: list[tuple] = []  # cells, y0, y1, starts, text band
    stop = len(layout.lines)
    prev_y1 = None
    n_rows = 0
    i = start
    while i < len(layout.lines):
        line = layout.lines[i]
        i += 1
        if not line:
            continue
        text = " ".join(s.text for s in line)
        if _is_total_line(line):
            stop = i - 1
            break
        cells = assign(line, cols, lh)
        starts = _starts_row(cells)
        stop_word = bool(STOP_WORDS.search(text)) and not any(V.is_item_code(w.text) for s in line for w in s.words)
        if not starts and (stop_word or _is_note_line(line, cols)) and n_rows:
            if _row_follows(layout, i, cols):
                prev_y1 = max(s.y1 for s in line)
                continue  # a note inside the table ("Note: deliver to OR 3") belongs to no row
            stop = i - 1
            break
        if stop_word:
            stop = i - 1
            break
        gap = line[0].y0 - prev_y1 if prev_y1 is not None else 0
        if starts and n_rows and gap > 6 * lh:
            stop = i - 1
            break
        if not starts and gap >= 1.5 * lh and (n_rows or gap > 8 * lh):
            if n_rows:
                stop = i - 1
                break
            continue
        if not starts and not n_rows and not entries and gap >= 1.5 * lh:
            continue
        entries.append((cells, min(s.y0 for s in line), max(s.y1 for s in line), starts, _band(line, lh)))
        n_rows += starts
        prev_y1 = max(s.y1 for s in line)
    return _group_rows(entries, layout.number, inferred), stop


def _band(line: list[Segment], lh: float) -> tuple[float, float]:
    """The vertical extent of a line's text, leaving out words far taller than a text line (OCR
    reading a column of numbers as one blob), which would make the line reach into its neighbours."""
    words = [w for s in line for w in s.words]
    normal = [w for w in words if w.height <= 2.2 * lh] or words
    return min(w.y0 for w in normal), max(w.y1 for w in normal)


def _is_note_line(line: list[Segment], cols: list[Column]) -> bool:
    """A remark printed across the table: one phrase starting in the first column and running over
    at least two columns, with no amount in it. Wrapped descriptions stay inside their column."""
    if len(line) != 1 or any(V.looks_like_money(w.text) for w in line[0].words):
        return False
    first = min(cols, key=lambda c: c.x0)
    second_x0 = min((c.x0 for c in cols if c is not first), default=first.x1)
    if line[0].x0 >= second_x0:
        return False
    touched = {k for w in line[0].words for k, c in enumerate(cols) if x_overlap(w.x0, w.x1, c.x0, c.x1) > 0}
    return len(touched) >= 2 or line[0].x1 > second_x0 + (second_x0 - first.x0)


def _row_follows(layout: PageLayout, i: int, cols: list[Column]) -> bool:
    """Whether a table row starts within a few line heights below line ``i - 1`` (the lines in
    between may be wrapped description text of that row, printed above its vertical centre)."""
    prev_y1 = max(s.y1 for s in layout.lines[i - 1]) if i > 0 and layout.lines[i - 1] else None
    for nxt in layout.lines[i:i + 3]:
        if not nxt or prev_y1 is None or nxt[0].y0 - prev_y1 > 3 * layout.line_height or _is_total_line(nxt):
            return False
        if _starts_row(assign(nxt, cols, layout.line_height)):
            return True
        prev_y1 = max(s.y1 for s in nxt)
    return False


def _group_rows(entries: list[tuple], page: int, inferred: bool) -> list[Row]:
    anchors = [k for k, e in enumerate(entries) if e[3]]
    if not anchors:
        return []
    rows = {k: Row(page=page, y0=entries[k][1], inferred=inferred, ay0=entries[k][4][0], ay1=entries[k][4][1])
            for k in anchors}
    for k, (cells, y0, y1, starts, _band) in enumerate(entries):
        if starts:
            owner = k
        else:
            yc = (y0 + y1) / 2
            before = [a for a in anchors if a < k]
            after = [a for a in anchors if a > k]
            owner = before[-1] if before else after[0]
            if before and after:
                da = yc - (entries[before[-1]][1] + entries[before[-1]][2]) / 2
                db = (entries[after[0]][1] + entries[after[0]][2]) / 2 - yc
                owner = after[0] if db < da - 0.5 else before[-1]
        row = rows[owner]
        row.y0 = min(row.y0, y0)
        for role, segs in cells.items():
            for seg in segs:
                row.add(role, seg)
    out = [rows[k] for k in anchors]
    for row in out:  # keep the reading order of wrapped text inside a cell
        for segs in row.cells.values():
            segs.sort(key=lambda s: (s.y0, s.x0))
    return out


def find_tables(layouts: list[PageLayout]) -> tuple[list[Row], list[tuple[int, int]]]:
    """All rows over all pages, plus the (page, line) positions of header rows found (so header
    field search can skip them). Columns learnt on one page are reused on following pages that
    lost their header (a continued table on a fax, say)."""
    rows: list[Row] = []
    headers: list[tuple[int, int]] = []
    last_cols: list[Column] | None = None
    for layout in layouts:
        found = False
        i = 0
        while i < len(layout.lines):
            cols, span = stacked_header(layout, i)
            if cols:
                headers.extend((layout.number, k) for k in range(i, i + span))
                body, stop = read_table(layout, i + span, cols)
                check_numbers(layout, body, cols)
                rows.extend(body)
                last_cols, found = cols, True
                i = max(stop, i + 1)
            else:
                i += 1
        if not found and last_cols is not None:
            start = _first_row_line(layout, last_cols)
            if start is not None:
                body, _ = read_table(layout, start, last_cols, inferred=True)
                body = [r for r in body if "quantity" in r.cells and _has_code(r)]
                check_numbers(layout, body, last_cols)
                rows.extend(body)
    return rows, headers


def _has_code(row: Row) -> bool:
    return any(V.is_item_code(w.text) for role in ("item", "customer_item", "description")
               for s in row.cells.get(role, []) for w in s.words)


def _first_row_line(layout: PageLayout, cols: list[Column]) -> int | None:
    for i, line in enumerate(layout.lines):
        cells = assign(line, cols, layout.line_height)
        if _starts_row(cells) and "quantity" in cells and any(
                V.is_item_code(w.text) for s in line for w in s.words):
            return i
    return None


# ------------------------------------------------------------------ numbers on OCR'd pages
_NUMERIC = ("quantity", "unit_price", "ext")
#: a numeric cell read below this confidence is read again (and its reading checked by arithmetic).
REREAD_BELOW = 0.6
#: line confidence when the three numbers disagree and no single misread explains it.
DISAGREE_CONF = 0.3
#: confidence factor of a value obtained by arithmetic rather than read.
DERIVED_FACTOR = 0.8


def _value(role: str, text: str | None, inferred: bool) -> str | None:
    if role == "quantity":
        return V.parse_quantity(text)
    # OCR reads a decimal point as a colon ("312:75"); in an amount cell that is no time of day
    text = re.sub(r"(?<=\d):(?=\d{2}(?!\d))", ".", text) if text else text
    return V.parse_money(text, bare=not inferred)


def check_numbers(layout: PageLayout, rows: list[Row], cols: list[Column]) -> None:
    """Quantity, unit price and extended amount of each row on an OCR'd page: cells that are
    missing, unreadable, faint, or whose line does not add up are read again from the page image
    (one batched tesseract run for the page); then the arithmetic picks between the readings,
    derives an unreadable quantity, or repairs one confused digit (``pages.numbers``). A line that
    still does not add up keeps its values with a low confidence, so a person checks it."""
    if not layout.ocr or not rows:
        return
    roles = [r for r in _NUMERIC if any(c.role == r for c in cols)]
    if not roles:
        return
    wanted: list[tuple[Row, str]] = []
    for row in rows:
        read = {r: _value(r, row.text(r), row.inferred) for r in roles}
        prices = "unit_price" in row.cells or "ext" in row.cells
        agree = adds_up(read["quantity"], read["unit_price"], read["ext"]) if len(roles) == 3 else None
        if agree:
            continue  # the arithmetic confirms the readings, however faint
        bad = [r for r in roles if (read[r] is None and (r == "quantity" or prices or r in row.cells))
               or (r in row.cells and _digit_conf(row.cells[r]) < REREAD_BELOW)]
        if agree is False:
            bad = list(roles)
        elif len(roles) == 3 and bad:
            combo = tuple((read[r], None, _digit_conf(row.cells.get(r, []))) for r in _NUMERIC)
            weak = _weak(combo, row)
            if weak and set(bad) <= {weak} and reconcile(*read.values(), weak=weak).agrees:
                continue  # the two sure values settle the third: no second reading needed
        wanted.extend((row, r) for r in bad)
    page = layout.page
    boxes = [_cell_box(layout, row, role, cols) for row, role in wanted]
    found = reread_cells(page, [b for b in boxes if b], text_height=layout.line_height) \
        if page is not None and any(boxes) else []
    again: dict[tuple[int, str], Segment] = {}
    it = iter(found)
    for (row, role), box in zip(wanted, boxes):
        words = next(it, []) if box else []
        if words:
            again[(id(row), role)] = Segment(sorted(words, key=lambda w: w.x0), layout.number, -1)
    for row in rows:
        _settle(row, roles, again)


def _settle(row: Row, roles: list[str], again: dict[tuple[int, str], Segment]) -> None:
    """Choose between the first and the second reading of each numeric cell, then reconcile: the
    first combination of readings that adds up as read wins, else the first one a single confused
    digit (or recomputing the one garbled value from two sure ones) repairs; a line nothing
    repairs keeps its first readings with a low confidence."""
    options: dict[str, list[tuple[str | None, Segment | None, float]]] = {}
    for r in _NUMERIC:
        if r not in roles:
            options[r] = [(None, None, 1.0)]
            continue
        first = _value(r, row.text(r), row.inferred)
        first_conf = _digit_conf(row.cells.get(r, []))
        seg = again.get((id(row), r))
        # a second reading must have the full shape of an amount: the strip read without the
        # header's context drops decimal points ("31275") more often than it invents digits
        second = _value(r, seg.text, True) if seg is not None else None
        opts = [(first, None, first_conf)] if first is not None and (
            seg is None or first_conf >= REREAD_BELOW) else []
        if second is not None and second != first:
            opts.append((second, seg, _digit_conf([seg])))
        if first is not None and all(o[1] is not None for o in opts):
            opts.append((first, None, first_conf))
        opts.sort(key=lambda o: -o[2])  # the surer reading first
        options[r] = opts or [(None, None, first_conf if r in row.cells else 1.0)]
    combos = list(product(*(options[r] for r in _NUMERIC)))
    pick = next((c for c in combos if adds_up(*(v for v, _, _ in c))), None)
    rec = None
    if pick is None:
        for combo in combos:
            trial = reconcile(*(v for v, _, _ in combo), weak=_weak(combo, row))
            if trial.agrees:
                pick, rec = combo, trial
                break
    checked = pick is not None or all(v is not None for v, _, _ in combos[0])
    pick = pick or combos[0]
    for r, (v, seg, _c) in zip(_NUMERIC, pick):
        if seg is not None:
            row.cells[r] = [seg]
        elif v is not None and r != "quantity" and V.parse_money(row.text(r), bare=not row.inferred) != v:
            # the amount as repaired here ("312:75"), so the line reader parses the same value
            first = row.cells[r][0]
            row.cells[r] = [Segment([Word(v, first.x0, first.y0, max(s.x1 for s in row.cells[r]), first.y1,
                                          _digit_conf(row.cells[r]))], first.page, first.line_index)]
    if pick is combos[0] and rec is None and checked and not adds_up(*(v for v, _, _ in pick)):
        _lower(row, DISAGREE_CONF)
        return
    for r, how in (rec.how if rec else {}).items():
        value = {"quantity": rec.quantity, "unit_price": rec.unit_price, "ext": rec.ext}[r]
        basis = [c for k, (v, _s, c) in zip(_NUMERIC, pick) if k != r and v is not None]
        conf = min(basis or [1.0]) * DERIVED_FACTOR
        near = [s for k in _NUMERIC if k != r for s in row.cells.get(k, [])] or [
            s for segs in row.cells.values() for s in segs]
        anchor = near[0]
        row.cells[r] = [Segment([Word(value, anchor.x0, anchor.y0, anchor.x0, anchor.y1, conf)], anchor.page, -1)]
        row.derived[r] = how


def _weak(combo: tuple, row: Row) -> str | None:
    """The one value of quantity and unit price that was read garbled (faint, or a cell there but
    unreadable) while the two others are sure: only that one may be recomputed from them."""
    conf = {r: c for r, (_v, _s, c) in zip(_NUMERIC, combo)}
    value = {r: v for r, (v, _s, _c) in zip(_NUMERIC, combo)}
    weak = [r for r in ("quantity", "unit_price") if conf[r] < REREAD_BELOW or (value[r] is None and r in row.cells)]
    if len(weak) != 1:
        return None
    others = [r for r in _NUMERIC if r != weak[0]]
    return weak[0] if all(value[r] is not None and conf[r] >= REREAD_BELOW for r in others) else None


def _digit_conf(segs: list[Segment]) -> float:
    """Confidence of a numeric cell's reading: its words holding digits (a faint "USD" or a stray
    description word beside the amount does not make the amount uncertain)."""
    words = [w for s in segs for w in s.words]
    digits = [w for w in words if any(ch.isdigit() for ch in w.text)]
    return min((w.confidence for w in digits or words), default=1.0)


def _lower(row: Row, conf: float) -> None:
    for r in _NUMERIC:
        for seg in row.cells.get(r, []):
            for w in seg.words:
                w.confidence = min(w.confidence, conf)


def _cell_box(layout: PageLayout, row: Row, role: str, cols: list[Column]) -> tuple[float, float, float, float] | None:
    """Where a row's cell of ``role`` is printed: the row's first line band, between the
    neighbouring columns' headers and the words of other cells on that band."""
    order = sorted(cols, key=lambda c: c.x0)
    k = next((n for n, c in enumerate(order) if c.role == role), None)
    if k is None:
        return None
    col, lh = order[k], layout.line_height
    left = order[k - 1].x1 + 0.2 * lh if k > 0 else col.x0 - 4 * lh
    right = order[k + 1].x0 - 0.2 * lh if k + 1 < len(order) else min(layout.width, col.x1 + 6 * lh)
    mid = (col.x0 + col.x1) / 2
    for r, segs in row.cells.items():
        for seg in segs:
            if r == role or seg.y1 < row.ay0 or seg.y0 > row.ay1:
                continue
            for w in seg.words:
                if w.x1 <= mid:
                    left = max(left, w.x1 + 0.2 * lh)
                elif w.x0 >= mid:
                    right = min(right, w.x0 - 0.2 * lh)
    for seg in row.cells.get(role, []):
        left, right = min(left, seg.x0 - 0.2 * lh), max(right, seg.x1 + 0.2 * lh)
    if right - left < 0.5 * lh:
        return None
    pad = 0.25 * lh
    return (max(0.0, left), max(0.0, row.ay0 - pad), right, row.ay1 + pad)


# ------------------------------------------------------------------ header-less rows
def headerless_rows(layouts: list[PageLayout], skip: set[int]) -> list[Row]:
    """Rows of a table whose header could not be read: a line with an item code plus a small
    integer (the quantity) and optionally amounts. Column roles are guessed from token shapes, so
    these rows carry a lower confidence."""
    rows = []
    for layout in layouts:
        for segs in layout.lines:
            words = [w for s in segs for w in s.words]
            codes = [k for k, w in enumerate(words) if V.is_item_code(w.text)]
            if not codes or TOTAL_WORDS.search(" ".join(w.text for w in words)):
                continue
            if id(segs[0]) in skip:
                continue
            row = _guess_row(segs, words, codes[0], layout)
            if row is not None:
                rows.append(row)
    return rows


def _guess_row(segs: list[Segment], words: list, code_at: int, layout: PageLayout) -> Row | None:
    seg0 = segs[0]
    qty_at = None
    amounts = [k for k, w in enumerate(words) if V.looks_like_money(w.text)]
    # a quantity next to a unit of measure, else a small integer before the code
    for k, w in enumerate(words):
        if k != code_at and V.parse_quantity(w.text) and re.fullmatch(r"\d{1,5}", w.text.strip(".,")):
            nxt = words[k + 1].text if k + 1 < len(words) else ""
            if V.parse_uom(nxt):
                qty_at = k
                break
    if qty_at is None:
        before = [k for k in range(code_at) if re.fullmatch(r"\d{1,4}", words[k].text)]
        if len(before) == 1:
            qty_at = before[0]
    if qty_at is None:
        return None
    row = Row(page=layout.number, y0=min(s.y0 for s in segs), inferred=True)

    def seg_of(k0: int, k1: int) -> Segment:
        return Segment(words[k0:k1], seg0.page, seg0.line_index)

    row.add("item", seg_of(code_at, code_at + 1))
    row.add("quantity", seg_of(qty_at, qty_at + 1))
    if qty_at + 1 < len(words) and V.parse_uom(words[qty_at + 1].text):
        row.add("uom", seg_of(qty_at + 1, qty_at + 2))
    desc_end = min([k for k in [qty_at] + amounts if k > code_at] or [len(words)])
    if desc_end > code_at + 1:
        row.add("description", seg_of(code_at + 1, desc_end))
    if amounts:
        row.add("unit_price", seg_of(amounts[0], amounts[0] + 1))
        if len(amounts) > 1:
            row.add("ext", seg_of(amounts[-1], amounts[-1] + 1))
    return row
