"""camt.053/054 edge cases: versions, batches, references, structured remittance, refusals."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from o2c.formats.bank import BankFileError, UnsupportedBankFormat, parse_camt


def stmt(entries: str, ns: str = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08", extra: str = "") -> bytes:
    return f"""<?xml version="1.0"?><Document xmlns="{ns}"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr>
<Stmt><Id>S</Id><Acct><Id><IBAN>DE1</IBAN></Id><Ccy>EUR</Ccy></Acct>{extra}{entries}</Stmt></BkToCstmrStmt></Document>""".encode()


BATCH = """<Ntry><Amt Ccy="EUR">300.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-11-19</Dt></BookgDt><ValDt><DtTm>2026-11-20T10:00:00</DtTm></ValDt><AcctSvcrRef>ASR-1</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId><AcctSvcrRef>TX-ASR</AcctSvcrRef><InstrId>I1</InstrId></Refs>
<Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<RltdPties><Dbtr><Pty><Nm>Mercy Hospital</Nm></Pty></Dbtr><DbtrAcct><Id><Othr><Id>ACC-9</Id></Othr></Id></DbtrAcct></RltdPties>
<RltdAgts><DbtrAgt><FinInstnId><BICFI>BANKDEFF</BICFI></FinInstnId></DbtrAgt></RltdAgts>
<RmtInf><Strd><RfrdDocInf><Nb>INV-7</Nb></RfrdDocInf><RfrdDocAmt><DuePyblAmt Ccy="EUR">110.00</DuePyblAmt>
<DscntApldAmt><Tp><Cd>PPD</Cd></Tp><Amt Ccy="EUR">2.00</Amt></DscntApldAmt><RmtdAmt Ccy="EUR">100.00</RmtdAmt>
<AdjstmntAmtAndRsn><Amt Ccy="EUR">8.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Rsn>DAMAGED</Rsn></AdjstmntAmtAndRsn></RfrdDocAmt>
<CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>
<TxDtls><Refs><EndToEndId>E2E-2</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy="EUR">200.00</Amt></TxAmt></AmtDtls>
<RltdPties><Dbtr><Nm>Clinic</Nm></Dbtr><DbtrAcct><Id><IBAN>DE99</IBAN></Id></DbtrAcct></RltdPties>
<RmtInf><Ustrd>INV-8 150.00;</Ustrd><Ustrd>INV-9 50.00</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""

DEBIT = """<Ntry><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-11-19</Dt></BookgDt><AcctSvcrRef>FEE</AcctSvcrRef></Ntry>"""

NO_DETAILS = """<Ntry><NtryRef>N9</NtryRef><Amt Ccy="EUR">40.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-11-18</Dt></BookgDt><AcctSvcrRef>ASR-9</AcctSvcrRef><AddtlNtryInf>CASH DEPOSIT</AddtlNtryInf></Ntry>"""


def test_batch_entry_is_several_payments_with_refs_parties_and_structure() -> None:
    result = parse_camt(stmt(BATCH + DEBIT + NO_DETAILS), "s.xml")
    first, second, third = result.payments
    assert (first.bank_ref, first.amount, first.currency) == ("TX-ASR", Decimal("100.00"), "EUR")
    assert first.value_date == date(2026, 11, 20)
    assert (first.payer_name, first.payer_account, first.payer_routing) == ("Mercy Hospital", "ACC-9", "BANKDEFF")
    assert "I1" in first.alt_refs and "RF18539007547034" in first.alt_refs
    line = first.remittance[0]
    assert (line.reference, line.invoice_amount, line.discount, line.amount_paid, line.adjustment,
            line.adjustment_reason) == ("INV-7", Decimal("110.00"), Decimal("2.00"), Decimal("100.00"),
                                        Decimal("8.00"), "DAMAGED")
    assert second.bank_ref == "E2E-2" and second.payer_account == "DE99"
    assert second.free_text == "INV-8 150.00; INV-9 50.00"
    assert [r.reference for r in second.remittance] == ["INV-8", "INV-9"]
    assert (third.bank_ref, third.amount, third.free_text) == ("ASR-9", Decimal("40.00"), "CASH DEPOSIT")
    assert [s.reason for s in result.skipped] == ["debit entry"]
    assert {p.source_key for p in result.payments} == {"stmt1/entry1/tx1", "stmt1/entry1/tx2", "stmt1/entry3"}


@pytest.mark.parametrize("ns", ["urn:iso:std:iso:20022:tech:xsd:camt.053.001.02", ""])
def test_namespace_and_version_do_not_matter(ns: str) -> None:
    data = stmt(NO_DETAILS, ns=ns) if ns else stmt(NO_DETAILS).replace(
        b' xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"', b"")
    assert parse_camt(data, "x").payments[0].amount == Decimal("40.00")


def balances(opening: str, closing: str) -> str:
    return "".join(f"""<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{amount}</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-19</Dt></Dt></Bal>""" for code, amount in (("OPBD", opening), ("CLBD", closing)))


def test_balances_and_summary_are_checked() -> None:
    ok = parse_camt(stmt(BATCH + DEBIT, extra=balances("1000.00", "1295.00")), "x")
    assert any("balances ok" in c for c in ok.checks)
    with pytest.raises(BankFileError, match="closing balance"):
        parse_camt(stmt(BATCH + DEBIT, extra=balances("1000.00", "1300.00")), "x")
    summary = "<TxsSummry><TtlCdtNtries><NbOfNtries>2</NbOfNtries><Sum>300.00</Sum></TtlCdtNtries></TxsSummry>"
    with pytest.raises(BankFileError, match="TxsSummry/TtlCdtNtries states 2"):
        parse_camt(stmt(BATCH, extra=summary), "x")


def test_pending_reversal_and_returned_entries_are_skipped() -> None:
    pending = NO_DETAILS.replace("<Sts>BOOK</Sts>", "<Sts>PDNG</Sts>")
    reversal = NO_DETAILS.replace("<Sts>", "<RvslInd>true</RvslInd><Sts>")
    returned = BATCH.replace("<RmtInf><Ustrd>", "<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf><RmtInf><Ustrd>")
    result = parse_camt(stmt(pending + reversal + returned), "x")
    assert [s.reason for s in result.skipped] == ["entry status PDNG (not booked)", "reversal of an earlier entry",
                                                  "returned payment (RtrInf)"]
    assert len(result.payments) == 1


def test_camt054_notification_and_camt052_refusal() -> None:
    notification = stmt(NO_DETAILS).replace(b"BkToCstmrStmt", b"BkToCstmrDbtCdtNtfctn").replace(b"Stmt>", b"Ntfctn>")
    assert parse_camt(notification, "n").format == "camt054"
    report = stmt(NO_DETAILS).replace(b"BkToCstmrStmt", b"BkToCstmrAcctRpt")
    with pytest.raises(UnsupportedBankFormat, match="camt.052"):
        parse_camt(report, "r")


@pytest.mark.parametrize("broken,phrase", [
    (b"<Document><BkToCstmrStmt><Stmt>", "not well-formed XML"),
    (stmt(NO_DETAILS).replace(b">40.00<", b">4O.00<"), "not a number"),
    (stmt(NO_DETAILS).replace(b"<CdtDbtInd>CRDT", b"<CdtDbtInd>XX"), "not CRDT or DBIT"),
    (stmt(NO_DETAILS).replace(b"2026-11-18", b"2026-13-18"), "not an ISO date"),
    (b'<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><Document>&e;</Document>', "not a camt"),
])
def test_bad_files_are_refused_clearly(broken: bytes, phrase: str) -> None:
    with pytest.raises(BankFileError, match=phrase) as refused:
        parse_camt(broken, "bad.xml")
    assert "bad.xml" in str(refused.value)


def test_single_transaction_takes_the_booked_amount_not_the_instructed_one() -> None:
    entry = NO_DETAILS.replace("<AddtlNtryInf>", "<NtryDtls><TxDtls><Refs><EndToEndId>E1</EndToEndId></Refs>"
                               "<AmtDtls><InstdAmt><Amt Ccy=\"USD\">45.10</Amt></InstdAmt></AmtDtls></TxDtls>"
                               "</NtryDtls><AddtlNtryInf>")
    payment = parse_camt(stmt(entry), "x").payments[0]
    assert (payment.bank_ref, payment.amount, payment.currency) == ("E1", Decimal("40.00"), "EUR")
