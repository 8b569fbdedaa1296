"""The seller printed only as an image: pages.invoice_header reads the larger images of a text-PDF
invoice by OCR when its text layer names no seller, and leaves every other document alone."""
from __future__ import annotations

import base64
import io
import shutil

import pytest

from o2c.intake.master_index import MasterIndex
from o2c.intake.pages.invoice_header import seller_from_images
from o2c.intake.pipeline import extract

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _footer_png(lines: list[str]) -> str:
    from PIL import Image, ImageDraw, ImageFont

    try:
        font = ImageFont.truetype(FONT, 28)
    except OSError:
        font = ImageFont.load_default(size=28)
    image = Image.new("L", (1400, 60 + 44 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for n, text in enumerate(lines):
        draw.text((20, 20 + 44 * n), text, fill=0, font=font)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def _invoice_pdf(footer: list[str] | None, title: str = "Factuur") -> bytes:
    from weasyprint import HTML

    img = f'<img style="width:160mm" src="data:image/png;base64,{_footer_png(footer)}">' if footer else ""
    html = f"""<html><body style="font-family: sans-serif; font-size: 10pt">
      <p>Factuuradres<br>Jan Jansen<br>Dorpsstraat 4<br>1234 AB Utrecht</p>
      <h2>{title}</h2>
      <p>Factuurnummer: F-2024-118<br>Factuurdatum: 14-3-2024</p>
      <p>Onderhoudsset 1 stuk 49,99</p>
      <p>Factuur totaal EUR 49,99</p>
      <p style="margin-top: 60mm">{img}</p></body></html>"""
    return HTML(string=html).write_pdf()


FOOTER = ["Brouwer Koffietechniek B.V.", "Stationsweg 12, 8401 BL Gorredijk",
          "KvK 04080176  BTW NL815254295B01  IBAN NL58RABO0198723202"]


def test_seller_is_read_from_the_footer_image():
    pdf = _invoice_pdf(FOOTER)
    doc = extract(pdf, "invoice.pdf", master=MasterIndex.from_rows())
    assert doc["invoice_number"] == "F-2024-118"
    assert doc["seller_raw"] == "Brouwer Koffietechniek B.V."


def test_source_says_it_was_read_by_ocr():
    raw = {"source_kind": "text_pdf", "document_type": "unknown", "invoice_number": "F-2024-118",
           "seller_raw": None}
    got = seller_from_images(_invoice_pdf(FOOTER), raw)
    assert got["seller_raw"] == "Brouwer Koffietechniek B.V."
    assert got["header_sources"]["seller_raw"]["source"] == "ocr:image"


def test_an_image_without_seller_evidence_gives_nothing():
    raw = {"source_kind": "text_pdf", "document_type": "unknown", "invoice_number": "F-2024-118",
           "seller_raw": None}
    got = seller_from_images(_invoice_pdf(["Thank you for your order", "See you soon"]), raw)
    assert got["seller_raw"] is None


def test_documents_that_are_not_invoices_without_a_seller_are_left_alone(monkeypatch):
    import o2c.intake.pages.invoice_header as ih

    monkeypatch.setattr(ih, "_image_texts", lambda data: pytest.fail("OCR ran"))
    pdf = b"%PDF-1.7 not read"
    for raw in ({"source_kind": "text_pdf", "document_type": "purchase_order", "invoice_number": "1", "seller_raw": None},
                {"source_kind": "text_pdf", "document_type": "unknown", "invoice_number": "1", "seller_raw": "Known BV"},
                {"source_kind": "scanned_pdf", "document_type": "unknown", "invoice_number": "1", "seller_raw": None},
                {"source_kind": "text_pdf", "document_type": "unknown", "invoice_number": None, "seller_raw": None}):
        assert seller_from_images(pdf, dict(raw))["seller_raw"] == raw["seller_raw"]
