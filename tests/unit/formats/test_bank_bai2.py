"""BAI2 edge cases on small hand-written files."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from o2c.formats.bank import BankFileError, parse_bai2
from o2c.formats.bank.bai2 import classify_type_code, keyed_text

GOOD = """01,BANK,US,261120,0600,1,,,2/
02,US,BANK,1,261119,,USD,2/
03,123,USD,010,1000,,,100,35050,2,/
16,165,30050,V,261118,,BR1,CR1,ACH CREDIT ORIG CO NAME:ACME HOSP ORIG ID:99 REMIT: INV-1 200.00;
88,INV-2 100.50
16,195,5000,0,BR2,,WIRE IN ORG:BETA CLINIC OBI:INV-3
16,475,700,0,BR3,,CHECK PAID
49,71800,6/
98,71800,1,8/
99,71800,1,10/
"""


def test_credits_become_payments_debits_are_skipped() -> None:
    result = parse_bai2(GOOD, "good.bai")
    assert [p.bank_ref for p in result.payments] == ["BR1", "BR2"]
    first, second = result.payments
    assert first.amount == Decimal("300.50") and first.value_date == date(2026, 11, 18)
    assert second.value_date == date(2026, 11, 19)          # no V date: the group's as-of date
    assert first.payer_name == "ACME HOSP" and second.payer_name == "BETA CLINIC"
    assert [(r.reference, r.amount_paid) for r in first.remittance] == [("INV-1", Decimal("200.00")),
                                                                       ("INV-2", Decimal("100.50"))]
    assert first.alt_refs == ("CR1",) and first.free_text == "INV-1 200.00; INV-2 100.50"
    assert result.skipped[0].reason.startswith("debit") and result.skipped[0].amount == Decimal("7.00")
    assert [p.source_key for p in result.payments] == ["group1/account1/txn1", "group1/account1/txn2"]


@pytest.mark.parametrize("old,new,phrase", [
    ("49,71800,6/", "49,71801,6/", "49 control total"),
    ("49,71800,6/", "49,71800,5/", "49 number of records"),
    ("98,71800,1,8/", "98,71800,2,8/", "98 number of accounts"),
    ("99,71800,1,10/", "99,71800,1,11/", "99 number of records"),
    ("99,71800,1,10/\n", "", "99 file trailer"),
    ("16,475,700,0,BR3,,CHECK PAID\n", "16,475,700,0,BR3,,CHECK PAID\n01,X/\n", "second 01"),
])
def test_control_mismatches_and_structure_errors_refuse_the_file(old: str, new: str, phrase: str) -> None:
    with pytest.raises(BankFileError, match=phrase) as refused:
        parse_bai2(GOOD.replace(old, new), "bad.bai")
    assert "bad.bai" in str(refused.value)


def test_several_records_per_line_and_wrapped_physical_lines() -> None:
    text = ("01,B,U,261120,0600,1,,,2/ 02,U,B,1,261120,,USD,2/\n"
            "03,9,,010,0,,/ 16,142,100,Z,,,TRANSFER   PAYPAL\n   PPD/ 49,100,3/\n98,100,1,5/\n99,100,1,7/")
    payment = parse_bai2(text, "x").payments[0]
    assert payment.amount == Decimal("1.00") and payment.free_text == "TRANSFER PAYPAL PPD"


def test_funds_types_s_and_d_are_stepped_over_and_slashes_in_references_kept() -> None:
    text = ("01,B,U,261120,0600,1,,,2/\n02,U,B,1,261120,,,2/\n"
            "03,9,,010,500,,,190,1000,4,D,2,0,600,1,400/\n"
            "16,115,450,S,100,200,150,AB/CD/EF,C1,LOCKBOX\n"
            "49,1950,3/\n98,1950,1,5/\n99,1950,1,7/")
    payment = parse_bai2(text, "x").payments[0]
    assert payment.bank_ref == "AB/CD/EF" and payment.amount == Decimal("4.50") and payment.currency == "USD"


def test_implied_decimals_follow_the_currency() -> None:
    text = GOOD.replace("03,123,USD", "03,123,JPY")
    assert parse_bai2(text, "x").payments[0].amount == Decimal("30050")


def test_malformed_values_are_refused_with_line() -> None:
    with pytest.raises(BankFileError, match=r"x:4: .*16 amount"):
        parse_bai2(GOOD.replace("16,165,30050", "16,165,30O50"), "x")
    with pytest.raises(BankFileError, match="funds type"):
        parse_bai2(GOOD.replace(",V,261118,,BR1", ",Q,261118,,BR1"), "x")
    with pytest.raises(BankFileError, match="88 continuation record before"):
        parse_bai2("88,hello", "x")


def test_type_code_ranges() -> None:
    assert [classify_type_code(c) for c in ("165", "399", "400", "475", "699", "930", "970", "010", "x")] == [
        "credit", "credit", "other", "debit", "debit", "credit", "debit", "other", "other"]


def test_keyed_text_takes_longest_key() -> None:
    values = keyed_text("ACH CREDIT ORIG CO NAME:MERCY GEN ORIG ID:123 ENTRY DESC:PAYMENTS")
    assert values["ORIG CO NAME"] == "MERCY GEN" and values["ORIG ID"] == "123"
