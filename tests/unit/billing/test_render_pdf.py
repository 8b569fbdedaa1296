"""Invoice PDF rendering, checked through the text a PDF reader extracts (``pdftotext -layout``).

WeasyPrint takes about a second per document, so each document is rendered once per module and
every assertion reads the same extracted text."""
from __future__ import annotations

import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest

from o2c.billing.document import DocumentLine, InvoiceDocument, Party
from o2c.billing.render.pdf import (
    discount_line,
    format_money,
    format_quantity,
    invoice_html,
    mask_patient_ref,
    render_invoice_pdf,
)

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")

SELLER = Party("SELF", "Acme Orthopedics, Inc.", "100 Implant Way", "Suite 4", "Warsaw", "IN", "46580",
               email="ar@acme-ortho.example", tax_id="35-1234567", gln="0614141000005")
BUYER = Party("C-1001", "St. Mary's Hospital <Main> & Clinic", "1 Health Plaza", None, "Springfield", "IL", "62701",
              email="ap@stmarys.example")
SHIP_TO = Party("C-1001-OR", "St. Mary's OR Receiving Dock 3", "12 Dock Rd", None, "Springfield", "IL", "62702")


def traced_line(n: int, **over) -> DocumentLine:
    values = dict(
        line_no=n, item_id=f"KNEE-{n:03d}", description=f"Tibial insert size {n} <sterile>",
        quantity=Decimal("2"), uom="EA", unit_price=Decimal("1250.00"), amount=Decimal("2500.00"),
        gtin=f"0061414{n:07d}", lot=f"LOT{n:04d}A", serial=f"SN-{n:05d}", expiry=date(2028, 1, n % 28 + 1),
        tax_rate=Decimal("0"),
    )
    values.update(over)
    return DocumentLine(**values)


def make_invoice(n_lines: int = 3, **over) -> InvoiceDocument:
    lines = tuple(traced_line(i) for i in range(1, n_lines + 1))
    subtotal = sum((line.amount for line in lines), Decimal("0"))
    values = dict(
        number="INV-2026-0042", kind="invoice", issue_date=date(2026, 11, 21), due_date=date(2026, 12, 21),
        currency="USD", seller=SELLER, buyer=BUYER, ship_to=SHIP_TO, lines=lines, subtotal=subtotal,
        tax_total=Decimal("0.00"), freight=Decimal("45.50"), total=subtotal + Decimal("45.50"),
        po_number="PO-77812", order_id="SO-5511", payment_terms="2/10 NET30",
        discount_percent=Decimal("2"), discount_days=10, procedure_date=date(2026, 11, 18),
        patient_ref="MRN-00981234", notes=("Consigned stock replenishment.",),
    )
    values.update(over)
    return InvoiceDocument(**values)


def pdf_text(pdf: bytes, tmp_path_factory, name: str) -> str:
    path = tmp_path_factory.mktemp("pdf") / f"{name}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def page_count(text: str) -> int:
    return text.count("\f") + (0 if text.endswith("\f") else 1)


@pytest.fixture(scope="module")
def invoice_pdf() -> bytes:
    return render_invoice_pdf(make_invoice())


@pytest.fixture(scope="module")
def invoice_text(invoice_pdf, tmp_path_factory) -> str:
    return pdf_text(invoice_pdf, tmp_path_factory, "invoice")


@pytest.fixture(scope="module")
def long_doc() -> InvoiceDocument:
    return make_invoice(n_lines=34)


@pytest.fixture(scope="module")
def long_text(long_doc, tmp_path_factory) -> str:
    return pdf_text(render_invoice_pdf(long_doc), tmp_path_factory, "long")


@pytest.fixture(scope="module")
def credit_text(tmp_path_factory) -> str:
    line = traced_line(1, quantity=Decimal("1"), amount=Decimal("1250.00"))
    doc = make_invoice(
        number="CM-2026-0007", kind="credit_memo", lines=(line,), subtotal=Decimal("1250.00"),
        freight=Decimal("0.00"), total=Decimal("1250.00"), original_invoice="INV-2026-0042",
        reason_code="RET-DAMAGED", due_date=None, discount_percent=None, discount_days=None,
    )
    return pdf_text(render_invoice_pdf(doc), tmp_path_factory, "credit")


def test_output_is_a_pdf(invoice_pdf):
    assert invoice_pdf.startswith(b"%PDF-")
    assert b"%%EOF" in invoice_pdf[-1024:]


def test_header_facts(invoice_text):
    for expected in ("INVOICE", "INV-2026-0042", "2026-11-21", "2026-12-21", "2/10 NET30", "PO-77812", "SO-5511"):
        assert expected in invoice_text, expected


def test_early_payment_discount_line(invoice_text):
    assert "2% if paid by 2026-12-01" in invoice_text
    assert "Net amount due by 2026-12-21" in invoice_text


def test_parties_are_printed_and_escaped(invoice_text):
    assert "Acme Orthopedics, Inc." in invoice_text
    assert "St. Mary's Hospital <Main> & Clinic" in invoice_text  # escaped in HTML, literal in the PDF
    assert "St. Mary's OR Receiving Dock 3" in invoice_text
    assert "Springfield, IL 62701" in invoice_text


def test_every_traced_line_shows_gtin_lot_serial_expiry(invoice_text):
    for n in (1, 2, 3):
        line = traced_line(n)
        for value in (line.item_id, line.gtin, line.lot, line.serial, line.expiry.isoformat()):
            assert value in invoice_text, value


def test_amounts_and_totals(invoice_text):
    assert "1,250.00" in invoice_text and "2,500.00" in invoice_text
    assert "7,500.00" in invoice_text          # subtotal
    assert "45.50" in invoice_text             # freight
    assert "$7,545.50 USD" in invoice_text     # total


def test_patient_reference_is_masked(invoice_text):
    assert "MRN-00981234" not in invoice_text
    assert "00981234" not in invoice_text
    assert "**********34" in invoice_text


def test_single_page_has_page_number(invoice_text):
    assert "Page 1 of 1" in invoice_text


def test_three_page_invoice_numbers_pages_and_repeats_headers(long_doc, long_text):
    pages = [p for p in long_text.split("\f") if p.strip()]
    assert len(pages) == 3
    for i, page in enumerate(pages, start=1):
        assert f"Page {i} of 3" in page
        assert "Invoice INV-2026-0042" in page  # running footer names the document on every page
        assert "Unit price" in page and "Amount" in page  # the table header repeats
    for line in long_doc.lines:  # no line lost at a page break
        assert line.serial in long_text and line.lot in long_text
    assert format_money(long_doc.total, "USD", symbol=True) in pages[-1]


def test_credit_memo_variant(credit_text):
    assert "CREDIT MEMO" in credit_text
    assert "CM-2026-0007" in credit_text
    assert "Credit against invoice INV-2026-0042" in credit_text
    assert "RET-DAMAGED" in credit_text
    assert "Total credit" in credit_text
    assert "with your payment" not in credit_text and "2/10 NET30" not in credit_text
    assert "quote CM-2026-0007 when you apply it" in credit_text
    assert "INVOICE\n" not in credit_text.upper().replace("CREDIT AGAINST INVOICE", "")


def test_untraced_line_prints_no_trace_row():
    doc = make_invoice(n_lines=1, lines=(traced_line(1, lot=None, serial=None, expiry=None),))
    assert "Lot " not in invoice_html(doc) and "SN " not in invoice_html(doc)


def test_html_autoescapes_customer_text():
    doc = make_invoice(n_lines=1, lines=(traced_line(1, description="<script>alert(1)</script>"),))
    html = invoice_html(doc)
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("ref, masked", [("MRN-00981234", "**********34"), ("AB", "**"), ("", ""), (None, ""),
                                         ("X12", "*12")])
def test_mask_patient_ref(ref, masked):
    assert mask_patient_ref(ref) == masked


def test_formatters():
    assert format_money(Decimal("1234.5"), "USD") == "1,234.50"
    assert format_money(Decimal("-3"), "JPY", symbol=True) == "-¥3"
    assert format_quantity(Decimal("10.000")) == "10"
    assert format_quantity(Decimal("2.50")) == "2.5"
    assert format_quantity(Decimal("1E+3")) == "1,000"
    with pytest.raises(TypeError):
        format_money(1.5, "USD")


def test_discount_line_needs_both_terms():
    assert discount_line(make_invoice(discount_days=None)) is None
    assert discount_line(make_invoice(discount_percent=Decimal("1.5"), discount_days=15)) == "1.5% if paid by 2026-12-06"
