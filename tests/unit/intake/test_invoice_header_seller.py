"""Seller cues and trading names of pages.invoice_header, on self-made invoice text and pages.

A name printed right after a seller cue ("Sold By :", "Payment received by", the account holder)
is strong seller evidence; a cued name that the document's own web or e-mail address spells and
that is printed twice is the seller's trading name, reported before a legal name that does not
contain it. A platform the order went through is no seller.
"""
from __future__ import annotations

from o2c.intake.pages.geometry import layout_pages
from o2c.intake.pages.invoice_header import (
    cue_name,
    domain_names,
    read_invoice_header,
    seller_cues,
    trading_name,
)
from o2c.intake.text import TextDocument, Word, make_page


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def _key(text: str | None) -> str:
    return "".join(c for c in (text or "").lower() if c.isalnum())


def _read(text: str) -> dict:
    return read_invoice_header(text, "INR")


MARKETPLACE = """Retail Invoice
Invoice No : R-2024-17
Sold By : Kestrel Trading Pvt. Ltd.,
Warehouse: 12 Ring Road, Pune - 411001
Grand Total 319.00
This is a computer generated invoice. Kestrel Trading Pvt. Ltd
Ordered Through :
Bazaarly.com Customer Care : www.bazaarly.com/support
At Bazaarly we try to deliver perfectly each and every time.
"""


def test_sold_by_names_the_seller_not_the_platform():
    got = _read(MARKETPLACE)
    assert got["seller_raw"] == "Kestrel Trading Pvt. Ltd." and got["seller_legal_raw"] is None


def test_title_word_inside_a_legal_name_is_no_heading():
    text = "Invoice No : 7\nMonthly Retail Supplies Ltd\nRegd. office: Monthly Retail Supplies Ltd, CIN U1\n"
    assert _read(text)["seller_raw"] == "Monthly Retail Supplies Ltd"


RECEIPT = """PAYMENT RECEIPT
Guest Name: Asha Date: 31/12/2017
LARK 412 Residency Koramangala
Booking ID IBQ2087
Grand Total Rs 1939
Payment received by LARK
Note : All Payment to be made in favor of
Larkspur Stays Pvt. Ltd.
GSTIN CIN
Larkspur Stays Private Limited
Registered Office: 4 MG Road, Bengaluru - 560001
Email: care@larkhotels.example
"""


def test_cued_name_spelled_by_the_sellers_address_is_the_trading_name():
    got = _read(RECEIPT)
    assert got["seller_raw"] == "LARK"
    assert _key(got["seller_legal_raw"]) in ("larkspurstayspvtltd", "larkspurstaysprivatelimited")


def test_without_the_address_the_legal_name_stays():
    got = _read(RECEIPT.replace("care@larkhotels.example", "care@stays-mail.example"))
    assert _key(got["seller_raw"]) in ("larkspurstayspvtltd", "larkspurstaysprivatelimited")
    assert got["seller_legal_raw"] is None


def test_trading_name_printed_once_is_not_enough():
    text = RECEIPT.replace("LARK 412 Residency", "Hotel 412 Residency")
    assert _read(text)["seller_raw"] != "LARK"


def test_trading_name_inside_the_legal_name_keeps_the_legal_name():
    text = ("Invoice No: 5\nTotal due 10.00\nPayable to: Quillon\nQuillon GmbH\nwww.quillon.example\n"
            "Quillon GmbH - IBAN DE30507500940000048567\n")
    got = _read(text)
    assert got["seller_raw"] == "Quillon GmbH" and got["seller_legal_raw"] is None


def test_domain_names():
    lines = ["www.flipkart.com/support", "contactus@oyorooms.com", "http://shop.example.co.uk/x", "a@b.io"]
    assert domain_names(lines) == {"flipkart", "oyorooms", "example"}


def test_trading_name_needs_a_cue():
    lines = _lines("Invoice 4\nZebu shop\nZebu\nwww.zebu.example\n")
    assert trading_name(lines, []) is None
    assert trading_name(lines, [(1, "Zebu")]) == "Zebu"


# ------------------------------------------------------------------ cue values
def test_cue_name_keeps_the_legal_form_after_a_comma():
    assert cue_name("Amazon Web Services, Inc.") == "Amazon Web Services, Inc."
    assert cue_name("Kestrel Trading Pvt. Ltd., Pune") == "Kestrel Trading Pvt. Ltd."
    assert cue_name("(Not to be used for payment)") is None
    assert cue_name("the shop on the corner") is None


def test_a_column_header_with_a_cue_word_is_no_cue():
    assert seller_cues(_lines("Vendor SKU Qty\nA-1 2\n")) == []


def _page(rows: list[tuple[float, list[tuple[float, str]]]]) -> TextDocument:
    words = []
    for y, cells in rows:
        for x, phrase in cells:
            for word in phrase.split():
                words.append(Word(word, x, y, x + 5 * len(word), y + 8))
                x += 5 * (len(word) + 1)
    return TextDocument("made.pdf", "text_pdf", [make_page(1, 595, 842, words)])


def test_cue_value_is_the_phrase_under_the_label_in_its_column():
    doc = _page([(640, [(36, "* May include estimated sales tax"), (426, "Service Provider:")]),
                 (652, [(36, "** This is not a VAT invoice"), (426, "(Not to be used for payment)")]),
                 (664, [(36, "*** Check the statement"), (426, "Northwind Cloud, Inc.")])])
    lines = _lines(doc.text)
    assert seller_cues(lines, layout_pages(doc)) == [(2, "Northwind Cloud, Inc.")]


def test_cue_value_is_the_next_phrase_on_the_line():
    doc = _page([(300, [(50, "Payment received by LARK"), (320, "Paid through Cash At Hotel")])])
    assert seller_cues(_lines(doc.text), layout_pages(doc)) == [(0, "LARK")]
