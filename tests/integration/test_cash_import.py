"""Bank files into the database: corpus accuracy, idempotency, refusals and books that still balance."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from o2c.audit.service import verify
from o2c.cash.dbbench import find_scorer, rates, score_own, score_with
from o2c.cash.importing import import_bank_file
from o2c.formats.bank import BankFileError
from o2c.ledger.model import AR
from o2c.ledger.service import account_balance, trial_balance
from o2c.masterdata.service import load_master_data
from o2c.receivables.service import aging, aging_totals, open_items
from o2c.storage import schema as t
from o2c.storage.uow import unit_of_work

LATER = date(2100, 1, 1)


@pytest.fixture
def synthetic(db_url, corpus_dir) -> Path:
    """The synthetic corpus with its master data (and opening receivables) loaded."""
    root = corpus_dir / "synthetic"
    with unit_of_work("test") as uow:
        load_master_data(uow, root / "master")
    return root


def bank_files(root: Path) -> list[Path]:
    return [p for p in sorted((root / "bank").iterdir()) if p.is_file() and p.name != "truth.json"]


def import_all(root: Path) -> list[dict]:
    lines = []
    for path in bank_files(root):
        with unit_of_work("test") as uow:
            lines += [o.as_json() for o in import_bank_file(uow, path.read_bytes(), str(path))]
    return lines


def counts() -> dict[str, int]:
    with unit_of_work(read_only=True) as uow:
        return {table.name: uow.conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (t.payments, t.payment_applications, t.journal_entries, t.cash_exceptions,
                              t.cash_deductions, t.outbox)}


def assert_books_consistent() -> None:
    with unit_of_work(read_only=True) as uow:
        assert sum(trial_balance(uow.conn).values()) == 0
        open_total = sum(i["open_minor"] for i in open_items(uow.conn))
        assert sum(aging_totals(aging(uow.conn, LATER)).values()) == open_total
        assert account_balance(uow.conn, AR) == open_total
        assert verify(uow.conn) == []


def test_synthetic_bank_files_apply_accurately_once_and_keep_the_books_balanced(synthetic, tmp_path):
    """One corpus load per engine (loading is the slow part): accuracy floors, the contract shape,
    balanced books, then a re-import that changes nothing and reports the first outcomes."""
    first = import_all(synthetic)
    out = tmp_path / "cash.jsonl"
    out.write_text("".join(json.dumps(line) + "\n" for line in first))
    truth = synthetic / "bank" / "truth.json"
    scorer = find_scorer(synthetic)
    figures = rates(score_with(scorer, out, truth) if scorer else score_own(out, truth))
    assert figures["correct_auto_application_rate"] >= 0.95, figures
    assert figures["wrong_application_rate"] <= 0.002, figures
    # the built-in classification agrees with the acceptance scorer
    assert rates(score_own(out, truth))["correct_auto_application_rate"] == figures["correct_auto_application_rate"]
    assert_contract_shape(first)

    assert_books_consistent()
    with unit_of_work(read_only=True) as uow:
        assert trial_balance(uow.conn).get("4900 Sales discounts", 0) > 0   # discounts taken are booked

    before = counts()
    again = import_all(synthetic)
    assert counts() == before
    assert all(o.get("already_imported") for o in again)
    assert [(o["payment_id"], o["status"], o["applications"]) for o in again] == \
        [(o["payment_id"], o["status"], o["applications"]) for o in first]


def assert_contract_shape(lines: list[dict]) -> None:
    assert lines
    for line in lines:
        assert {"source", "bank_ref", "payment_id", "amount", "status", "applications"} <= set(line)
        assert line["status"] in {"applied", "partial", "unapplied", "exception"}
        assert isinstance(line["amount"], str)
        for app in line["applications"]:
            assert {"invoice_number", "amount"} <= set(app) and isinstance(app["amount"], str)


def test_a_refused_file_stores_nothing(db_url, corpus_dir):
    bai = next(p for p in bank_files(corpus_dir / "synthetic") if p.suffix == ".bai")
    lines = bai.read_text().splitlines()
    trailer = next(i for i, line in enumerate(lines) if line.startswith("99,"))
    fields = lines[trailer].split(",")
    fields[1] = str(int(fields[1]) + 100)          # the file's control total no longer adds up
    lines[trailer] = ",".join(fields)
    before = counts()
    with pytest.raises(BankFileError) as refused:
        with unit_of_work("test") as uow:
            import_bank_file(uow, ("\n".join(lines) + "\n").encode(), "tampered.bai")
    assert "tampered.bai" in str(refused.value)
    assert counts() == before
