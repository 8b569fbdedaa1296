"""Lockbox CSV: header synonyms, per-bank mapping, date and amount forms, grouping, clear errors."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from o2c.formats.bank import BankFileError, parse_lockbox_csv
from o2c.formats.bank.lockbox import normalise_header, parse_lockbox_date

PER_INVOICE = """Lockbox No.;Batch #;Txn ID;Deposit Dt;CHECK_NO;Chk Amt;Payer Name;ABA/RT;Acct #;Inv #;Amt Paid;Disc Amt;Adj Amt;Reason Code;Memo
L1;1;T-1;11/16/2026;1001;"1,500.00";Mercy;011000015;999;INV-1;"1,000.00";;;;first
L1;1;T-1;11/16/2026;1001;"1,500.00";Mercy;011000015;999;INV-2;480.00;20.00;;;
L1;1;T-2;20261117;1002;75.00;Clinic;011000015;888;;;;;;
"""


def test_synonyms_grouping_and_values() -> None:
    result = parse_lockbox_csv(PER_INVOICE, "lb.csv")
    first, second = result.payments
    assert (first.bank_ref, first.amount, first.value_date, first.payer_name) == (
        "1001", Decimal("1500.00"), date(2026, 11, 16), "Mercy")
    assert first.alt_refs == ("T-1",) and (first.payer_routing, first.payer_account) == ("011000015", "999")
    assert [(r.reference, r.amount_paid, r.discount) for r in first.remittance] == [
        ("INV-1", Decimal("1000.00"), None), ("INV-2", Decimal("480.00"), Decimal("20.00"))]
    assert first.extra["columns"] == {"Memo": "first"}
    assert second.remittance == () and second.value_date == date(2026, 11, 17)
    assert result.warnings and "1480.00" in result.warnings[0]       # invoices do not add up to the check
    assert first.source_key == "lockbox=L1/batch=1/item_id=T-1"


def test_per_check_rows_and_configured_mapping() -> None:
    text = "Box|Ref Nbr|Received|Value|Customer|Bill\nB9|555|2026-11-20|$2,000.00|Acme|INV-9\n"
    with pytest.raises(BankFileError, match=r"lb.csv:1: .*column mapping"):
        parse_lockbox_csv(text, "lb.csv")
    result = parse_lockbox_csv(text, "lb.csv", column_map={"Ref Nbr": "check_number", "Value": "check_amount",
                                                           "Bill": "invoice_number"})
    payment = result.payments[0]
    assert (payment.bank_ref, payment.amount, payment.value_date) == ("555", Decimal("2000.00"), date(2026, 11, 20))
    assert [(r.reference, r.amount_paid) for r in payment.remittance] == [("INV-9", Decimal("2000.00"))]
    with pytest.raises(BankFileError, match="unknown field"):
        parse_lockbox_csv(text, "lb.csv", column_map={"Value": "money"})


def test_rows_grouped_by_check_without_item_column() -> None:
    text = ("check number,check amount,invoice,amount paid,routing,account\n"
            "7,30.00,A,10.00,1,2\n7,30.00,B,20.00,1,2\n7,5.00,C,5.00,3,4\n")
    payments = parse_lockbox_csv(text, "x").payments
    assert [(p.bank_ref, p.amount, len(p.remittance)) for p in payments] == [("7", Decimal("30.00"), 2),
                                                                           ("7", Decimal("5.00"), 1)]
    assert len({p.source_key for p in payments}) == 2


@pytest.mark.parametrize("raw,expected", [("2026-11-20", date(2026, 11, 20)), ("11/20/2026", date(2026, 11, 20)),
                                          ("20261120", date(2026, 11, 20)), ("11/20/26", date(2026, 11, 20)),
                                          ("20-Nov-2026", date(2026, 11, 20)), ("2026-11-20T08:00:00", date(2026, 11, 20))])
def test_date_forms(raw: str, expected: date) -> None:
    assert parse_lockbox_date(raw) == expected


def test_bad_values_name_file_line_and_column() -> None:
    with pytest.raises(BankFileError, match=r"lb.csv:4: Chk Amt: '12,OO' is not a number"):
        parse_lockbox_csv(PER_INVOICE.replace("75.00", "12,OO"), "lb.csv")
    with pytest.raises(BankFileError, match=r"lb.csv:4: Deposit Dt: .*not a date"):
        parse_lockbox_csv(PER_INVOICE.replace("20261117", "31/02/2026"), "lb.csv")
    with pytest.raises(BankFileError, match="different check amounts"):
        parse_lockbox_csv(PER_INVOICE.replace('"1,500.00";Mercy;011000015;999;INV-2', '"1,400.00";Mercy;011000015;999;INV-2'), "lb.csv")
    with pytest.raises(BankFileError, match="not a positive payment"):
        parse_lockbox_csv(PER_INVOICE.replace("75.00", "0.00"), "lb.csv")
    with pytest.raises(BankFileError, match="empty lockbox"):
        parse_lockbox_csv("", "lb.csv")


def test_header_normalisation() -> None:
    assert normalise_header("Check #") == normalise_header("CHECK_NO") == normalise_header("check-number")
    assert normalise_header(" Remitter  Name ") == "remittername"
