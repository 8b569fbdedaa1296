"""Payer recognition: accounts, aliases and abbreviated bank names."""
from __future__ import annotations

from o2c.cash.customers import CustomerDirectory, name_similarity
from o2c.cash.model import BankAccount, CustomerProfile
from o2c.cash.normalize import name_tokens

DIRECTORY = CustomerDirectory([
    CustomerProfile("C1", "Eastbrook General Hospital", accounts=(BankAccount("2864668252", "092891756"),)),
    CustomerProfile("C2", "Mercy General Hospital"),
    CustomerProfile("C3", "Meridian Medical Supply", aliases=("MMS Payables",)),
    CustomerProfile("C4", "Lakeshore Regional Medical Center"),
    CustomerProfile("C5", "Lakeshore Surgery Center"),
    CustomerProfile("C6", "Parkway Outpatient Surgery"),
    CustomerProfile("C7", "Westgate Surgical Institute"),
])


def top(name):
    found = DIRECTORY.by_name(name)
    return (found[0].customer_id, found[0].confidence) if found else (None, 0.0)


def test_bank_abbreviations_meet_the_full_name():
    cid, conf = top("EASTBROOK GEN HOSP")
    assert cid == "C1" and conf >= 0.95
    assert top("WESTGATE SURG INST")[0] == "C7"
    assert top("PARKWAY OP SURGERY LLC")[0] == "C6"


def test_initials_meet_a_run_of_words():
    assert top("LAKESHORE RMC")[0] == "C4"


def test_shared_generic_words_do_not_identify():
    cid, conf = top("EASTBROOK GEN HOSP")
    mercy = [c for c in DIRECTORY.by_name("EASTBROOK GEN HOSP") if c.customer_id == "C2"]
    assert not mercy or mercy[0].confidence < conf - 0.2


def test_unknown_payer_finds_nobody():
    assert DIRECTORY.by_name("ACME DENTAL LAB INC") == []
    assert DIRECTORY.by_name("J SMITH") == []


def test_account_is_exact_with_or_without_routing():
    assert [c.customer_id for c in DIRECTORY.by_account("2864668252", "092891756")] == ["C1"]
    assert DIRECTORY.by_account("2864668252", "092891756")[0].confidence >= 0.99
    assert DIRECTORY.by_account("9999", "092891756") == []


def test_learned_alias_is_an_exact_lookup():
    assert [c.customer_id for c in DIRECTORY.by_alias("MMS PAYABLES")] == ["C3"]


def test_learning_an_alias_extends_the_directory():
    d = CustomerDirectory([CustomerProfile("C9", "Pinecrest University Hospital")])
    assert d.by_alias("PINECREST HEALTH SYSTEM") == []
    d.learn_alias("C9", "Pinecrest Health System")
    assert d.by_alias("PINECREST HEALTH SYSTEM")[0].customer_id == "C9"


def test_similarity_is_low_for_one_shared_word():
    assert name_similarity(name_tokens("PINECREST HEALTH SYSTEM"),
                           name_tokens("Pinecrest University Hospital")) < 0.6
