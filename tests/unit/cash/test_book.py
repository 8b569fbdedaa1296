"""The open-item book: reference levels, amount index, discount window, reduction."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from o2c.cash.book import OpenItemBook
from o2c.cash.model import OpenItem


def item(number, customer="C1", amount="1000.00", invoice_date=date(2026, 11, 1), disc=D(0), days=0, po=None):
    return OpenItem(number, customer, D(amount), D(amount), invoice_date, None, "USD", po, disc, days)


BOOK = OpenItemBook([item("INV-204102"), item("INV-204103", amount="250.00", po="PO-7788"),
                     item("CM-204102", customer="C2")])


def test_exact_beats_weaker_levels():
    assert BOOK.find_reference("INV-204102") == [("INV-204102", "exact")]
    assert BOOK.find_reference("inv204102") == [("INV-204102", "format")]


def test_core_level_may_mean_several_series():
    assert sorted(BOOK.find_reference("204102")) == [("CM-204102", "core"), ("INV-204102", "core")]


def test_ocr_level():
    assert ("INV-204102", "ocr") in BOOK.find_reference("INV-2O4I02")


def test_unknown_reference():
    assert BOOK.find_reference("INV 68252") == []


def test_po_lookup():
    assert BOOK.find_po("po 7788") == ["INV-204103"]


def test_amount_index_is_per_customer_and_follows_reduction():
    book = OpenItemBook([item("A1", amount="500.00"), item("B1", customer="C2", amount="500.00")])
    assert book.by_amount("C1", D("500.00")) == ["A1"]
    assert book.by_amount_anywhere(D("500")) == ["A1", "B1"]
    book.reduce("A1", D("200.00"))
    assert book.by_amount("C1", D("500.00")) == [] and book.by_amount("C1", D("300.00")) == ["A1"]
    book.reduce("A1", D("300.00"))
    assert not book.is_open("A1") and book.customer_items("C1") == []


def test_discount_window_boundary():
    book = OpenItemBook([item("D1", amount="1000.00", invoice_date=date(2026, 11, 1), disc=D(2), days=10)])
    assert book.discount_offer("D1", date(2026, 11, 11)) == D("20.00")   # day 10: still in time
    assert book.discount_offer("D1", date(2026, 11, 12)) is None           # day 11: too late
    assert book.discount_offer("D1", date(2026, 11, 12), grace_days=1) == D("20.00")
    assert book.discount_offer("D1", None) is None                         # unknown date proves nothing


def test_discount_needs_an_untouched_invoice():
    book = OpenItemBook([item("D1", amount="1000.00", disc=D(2), days=10)])
    book.reduce("D1", D("100.00"))
    assert book.discount_offer("D1", date(2026, 11, 2)) is None


def test_customer_items_oldest_first():
    book = OpenItemBook([item("N", invoice_date=date(2026, 11, 5)), item("O", invoice_date=date(2026, 10, 1))])
    assert [i.invoice_number for i in book.customer_items("C1")] == ["O", "N"]
