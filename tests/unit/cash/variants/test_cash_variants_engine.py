"""Generated bank-file variants through the parsers and the pure engine: the floors we reach, and
one focused test per weakness the variants exposed."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from o2c.cash.normalize import name_tokens
from o2c.cash.remittance import scan_free_text
from o2c.formats.bank import parse_lockbox_csv, parse_remittance_text
from tests.unit.cash.variants.evaluate import FORMATS, build_bed, run_engine


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_variants_apply_correctly_and_never_wrongly(seed):
    report = run_engine(build_bed(seed))
    assert report.counts["wrong"] == 0, report.failures()
    assert report.rate("correct") >= 0.95, (report.counts, report.failures())


def test_every_format_and_layout_is_exercised():
    bed = build_bed(7)
    names = {name for name, _ in bed.files}
    assert len(names) == len(FORMATS)
    scenarios = {p.scenario for p in bed.expected.values()}
    assert {"no_remit_ambiguous", "other_customer_amount", "known_account", "parent_pays_child",
            "discount_in_terms", "discount_late", "ocr", "short_reason"} <= scenarios


def test_payments_that_must_stay_unapplied_do():
    for seed in range(3):
        report = run_engine(build_bed(seed))
        for _, scenario, outcome, why, applied in report.details:
            if scenario in ("no_remit_ambiguous", "other_customer_amount"):
                assert not applied, (scenario, why)


# ------------------------------------------------------------ focused: free text

def refs(text):
    return [line.reference for line in scan_free_text(text)]


def test_x12_fragment_in_free_text_gives_labelled_references_with_amounts():
    lines = scan_free_text("RMT*IV*204011*1500.00\\RMT*IV*204015*200.00\\")
    assert [(l.reference, l.amount_paid) for l in lines] == [("INV-204011", D("1500.00")),
                                                             ("INV-204015", D("200.00"))]
    assert all(l.explicit for l in lines)


def test_slash_and_comma_lists_are_several_references():
    assert refs("INV 204011/204015") == ["INV-204011", "INV-204015"]
    assert refs("INVOICES 204011,204015") == ["INVOICES-204011", "INVOICES-204015"]


def test_a_label_covers_a_run_of_like_numbers_only():
    assert refs("PAYMENT FOR INVOICES 204011 204015") == ["INVOICES-204011", "INVOICES-204015"]
    # a number of another shape after the list (a check number) stays bare
    assert refs("INVOICES 204011 204015 CHK 88812345") == ["INVOICES-204011", "INVOICES-204015", "88812345"]


def test_amounts_and_dates_are_not_split_as_lists():
    assert refs("INV 204011 1,234.56 11/20/2026") == ["INV-204011"]


def test_a_prefixed_reference_is_not_glued_to_a_label_again():
    assert refs("PAYMENT OF INVOICE INV-204331") == ["INV-204331"]


def test_remittance_text_piece_with_a_list_becomes_one_line_per_invoice():
    lines = parse_remittance_text("INVOICES 204419,204408")
    assert [l.reference for l in lines] == ["INVOICES 204419", "INVOICES 204408"]
    assert all(l.amount_paid is None for l in lines)
    (single,) = parse_remittance_text("INV-1 100.00")
    assert single.amount_paid == D("100.00")


# ------------------------------------------------------------ focused: lockbox

def test_lockbox_per_check_row_with_invoice_list_cell():
    data = ("Deposit Date,Check #,Amount,Remitter,Invoice(s)\n"
            '11/20/2026,5512,"1,700.00",ST MARYS,INV-204011; INV-204015\n')
    (p,) = parse_lockbox_csv(data, "lb.csv").payments
    assert [l.reference for l in p.remittance] == ["INV-204011", "INV-204015"]
    assert all(l.amount_paid is None for l in p.remittance)   # the check amount is not per invoice


def test_lockbox_abbreviated_headers_are_recognised():
    data = ("LBX_ID|DEP_DT|CHK_NO|CHK_AMT|PAYOR|INV_NO|INV_AMT_PAID|ADJ_AMT|ADJ_CD\n"
            "99120|20261120|5512|900.00|ST MARYS|INV-204011|900.00|100.00|DMG\n")
    (p,) = parse_lockbox_csv(data, "lb.csv").payments
    assert p.value_date.isoformat() == "2026-11-20"
    (line,) = p.remittance
    assert (line.adjustment, line.adjustment_reason) == (D("100.00"), "DMG")


def test_single_reference_with_a_space_stays_whole():
    data = "Check Number,Check Amount,Invoice Number\n5512,10.00,INV 204011\n"
    (p,) = parse_lockbox_csv(data, "lb.csv").payments
    assert [l.reference for l in p.remittance] == ["INV 204011"]


# ------------------------------------------------------------ focused: names

def test_apostrophes_do_not_split_names():
    assert name_tokens("St. Mary's Regional").tokens == name_tokens("ST MARYS REGIONAL").tokens


# ------------------------------------------------------------ focused: engine

from datetime import date  # noqa: E402

from o2c.cash.book import OpenItemBook  # noqa: E402
from o2c.cash.customers import CustomerDirectory  # noqa: E402
from o2c.cash.matching import match_payment  # noqa: E402
from o2c.cash.model import CustomerProfile, OpenItem  # noqa: E402
from o2c.cash.payment import IncomingPayment, RemittanceLine  # noqa: E402


def _book():
    return OpenItemBook([OpenItem("INV-204011", "A", D("1500.00"), invoice_date=date(2026, 10, 1)),
                         OpenItem("INV-204015", "A", D("200.00"), invoice_date=date(2026, 10, 2)),
                         OpenItem("INV-204020", "B", D("1700.00"), invoice_date=date(2026, 10, 2))])


def _directory():
    return CustomerDirectory([CustomerProfile("A", "Alpha Clinic"), CustomerProfile("B", "Beta Hospital")])


def _pay(amount, text=None, lines=(), payer=None):
    return IncomingPayment("t", "bai2", "R1", D(amount), value_date=date(2026, 11, 1), payer_name=payer,
                           free_text=text, remittance=tuple(lines))


def test_a_reference_repeated_in_structured_and_free_text_counts_once():
    pay = _pay("1500.00", "PAYMENT OF INVOICE INV-204011", [RemittanceLine("INVOICE INV-204011")])
    result = match_payment(pay, _book(), _directory())
    assert result.status == "applied"
    assert [(a.invoice_number, a.amount) for a in result.applications] == [("INV-204011", D("1500.00"))]


def test_bare_numbers_adding_up_to_the_payment_vouch_for_each_other():
    result = match_payment(_pay("1700.00", "204011 204015"), _book(), _directory())
    assert sorted(a.invoice_number for a in result.applications) == ["INV-204011", "INV-204015"]


def test_bare_numbers_that_do_not_add_up_are_not_applied():
    result = match_payment(_pay("1650.00", "204011 204015"), _book(), _directory())
    assert result.applications == ()


def test_one_unknown_stated_invoice_stops_the_total_from_vouching():
    result = match_payment(_pay("1700.00", "204011 204015 INV-209999"), _book(), _directory())
    assert result.applications == ()
