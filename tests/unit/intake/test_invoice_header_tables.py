"""Label-row tables and the date convention of pages.invoice_header, on self-made pages.

A label-row table prints its column headers in one row and the values in the row below; each
header takes the value its column overlaps. The invoice number and date are read from such a
table when no label on a line gives them, and an ambiguous numeric date is read by the document's
own convention (its unambiguous dates, else its currency).
"""
from __future__ import annotations

from o2c.intake.layout import parse_page_document
from o2c.intake.pages.geometry import layout_pages
from o2c.intake.pages.invoice_header import date_convention, label_rows, read_invoice_header
from o2c.intake.text import TextDocument, Word, make_page

CHAR = 5.0  # points per character of the self-made pages


def _page(rows: list[tuple[float, list[tuple[float, str]]]]) -> TextDocument:
    """A one-page text PDF: rows of (y, [(x, phrase)]), one word box per word."""
    words = []
    for y, cells in rows:
        for x, phrase in cells:
            for word in phrase.split():
                words.append(Word(word, x, y, x + CHAR * len(word), y + 8))
                x += CHAR * (len(word) + 1)
    return TextDocument("made.pdf", "text_pdf", [make_page(1, 595, 842, words)])


DUTCH = [
    (60, [(40, "Voorbeeld Handel"), (360, "Afleveradres")]),
    (264, [(44, "Kopie factuur")]),
    (283, [(44, "Klant"), (144, "Order"), (315, "Factuur datum"), (432, "Factuur"), (500, "Vervaldatum")]),
    (295, [(44, "KL0303006"), (144, "OR4440"), (338, "8-9-2022"), (409, "VF10051"), (512, "22-9-2022")]),
    (374, [(300, "Factuur totaal EUR"), (480, "49,99")]),
]


def test_each_header_takes_the_value_its_column_overlaps():
    pairs = label_rows(layout_pages(_page(DUTCH)))
    assert pairs == [("Klant", "KL0303006"), ("Order", "OR4440"), ("Factuur datum", "8-9-2022"),
                     ("Factuur", "VF10051"), ("Vervaldatum", "22-9-2022")]


def test_number_and_date_come_from_the_label_row_table():
    doc = _page(DUTCH)
    got = read_invoice_header(doc.text, "EUR", layout_pages(doc))
    # the bare document word heads the number column; the due date 22-9-2022 says day first
    assert got["invoice_number"] == "VF10051" and got["invoice_date"] == "2022-09-08"


def test_without_layouts_the_table_is_not_read():
    doc = _page(DUTCH)
    assert read_invoice_header(doc.text, "EUR")["invoice_number"] is None


def test_a_row_of_labels_over_a_row_of_words_is_no_table():
    doc = _page([(100, [(40, "Invoice"), (200, "Date")]), (112, [(40, "Please"), (200, "pay soon")])])
    assert label_rows(layout_pages(doc)) == []


def test_a_row_far_below_the_labels_is_not_their_values():
    doc = _page([(100, [(40, "Invoice No"), (200, "Invoice Date")]), (160, [(40, "A-17"), (200, "03/04/2024")])])
    assert label_rows(layout_pages(doc)) == []


def test_english_header_row_with_colons():
    doc = _page([(20, [(30, "Invoice")]),
                 (248, [(30, "Invoice No:"), (215, "Invoice Date:"), (400, "Customer No.:")]),
                 (260, [(30, "INV-2023-8"), (215, "03/20/2023"), (400, "C-1001")])])
    got = read_invoice_header(doc.text, None, layout_pages(doc))
    assert got["invoice_number"] == "INV-2023-8" and got["invoice_date"] == "2023-03-20"


def test_customer_number_column_is_not_the_invoice_number():
    doc = _page([(20, [(30, "Invoice")]),
                 (248, [(30, "Customer No"), (215, "Order")]),
                 (260, [(30, "C-1001"), (215, "55")])])
    assert read_invoice_header(doc.text, None, layout_pages(doc))["invoice_number"] is None


# ------------------------------------------------------------------ date convention
def test_date_convention_from_the_documents_own_dates():
    assert date_convention("due 22-9-2022, issued 8-9-2022") is True
    assert date_convention("due 03/20/2023, issued 03/05/2023", "EUR") is False
    assert date_convention("issued 03/05/2023", "USD") is False
    assert date_convention("issued 03/05/2023", "EUR") is True
    assert date_convention("issued 03/05/2023") is None
    assert date_convention("13/05/2023 and 05/13/2023") is None


def test_label_reader_month_first_date_is_read_again_by_the_convention():
    raw = parse_page_document(_page(DUTCH))
    assert raw["invoice_date"] == "2022-09-08"


def test_ambiguous_date_without_any_convention_is_left_alone():
    rows = [(40, [(40, "Invoice")]), (100, [(40, "Invoice Date:"), (200, "03/05/2023")]),
            (120, [(40, "Total"), (200, "10.00")])]
    raw = parse_page_document(_page(rows))
    assert raw["invoice_date"] == "2023-03-05"
