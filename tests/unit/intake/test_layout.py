"""Layout parsing: raw section-2 extraction from positioned words, on self-made and corpus pages."""
from __future__ import annotations

import json
import os

import pytest

import test_layout_fixtures as F
from o2c.intake.layout import parse_page_document
from o2c.intake.pages import values as V
from o2c.intake.text import acquire

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@pytest.fixture(scope="module")
def po():
    return parse_page_document(acquire(F.html_pdf(F.PO_HTML), "po.pdf"))


@pytest.fixture(scope="module")
def case():
    return parse_page_document(acquire(F.html_pdf(F.CASE_HTML), "case.pdf"))


def test_po_header_fields(po):
    assert po["document_type"] == "purchase_order"
    assert po["customer_name_raw"] == "Riverside Orthopedic Hospital"
    assert po["po_number"] == "RO-77120"
    assert po["order_date"] == "2026-11-06"
    assert po["total"] == "3244.88"
    assert po["currency"] == "USD"
    assert po["procedure"] is None
    assert po["ship_to_raw"].startswith("Riverside Receiving")
    assert "PO Box 99" in po["bill_to_raw"]
    assert po["customer_id"] is None and po["site_id"] is None
    src = po["header_sources"]["po_number"]
    assert src["page"] == 1 and len(src["bbox"]) == 4 and src["confidence"] == 1.0


def test_po_lines_follow_columns_and_wrapped_rows(po):
    lines = po["lines"]
    assert [l["line_no"] for l in lines] == [1, 2, 3]
    assert [l["catalog_raw"] for l in lines] == ["7402-3514", "7104-1001", "7404-0020"]
    assert [l["quantity"] for l in lines] == ["10", "1", "2"]
    assert [l["uom"] for l in lines] == ["EA", "EA", "BX"]
    assert [l["unit_price"] for l in lines] == ["42.24", "650.00", "1086.24"]
    # the description wrapped over two text lines belongs to line 2 only
    assert "ACETABULAR LINER XLPE 28MM" in lines[1]["item_raw"] and "10DEG HOODED" in lines[1]["item_raw"]
    assert "ACETABULAR" not in lines[0]["item_raw"]
    assert all(l["lot"] is None and l["serial"] is None for l in lines)  # never invented
    assert all(0 < l["confidence"] <= 1 and l["source"]["page"] == 1 for l in lines)
    json.dumps(po)


def test_case_sheet_labels_above_values_and_stickers(case):
    assert case["document_type"] == "case_sheet"
    assert case["customer_name_raw"] == "Hillcrest Medical Center"
    proc = case["procedure"]
    assert proc["date"] == "2026-10-30"
    assert proc["physician_raw"] == "Ann Lee, MD"
    assert proc["case_id"] == "CS-9001"
    assert "0011223" in proc["patient_ref"]
    assert case["po_number"] is None and case["order_date"] is None
    by_ref = {l["catalog_raw"]: l for l in case["lines"]}
    assert set(by_ref) == {"7201-0500", "7402-3518"}
    printed = by_ref["7201-0500"]
    assert (printed["lot"], printed["serial"], printed["expiry"]) == ("L31246", "SN882211", "2028-06-24")
    assert printed["udi"].startswith("(01)00847120002633")
    written = by_ref["7402-3518"]
    assert written["lot"] == "L81003" and written["expiry"] is None and written["udi"] is None
    assert written["confidence"] < printed["confidence"]
    assert all(l["quantity"] == "1" for l in case["lines"])


def test_po_from_ocr_image():
    img = F.text_image([
        "Lakeside Surgery Center",
        "PO #: LSC-4410        Date: 11/06/2026",
        "Qty   Unit   Item #       Description            Price",
        "3     EA     7603-0001    PULSED LAVAGE KIT      $420.00",
        "10    BX     7402-3516    CORTICAL SCREW         $48.00",
        "Authorized by: Dana Hoffman",
    ], size=(1700, 560), font_size=30)
    doc = acquire(img, "po.png")
    result = parse_page_document(doc)
    assert result["po_number"] == "LSC-4410"
    assert result["order_date"] == "2026-11-06"
    got = {(l["catalog_raw"], l["quantity"], l["unit_price"]) for l in result["lines"]}
    assert got == {("7603-0001", "3", "420.00"), ("7402-3516", "10", "48.00")}
    assert all(l["confidence"] <= 1.0 for l in result["lines"])


@pytest.mark.parametrize("text,iso", [
    ("11/06/2026", "2026-11-06"), ("Nov 6 2026", "2026-11-06"), ("Nov 6, 2026", "2026-11-06"),
    ("2026-11-06", "2026-11-06"), ("06-Nov-2026", "2026-11-06"), ("6 November 2026", "2026-11-06"),
    ("31/12/2026", "2026-12-31"), ("24.03.2026", "2026-03-24"), ("no date here", None),
])
def test_dates(text, iso):
    assert V.parse_date_text(text) == iso


def test_values():
    assert V.parse_quantity("l0") == "10" and V.parse_quantity("2.00") == "2" and V.parse_quantity("EA") is None
    assert V.parse_money("$1,234.50") == "1234.50" and V.parse_money("1.234,50") == "1234.50"
    assert V.is_item_code("7402-3514") and not V.is_item_code("11/06/2026") and not V.is_item_code("1,234.50")
    udi = V.parse_udi_text("(01)00850034006369(17)271129(10)L76861")
    assert (udi["gtin"], udi["lot"], udi["expiry"]) == ("00850034006369", "L76861", "2027-11-29")
    assert V.parse_uom("Each") == "EA"


def _truth(corpus_dir, stem):
    return json.loads((corpus_dir / f"synthetic/truth/{stem}.json").read_text())


@pytest.mark.corpus
@pytest.mark.parametrize("stem", ["doc-0012", "doc-0029", "doc-0038"])
def test_corpus_text_pdfs(corpus_dir, stem):
    """Text PDFs of three layouts: distributor PO, bill-only PO with lots, implant record."""
    from o2c.intake.devtools_measure_pages import header_checks, match_lines

    truth = _truth(corpus_dir, stem)
    path = corpus_dir / "synthetic" / truth["source"]
    result = parse_page_document(acquire(path.read_bytes(), path.name))
    assert result["document_type"] == truth["document_type"]
    assert all(ok for _, ok in header_checks(result, truth))
    matched, pairs = match_lines(result["lines"], truth["lines"])
    assert matched == len(truth["lines"])
    for p, t in pairs:
        for key in ("lot", "serial", "expiry"):
            assert p[key] == t[key] or t[key] is None


@pytest.mark.corpus
def test_corpus_fax_two_pages(corpus_dir):
    """A two-page fax: the table continues on page 2 under a repeated header."""
    from o2c.intake.devtools_measure_pages import match_lines

    truth = _truth(corpus_dir, "doc-0011")
    path = corpus_dir / "synthetic" / truth["source"]
    doc = acquire(path.read_bytes(), path.name)
    result = parse_page_document(doc)
    assert result["po_number"] == truth["po_number"] and result["order_date"] == truth["order_date"]
    matched, _ = match_lines(result["lines"], truth["lines"])
    assert matched >= 20
    assert {l["source"]["page"] for l in result["lines"]} == {1, 2}
