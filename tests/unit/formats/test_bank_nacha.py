"""NACHA edge cases on files built here: CCD+ RMR addenda, CTX with an 820 split across addenda,
returns and COR, and every control the batch and file trailers carry."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from o2c.formats.bank import BankFileError, parse_nacha, parse_x12_remittance


def rec(*parts: str) -> str:
    line = "".join(parts)
    assert len(line) <= 94, line
    return line.ljust(94)


def header() -> str:
    return rec("101", " 091000019", " 123456789", "261120", "0900", "A", "094", "10", "1",
               "DEST BANK".ljust(23), "ORIGIN BANK".ljust(23), " " * 8)


def batch_header(company: str, sec: str, number: int, service: str = "220") -> str:
    return rec("5", service, company.ljust(16), " " * 20, "1234567890", sec, "PAYMENTS  ", "      ", "261121", "   ",
               "1", "09100001", f"{number:07d}")


def entry(code: str, rdfi: str, amount: int, ident: str, name: str, addenda: int, trace: str) -> str:
    return rec("6", code, rdfi, "1", "5551234".ljust(17), f"{amount:010d}", ident.ljust(15), name.ljust(22), "  ",
               str(addenda), trace)


def ctx_entry(code: str, rdfi: str, amount: int, n_addenda: int, trace: str) -> str:
    return rec("6", code, rdfi, "1", "5551234".ljust(17), f"{amount:010d}", "ID-CTX".ljust(15), f"{n_addenda:04d}",
               "OUR COMPANY".ljust(16), "  ", "  ", "1", trace)


def addenda(kind: str, text: str, seq: int, trace: str) -> str:
    return rec("7", kind, text.ljust(80), f"{seq:04d}", trace[-7:])


def batch_control(entries: list[str], records: int, number: int, service: str = "220") -> str:
    hash_ = sum(int(e[3:11]) for e in entries) % 10 ** 10
    debit = sum(int(e[29:39]) for e in entries if e[2] in "56789")
    credit = sum(int(e[29:39]) for e in entries if e[2] in "01234")
    return rec("8", service, f"{records:06d}", f"{hash_:010d}", f"{debit:012d}", f"{credit:012d}", "1234567890",
               " " * 25, "09100001", f"{number:07d}")


def file_control(batches: int, records: int, entries: list[str]) -> str:
    hash_ = sum(int(e[3:11]) for e in entries) % 10 ** 10
    debit = sum(int(e[29:39]) for e in entries if e[2] in "56789")
    credit = sum(int(e[29:39]) for e in entries if e[2] in "01234")
    return rec("9", f"{batches:06d}", "000001", f"{records:08d}", f"{hash_:010d}", f"{debit:012d}", f"{credit:012d}")


CCD_TRACE, CTX_TRACE = "091000010000001", "091000010000002"
X12 = "RMR*IV*INV-100**600.00*620.00*12.00~REF*PO*PO-77~ADX*-8.00*06~RMR*IV*INV-101**400.00~"


def build() -> tuple[str, list[str]]:
    ccd = entry("22", "12345678", 25000, "CUST-42", "OUR COMPANY", 1, CCD_TRACE)
    ctx = ctx_entry("22", "12345678", 100000, 2, CTX_TRACE)
    debit = entry("27", "87654321", 1500, "X", "OUR COMPANY", 0, "091000010000003")
    ret = entry("21", "12345678", 999, "X", "OUR COMPANY", 1, "091000010000004")
    entries = [ccd, ctx, debit, ret]
    lines = [header(), batch_header("MERCY HOSPITAL", "CCD", 1, "200"), ccd,
             addenda("05", "RMR*IV*INV-55*PI*250.00\\", 1, CCD_TRACE),
             batch_control([ccd], 2, 1, "200"),
             batch_header("ACME CLINIC", "CTX", 2, "200"), ctx,
             addenda("05", X12[:80], 1, CTX_TRACE), addenda("05", X12[80:], 2, CTX_TRACE),
             debit, ret, addenda("99", "R01" + CCD_TRACE + " " * 6 + "12345678", 1, "091000010000004"),
             batch_control([ctx, debit, ret], 6, 2, "200"),
             file_control(2, 8, entries)]
    return "\n".join(lines) + "\n" + "9" * 94 + "\n", entries


def test_credits_with_remittance_and_skips() -> None:
    text, _ = build()
    result = parse_nacha(text, "ach.txt")
    ccd, ctx = result.payments
    assert (ccd.bank_ref, ccd.amount, ccd.payer_name, ccd.value_date) == (CCD_TRACE, Decimal("250.00"),
                                                                          "MERCY HOSPITAL", date(2026, 11, 21))
    assert ccd.alt_refs == ("CUST-42",) and ccd.payer_routing == "09100001"
    assert [(r.reference, r.amount_paid) for r in ccd.remittance] == [("INV-55", Decimal("250.00"))]
    assert ctx.payer_name == "ACME CLINIC" and ctx.extra["receiver_name"] == "OUR COMPANY"
    assert [(r.reference, r.amount_paid, r.invoice_amount, r.discount, r.po_number, r.adjustment,
             r.adjustment_reason) for r in ctx.remittance] == [
        ("INV-100", Decimal("600.00"), Decimal("620.00"), Decimal("12.00"), "PO-77", Decimal("8.00"), "06"),
        ("INV-101", Decimal("400.00"), None, None, None, None, None)]
    assert [s.reason for s in result.skipped] == ["debit entry (transaction code 27)",
                                                  "return entry (transaction code 21)"]
    assert len(result.checks) == 13


@pytest.mark.parametrize("position,value,phrase", [
    ("batch_count", "000003", "file batch count"),
    ("credit", "000000125001", "batch 1 total credits"),
    ("hash", "0012345679", "batch 1 entry hash"),
    ("count", "000003", "batch 1 entry/addenda count"),
])
def test_control_mismatches_refuse(position: str, value: str, phrase: str) -> None:
    text, _ = build()
    lines = text.split("\n")
    if position == "batch_count":
        lines[-3] = lines[-3][:1] + value + lines[-3][7:]
    else:
        control = lines[4]
        start = {"credit": 32, "hash": 10, "count": 4}[position]
        lines[4] = control[:start] + value + control[start + len(value):]
    with pytest.raises(BankFileError, match=phrase):
        parse_nacha("\n".join(lines), "ach.txt")


def test_unbroken_stream_and_truncation() -> None:
    text, _ = build()
    stream = "".join(line for line in text.split("\n"))
    assert len(parse_nacha(stream, "x").payments) == 2
    with pytest.raises(BankFileError, match="file control"):
        parse_nacha("\n".join(text.split("\n")[:5]), "x")
    with pytest.raises(BankFileError, match="94"):
        parse_nacha(header() + "X" + "\n", "x")


def test_cor_batch_is_skipped_and_prenote_too() -> None:
    pre = entry("23", "12345678", 0, "X", "US", 0, "091000010000009")
    lines = [header(), batch_header("A", "PPD", 1), pre, batch_control([pre], 1, 1), file_control(1, 1, [pre])]
    result = parse_nacha("\n".join(lines), "x")
    assert result.payments == [] and "prenotification" in result.skipped[0].reason


def test_x12_remittance_with_other_separators() -> None:
    lines, info = parse_x12_remittance("ENT|1\\N1|PR|MERCY\\RMR|IV|A-1||10.50\\")
    assert [(r.reference, r.amount_paid) for r in lines] == [("A-1", Decimal("10.50"))]
    assert info["parties"]["PR"] == "MERCY"
