"""GS1 check digits, dates and the three element-string forms, by hand and against real vectors."""
from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest

from o2c.formats.gs1 import (
    GS, GS1Error, ai_definition, gs1_check_digit, gs1_date, gtin_check_digit, is_valid_gtin,
    normalize_gtin, parse_digital_link, parse_element_string, parse_gs1, parse_hri,
)

TODAY = date(2026, 6, 1)


# ------------------------------------------------------------------ check digits

@pytest.mark.parametrize("gtin", ["96385074", "036000291452", "4006381333931", "00844588003288",
                                  "09504000059101", "10614141000415"])
def test_valid_gtins(gtin):
    assert is_valid_gtin(gtin)
    assert normalize_gtin(gtin) == gtin.zfill(14)
    assert gtin_check_digit(gtin[:-1]) == gtin[-1]


@pytest.mark.parametrize("bad", ["96385075", "036000291453", "4006381333932", "00844588003289",
                                 "1234567", "0084458800328A", "", "123456789012345"])
def test_invalid_gtins(bad):
    assert not is_valid_gtin(bad)
    with pytest.raises(GS1Error):
        normalize_gtin(bad)


def test_check_digit_for_sscc_and_gln():
    assert gs1_check_digit("00123456000000001") == "8"     # SSCC 001234560000000018
    assert gs1_check_digit("506091751000") == "4"          # GLN 5060917510004


def test_normalize_gtin_strips_spaces_and_dashes():
    assert normalize_gtin(" 0 0844588-003288 ") == "00844588003288"


# ------------------------------------------------------------------ dates

def test_day_zero_is_end_of_month_including_leap_february():
    assert gs1_date("240200", today=TODAY) == date(2024, 2, 29)
    assert gs1_date("250200", today=TODAY) == date(2025, 2, 28)
    assert gs1_date("261200", today=TODAY) == date(2026, 12, 31)
    assert gs1_date("260400", today=TODAY) == date(2026, 4, 30)


def test_day_zero_refused_where_not_allowed():
    with pytest.raises(GS1Error):
        gs1_date("240200", allow_day_zero=False, today=TODAY)


def test_century_window():
    # within 49 years back and 50 years ahead of the current year
    assert gs1_date("760101", today=TODAY) == date(2076, 1, 1)
    assert gs1_date("770101", today=TODAY) == date(1977, 1, 1)
    assert gs1_date("990101", today=date(2060, 1, 1)) == date(2099, 1, 1)
    assert gs1_date("100101", today=date(2060, 1, 1)) == date(2110, 1, 1)


@pytest.mark.parametrize("bad", ["241301", "240230", "2402", "24a201", "230229"])
def test_impossible_dates(bad):
    with pytest.raises(GS1Error):
        gs1_date(bad, today=TODAY)


# ------------------------------------------------------------------ forms

def test_raw_element_string_with_gs_and_symbology_identifier():
    r = parse_gs1("]d2010890381998765921S1ND6MPPFCGG6B869XES" + GS + "1731063010BNav4Cam2", today=TODAY)
    assert r.symbology == "]d2"
    assert (r.gtin, r.serial, r.lot, r.expiry) == ("08903819987659", "S1ND6MPPFCGG6B869XES",
                                                    "BNav4Cam2", date(2031, 6, 30))
    assert [e.ai for e in r.elements] == ["01", "21", "17", "10"]


def test_hri_and_braces_and_spaces():
    a = parse_gs1("(01) 00844588003288 (17) 141120 (10) 7654321D (21) 10987654d321")
    b = parse_gs1("{01}00844588003288{17}141120{10}7654321D{21}10987654d321")
    assert a.elements == b.elements
    assert a.expiry == date(2014, 11, 20) and a.serial == "10987654d321"
    assert a.hri() == "(01)00844588003288(17)141120(10)7654321D(21)10987654d321"


def test_hri_run_on_fixed_value_reads_as_element_string():
    r = parse_hri("(01)00841396198953108117117" + GS + "(17)230301", today=TODAY)
    assert (r.gtin, r.lot, r.expiry) == ("00841396198953", "8117117", date(2023, 3, 1))


def test_hri_value_may_contain_parentheses():
    r = parse_hri("(01)00844588003288(10)AB(1)C")
    assert r.lot == "AB(1)C"


def test_round_trip_element_string():
    text = "0105412345000013310300018939232172" + GS + "10ABC123"
    r = parse_element_string(text)
    assert r.element_string() == text
    assert r.elements[1].decimal == Decimal("0.189")
    assert r.elements[2].decimal == Decimal("2.172")   # AI 3923: three decimals


def test_amount_with_currency():
    r = parse_gs1("(01)05412345000013(30)2(3932)978123456")
    e = r.elements[2]
    assert (e.currency, e.decimal, r.quantity) == ("978", Decimal("1234.56"), 2)


def test_digital_link_with_query_and_short_gtin():
    r = parse_digital_link("https://example.com/some/prefix/01/5412345000013/10/AB%2F12?17=290300&linkType=gs1:pip",
                           today=TODAY)
    assert r.as_dict() == {"01": "05412345000013", "10": "AB/12", "17": "290300"}
    assert r.expiry == date(2029, 3, 31)


def test_compressed_digital_link_is_refused():
    with pytest.raises(GS1Error, match="compressed"):
        parse_gs1("https://id.gs1.org/AQnYUc1gmiCNV4JG")


def test_logistics_ais():
    r = parse_gs1("(00)001234560000000018(400)PO-77(410)5060917510004(37)12(8004)ASSET01(7003)2612311530")
    assert r.sscc == "001234560000000018" and r.quantity == 12
    assert r.elements[-1].date == date(2026, 12, 31)


@pytest.mark.parametrize("text, fragment", [
    ("0112345678901233", "check digit"),
    ("38SomeValue", "unknown application identifier"),
    ("011234567890123", "too short"),
    ("0105412345000013" + "10" + "A" * 21, "too long"),
    ("(01)0081705102232(11)121120", "too short"),
    ("(01)05412345000013(15)ABCDEF", "not allowed"),
    ("(00)001234560000000017", "check digit"),
    ("(410)5060917510005", "check digit"),
    ("(01)05412345000013(17)241301", "month"),
    ("", "no data"),
])
def test_errors(text, fragment):
    with pytest.raises(GS1Error, match=fragment):
        parse_gs1(text)


def test_lenient_mode_keeps_structure_but_not_bad_values():
    r = parse_gs1("010571351300053910175146" + GS + "1100000017000000", strict=False)
    assert r.gtin == "05713513000539" and r.lot == "175146"
    assert r.expiry is None and r.production_date is None
    assert len(r.problems) == 2
    assert [e.valid for e in r.elements] == [True, True, False, False]


def test_lenient_mode_still_refuses_unknown_structure():
    with pytest.raises(GS1Error):
        parse_gs1("0105412345000013" + "49XYZ", strict=False)


def test_ai_table_covers_medical_and_logistics_ais():
    for ai in ["00", "01", "02", "10", "11", "13", "15", "17", "21", "22", "30", "37", "240", "241", "250",
               "251", "3103", "3695", "3902", "3925", "400", "401", "403", "410", "417", "420", "421",
               "422", "7003", "7240", "8003", "8004", "8006", "8020", "8200", "91", "99"]:
        assert ai_definition(ai) is not None, ai
    assert ai_definition("01").predefined_length and not ai_definition("10").predefined_length
    assert ai_definition("7003").fixed_length == 10 and not ai_definition("7003").predefined_length
    assert ai_definition("38") is None


# ------------------------------------------------------------------ corpus vectors

def _gs1_corpus(corpus_dir):
    return corpus_dir / "real" / "gs1_udi_barcodes"


def _feature(path):
    return path.read_text(encoding="utf-8-sig")


def test_solidsoft_parse_entity_one_scenario_per_ai(corpus_dir):
    text = _feature(_gs1_corpus(corpus_dir) / "solidsoft-gs1ai-features" / "ParseEntity.feature")
    scenarios = text.split("Scenario:")[1:]
    assert len(scenarios) > 200
    for block in scenarios:
        given = re.search(r"Given the input is (\S+)", block).group(1)
        ai = re.search(r"And the AI should be (\S+)", block).group(1)
        value = re.search(r"And the value should be (.*)", block).group(1).strip()
        r = parse_gs1(given)
        assert [(e.ai, e.value) for e in r.elements] == [(ai, value)], given


def test_solidsoft_error_scenarios_all_raise(corpus_dir):
    text = _feature(_gs1_corpus(corpus_dir) / "solidsoft-gs1ai-features" / "Errors.feature")
    inputs = re.findall(r"Given the input is (\S+)", text)
    assert len(inputs) >= 8
    for given in inputs:
        with pytest.raises(GS1Error):
            parse_gs1(given)


def _table_rows(text, first_cell=r"(?:https?://|\d|\]|\()"):
    for m in re.finditer(r"^\s*\|\s*(" + first_cell + r"[^|]*?)\s*\|(.*)$", text, re.M):
        cells = [c.strip() for c in m.group(2).split("|")]
        yield m.group(1).replace("<GS>", GS), cells


def _pairs(cells):
    return [(cells[i], cells[i + 1]) for i in range(0, len(cells) - 1, 2)
            if cells[i] and not cells[i].startswith("<")]


def test_solidsoft_high_capacity_gs1_rows(corpus_dir):
    text = _feature(_gs1_corpus(corpus_dir) / "solidsoft-highcapacityaidc-features" / "Parser.feature")
    checked = 0
    for section in text.split("Scenario Outline:")[1:]:
        title = section.splitlines()[0]
        if "GS1 element string" not in title:
            continue
        for given, cells in _table_rows(section, r"\d"):
            if "invalid" in title:
                with pytest.raises(GS1Error):
                    parse_gs1(given)
            else:
                assert [(e.ai, e.value) for e in parse_gs1(given).elements] == _pairs(cells)
            checked += 1
    assert checked >= 8


def test_solidsoft_digital_link_extraction(corpus_dir):
    text = _feature(_gs1_corpus(corpus_dir) / "solidsoft-gs1digitallinklib-features" / "ExtractFromGs1DigitalLink.feature")
    checked = 0
    for uri, cells in _table_rows(text, r"https?://"):
        expected = _pairs(cells)
        path = re.sub(r"^https?://[^/]+/", "", uri).split("/")
        if len(path) != 2 * len(expected):       # compressed or partially compressed link
            continue
        assert [(e.ai, e.value) for e in parse_gs1(uri).elements] == expected, uri
        checked += 1
    assert checked >= 40


def test_solidsoft_digital_link_to_element_string(corpus_dir):
    text = _feature(_gs1_corpus(corpus_dir) / "solidsoft-gs1digitallinklib-features"
                    / "Gs1DigitalLinkToGs1ElementStrings.feature")
    checked = 0
    for uri, cells in _table_rows(text, r"https?://"):
        target = cells[0].replace("<GS>", GS)
        path = re.sub(r"^https?://[^/]+/", "", uri).split("/")
        if not target or not target[0].isdigit() or len(path) % 2:   # compressed links
            continue
        expected = parse_element_string(target)
        assert sorted(parse_gs1(uri).as_dict().items()) == sorted(expected.as_dict().items()), uri
        checked += 1
    assert checked >= 40


def test_biip_reference_parses_of_zxing_samples(corpus_dir):
    items = json.loads((_gs1_corpus(corpus_dir) / "DERIVED_biip-5.2.0_parses_of_zxing_gs1_samples.json").read_text())
    checked = 0
    for item in items:
        if "element_strings" not in item:
            continue
        r = parse_gs1(item["raw_content"], today=date(2026, 1, 1))
        assert r.hri() == item["hri"]
        for mine, ref in zip(r.elements, item["element_strings"], strict=True):
            assert (mine.ai, mine.value) == (ref["ai"], ref["value"])
            if "date" in ref:
                assert mine.date.isoformat() == ref["date"]
            if "decimal" in ref:
                assert mine.decimal == Decimal(ref["decimal"])
        checked += 1
    assert checked >= 200


def test_bardecoder_gs1_vectors(corpus_dir):
    data = json.loads((_gs1_corpus(corpus_dir)
                       / "DERIVED_hibc_gs1_udi_vectors_from_brixion-bardecoder_tests.json").read_text())
    good = bad = 0
    for item in data["tests/GS1Test.php::$gs1"]:
        text = item["gs1"].replace("<gs>", GS)
        try:
            r = parse_gs1(text, today=TODAY)
        except GS1Error:
            # only the vectors whose GTIN is not 14 digits or whose dates are 000000 may fail
            assert "(01)0081705102232(" in text or "000000" in text
            bad += 1
            continue
        assert r.lot == item["lot"]
        if item["expiry_date"]:
            assert r.expiry.isoformat() == item["expiry_date"]
        if item.get("date_of_manufacture"):
            assert r.production_date.isoformat() == item["date_of_manufacture"]
        assert item["product_code"] in (r.gtin or "") + (r.additional_id or "")
        good += 1
    assert good >= 6 and bad <= 2
