"""A second, closer look at the header of a photographed or scanned form.

Page OCR reads a whole photo at one scale with one page model. Small printed captions in the corner
of a form box ("Vendor Rep", "Case #") and handwriting in the boxes are what it loses first: a caption
comes out as "Rendon nen" at confidence 0, or not at all, and the value it labels is then nobody's.
Tesseract reads such phrases well when it sees them alone, larger, without the box rules around them.

So, for the first OCR'd page, the header zone (above the first sticker and within the top part of
the page) is searched for
- phrases read with low confidence, whose own box is read again, and
- values that no label claims (a "CS-260027" alone in its box), whose empty upper-left part, where a
  form prints the caption, is read for a label.
All of them (at most ``MAX_BOXES``) are cut from the image tesseract read, cleaned of box rules,
scaled so their text is ``TEXT_PX`` tall, stacked into one strip with white space between them, and
read in ONE tesseract run; each word is mapped back by its position in the strip. A phrase's words
are replaced only when the second reading is surer; words found in an empty part are added only when
they spell a label. Nothing else on the page changes, and the time spent is added to the page's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from o2c.intake.pages import values as V
from o2c.intake.pages.geometry import PageLayout, Segment
from o2c.intake.pages.labels import find_labels, is_label_text
from o2c.intake.pages.tables import header_columns
from o2c.intake.text import Page, TextDocument, Word, group_lines, reread_cells

#: a phrase whose least sure word is below this is read again.
REREAD_BELOW = 0.5
#: the second reading replaces the first only when its mean confidence reaches this (and is higher).
ACCEPT = 0.6
#: at most this many boxes go into the strip: the re-read costs one tesseract run on a small image.
MAX_BOXES = 8
#: the header zone: this share of the page height at most (it ends earlier at the first sticker).
HEADER_SHARE = 0.4
#: crops are scaled so their text is this many pixels tall (tesseract reads best at 20-40 px).
TEXT_PX = 36
_SPACING = 48
#: a row or column of a crop darker than this share is a box rule, not writing.
_RULE_SHARE = 0.75
#: a line of this many phrases is no form box's caption and value.
MANY_PHRASES = 5
#: a value of these fields is read again when unsure: a handwritten name.
NAME_FIELDS = ("rep_raw", "procedure.physician_raw", "buyer_raw")
_STICKER_KEY = re.compile(r"^(REF|LOT|SN|S/N|EXP|UDI)\b", re.I)


@dataclass
class Box:
    """A part of the page to read again (page coordinates), the height of the text expected in it,
    and the words it reads again (a phrase) or None (an empty part that may hold a label)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text_height: float
    words: list[Word] | None = None


def reread_header(doc: TextDocument, layouts: list[PageLayout]) -> bool:
    """Read the header of the first OCR'd page again where the page OCR was unsure or found a value
    without its label; True when a page's words changed (the layout must then be made again)."""
    for layout in layouts:
        page = layout.page
        if page is None or not page.ocr or page.ocr_image is None:
            continue
        boxes = header_boxes(layout)
        if not boxes:
            return False
        found = read_boxes(page, boxes)
        return apply_readings(page, boxes, found)
    return False


# ------------------------------------------------------------------ what to read again
def header_bottom(layout: PageLayout) -> float:
    """The end of the header zone: the first sticker key or GS1 text, or a table's header row (its
    cells are the table reader's business), at most ``HEADER_SHARE`` of the page."""
    bottom = layout.height * HEADER_SHARE
    for line in layout.lines:
        if line[0].y0 >= bottom:
            break
        if header_columns(line):
            bottom = min(s.y0 for s in line)
            break
        for seg in line:
            if seg.y0 < bottom and (_STICKER_KEY.match(seg.text) or V.find_gs1(seg.text)):
                bottom = seg.y0
    return bottom


def header_boxes(layout: PageLayout) -> list[Box]:
    """Low-confidence phrases that are no known label's value, or a name's (least sure first), then
    the label places of unlabelled values. Lines of many phrases (a fax transmission header, a row
    of captions over their values) are left as read."""
    bottom = header_bottom(layout)
    segs = [s for line in layout.lines if len(line) < MANY_PHRASES for s in line
            if s.y1 <= bottom and not s.used]
    hits = {id(s): find_labels(s, ocr=True) for s in segs}
    # a label with its value in its own phrase ("MRN 0416476") names no other value
    captions = [h for s in segs for h in hits[id(s)] if h.inline is None]

    def claimed_by(seg: Segment) -> list[str]:
        # a caption names the first value after it on a band: a phrase further right on that band
        # (the next column's box) is not its value
        return [h.field for h in captions if _claims(h.label_segment, seg, layout)
                and not any(o is not seg and o is not h.label_segment and o.x1 <= seg.x0
                            and o.x0 >= h.label_segment.x0 - layout.line_height
                            and min(o.y1, seg.y1) - max(o.y0, seg.y0) > 0
                            and _claims(h.label_segment, o, layout) for o in segs)]

    unsure = [s for s in segs if s.confidence < REREAD_BELOW and _wordlike(s.text) and not hits[id(s)]
              and s.x1 - s.x0 < 0.5 * layout.width and all(f in NAME_FIELDS for f in claimed_by(s))]
    unsure.sort(key=lambda s: s.confidence)
    boxes = [_phrase_box(s, layout) for s in unsure[:MAX_BOXES]]
    words = [w for s in layout.segments() for w in s.words]
    for seg in segs:
        if len(boxes) >= MAX_BOXES:
            break
        if any(seg is u for u in unsure) or hits[id(seg)] or claimed_by(seg) \
                or not (_value_like(seg.text) or _name_like(seg, layout)):
            continue
        box = _label_place(seg, layout, words)
        if box is not None:
            boxes.append(box)
    return boxes


def _alnum(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def _wordlike(text: str) -> bool:
    """A caption or a name: a few words, mostly letters (an address or a code is read well enough)."""
    letters = sum(ch.isalpha() for ch in text)
    return letters >= 2 and letters >= 0.8 * _alnum(text) and len(text.split()) <= 3


def _value_like(text: str) -> bool:
    """An identifier or date a form writes in a labelled box: digits, at least four characters."""
    return bool(re.search(r"\d", text)) and _alnum(text) >= 4 and len(text.split()) <= 3


def _name_like(seg: Segment, layout: PageLayout) -> bool:
    """A person's name a form prints in a labelled box, read clearly: two or three capitalised
    words of letters ("Shonda Miles") in text of the page's size (not a heading); its caption (Rep,
    Surgeon) is small and easily lost."""
    words = seg.text.split()
    return 2 <= len(words) <= 3 and seg.confidence >= ACCEPT and seg.height <= 1.5 * layout.line_height \
        and all(re.fullmatch(r"[A-Z][a-z'.-]+", w) for w in words)


def _claims(label: Segment, seg: Segment, layout: PageLayout) -> bool:
    """Whether a label phrase is placed to name this value: it ends before the value on its band, or
    sits just above it in its column."""
    lh = layout.line_height
    if label.y1 <= seg.y0 - 2.6 * lh or label.y0 >= seg.y1:
        return False
    beside = label.x1 - 1 <= seg.x0 < label.x1 + 0.35 * layout.width and label.y1 > seg.y0 - lh
    above = label.y1 <= seg.y0 + lh / 2 and label.x0 - lh <= seg.x0 < label.x1 + 0.35 * layout.width
    return beside or above


def _phrase_box(seg: Segment, layout: PageLayout) -> Box:
    h = max(seg.height, 1.0)
    return Box(max(0.0, seg.x0 - 0.4 * h), max(0.0, seg.y0 - 0.45 * h), min(layout.width, seg.x1 + 0.4 * h),
               min(layout.height, seg.y1 + 0.45 * h), h, list(seg.words))


def _label_place(seg: Segment, layout: PageLayout, words: list[Word]) -> Box | None:
    """The part of the value's box where its caption would be: to its left on its band and above
    it, up to the nearest other writing. None when other words are there already (then the label,
    if any, was read and simply is not one we know)."""
    lh = layout.line_height
    x0 = max(0.0, seg.x0 - 0.15 * layout.width)
    y0 = max(0.0, seg.y0 - 1.6 * lh)
    own = {id(w) for w in seg.words}
    for w in words:
        if id(w) in own or w.y1 <= y0 or w.y0 >= seg.y1 or w.x0 >= seg.x1 or w.x1 <= x0:
            continue
        return None
    return Box(x0, y0, seg.x1, seg.y1, 0.8 * lh, None)


# ------------------------------------------------------------------ one tesseract run
def read_boxes(page: Page, boxes: list[Box]) -> list[list[Word]]:
    """The words in each box, read in one tesseract run on a strip of the cleaned, scaled crops
    (``text.reread_cells`` without a whitelist, every crop's box rules cleared); coordinates are the
    page's. The time is added to the page's."""
    return reread_cells(page, [(b.x0, b.y0, b.x1, b.y1) for b in boxes], whitelist=None,
                        text_height=[b.text_height for b in boxes], psm=4, clean=clear_rules,
                        text_px=TEXT_PX, gap=_SPACING, min_size=4)


def clear_rules(crop):
    """The crop with its paper made white and the form's box rules painted over: rows or columns
    that are dark across most of the crop are lines, never letters (a crop is padded around its
    text). A grey crop on the white strip would be read as a picture, not as text."""
    from PIL import Image

    hist = crop.histogram()
    total = crop.width * crop.height
    paper, seen = 255, 0
    for level in range(255, -1, -1):  # the brightest tenth is paper
        seen += hist[level]
        if seen >= total * 0.1:
            paper = max(level, 1)
            break
    dark = crop.point(lambda v, t=int(paper * 0.6): 255 if v < t else 0)
    rows = dark.resize((1, crop.height), Image.BOX).tobytes()
    cols = dark.resize((crop.width, 1), Image.BOX).tobytes()
    limit = 255 * _RULE_SHARE
    out = crop.point(lambda v, p=paper: min(255, v * 255 // p))
    for y, v in enumerate(rows):
        if v >= limit:
            out.paste(255, (0, max(0, y - 1), crop.width, min(crop.height, y + 2)))
    for x, v in enumerate(cols):
        if v >= limit:
            out.paste(255, (max(0, x - 1), 0, min(crop.width, x + 2), crop.height))
    return out


# ------------------------------------------------------------------ taking the readings
def apply_readings(page: Page, boxes: list[Box], found: list[list[Word]]) -> bool:
    """Replace a phrase's words by a surer reading; add the words of an empty part when they spell a
    label. True when the page changed."""
    words = list(page.words)
    changed = False
    for box, new in zip(boxes, found):
        new = [w for w in new if w.text.strip()]
        if not new:
            continue
        if box.words is not None:
            if _surer(box.words, new):
                gone = {id(w) for w in box.words}
                words = [w for w in words if id(w) not in gone] + new
                changed = True
            continue
        fresh = [w for w in new if not any(_overlap(w, old) > 0.3 * _area(w) for old in words)]
        text = " ".join(w.text for w in fresh)
        if fresh and _mean(fresh) >= ACCEPT and is_label_text(text, ocr=True):
            words.extend(fresh)
            changed = True
    if changed:
        page.words = words
        page.lines = group_lines(words)
    return changed


def _mean(words: list[Word]) -> float:
    return sum(w.confidence for w in words) / len(words)


def _surer(old: list[Word], new: list[Word]) -> bool:
    if " ".join(w.text for w in old) == " ".join(w.text for w in new):
        return False
    return _mean(new) >= ACCEPT and _mean(new) > _mean(old) + 0.1


def _area(w: Word) -> float:
    return max(1.0, (w.x1 - w.x0) * (w.y1 - w.y0))


def _overlap(a: Word, b: Word) -> float:
    return max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0)) * max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
