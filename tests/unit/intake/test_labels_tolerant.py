"""Label recognition that survives OCR misreads, spreadsheet label cells and patient references.

Scans misread labels ("PO #" -> "PO i"), spreadsheets put a bare "Purchase Order" in one cell and
the number in the next, and case sheets print "MRN 7111153" as the value of an "MRN" label. These
tests pin the general rules, and the negatives that keep ordinary words from becoming labels.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from o2c.intake.layout import parse_page_document
from o2c.intake.pages.geometry import Segment
from o2c.intake.pages.labels import find_labels, match_label
from o2c.intake.text import TextDocument, Word, make_page

MASTER_DIR = Path(__file__).resolve().parents[3] / "src" / "o2c" / "demo_data" / "master"


def _segment(text: str) -> Segment:
    """One phrase of words laid out left to right, as the layout parser would split it."""
    words, x = [], 10.0
    for token in text.split():
        words.append(Word(token, x, 10.0, x + 8 * len(token), 22.0, 0.9))
        x += 8 * len(token) + 4
    return Segment(words, 1, 0)


def _fields(text: str, ocr: bool) -> list[str]:
    return [h.field for h in find_labels(_segment(text), ocr=ocr)]


def _page_doc(rows: list[list[tuple[float, str]]], kind: str, ocr: bool) -> TextDocument:
    """A one-page document from rows of (x, phrase): phrases are placed far apart, like columns."""
    words = []
    for r, row in enumerate(rows):
        y = 40.0 + 30 * r
        for x, phrase in row:
            for token in phrase.split():
                words.append(Word(token, x, y, x + 7 * len(token), y + 12, 0.9))
                x += 7 * len(token) + 4
    return TextDocument("t", kind, [make_page(1, 600.0, 800.0, words, ocr=ocr)])


# ------------------------------------------------------------------ 1. OCR-tolerant labels
@pytest.mark.parametrize("text", ["PO i P5200951", "P0 # P5200951", "PO#: P5200951", "P.O. # P5200951",
                                  "PO Nurnber P5200951", "PO ! P5200951"])
def test_ocr_misread_po_labels_are_found(text):
    hits = find_labels(_segment(text), ocr=True)
    assert [h.field for h in hits] == ["po_number"]
    assert hits[0].inline.text == "P5200951"


@pytest.mark.parametrize("text, field", [("Case i CS-2001", "procedure.case_id"),
                                         ("Date of Surgerv 11/06/2026", "procedure.date")])
def test_ocr_misread_case_sheet_labels_are_found(text, field):
    assert _fields(text, ocr=True) == [field]


def test_tolerance_applies_only_to_ocr_pages():
    """A text PDF printed "PO i" or "Surgerv" as such: that is no label there."""
    assert _fields("PO i P5200951", ocr=False) == []
    assert "procedure.date" not in _fields("Date of Surgerv 11/06/2026", ocr=False)


@pytest.mark.parametrize("text", ["Pol 12345", "Price 450.00", "Case study 12", "Dated 11/06/2026"])
@pytest.mark.parametrize("ocr", [True, False])
def test_ordinary_words_never_become_labels(text, ocr):
    assert _fields(text, ocr=ocr) == []


def test_short_labels_get_no_edit_distance():
    assert match_label("dated", ocr=True) is None and match_label("pol", ocr=True) is None
    assert match_label("dateofsurgerv", ocr=True) == "dateofsurgery"


def test_scanned_po_with_misread_label_yields_its_number():
    """The shape of a scanned order: "PO i" boxed at the right, its number on the next line."""
    doc = _page_doc([[(20, "MERIDIAN MEDICAL SUPPLY"), (400, "PURCHASE ORDER")],
                     [(400, "PO i")], [(400, "P5200951")],
                     [(400, "Order Date")], [(400, "27-Oct-2026")]], "scanned_pdf", ocr=True)
    got = parse_page_document(doc)
    assert (got["po_number"], got["order_date"]) == ("P5200951", "2026-10-27")


# ------------------------------------------------------------------ 2. spreadsheet label cells
def test_pdf_title_purchase_order_is_not_a_label():
    """On a PDF a "PURCHASE ORDER" title beside another phrase is a title, not a PO-number label."""
    doc = _page_doc([[(20, "Cedar Ridge Surgery Center"), (400, "PURCHASE ORDER")],
                     [(20, "PURCHASE ORDER"), (400, "Page 1 of 2")]], "text_pdf", ocr=False)
    assert parse_page_document(doc)["po_number"] is None


_SHEET = [["Purchase Order", "CR-7002"], ["Date", "11/18/2026"], ["Ship To", "Cedar Ridge Surgery Center"], [],
          ["Catalog #", "Description", "Quantity", "Price"],
          ["K-1001", "FEMORAL STEM SIZE 4 CEMENTLESS", "2", "2450.00"],
          ["K-2002", "LOCKING PLATE 8 HOLE", "1", "875.00"]]


def _xlsx(rows: list[list[str]]) -> bytes:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(row) for row in rows).encode()


@pytest.fixture(scope="module")
def master():
    from o2c.intake.master_index import MasterIndex

    return MasterIndex.from_csv_dir(MASTER_DIR)


@pytest.mark.parametrize("name, build", [("order.xlsx", _xlsx), ("order.csv", _csv)])
@pytest.mark.parametrize("label", ["Purchase Order", "PO", "Order"])
def test_spreadsheet_po_label_cell_pairs_with_the_next_cell(master, name, build, label):
    from o2c.intake.pipeline import extract

    rows = [[label, "CR-7002"]] + _SHEET[1:]
    got = extract(build(rows), name, master=master, channel="upload")
    assert got["po_number"] == "CR-7002"
    assert got["order_date"] == "2026-11-18"
    assert got["customer_id"] == "D-200"
    assert [(ln["item_id"], ln["quantity"], ln["unit_price"]) for ln in got["lines"]] == [
        ("K-1001", "2", "2450.00"), ("K-2002", "1", "875.00")]


def test_spreadsheet_title_cell_alone_is_not_a_label(master):
    """A "Purchase Order" title cell with nothing beside it pairs with nothing (not the cell below)."""
    from o2c.intake.pipeline import extract

    rows = [["Purchase Order"], ["Reference", "12345"]] + _SHEET[1:]
    assert extract(_csv(rows), "order.csv", master=master)["po_number"] is None


# ------------------------------------------------------------------ 3. patient references
@pytest.mark.parametrize("rows, ocr, want", [
    ([[(20, "Patient MRN")], [(20, "MRN 0943284")]], False, "MRN 0943284"),  # value cell printed with MRN
    ([[(20, "MRN 7111153")]], True, "MRN 7111153"),  # scan: the label lost, its value read as label + number
    ([[(20, "MRN: 7111153")]], False, "MRN 7111153"),  # MRN label with a colon: same convention
    ([[(20, "Medical Record # 7111153")]], True, "MRN 7111153"),
    ([[(20, "Patient: MRN 0943284")]], False, "MRN 0943284"),
    ([[(20, "Patient ID: 88231")]], False, "88231"),  # not a medical record number: kept as written
])
def test_patient_reference_keeps_its_mrn_qualifier(rows, ocr, want):
    doc = _page_doc([[(20, "IMPLANT USAGE RECORD")]] + rows, "image" if ocr else "text_pdf", ocr=ocr)
    assert parse_page_document(doc)["procedure"]["patient_ref"] == want


def test_a_year_split_after_its_century_is_joined_and_a_cut_year_is_refused():
    from o2c.intake.pages.labels import clean_value, value_ok

    assert clean_value("procedure.date", "14-Apr-20 26") == "2026-04-14"
    assert clean_value("procedure.date", "11/06/20 26") == "2026-11-06"
    assert clean_value("procedure.date", "Mar 31, 2026") == "2026-03-31"
    assert clean_value("procedure.date", "03-Sep-2026") == "2026-09-03"
    # "11/06/26 3": the year goes on past what was read; no guess
    assert clean_value("procedure.date", "11/06/26 3") is None and not value_ok("procedure.date", "11/06/26 3")
    assert clean_value("order_date", "11/06/26 10:30") == "2026-11-06"  # a time after the date is no year
