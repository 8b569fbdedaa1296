"""Customer statement and dunning letters, checked through the text extracted from the PDFs."""
from __future__ import annotations

import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest

from o2c.billing.document import Party
from o2c.billing.render.statement import (
    DUNNING_TEMPLATES,
    DunningLetter,
    Statement,
    StatementLine,
    age_lines,
    balance,
    dunning_html,
    render_dunning_pdf,
    render_statement_pdf,
    statement_html,
)
from o2c.kernel.errors import InvalidValue

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")

SELLER = Party("SELF", "Acme Orthopedics, Inc.", "100 Implant Way", None, "Warsaw", "IN", "46580")
CUSTOMER = Party("C-1001", "St. Mary's Hospital & Clinic", "1 Health Plaza", None, "Springfield", "IL", "62701")


def line(number, days, open_amount, original=None, kind="invoice", po=None):
    return StatementLine(number, date(2026, 8, 1), date(2026, 9, 1), Decimal(original or open_amount),
                         Decimal(open_amount), days, po_number=po, kind=kind)


LINES = (
    line("INV-100", 0, "1000.00", po="PO-1"),
    line("INV-101", 12, "250.00", original="500.00"),
    line("INV-102", 30, "100.10"),
    line("INV-103", 31, "2000.00"),
    line("INV-104", 75, "333.33"),
    line("INV-105", 120, "45.67"),
    line("CM-7", 0, "-150.00", kind="credit_memo"),
)


def text_of(pdf: bytes, tmp_path_factory, name: str) -> str:
    path = tmp_path_factory.mktemp("st") / f"{name}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture(scope="module")
def statement_text(tmp_path_factory) -> str:
    st = Statement(SELLER, CUSTOMER, date(2026, 11, 30), "USD", LINES, remit_to="Lockbox 4411, Chicago IL 60601")
    return text_of(render_statement_pdf(st), tmp_path_factory, "statement")


@pytest.fixture(scope="module")
def letters_text(tmp_path_factory) -> dict[str, str]:
    overdue = tuple(l for l in LINES if l.days_past_due > 0)
    out = {}
    for level in DUNNING_TEMPLATES:
        letter = DunningLetter(level, SELLER, CUSTOMER, date(2026, 11, 30), "USD", overdue,
                               pay_by=date(2026, 12, 14), contact_name="Dana Reyes",
                               contact_email="ar@acme-ortho.example", reference=f"DUN-{level}")
        out[level] = text_of(render_dunning_pdf(letter), tmp_path_factory, level)
    return out


def test_aging_buckets_sum_to_balance():
    buckets = {b.label: b.amount for b in age_lines(LINES)}
    assert buckets == {"Current": Decimal("850.00"), "1-30 days": Decimal("350.10"), "31-60 days": Decimal("2000.00"),
                       "61-90 days": Decimal("333.33"), "Over 90 days": Decimal("45.67")}
    assert sum(buckets.values()) == balance(LINES) == Decimal("3579.10")


def test_aging_bucket_edges():
    def bucket_of(days):
        return next(b.label for b in age_lines([line("X", days, "1.00")]) if b.amount)
    assert [bucket_of(d) for d in (-5, 0, 1, 30, 31, 60, 61, 90, 91, 400)] == [
        "Current", "Current", "1-30 days", "1-30 days", "31-60 days", "31-60 days", "61-90 days", "61-90 days",
        "Over 90 days", "Over 90 days"]


def test_statement_lists_every_open_item(statement_text):
    for item in LINES:
        assert item.invoice_number in statement_text
    assert "STATEMENT" in statement_text
    assert "St. Mary's Hospital & Clinic" in statement_text
    assert "Lockbox 4411" in statement_text
    assert "500.00" in statement_text and "-150.00" in statement_text
    assert "credit memo" in statement_text


def test_statement_aging_row_and_totals(statement_text):
    assert "Current" in statement_text and "Over 90 days" in statement_text
    for amount in ("850.00", "350.10", "2,000.00", "333.33", "45.67", "3,579.10"):
        assert amount in statement_text, amount
    assert "Past due" in statement_text and "2,729.10" in statement_text   # everything but current
    assert "$3,579.10 USD" in statement_text
    assert "Page 1 of 1" in statement_text


def test_statement_html_escapes():
    st = Statement(SELLER, Party("C-9", "<b>Evil</b> & Co"), date(2026, 11, 30), "USD", LINES[:1])
    html = statement_html(st)
    assert "<b>Evil</b>" not in html and "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in html


def test_each_level_has_its_own_wording(letters_text):
    assert "PAYMENT REMINDER" in letters_text["friendly_reminder"].upper()
    assert "may simply have crossed" in letters_text["friendly_reminder"]
    assert "Second notice" in letters_text["second_notice"]
    assert "120 days past due" in letters_text["second_notice"]
    assert "Final notice" in letters_text["final_notice"]
    assert "credit hold" in letters_text["final_notice"]
    assert "credit hold" not in letters_text["friendly_reminder"]
    assert "2026-12-14" in letters_text["final_notice"] and "2026-12-14" in letters_text["second_notice"]


def test_letters_list_overdue_items_and_total(letters_text):
    for text in letters_text.values():
        for number in ("INV-101", "INV-102", "INV-103", "INV-104", "INV-105"):
            assert number in text
        assert "INV-100" not in text
        assert "$2,729.10 USD" in text
        assert "Dana Reyes, ar@acme-ortho.example" in text


def test_unknown_level_and_empty_letter_are_refused():
    with pytest.raises(InvalidValue, match="not a dunning level"):
        dunning_html(DunningLetter("lawyer_letter", SELLER, CUSTOMER, date(2026, 11, 30), "USD", LINES[1:2]))
    with pytest.raises(InvalidValue, match="at least one"):
        dunning_html(DunningLetter("final_notice", SELLER, CUSTOMER, date(2026, 11, 30), "USD", ()))
