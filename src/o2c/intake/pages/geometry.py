"""Segments: the phrases of a line, split where the gap between words is wider than a space.

Forms and tables put one value per phrase ("PO Number:" ... "4500012323"), so labels, values and
table cells are all found as segments. A segment remembers its page, its line and its words so every
extracted value can point back to a bounding box and carry the OCR confidence of its words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from o2c.intake.text import Line, Page, TextDocument, Word, WordRun

#: a gap wider than this many line heights separates two phrases.
PHRASE_GAP = 0.85


@dataclass
class Segment(WordRun):
    words: list[Word]
    page: int
    line_index: int
    used: bool = field(default=False, compare=False)

    @property
    def confidence(self) -> float:
        return min(w.confidence for w in self.words)

    @property
    def bbox(self) -> list[float]:
        return [round(self.x0, 1), round(self.y0, 1), round(self.x1, 1), round(self.y1, 1)]

    def sub(self, start: int, end: int | None = None) -> "Segment":
        return Segment(self.words[start:end], self.page, self.line_index)


@dataclass
class PageLayout:
    """A page as lines of segments, with the page's typical line height for distance thresholds."""

    number: int
    width: float
    height: float
    lines: list[list[Segment]]
    line_height: float
    ocr: bool
    #: a spreadsheet or CSV laid out on a cell grid: each phrase is a whole cell, so a label cell
    #: followed by a value cell on its row is a pair even without a colon.
    grid: bool = False
    #: the page the layout was made from (its OCR image lets a table re-read a garbled cell).
    page: Page | None = field(default=None, repr=False, compare=False)

    def segments(self):
        for line in self.lines:
            yield from line


def split_line(line: Line, page: int, index: int, gap_factor: float = PHRASE_GAP) -> list[Segment]:
    """Split a line at gaps wider than ``gap_factor`` times the line height (a few spaces)."""
    h = max(line.height, 1.0)
    segments: list[list[Word]] = [[line.words[0]]]
    for prev, word in zip(line.words, line.words[1:]):
        if word.x0 - prev.x1 > gap_factor * h or _is_rule(word.text) or _is_rule(prev.text):
            segments.append([word])
        else:
            segments[-1].append(word)
    return [Segment([w for w in ws if not _is_rule(w.text)], page, index)
            for ws in segments if any(not _is_rule(w.text) for w in ws)]


def _is_rule(text: str) -> bool:
    """OCR reads table rules and box borders as |, _, — ... ; they split phrases but carry no text."""
    return bool(re.fullmatch(r"[|_\-—–~=.,:;'\"“”‘’`«»©®°§]+", text)) and text not in ("-",)


def layout_pages(doc: TextDocument) -> list[PageLayout]:
    result = []
    for page in doc.pages:
        lines = []
        for i, line in enumerate(page.lines):
            segs = split_line(line, page.number, i)
            if segs:
                lines.append(segs)
        heights = [s.height for segs in lines for s in segs]
        lh = median(heights) if heights else 10.0
        result.append(PageLayout(page.number, page.width, page.height, lines, lh, page.ocr,
                                 grid=doc.source_kind == "spreadsheet", page=page))
    return result


def norm_token(text: str) -> str:
    """Lower case, punctuation dropped except # and / (they carry meaning in "PO #", "U/M")."""
    return re.sub(r"[^0-9a-z#/&]", "", text.lower().replace("№", "#"))


def x_overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))
