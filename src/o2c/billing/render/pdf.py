"""Invoice and credit memo PDFs: a Jinja2 HTML template with print CSS, laid out by WeasyPrint.

HTML + CSS is used instead of drawing on a canvas because page breaks, repeated table headers and
"page N of M" footers come from CSS paged media for free, and because the same template language
serves statements and dunning letters (see ``statement.py``). The renderer adds no business logic:
every amount is printed as the billing domain computed it. The only derived values are
presentation: the early-payment discount date and the masked patient reference.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import jinja2

from o2c.billing.document import DocumentLine, InvoiceDocument
from o2c.kernel.money import minor_digits

TEMPLATES_DIR = Path(__file__).with_name("templates")

#: How many characters of a patient reference stay readable: enough for a clinic to match the
#: invoice to a case, not enough to identify a patient (HIPAA minimum necessary).
PATIENT_REF_VISIBLE = 2

_CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "CHF": "CHF "}


def mask_patient_ref(ref: str | None) -> str:
    """Keep only the last two characters of a patient reference. References of two characters or
    fewer are masked entirely, since showing "the last two" would show all of it."""
    if not ref:
        return ""
    if len(ref) <= PATIENT_REF_VISIBLE:
        return "*" * len(ref)
    return "*" * (len(ref) - PATIENT_REF_VISIBLE) + ref[-PATIENT_REF_VISIBLE:]


def format_money(amount: Decimal, currency: str = "USD", *, symbol: bool = False) -> str:
    """``1234.5`` -> ``1,234.50`` at the currency's minor unit; negatives get a leading minus, which
    survives text extraction better than accounting parentheses."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be a Decimal, got {type(amount).__name__}")
    digits = minor_digits(currency)
    text = f"{abs(amount):,.{digits}f}"
    prefix = _CURRENCY_SYMBOLS.get(currency.upper(), "") if symbol else ""
    return ("-" if amount < 0 else "") + prefix + text


def format_quantity(quantity: Decimal) -> str:
    """Quantities print without trailing zeros (``10`` not ``10.000``) and never in exponent form."""
    if quantity == quantity.to_integral_value():
        return f"{quantity.quantize(Decimal(1)):,}"
    return f"{quantity.normalize():,f}"


def format_date(value: date | None) -> str:
    """ISO dates: unambiguous for the US and EU customers of one seller."""
    return value.isoformat() if value else ""


def discount_line(doc: InvoiceDocument) -> str | None:
    """The early-payment discount as a sentence the payer can act on: ``2% if paid by 2026-12-01``."""
    if doc.discount_percent is None or doc.discount_days is None or not doc.discount_percent:
        return None
    by = doc.issue_date + timedelta(days=doc.discount_days)
    return f"{format_quantity(doc.discount_percent)}% if paid by {by.isoformat()}"


def is_traced(line: DocumentLine) -> bool:
    """A line is traced when it carries any UDI production identifier (lot, serial or expiry)."""
    return bool(line.lot or line.serial or line.expiry)


@lru_cache(maxsize=1)
def template_env() -> jinja2.Environment:
    """One shared environment: autoescape is on for every template (party names and descriptions come
    from customers and EDI files) and undefined names fail loudly instead of printing blanks."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = format_money
    env.filters["qty"] = format_quantity
    env.filters["isodate"] = format_date
    env.filters["mask"] = mask_patient_ref
    return env


def render_html(template_name: str, **context: object) -> str:
    return template_env().get_template(template_name).render(**context)


def html_to_pdf(html: str) -> bytes:
    """Lay out HTML with WeasyPrint. Imported lazily: WeasyPrint pulls in Pango at import time, which
    callers that only need UBL or e-mail should not pay for."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(TEMPLATES_DIR)).write_pdf()


@dataclass(frozen=True, slots=True)
class _Titles:
    title: str
    number_label: str


def _titles(doc: InvoiceDocument) -> _Titles:
    if doc.kind == "credit_memo":
        return _Titles("Credit Memo", "Credit memo no.")
    return _Titles("Invoice", "Invoice no.")


def invoice_html(doc: InvoiceDocument) -> str:
    """The HTML the PDF is made from; exposed so a web view can show the same document."""
    return render_html(
        "invoice.html",
        doc=doc,
        titles=_titles(doc),
        is_credit=doc.kind == "credit_memo",
        discount=discount_line(doc),
        traced=is_traced,
        has_gtin=any(line.gtin for line in doc.lines),
    )


def render_invoice_pdf(doc: InvoiceDocument) -> bytes:
    """Render an invoice or credit memo to PDF bytes."""
    return html_to_pdf(invoice_html(doc))
