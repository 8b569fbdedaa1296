"""The dispatcher: right parser by content, and a clear O2CError (file name + reason) for anything else."""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from o2c.formats.bank import BankFileError, detect_and_parse, parse_bank_file, sniff
from o2c.formats.bank import detect as detect_module
from o2c.kernel.errors import O2CError

BAI = ("01,B,U,261120,0600,1,,,2/\n02,U,B,1,261120,,USD,2/\n03,9,,010,0,,/\n16,195,100,0,REF1,,WIRE\n"
       "49,100,3/\n98,100,1,5/\n99,100,1,7/\n")
CSV = "check number,check amount\n12,10.00\n"


@pytest.mark.parametrize("data,kind", [
    (BAI.encode(), "bai2"), (b"\xef\xbb\xbf" + BAI.encode(), "bai2"), (b"<?xml version='1.0'?><Document xmlns="
     b"'urn:iso:std:iso:20022:tech:xsd:camt.054.001.04'/>", "camt"),
    (b"101 091000019 1234567892611200900A094101", "nacha"), (b"ISA*00*", "x12"), (b"OFXHEADER:100\n", "ofx"),
    (CSV.encode(), "csv"), (b"{\"a\": 1}", "json"), (b"hello world", "unknown"),
])
def test_sniff(data: bytes, kind: str) -> None:
    assert sniff(data) == kind


def test_paths_bytes_and_gzip_give_the_same_payments(tmp_path: Path) -> None:
    path = tmp_path / "stmt.txt"
    path.write_text(BAI)
    zipped = tmp_path / "stmt.gz"
    zipped.write_bytes(gzip.compress(BAI.encode()))
    refs = [[p.bank_ref for p in detect_and_parse(x, "f")] for x in (path, BAI.encode(), zipped)]
    assert refs == [["REF1"]] * 3
    assert detect_and_parse(CSV.encode(), "lb.csv")[0].bank_ref == "12"


@pytest.mark.parametrize("data,phrase", [
    (b"", "empty file"), (b"   \n\n", "empty file"), (b"\x00\x01\x02PK\x03\x04" * 20, "binary content"),
    (b"<?xml version='1.0'?><Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'><BkToCstmrStmt><Stmt>",
     "not well-formed XML"),
    (b"OFXHEADER:100\nDATA:OFXSGML\n<OFX>", "OFX"), (b"just some words", "unrecognised content"),
    (b"\x1f\x8b\x08\x00garbage", "damaged gzip"), (b"<html><body>hi</body></html>", "not an ISO 20022"),
    (BAI[:60].encode(), "99 file trailer"),
])
def test_refusals_name_the_file(data: bytes, phrase: str) -> None:
    with pytest.raises(O2CError, match=phrase) as refused:
        detect_and_parse(data, "incoming.dat")
    assert "incoming.dat" in str(refused.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BankFileError, match="cannot read"):
        parse_bank_file(tmp_path / "nope.bai")


def test_x12_without_a_reader_is_unsupported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect_module, "_x12_reader", lambda: None)
    with pytest.raises(O2CError, match="not supported"):
        detect_and_parse(b"ISA*00*          *00*", "remit.edi")


def test_parser_bug_becomes_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(data, source):
        raise KeyError("oops")
    monkeypatch.setattr(detect_module, "parse_bai2", broken)
    with pytest.raises(BankFileError, match="could not read the bai2 file"):
        detect_and_parse(BAI.encode(), "x.bai")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from([b"", b"01,", b"101", b"<Document>", b"check number,check amount\n", b"ISA"]),
       body=st.binary(max_size=300))
def test_never_crashes(prefix: bytes, body: bytes) -> None:
    try:
        detect_and_parse(prefix + body, "fuzz")
    except O2CError as refused:
        assert "fuzz" in str(refused) or refused.problems
