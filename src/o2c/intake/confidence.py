"""How sure a line is, from how surely each of its values was read.

A table line records the confidence of each reading the order is built from (item, quantity,
unit price) and a factor for the table's structure (a header that was read, or columns only
inferred). The line is as sure as its weakest reading times that factor. Master data can
corroborate a reading after the fact: a catalog number whose printed description independently
names the same item was read right, however faint the OCR thought its characters were.
"""
from __future__ import annotations

#: confidence of an item reading that master data corroborates (catalog number and description agree).
CORROBORATED_ITEM = 0.95


def line_confidence(read: dict[str, float]) -> float:
    """The weakest reading times the structure factor ``read["layout"]`` (1.0 when absent)."""
    values = [v for k, v in read.items() if k != "layout"]
    return round(min(values or [1.0]) * read.get("layout", 1.0), 3)


def corroborate(read: dict[str, float], role: str, confidence: float = CORROBORATED_ITEM) -> dict[str, float]:
    """The readings with ``role`` lifted to ``confidence`` (never lowered)."""
    out = dict(read)
    if role in out:
        out[role] = max(out[role], confidence)
    return out
