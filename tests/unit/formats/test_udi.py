"""parse_udi: issuer detection, messy input, and never inventing a value."""
from __future__ import annotations

import re
from datetime import date

import pytest

from o2c.formats.hibc import mod43_check_character
from o2c.formats.udi import UdiError, clean_udi_text, parse_udi

TODAY = date(2026, 6, 1)
CANON = "(01)00885074257105(17)280331(10)L44512"


@pytest.mark.parametrize("text", [
    CANON,
    "(01) 00885074257105 (17) 280331 (10) L44512",
    "01 00885074257105 17 280331 10 L44512",
    "UDI: (01)00885074257105(17)280331(10)L44512",
    "0100885074257105172803311" + "0L44512",
    "010088507425710510L44512<GS>17280331",
    "010088507425710510L44512\\x1d17280331",
    "010088507425710510L44512\x1d17280331",
    "]d2010088507425710510L44512\x1d17280331",
    "\"010088507425710510L44512{GS}17280331\"",
    "https://id.gs1.org/01/00885074257105/10/L44512?17=280331",
    "[)>\x1e05\x1d0100885074257105\x1d10L44512\x1d17280331\x1e\x04",
])
def test_gs1_forms_agree(text):
    r = parse_udi(text, today=TODAY)
    assert (r.issuer, r.di, r.gtin, r.lot, r.expiry) == ("GS1", "00885074257105", "00885074257105",
                                                        "L44512", date(2028, 3, 31))
    assert r.warnings == ()


def test_normalized_form_is_bracketed():
    assert parse_udi("0100885074257105172803311" + "0L44512").normalized == CANON


def test_ambiguous_spaces_keep_only_what_is_certain():
    r = parse_udi("0100885074257105 10LOT 21SER")
    assert r.gtin == "00885074257105"
    assert r.lot is None and r.serial is None
    assert any("ambiguous" in w for w in r.warnings)


def test_bad_date_is_dropped_with_warning_not_guessed():
    r = parse_udi("(01)00885074257105(17)281331(10)L1")
    assert r.lot == "L1" and r.expiry is None
    assert any("(17)" in w for w in r.warnings)


def test_bare_gtin():
    r = parse_udi("0885074257105")
    assert (r.gtin, r.lot) == ("00885074257105", None)


@pytest.mark.parametrize("text", ["", "   ", "hello world", "(01)00885074257106(10)L1",
                                  "0100885074257105" + "10" + "X" * 25, "+A123BJC5D6E71H",
                                  "[)>\x1e06\x1d1TABC\x1e\x04", "12345"])
def test_refusals(text):
    with pytest.raises(UdiError):
        parse_udi(text)


def test_hibc_dispatch_and_spaces():
    code = "+A123BJC5D6E71/$$3280331L44512"
    code += mod43_check_character(code)
    for text in (code, f"*{code}*", " " + code[:6] + " " + code[6:]):
        r = parse_udi(text)
        assert (r.issuer, r.di, r.labeler, r.lot, r.expiry) == ("HIBCC", "A123BJC5D6E71", "A123", "L44512",
                                                               date(2028, 3, 31))


def test_iccbba_is_recognised_without_invented_fields():
    r = parse_udi("=)1TE123456A&)RZ12345678")
    assert r.issuer == "ICCBBA" and r.lot is None and r.di is None and r.warnings


def test_clean_udi_text_spellings():
    assert clean_udi_text("10A<gs>21B") == "10A\x1d21B"
    assert clean_udi_text("10A\u241d21B") == "10A\x1d21B"
    assert clean_udi_text("10A<FNC1>21B") == "10A\x1d21B"


def test_as_dict_is_json_ready():
    d = parse_udi(CANON, today=TODAY).as_dict()
    assert d["expiry"] == "2028-03-31" and d["issuer"] == "GS1" and d["warnings"] == []


def _fhir(corpus_dir, n):
    return (corpus_dir / "real" / "medical_device_udi" / "hl7-fhir-device-udi-examples"
            / f"device-example-udi{n}.xml").read_text()


def _attr(xml, tag):
    m = re.search(rf'<{tag} value="([^"]*)"', xml)
    return m.group(1) if m else None


def test_fhir_gs1_example_matches_its_own_fields(corpus_dir):
    xml = _fhir(corpus_dir, 1)
    r = parse_udi(_attr(xml, "carrierHRF"), today=TODAY)
    assert r.issuer == "GS1"
    assert r.di == _attr(xml, "deviceIdentifier")
    assert r.lot == _attr(xml, "lotNumber")
    assert r.expiry.isoformat() == _attr(xml, "expirationDate")
    assert r.serial in xml


def test_fhir_hibc_example_has_bad_check_character_and_is_refused(corpus_dir):
    with pytest.raises(UdiError, match="check character"):
        parse_udi(_attr(_fhir(corpus_dir, 3), "carrierHRF"))


def test_fhir_iccbba_example(corpus_dir):
    xml = _fhir(corpus_dir, 4).replace("&amp;", "&")
    assert parse_udi(_attr(xml, "carrierHRF")).issuer == "ICCBBA"
