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


# ------------------------------------------------------------------ line arithmetic (pages.numbers)
def test_unreadable_quantity_is_derived_from_price_and_extended():
    from o2c.intake.pages.numbers import reconcile

    r = reconcile(None, "450.00", "8550.00")
    assert (r.quantity, r.how, r.agrees) == ("19", {"quantity": "extended / unit_price"}, True)
    # a quotient that is not a whole number is no quantity: nothing is invented
    r = reconcile(None, "450.00", "8600.00")
    assert r.quantity is None and r.how == {} and r.agrees is None
    assert reconcile(None, None, "8550.00").quantity is None


def test_one_confused_digit_is_repaired_when_exactly_one_reading_adds_up():
    from o2c.intake.pages.numbers import CONFUSIONS, digit_variants, reconcile

    assert set(CONFUSIONS["1"]) == {"7"} and set(CONFUSIONS["8"]) == {"0", "3", "5", "6", "9"}
    assert ("19", "7->1") in digit_variants("79")
    r = reconcile("7", "450.00", "450.00")  # a 1 read as 7
    assert (r.quantity, r.how, r.agrees) == ("1", {"quantity": "ocr digit 7->1"}, True)
    r = reconcile("8", "450.00", "1350.00")  # a 3 read as 8
    assert (r.quantity, r.how) == ("3", {"quantity": "ocr digit 8->3"})
    r = reconcile("2", "44.10", "83.20")  # the extended amount's 8 read as 3
    assert r.ext == "88.20" and r.how == {"ext": "ocr digit 3->8"}
    # two readings add up (a price of 11.00 or an amount of 17.00): ambiguous, nothing is changed
    r = reconcile("1", "17.00", "11.00")
    assert (r.unit_price, r.ext, r.agrees) == ("17.00", "11.00", False)
    # no single-glyph change explains it: the values stay as read and the line is flagged
    r = reconcile("4", "100.00", "250.00")
    assert (r.quantity, r.unit_price, r.ext, r.agrees) == ("4", "100.00", "250.00", False)
    assert reconcile("19", "450.00", "8550.00").agrees is True and reconcile("19", "450.00", "8550.00").how == {}


def test_a_garbled_value_is_recomputed_only_when_named_weak():
    from o2c.intake.pages.numbers import reconcile

    assert reconcile("24", "312775", "7506.00").agrees is False
    r = reconcile("24", "312775", "7506.00", weak="unit_price")
    assert (r.unit_price, r.how) == ("312.75", {"unit_price": "extended / quantity"})
    r = reconcile("2", None, "625.50", weak="unit_price")
    assert r.unit_price == "312.75"
    assert reconcile("3", "100.00", "250.00", weak="unit_price").agrees is False  # 83.333.. is no price


def _ocr_layout(lines):
    return PageLayout(1, 600, 800, lines, 10.0, True)


def test_ocr_rows_take_the_quantity_their_amounts_imply_and_flag_what_does_not_add_up():
    from o2c.intake.pages.tables import DISAGREE_CONF, check_numbers

    header = _line(0, 100, (10, "Ln"), (40, "Item"), (120, "Description"), (300, "Qty"), (360, "Price"),
                   (450, "Amount"))
    lay = _ocr_layout([header,
                       _line(1, 115, (10, "1"), (40, "7402-3514"), (120, "SCREW"), (300, "i!"), (360, "450.00"),
                             (450, "8550.00")),
                       _line(2, 130, (10, "2"), (40, "7402-3520"), (120, "PLATE"), (300, "4"), (360, "100.00"),
                             (450, "250.00"))])
    cols = header_columns(header)
    rows, _ = read_table(lay, 1, cols)
    check_numbers(lay, rows, cols)  # no page image here: arithmetic only
    assert V.parse_quantity(rows[0].text("quantity")) == "19"
    assert rows[0].derived == {"quantity": "extended / unit_price"} and rows[0].conf("quantity") < 0.95
    assert rows[1].text("quantity") == "4" and rows[1].derived == {}
    assert rows[1].conf("quantity") == DISAGREE_CONF


def test_ocr_tolerant_header_words_and_amounts_that_are_no_part_numbers():
    cols = header_columns(_line(0, 100, (10, "Seq"), (50, "Ourltem #"), (150, "Desc"), (300, "Order Qty"))[0:4])
    assert cols is not None and [c.role for c in cols][:2] == ["line_no", "customer_item"]
    assert not V.is_item_code("33701.82") and V.is_item_code("7105.0107") and V.is_item_code("7402-3514")


def test_header_cells_wrapped_to_a_second_line_are_not_a_body_line():
    lay = _layout([_line(0, 100, (10, "Ln"), (50, "Catalog"), (150, "Description"), (300, "Qty")),
                   _line(1, 110, (50, "#"), (300, "Ordered")),
                   _line(2, 130, (10, "1"), (50, "7402-3514"), (150, "SCREW"), (300, "2"))])
    cols, span = stacked_header(lay, 0)
    assert span == 2
    rows, _ = read_table(lay, span, cols)
    assert [r.text("item") for r in rows] == ["7402-3514"]


def test_note_followed_by_a_wrapped_description_does_not_end_the_table():
    header = _line(0, 100, (10, "Ln"), (40, "Item"), (120, "Description"), (300, "Qty"))
    lay = _layout([header,
                   _line(1, 115, (10, "1"), (40, "7402-3514"), (120, "SCREW"), (300, "2")),
                   _line(2, 135, (10, "Note: deliver to OR 3 before 7am")),
                   _line(3, 150, (120, "ACETABULAR LINER")),
                   _line(4, 160, (10, "2"), (40, "7104-1001"), (300, "1")),
                   _line(5, 170, (120, "28MM"))])
    rows, _ = read_table(lay, 1, header_columns(header))
    assert [r.text("item") for r in rows] == ["7402-3514", "7104-1001"]
    assert rows[1].text("description") == "ACETABULAR LINER 28MM"


def test_a_derived_quantity_says_so_in_the_line_source():
    from o2c.intake.layout import _row_to_line
    from o2c.intake.pages.tables import check_numbers

    header = _line(0, 100, (40, "Item"), (120, "Description"), (300, "Qty"), (360, "Price"), (450, "Amount"))
    lay = _ocr_layout([header, _line(1, 115, (40, "7402-3514"), (120, "SCREW"), (300, "~"), (360, "450.00"),
                                     (450, "8550.00"))])
    cols = header_columns(header)
    rows, _ = read_table(lay, 1, cols)
    check_numbers(lay, rows, cols)
    line = _row_to_line(rows[0])
    assert line["quantity"] == "19" and line["unit_price"] == "450.00" and line["extended_raw"] == "8550.00"
    assert line["source"]["derived"] == "extended / unit_price" and line["source"]["page"] == 1
    assert line["confidence"] < 0.95


def test_a_line_read_with_zero_confidence_is_not_promoted_by_resolution(tmp_path):
    from o2c.intake.master_index import MasterIndex
    from o2c.intake.resolve import resolve
    from tests.unit.intake.variants import gen

    master = MasterIndex.from_csv_dir(gen.write_master(tmp_path / "master"))
    line = {"line_no": 1, "item_id": None, "item_raw": "7402-3514 CORTICAL SCREW 3.5 X 14MM",
            "catalog_raw": "7402-3514", "quantity": "7", "uom": "EA", "unit_price": "1442.24",
            "extended_raw": "84.48", "confidence": 0.0}
    doc = resolve({"document_type": "purchase_order", "lines": [line], "warnings": []}, master)
    assert doc["lines"][0]["item_id"] == "7402-3514" and doc["lines"][0]["confidence"] == 0.0


def test_description_running_past_its_column_is_no_amount():
    header = _line(0, 100, (10, "Ln"), (40, "Item"), (120, "Description"), (300, "Qty"), (360, "Price"),
                   (450, "Amount"))
    cols = header_columns(header)
    # "X 14MM" overflows the description into the gap before the price column, as a phrase of its own
    cells = assign(_line(1, 115, (10, "1"), (40, "7402-3514"), (120, "CORTICAL SCREW 3.5"), (250, "X 14MM"),
                         (300, "2"), (360, "42.24"), (450, "84.48")), cols, 10.0)
    assert cells["unit_price"][0].text == "42.24" and len(cells["unit_price"]) == 1
    assert " ".join(s.text for s in cells["description"]) == "CORTICAL SCREW 3.5 X 14MM"


def test_colon_read_for_a_decimal_point_in_an_amount_cell():
    from o2c.intake.pages.tables import _value

    assert _value("unit_price", "312:75", False) == "312.75"
    assert _value("unit_price", "USD 1,210:50", False) == "1210.50"
    assert _value("quantity", "12", False) == "12"


def test_a_repaired_amount_reading_reaches_the_line():
    from o2c.intake.layout import _row_to_line
    from o2c.intake.pages.tables import check_numbers

    header = _line(0, 100, (40, "Item"), (120, "Description"), (300, "Qty"), (360, "Price"), (450, "Amount"))
    lay = _ocr_layout([header, _line(1, 115, (40, "5520-0045"), (120, "CEMENT"), (300, "5"), (360, "312:75"),
                                     (450, "1563.75"))])
    cols = header_columns(header)
    rows, _ = read_table(lay, 1, cols)
    check_numbers(lay, rows, cols)
    line = _row_to_line(rows[0])
    assert (line["quantity"], line["unit_price"], line["extended_raw"]) == ("5", "312.75", "1563.75")
