"""The synthetic bank files must yield exactly the payments truth.json describes.

Truth is keyed by the spec's ``bank_ref``; every payment in truth must come out with the right amount,
payer name and value date, and no extra payment may appear.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from o2c.formats.bank import detect_and_parse

pytestmark = pytest.mark.corpus

FILES = {"bai2": "fhb_bai2_20261120.bai", "camt": "camt053_20261120.xml", "lockbox": "lockbox_4471_20261120.csv"}


@pytest.fixture(scope="module")
def bank_dir(corpus_dir: Path) -> Path:
    path = corpus_dir / "synthetic" / "bank"
    if not (path / "truth.json").is_file():
        pytest.skip("synthetic bank corpus absent")
    return path


@pytest.fixture(scope="module")
def truth(bank_dir: Path) -> dict[str, list[dict]]:
    by_format: dict[str, list[dict]] = {}
    for row in json.loads((bank_dir / "truth.json").read_text())["payments"]:
        by_format.setdefault(row["format"], []).append(row)
    return by_format


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_every_truth_payment_comes_out_right(bank_dir: Path, truth: dict, fmt: str) -> None:
    path = bank_dir / FILES[fmt]
    payments = detect_and_parse(path, path.name)
    got = {p.bank_ref: p for p in payments}
    assert len(got) == len(payments), "bank_ref repeats inside one synthetic file"
    expected = truth[fmt]
    assert sorted(got) == sorted(row["reference"] for row in expected)
    for row in expected:
        payment = got[row["reference"]]
        assert payment.amount == Decimal(row["amount"]), row["reference"]
        assert payment.payer_name == row["payer_name"], row["reference"]
        assert tuple(payment.alt_refs[: len(row["alt_refs"])]) == tuple(row["alt_refs"]), row["reference"]
        assert payment.is_credit and payment.currency == "USD"
        if fmt != "bai2":
            assert payment.value_date == date.fromisoformat(row["value_date"]), row["reference"]


def test_bai2_value_date_is_the_as_of_date(bank_dir: Path, truth: dict) -> None:
    """BAI2 16 records here carry no value date (funds type 0), so the statement's as-of date is the
    only date the file states; truth's per-payment dates are not in the file."""
    payments = detect_and_parse(bank_dir / FILES["bai2"], FILES["bai2"])
    assert {p.value_date for p in payments} == {date(2026, 11, 20)}


def test_source_keys_are_unique_and_stable(bank_dir: Path) -> None:
    for name in FILES.values():
        first = [p.source_key for p in detect_and_parse(bank_dir / name, name)]
        second = [p.source_key for p in detect_and_parse((bank_dir / name).read_bytes(), name)]
        assert first == second and len(set(first)) == len(first) and all(first)


def test_remittance_read_from_text_and_structure(bank_dir: Path) -> None:
    bai = {p.bank_ref: p for p in detect_and_parse(bank_dir / FILES["bai2"], FILES["bai2"])}
    multi = bai["FHB952347874"]
    assert [line.reference for line in multi.remittance] == ["INV-204014", "INV-204017", "INV-204018", "INV-204021"]
    assert sum(line.amount_paid for line in multi.remittance) == multi.amount
    discounted = bai["FHB939399957"].remittance[0]
    assert (discounted.invoice_amount, discounted.discount, discounted.amount_paid) == (
        Decimal("2392.13"), Decimal("47.84"), Decimal("2344.29"))
    assert "ORIG CO NAME:LAKESHORE RMC" in bai["FHB939399957"].extra["raw_text"]
    camt = {p.bank_ref: p for p in detect_and_parse(bank_dir / FILES["camt"], FILES["camt"])}
    short = camt["E2E-2066282647"].remittance[0]
    assert (short.reference, short.invoice_amount, short.adjustment, short.adjustment_reason) == (
        "INV-204106", Decimal("9850.00"), Decimal("120.00"), "RETURNED ITEM")
