"""Learning from confirmations: new aliases, accounts and reference shapes, as plain values."""
from __future__ import annotations

from decimal import Decimal as D

from o2c.cash.book import OpenItemBook
from o2c.cash.customers import CustomerDirectory
from o2c.cash.learning import learn_from_confirmation, reference_shape, remember
from o2c.cash.matching import match_payment
from o2c.cash.model import CustomerProfile, OpenItem
from o2c.cash.payment import IncomingPayment, RemittanceLine


def directory():
    return CustomerDirectory([CustomerProfile("C9", "Pinecrest University Hospital")])


def payment(amount="700.00", refs=(), payer="PINECREST HEALTH SYSTEM", account="7922421164"):
    return IncomingPayment("t", "test", "R", D(amount), payer_name=payer, payer_account=account,
                           payer_routing="028532920", remittance=tuple(RemittanceLine(r) for r in refs))


def test_confirmation_teaches_alias_account_and_reference_shape():
    learned = learn_from_confirmation(payment(refs=["INV204113"]), "C9", ["INV-204113"], directory())
    assert learned.aliases == ("PINECREST HEALTH SYSTEM",)
    assert learned.accounts[0].account == "7922421164" and learned.accounts[0].routing == "028532920"
    assert learned.reference_patterns == (r"INV\d{6}",)


def test_known_facts_are_not_learned_again():
    d = directory()
    learned = learn_from_confirmation(payment(refs=["INV-204113"], payer="Pinecrest University Hosp"),
                                      "C9", ["INV-204113"], d)
    assert learned.aliases == () and learned.reference_patterns == ()
    remember(d, learned)
    again = learn_from_confirmation(payment(payer="Pinecrest University Hosp"), "C9", ["INV-204113"], d)
    assert again.empty


def test_reference_shape():
    assert reference_shape("inv 68252") == r"INV\ \d{5}"


def test_learned_facts_make_the_next_payment_match():
    book = OpenItemBook([OpenItem("INV-5", "C9", D("700.00"))])
    d = directory()
    before = match_payment(payment(), book, d)
    assert not before.applications      # a name sharing one word is not enough
    remember(d, learn_from_confirmation(payment(), "C9", ["INV-5"], d))
    after = match_payment(payment(), book, d)
    assert after.status == "applied" and after.customer_id == "C9"
