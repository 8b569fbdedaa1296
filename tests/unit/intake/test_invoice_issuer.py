"""The issuer (seller) rules of pages.invoice_header on self-made invoice text.

Each case isolates one rule: an unlabelled window address names the customer, not the seller; a
city is never the issuer; a name that line grouping split around a wedged-in fragment is joined
again; a legal footer's name wins; and with no seller evidence the field stays empty.
"""
from __future__ import annotations

from o2c.intake.pages.invoice_header import (
    issuer,
    place_of,
    read_invoice_header,
    window_addressee,
)


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def _seller(text: str) -> str | None:
    return read_invoice_header(text, "EUR")["seller_raw"]


# ------------------------------------------------------------------ window addressee
WINDOW = """BLUEFIN
Martin Dupont
12 rue des Lilas
69003 Lyon
Facture n° 4411
Date : 02/03/2024
Total TTC : 120,00 €
Virement - Titulaire du compte : ORCALINE
ORCALINE
Siège social : 5 avenue Foch - 75016 PARIS – contact@orcaline.example
Sarl au capital de 8 000€ - TVA FR00123456789
"""


def test_unlabelled_window_block_is_the_addressee():
    lines = _lines(WINDOW)
    assert [lines[i] for i in sorted(window_addressee(lines))] == ["BLUEFIN", "Martin Dupont", "12 rue des Lilas",
                                                                    "69003 Lyon"]


def test_seller_is_the_party_that_is_not_in_the_window():
    assert _seller(WINDOW) == "ORCALINE"


def test_sender_return_address_above_the_window_is_not_the_addressee():
    text = ("Lumen Telecom\n75371 Paris Cedex 08\nJeanne Martin\n4 place Bellecour\n69002 Lyon\n"
            "Facture n°77 du 02 Juillet 2015\nTotal facture 10,00\nLumen Telecom SAS - TVA FR11222333444\n")
    lines = _lines(text)
    assert [lines[i] for i in sorted(window_addressee(lines))] == ["Jeanne Martin", "4 place Bellecour", "69002 Lyon"]
    assert _seller(text) in ("Lumen Telecom", "Lumen Telecom SAS")


def test_letterhead_block_followed_by_particulars_is_not_the_addressee():
    lines = _lines("Kite Gear\nHavenstraat 12\n3011 AB Rotterdam\nwww.kitegear.example\nFactuur 12\n")
    assert window_addressee(lines) == set()


# ------------------------------------------------------------------ place names
def test_place_of_postcode_lines():
    assert place_of("69100 Villeurbanne") == "Villeurbanne"
    assert place_of("3012 CN Rotterdam") == "Rotterdam"
    assert place_of("New Delhi - 110001") == "New Delhi"
    assert place_of("Springfield, IL 62704") == "Springfield"
    assert place_of("27 rue Henri Rolland") is None
    assert place_of("Invoice No 123456") is None


def test_a_city_is_never_the_issuer_however_often_printed():
    text = ("RECEIPT\nGuest Name: Asha\nInvoice No: R-9\nGrand Total Rs 500\nNew Delhi,\nNew Delhi - 110001\n"
            "GSTIN 07AAAAA0000A1Z5\nNew Delhi\n")
    assert _seller(text) is None


def test_city_does_not_beat_the_company_of_the_legal_footer():
    text = ("RECEIPT\nInvoice No: R-9\nGrand Total Rs 500\nPune,\nPune - 411001\nGSTIN CIN\n"
            "Harbor Stays Private Limited\nRegistered Office: 1 MG Road, Pune - 411001\n")
    assert _seller(text) == "Harbor Stays Private Limited"


# ------------------------------------------------------------------ names split by the layout
def test_name_split_by_a_wedged_street_is_joined():
    text = "FACTUUR. Tulpia Dam 12 B.V.\n1012 JS Amsterdam\nKvK 12345678\nFactuurnummer: 55\nTotaal € 10,00\n"
    assert _seller(text) == "Tulpia B.V."


def test_name_split_by_its_own_email_is_joined():
    text = ("Rosa nbellweather@fake.example Bellweather INVOICE\n# 17\nBill To:\nOtto Kern\n"
            "otto@fake.example\nTotal: $5.00\n")
    assert _seller(text) == "Rosa Bellweather"


def test_a_strangers_email_does_not_make_a_name():
    text = "Rosa otto@fake.example Bellweather INVOICE\n# 17\nTotal: $5.00\n"
    assert _seller(text) is None


# ------------------------------------------------------------------ nothing to go on
def test_no_seller_evidence_leaves_the_issuer_empty():
    lines = _lines("Invoice No: 3\nThanks for your order\nTotal: 4.00\n")
    assert issuer(lines, set()) is None


def test_legal_footer_sentence_is_not_a_name():
    text = "Facture n° 9\nTotal TTC : 5,00\nSarl au capital de 1 000€ - TVA FR00999999999\n"
    assert _seller(text) is None


def test_the_company_bound_by_the_share_capital_statement_beats_the_return_address():
    text = ("Lumen Service Clients\n75371 Paris Cedex 08\nJeanne Martin\n4 place Bellecour\n69002 Lyon\n"
            "Facture n°77 du 02 Juillet 2015\nTotal facture 10,00\nCourrier : Lumen Service Clients 75371 Paris\n"
            "Lumen SAS au capital de 3.441.812 Euros - RCS Paris - Siège social: 8 rue Royale - TVA FR60421938861\n")
    assert _seller(text) == "Lumen SAS"
