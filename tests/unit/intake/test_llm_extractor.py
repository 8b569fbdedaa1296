"""The optional language-model extractor without a network: settings, masking, the prompt, the strict
check of the model's answer, filling and holding. The real HTTP exchange is in
tests/integration/test_llm_extractor.py."""
from __future__ import annotations

import json
import re
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from o2c.intake import llm
from o2c.kernel import config

DOCS = Path(__file__).resolve().parents[3] / "docs"

ON = llm.LLMSettings(enabled=True, base_url="http://127.0.0.1:9/v1", model="m")

PO_TEXT = """Mercy General Hospital   PURCHASE ORDER
Please quote our reference 4500098765 on every invoice.   Issued November 20, 2026
Ship to: Mercy General Hospital - Receiving, 2100 Capitol Ave
1  7103-1204  ACETABULAR SHELL 52MM  2  EA  1,450.00
Total USD 2,900.00"""


class FakeClient:
    def __init__(self, answer: dict | str | Exception):
        self.answer = answer
        self.calls: list[list[dict]] = []

    def complete(self, messages):
        self.calls.append(messages)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer if isinstance(self.answer, str) else json.dumps(self.answer)


def po_raw(**extra) -> dict:
    raw = {"document_type": "purchase_order", "customer_name_raw": "Mercy General Hospital", "po_number": None,
           "order_date": None, "currency": None, "procedure": None, "total": None, "warnings": [],
           "ship_to_raw": "Mercy General Hospital - Receiving, 2100 Capitol Ave",
           "lines": [{"line_no": 1, "item_raw": "7103-1204 ACETABULAR SHELL 52MM", "quantity": "2"}],
           "header_sources": {"customer_name_raw": {"confidence": 1.0}}}
    raw.update(extra)
    return raw


# ------------------------------------------------------------------ settings
def test_off_by_default_and_the_key_is_never_in_the_defaults():
    settings = llm.LLMSettings.from_settings(config.DEFAULTS["intake"])
    assert settings.enabled is False and settings.mode == "fill" and settings.problems == ()
    assert settings.allow_patient_data is False and settings.straight_through is False
    assert "api_key" not in config.DEFAULTS["intake"]["llm"]


def test_the_documented_example_section_is_valid_and_off():
    example = re.search(r"```toml\n(.*?)```", (DOCS / "configuration.md").read_text(), re.S).group(1)
    intake = tomllib.loads(example)["intake"]
    settings = llm.LLMSettings.from_settings(intake)
    assert settings.enabled is False and settings.base_url.endswith("/v1") and settings.model
    switched_on = llm.LLMSettings.from_settings({**intake, "llm": {**intake["llm"], "enabled": True}})
    assert switched_on.enabled and switched_on.problems == ()
    assert set(intake["llm"]) <= set(config.DEFAULTS["intake"]["llm"])
    assert "## Language model (optional)" in (DOCS / "intake.md").read_text()


def test_configuration_problems_disable_it_with_reasons():
    settings = llm.LLMSettings.from_settings({"llm": {"enabled": True, "base_url": "localhost:8000", "mode": "replace",
                                                      "api_key": "sk-secret", "timeout_seconds": -1}})
    text = " ".join(settings.problems)
    assert "api_key must not be in the configuration" in text and "base_url" in text and "model" in text
    assert "mode 'replace'" in text and "timeout_seconds" in text
    assert "sk-secret" not in text and settings.timeout_seconds == 30.0


def test_api_key_comes_from_the_named_environment_variable(monkeypatch):
    monkeypatch.setenv("MY_LLM_KEY", "k-123")
    settings = llm.LLMSettings.from_settings({"llm": {"api_key_env": "MY_LLM_KEY"}})
    assert settings.api_key() == "k-123"
    monkeypatch.delenv("MY_LLM_KEY")
    assert settings.api_key() is None


# ------------------------------------------------------------------ the wire format
def test_request_body_is_the_chat_completions_format_and_repr_hides_the_key():
    client = llm.OpenAIChatClient("http://h:8000/v1/", "qwen", api_key="sk-abc")
    assert client.url == "http://h:8000/v1/chat/completions"
    body = client.body([{"role": "user", "content": "x"}])
    assert body == {"model": "qwen", "messages": [{"role": "user", "content": "x"}], "temperature": 0,
                    "response_format": {"type": "json_object"}}
    assert "sk-abc" not in repr(client) and "sk-abc" not in client.url


def test_content_of_a_chat_completion():
    payload = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": "{\"a\": 1}"}}]})
    assert llm.content_of(payload.encode()) == "{\"a\": 1}"
    for bad in (b"not json", b"{}", b'{"choices": []}', b'{"choices": [{"message": {"content": null}}]}'):
        with pytest.raises(llm.LLMError):
            llm.content_of(bad)


def test_answer_object_reads_numbers_as_decimal_and_tolerates_a_fence():
    assert llm.answer_object('```json\n{"total": 2900.10}\n```') == {"total": Decimal("2900.10")}
    assert isinstance(llm.answer_object('{"total": 1.5}')["total"], Decimal)
    for bad in ("[1, 2]", "sure! the PO is 45", ""):
        with pytest.raises(llm.LLMError):
            llm.answer_object(bad)


# ------------------------------------------------------------------ patient data
@pytest.mark.parametrize("text, secret", [
    ("Patient MRN Case #\nMRN 0943284 CS-260009", "0943284"),
    ("MRN: 00123", "00123"),
    ("Medical Record No. A-55120", "A-55120"),
    ("Patient ID: PT-88412", "PT-88412"),
    ("Pt # 7781234 Room 4", "7781234"),
    ("Patient: Jane Q Doe   DOB: 03/04/1961", "Jane"),
    ("Patient: Jane Q Doe   DOB: 03/04/1961", "03/04/1961"),
    ("Date of Birth March 4, 1961", "1961"),
    ("SSN: 123-45-6789", "6789"),
])
def test_patient_identifiers_are_masked(text, secret):
    masked, count = llm.mask_patient_data(text)
    assert secret not in masked and llm.MASK in masked and count >= 1


def test_order_data_is_not_masked():
    text = "PO# 4500-12345  Case # CS-260009  7103-1204 lot L44512 SN 99812  Surgeon: Grace Reinholt, MD  11/06/2026"
    assert llm.mask_patient_data(text) == (text, 0)


def test_a_patient_reference_the_rules_read_is_masked_wherever_it_appears():
    masked, _ = llm.mask_patient_data("Case CS-1\n0943284\nref 0943284", ["MRN 0943284"])
    assert "0943284" not in masked and "CS-1" in masked


def test_prepare_text_masks_unless_allowed_and_cuts_to_the_limit():
    raw = {"procedure": {"patient_ref": "MRN 0011223"}}
    text = "MRN 0011223 " + "x" * 500
    sent = llm.prepare_text(text, raw, llm.LLMSettings(max_input_chars=300))
    assert "0011223" not in sent and len(sent) == 300
    allowed = llm.prepare_text(text, raw, llm.LLMSettings(allow_patient_data=True, max_input_chars=300))
    assert allowed.startswith("MRN 0011223")


# ------------------------------------------------------------------ what is asked
def test_wanted_fields_are_what_the_rules_left_null_for_this_kind_of_document():
    wanted = llm.wanted_fields(po_raw(), ON)
    assert "po_number" in wanted and "order_date" in wanted and "total" in wanted
    assert "customer_name_raw" not in wanted and "lines" not in wanted
    assert not any(key.startswith("procedure.") for key in wanted) and "document_type" not in wanted


def test_currency_is_asked_for_only_when_a_code_is_printed():
    assert "currency" in llm.wanted_fields(po_raw(), ON, PO_TEXT)
    assert "currency" not in llm.wanted_fields(po_raw(), ON, "Total $2,900.00")


def test_low_confidence_readings_are_wanted_too_and_patient_data_only_when_allowed():
    raw = po_raw(document_type="case_sheet", po_number="45OOO9", lines=[],
                 header_sources={"po_number": {"confidence": 0.3}})
    wanted = llm.wanted_fields(raw, ON)
    assert "po_number" in wanted and "lines" in wanted and "procedure.date" in wanted
    assert "procedure.patient_ref" not in wanted and "order_date" not in wanted
    allowed = llm.LLMSettings(enabled=True, allow_patient_data=True)
    assert "procedure.patient_ref" in llm.wanted_fields(raw, allowed)
    assert "document_type" in llm.wanted_fields(po_raw(document_type="unknown"), ON)


def test_messages_hold_the_schema_of_the_wanted_keys_and_the_text():
    messages = llm.build_messages("DOC TEXT", ["po_number", "procedure.date", "lines"])
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "JSON" in messages[0]["content"] and "never guess" in messages[0]["content"]
    schema = json.loads(messages[1]["content"].split("\n\nDocument text:")[0].split("\n", 1)[1])
    assert set(schema) == {"po_number", "procedure", "lines"} and set(schema["procedure"]) == {"date"}
    assert set(schema["lines"][0]) == set(llm.LINE_FIELDS)
    assert messages[1]["content"].endswith("<<<\nDOC TEXT\n>>>")


# ------------------------------------------------------------------ checking the answer
def test_only_values_found_in_the_text_are_taken():
    answer = {"po_number": "4500098765", "order_date": "2026-11-20", "total": "2,900.00", "currency": "USD",
              "customer_id": "C-9", "vendor_bank": "x"}
    checked = llm.check_answer(answer, ["po_number", "order_date", "total", "currency"], PO_TEXT)
    assert checked.fields == {"po_number": "4500098765", "order_date": "2026-11-20", "total": "2900.00",
                              "currency": "USD"}
    assert checked.discarded == []


def test_invented_or_malformed_values_are_discarded():
    answer = {"po_number": "4500098766", "order_date": "11/20/2026", "total": "3000.00", "currency": "EUR"}
    checked = llm.check_answer(answer, ["po_number", "order_date", "total", "currency"], PO_TEXT)
    assert checked.fields == {} and sorted(checked.discarded) == ["currency", "order_date", "po_number", "total"]


def test_a_date_must_be_iso_and_printed_in_some_spelling():
    found = llm._Text("Date of surgery 11/06/26 and expiry 2028-03-31, issued 6 Nov 2026")
    assert llm.check_value("date", "2026-11-06", found) == "2026-11-06"
    assert llm.check_value("date", "2028-03-31", found) == "2028-03-31"
    assert llm.check_value("date", "2026-11-07", found) is None
    assert llm.check_value("date", "2026-02-30", found) is None
    assert llm._norm("November 6th, 2026") in llm.date_spellings(date(2026, 11, 6))


def test_money_and_quantities():
    found = llm._Text("Qty 2  unit 1.450,00 EUR  line 42.24")
    assert llm.check_value("money", "1450.00", found) == "1450.00"
    assert llm.check_value("money", Decimal("42.24"), found) == "42.24"
    assert llm.check_value("money", "-42.24", found) is None
    assert llm.check_value("quantity", Decimal("2.0"), found) == "2"
    assert llm.check_value("quantity", "0", found) is None
    assert llm.check_value("quantity", True, found) is None
    assert llm.check_value("money", "lots", found) is None


def test_identifiers_need_a_digit_and_redacted_text_is_never_a_value():
    found = llm._Text("PO NUMBER: VERBAL   Case # CS-1  MRN [REDACTED]")
    assert llm.check_value("id", "VERBAL", found) is None
    assert llm.check_value("id", "CS-1", found) == "CS-1"
    assert llm.check_value("patient", "MRN [REDACTED]", found) is None
    assert llm.check_value("text", "[REDACTED]", found) is None


def test_lines_need_a_found_item_and_quantity():
    answer = {"lines": [{"item_raw": "7103-1204 ACETABULAR SHELL 52MM", "quantity": 2, "uom": "EA",
                         "unit_price": "1450.00", "lot": "L999"},
                        {"item_raw": "9999-0000 INVENTED", "quantity": "1"}, "junk"]}
    checked = llm.check_answer(answer, ["lines"], PO_TEXT)
    assert checked.lines == [{"item_raw": "7103-1204 ACETABULAR SHELL 52MM", "customer_item_ref": None,
                              "quantity": "2", "uom": "EA", "unit_price": "1450.00", "lot": None, "serial": None,
                              "expiry": None}]
    assert checked.discarded == ["lines[2]", "lines[3]"]


def test_keys_not_asked_for_are_dropped():
    checked = llm.check_answer({"po_number": "4500098765", "total": "2900.00"}, ["total"], PO_TEXT)
    assert checked.fields == {"total": "2900.00"}


# ------------------------------------------------------------------ filling
def test_fill_takes_what_is_found_marks_it_and_warns():
    client = FakeClient({"po_number": "4500098765", "order_date": "2026-11-20", "total": "2900.00",
                         "ship_to_raw": "Somewhere Else 1"})
    raw = llm.fill(po_raw(), PO_TEXT, ON, client)
    assert raw["po_number"] == "4500098765" and raw["order_date"] == "2026-11-20" and raw["total"] == "2900.00"
    assert raw["header_sources"]["po_number"] == {"extractor": "llm", "confidence": 0.6}
    assert raw["ship_to_raw"] == "Mercy General Hospital - Receiving, 2100 Capitol Ave"
    assert any("language model filled po_number, order_date, total" in w for w in raw["warnings"])
    assert PO_TEXT in client.calls[0][1]["content"]


def test_good_rule_based_values_are_never_replaced_and_low_confidence_ones_may_be():
    raw = po_raw(po_number="4500098765", header_sources={"po_number": {"confidence": 0.99}},
                 order_date="2026-11-02", total="2,900.00")
    raw["header_sources"]["order_date"] = {"confidence": 0.2}
    client = FakeClient({"po_number": "4500098766", "order_date": "2026-11-20", "currency": "USD"})
    llm.fill(raw, PO_TEXT, ON, client)
    assert raw["po_number"] == "4500098765" and raw["order_date"] == "2026-11-20"
    assert "replaced a low-confidence reading" in " ".join(raw["warnings"])


def test_lines_are_filled_only_when_the_rules_read_none():
    client = FakeClient({"lines": [{"item_raw": "7103-1204 ACETABULAR SHELL 52MM", "quantity": "2"}]})
    raw = llm.fill(po_raw(lines=[], po_number="4500098765", order_date="2026-11-20", total="2900.00",
                          currency="USD"), PO_TEXT, ON, client)
    assert raw["lines"][0]["item_raw"].startswith("7103-1204") and raw["lines"][0]["line_no"] == 1
    assert raw["lines"][0]["source"] == {"extractor": "llm"} and raw["lines"][0]["confidence"] == 0.6


def test_nothing_wanted_means_no_request():
    client = FakeClient({})
    raw = po_raw(po_number="1", order_date="2026-11-20", total="1", currency="USD")
    assert llm.fill(raw, PO_TEXT, ON, client) is raw and client.calls == []


@pytest.mark.parametrize("failure", [llm.LLMError("http://x answered HTTP 500 Internal Server Error"),
                                     "not json at all", "[1]"])
def test_a_failure_leaves_the_extraction_unchanged_with_a_warning(failure):
    before = po_raw()
    raw = llm.fill(po_raw(), PO_TEXT, ON, FakeClient(failure))
    warnings = raw.pop("warnings")
    before.pop("warnings")
    assert raw == before and len(warnings) == 1 and warnings[0].startswith("language model extractor not used")


def test_fill_raw_is_off_by_default_and_drops_the_kept_text():
    client = FakeClient({"po_number": "4500098765"})
    raw = llm.fill_raw(po_raw(_text=PO_TEXT), "pdf", b"%PDF", settings=llm.LLMSettings(), client=client)
    assert client.calls == [] and "_text" not in raw and raw["po_number"] is None


def test_fill_raw_never_raises():
    class Broken:
        def complete(self, messages):
            raise RuntimeError("bug")

    raw = llm.fill_raw(po_raw(_text=PO_TEXT), "pdf", b"%PDF", settings=ON, client=Broken())
    assert raw["po_number"] is None and "_text" not in raw
    assert raw["warnings"] == ["language model extractor failed (RuntimeError)"]


def test_fill_raw_reports_configuration_problems_without_asking():
    client = FakeClient({"po_number": "4500098765"})
    bad = llm.LLMSettings.from_settings({"llm": {"enabled": True, "base_url": "", "model": "m"}})
    raw = llm.fill_raw(po_raw(_text=PO_TEXT), "pdf", b"%PDF", settings=bad, client=client)
    assert client.calls == [] and "base_url" in raw["warnings"][0]


def test_document_text_by_kind():
    eml = b"From: a@b.org\nTo: c@d.org\nSubject: PO 77\n\nplease send 2 x 7103-1204\n"
    assert "Subject: PO 77" in llm.document_text("email", eml, {})
    assert "attached page" in llm.document_text("email", eml, {"_text": "attached page"})
    assert llm.document_text("sms", "used 2 7103".encode(), {}) == "used 2 7103"
    assert llm.document_text("x12", b"ISA*", {}) == ""


def test_a_filled_document_is_held_for_a_person_unless_straight_through():
    doc = {"confidence": 0.95, "header_sources": {"po_number": {"extractor": "llm", "confidence": 0.6}},
           "lines": [{"source": "edi"}]}
    assert llm.hold_for_check(dict(doc), settings=ON)["confidence"] == 0.59
    trusting = llm.LLMSettings(enabled=True, straight_through=True)
    assert llm.hold_for_check(dict(doc), settings=trusting)["confidence"] == 0.95
    untouched = {"confidence": 0.95, "header_sources": {"po_number": {"confidence": 1.0}}, "lines": []}
    assert llm.hold_for_check(dict(untouched), settings=ON)["confidence"] == 0.95
    by_line = {"confidence": 0.9, "lines": [{"source": {"extractor": "llm"}}]}
    assert llm.hold_for_check(by_line, settings=ON)["confidence"] == 0.59
