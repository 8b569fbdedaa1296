"""Reference and name normalisation: the keys every lookup of the matcher depends on."""
from __future__ import annotations

import pytest

from o2c.cash.normalize import alias_key, compact, core_key, looks_like_amount, name_tokens, ocr_key


@pytest.mark.parametrize("ref, expected", [("INV-204049", "INV204049"), ("inv 204 049", "INV204049"),
                                           ("INV204049", "INV204049")])
def test_compact_ignores_formatting(ref, expected):
    assert compact(ref) == expected


@pytest.mark.parametrize("ref, expected", [("INV-204049", "204049"), ("INV 0204049", "204049"),
                                           ("#204049", "204049"), ("INVOICE 00068252", "68252"),
                                           ("PAYMENT", None), ("INV-204I02", None)])
def test_core_key_drops_prefix_and_leading_zeros(ref, expected):
    assert core_key(ref) == expected


@pytest.mark.parametrize("ref, expected", [("INV-204I02", "204102"), ("INV-2O4l16", "204116"),
                                           ("INV-2O4S0B", "204508"), ("INV-204049", "204049"),
                                           ("HOSPITAL", None), ("AB", None)])
def test_ocr_key_undoes_confusions_but_not_the_prefix(ref, expected):
    assert ocr_key(ref) == expected


def test_amounts_are_not_references():
    assert looks_like_amount("10,530.40") and looks_like_amount("47.84")
    assert not looks_like_amount("204049")


def test_name_tokens_strip_legal_forms_and_expand_abbreviations():
    assert name_tokens("EASTBROOK GEN HOSP").tokens == ("EASTBROOK", "GENERAL", "HOSPITAL")
    assert name_tokens("Cedar Hills Hosp LLC").tokens == ("CEDAR", "HILLS", "HOSPITAL")
    assert name_tokens("Tri-State Orthopaedic").tokens == ("TRI", "STATE", "ORTHOPEDIC")
    assert alias_key("MMS Payables Inc.") == "MMS"
