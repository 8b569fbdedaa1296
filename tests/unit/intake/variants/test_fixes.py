"""Focused tests for the general fixes the variant test bed exposed."""
from __future__ import annotations

from o2c.intake.pages import values as V
from o2c.intake.pages.geometry import PageLayout, Segment
from o2c.intake.pages.tables import UNKNOWN, assign, header_columns, read_table, stacked_header
from o2c.intake.text import Word


def _line(index: int, y: float, *cells: tuple[float, str]) -> list[Segment]:
    """One printed line: each (x, text) is a phrase whose words are 6 units per character apart."""
    segs = []
    for x, text in cells:
        words, cx = [], x
        for t in text.split():
            words.append(Word(t, cx, y, cx + 6 * len(t), y + 10))
            cx += 6 * len(t) + 4
        segs.append(Segment(words, 1, index))
    return segs


def _layout(lines: list[list[Segment]]) -> PageLayout:
    return PageLayout(1, 600, 800, lines, 10.0, False)


def test_one_decimal_amounts_and_bare_prices():
    assert V.parse_money("1210.5") == "1210.50"
    assert V.parse_money("1,234.5") == "1234.50"
    assert V.parse_money("USD 1,234.50") == "1234.50"
    assert V.parse_money("875") is None  # a bare integer is money only where a price column says so
    assert V.parse_money("875", bare=True) == "875"
    assert V.parse_money("Dr. Lee", bare=True) is None


def test_header_wrapped_over_two_lines_is_read_as_one():
    lay = _layout([_line(0, 100, (50, "Product"), (200, "Order")),
                   _line(1, 106, (10, "Ln"), (100, "Description"), (300, "Net Price")),
                   _line(2, 112, (50, "Code"), (200, "Qty"))])
    cols, span = stacked_header(lay, 0)
    assert span == 3
    assert {c.role for c in cols} >= {"line_no", "item", "description", "quantity", "unit_price"}


def test_header_lines_with_digits_never_stack():
    lay = _layout([_line(0, 100, (10, "Ln"), (50, "Item"), (100, "Description"), (200, "Qty")),
                   _line(1, 106, (50, "Code 7"), (200, "2"))])
    assert stacked_header(lay, 0)[1] == 1


def test_partial_column_name_without_hash():
    cols = header_columns(_line(0, 100, (10, "Buyer Part"), (100, "Description"), (200, "Qty"))[0:3])
    assert cols is not None and cols[0].role == "customer_item"


def test_unreadable_header_cell_types_values_by_shape():
    header = _line(0, 100, (10, "Ln"), (50, "xqzv"), (150, "Description"), (300, "Qty"), (350, "Price"))
    cols = header_columns(header)
    assert any(c.role == UNKNOWN for c in cols)
    cells = assign(_line(1, 120, (10, "1"), (50, "7402-3514"), (150, "SCREW"), (300, "2"), (350, "42.24")),
                   cols, 10.0)
    assert cells["item"][0].text == "7402-3514" and cells["quantity"][0].text == "2"


def test_note_inside_table_joins_no_row_and_does_not_end_it():
    header = _line(0, 100, (10, "Ln"), (40, "Item"), (120, "Description"), (300, "Qty"))
    lay = _layout([header,
                   _line(1, 115, (10, "1"), (40, "7402-3514"), (120, "SCREW"), (300, "2")),
                   _line(2, 130, (10, "Note: deliver to OR 3 before surgery please")),
                   _line(3, 145, (10, "2"), (40, "7402-3520"), (120, "PLATE"), (300, "1"))])
    rows, _ = read_table(lay, 1, header_columns(header))
    assert [r.text("item") for r in rows] == ["7402-3514", "7402-3520"]
    assert [r.text("description") for r in rows] == ["SCREW", "PLATE"]
