"""820 remittance -> IncomingPayment, on a hand-written payment and on the real 820s."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from o2c.formats.x12 import X12Error, payments_820, read_820, read_x12

PAYMENT_820 = "~\n".join([
    "ISA*00*          *00*          *ZZ*MERCYGEN       *ZZ*KEYSTONE       *261201*0800*U*00401*000000500*0*P*>",
    "GS*RA*MERCYGEN*KEYSTONE*20261201*0800*500*X*004010",
    "ST*820*0001",
    "BPR*C*3060.42*C*ACH*CTX*01*053000219*DA*2000014804300*1560001234**01*031100209*DA*998877*20261202",
    "TRN*1*EFT-778812*1560001234",
    "CUR*PR*USD",
    "REF*CK*10045",
    "DTM*097*20261201",
    "N1*PR*Mercy General Hospital*92*AP01",
    "N1*PE*Keystone Orthopedics*91*KEYSTONE",
    "ENT*1",
    "RMR*IV*INV-2026-0042*PI*3104.42*3166.50*62.08",
    "REF*PO*4500012345",
    "DTM*003*20261122",
    "RMR*IV*INV-2026-0043*PI*0*120.00",
    "ADX*-120.00*CM*IV*INV-2026-0043",
    "ENT*2",
    "ADX*-44.00*01*CM*CM-0099",
    "REF*CM*CM-0099",
    "SE*18*0001",
    "GE*1*500",
    "IEA*1*000000500",
]) + "~"


@pytest.fixture(scope="module")
def payment():
    (paid,) = read_820(PAYMENT_820, source="mercy-820.edi")
    return paid


def test_bpr_and_trn_give_amount_direction_date_account_and_bank_ref(payment):
    assert payment.format == "x12_820" and payment.source == "mercy-820.edi"
    assert payment.bank_ref == "EFT-778812"
    assert payment.amount == Decimal("3060.42") and payment.is_credit
    assert payment.value_date == date(2026, 12, 2)
    assert (payment.payer_routing, payment.payer_account) == ("053000219", "2000014804300")
    assert payment.payer_name == "Mercy General Hospital"
    assert payment.currency == "USD"
    assert payment.source_key == "000000500/500/0001"


def test_rmr_lines_carry_paid_invoice_amount_discount_and_po(payment):
    first, second, deduction = payment.remittance
    assert (first.reference, first.amount_paid, first.invoice_amount, first.discount) == (
        "INV-2026-0042", Decimal("3104.42"), Decimal("3166.50"), Decimal("62.08"))
    assert first.po_number == "4500012345"
    assert (second.reference, second.amount_paid, second.adjustment, second.adjustment_reason) == (
        "INV-2026-0043", Decimal("0"), Decimal("120.00"), "CM")


def test_adx_without_rmr_is_a_deduction_line_of_its_own(payment):
    deduction = payment.remittance[2]
    assert (deduction.reference, deduction.amount_paid, deduction.adjustment, deduction.adjustment_reason) == (
        "CM-0099", None, Decimal("44.00"), "01")


def test_what_the_payment_model_lacks_is_kept_in_extra(payment):
    assert payment.extra["payment_method"] == "ACH" and payment.extra["payment_format"] == "CTX"
    assert payment.extra["payee"]["id_code"] == "KEYSTONE"
    assert payment.extra["payee_account"] == "998877"
    assert ["CK", "10045"] in payment.extra["references"]
    assert payment.extra["lines"][0]["dates"] == [["003", "20261122"]]


def test_paid_amounts_less_standalone_deductions_reconcile_to_bpr(payment):
    paid = sum(line.amount_paid or Decimal(0) for line in payment.remittance)
    standalone = sum(line.adjustment for line in payment.remittance if line.amount_paid is None)
    assert paid - standalone == payment.amount


def test_a_debit_is_flagged_and_the_amount_stays_positive():
    (paid,) = read_820(PAYMENT_820.replace("BPR*C*3060.42*C", "BPR*C*3060.42*D"))
    assert not paid.is_credit and paid.amount == Decimal("3060.42")


def test_820_without_bpr_is_refused():
    text = PAYMENT_820.replace("BPR*C*3060.42*C*ACH*CTX*01*053000219*DA*2000014804300*1560001234**01*031100209*"
                               "DA*998877*20261202~\n", "").replace("SE*18*", "SE*17*")
    with pytest.raises(X12Error, match="no BPR"):
        read_820(text)


def test_an_amount_that_is_not_a_number_is_refused():
    with pytest.raises(X12Error, match="RMR04"):
        read_820(PAYMENT_820.replace("PI*3104.42", "PI*31O4.42"))


# ------------------------------------------------------------------------------------ real files

def _real_820s(corpus_dir: Path):
    folder = corpus_dir / "real" / "x12_edi"
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix not in (".json", ".xml", ".md", ".tsv"):
            try:
                parsed = read_x12(path.read_bytes(), source=path.name)
            except X12Error:
                continue
            if any(True for _ in parsed.transactions("820")):
                yield path, payments_820(parsed)


def test_every_readable_real_820_becomes_payments(corpus_dir):
    seen = 0
    for path, payments in _real_820s(corpus_dir):
        seen += 1
        for payment in payments:
            assert payment.amount > 0, path.name
            assert payment.remittance, path.name
    assert seen >= 20


def test_real_820_with_discount_and_adjustment_reconciles(corpus_dir):
    path = corpus_dir / "real" / "x12_edi" / "edi-net" / "x12.820.issue140.edi"
    (payment,) = read_820(path.read_bytes(), source=path.name)
    assert payment.bank_ref == "4529952" and payment.payer_name == "MART INC."
    assert sum(line.amount_paid for line in payment.remittance) == payment.amount
    for line in payment.remittance:
        if line.invoice_amount is not None:
            expected = line.invoice_amount - (line.discount or 0) - (line.adjustment or 0)
            assert line.amount_paid == expected, line.reference


def test_safeway_deductions_keep_their_sign(corpus_dir):
    path = corpus_dir / "real" / "x12_edi" / "oopfactory_x12parser" / "ORD" / "_820" / "Example4_Safeway.txt"
    (payment,) = read_820(path.read_bytes(), source=path.name)
    assert payment.bank_ref == "4311000190" and payment.amount == Decimal("416093.15")
    deductions = {line.reference: line.adjustment for line in payment.remittance if line.amount_paid is None}
    assert deductions["WSO_144324_05"] == Decimal("13676.81")   # ADX*-13676.81: paid less
    assert deductions["P7817948-20"] == Decimal("-210")         # ADX*210: added back
