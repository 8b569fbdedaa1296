"""Generated bank-file variants through ``import_bank_file`` on a real database: the same floors as
the pure engine, so that loading the book and directory from the store loses nothing."""
from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert

from o2c.cash.importing import KIND_ACCOUNT, import_bank_file
from o2c.masterdata.service import load_master_data
from o2c.storage import schema as t
from o2c.storage.uow import unit_of_work
from tests.unit.cash.variants.bankgen import World
from tests.unit.cash.variants.evaluate import build_bed, classify

CUSTOMER_COLUMNS = ("customer_id", "name", "kind", "gpo_id", "email", "phone", "payment_terms", "credit_limit",
                    "currency", "edi_id", "tax_rate")


def write_master(world: World, folder: Path) -> Path:
    folder.mkdir()
    with (folder / "customers.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(CUSTOMER_COLUMNS)
        for c in world.customers:
            out.writerow([c.cid, c.name, "hospital", "", "", "", c.terms, "9000000.00", "USD", "", "0.00"])
    with (folder / "open_items.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(("invoice_number", "customer_id", "invoice_date", "due_date", "amount", "currency", "po_number"))
        for i in world.invoices:
            out.writerow([i.number, i.cid, i.issued.isoformat(), i.due.isoformat(), f"{i.amount:.2f}", "USD", i.po])
    return folder


def test_generated_variants_import_without_wrong_applications(db_url, tmp_path):
    bed = build_bed(5)
    with unit_of_work("test") as uow:
        load_master_data(uow, write_master(bed.world, tmp_path / "master"))
        for cid, (routing, account) in bed.world.learned_accounts.items():
            uow.conn.execute(insert(t.learned_aliases).values(kind=KIND_ACCOUNT, alias=f"{routing}|{account}",
                                                              target=cid, learned_at=uow.now, learned_by="test"))
    outcomes = {}
    for name, data in bed.files:
        with unit_of_work("test") as uow:
            for o in import_bank_file(uow, data, name):
                outcomes[(name, o.bank_ref)] = o.as_json()
    assert set(outcomes) == set(bed.expected)
    counts = {}
    for key, p in bed.expected.items():
        applied = {}
        for a in outcomes[key]["applications"]:
            applied[a["invoice_number"]] = applied.get(a["invoice_number"], Decimal(0)) + Decimal(str(a["amount"]))
        outcome = classify(p, applied)
        counts[outcome] = counts.get(outcome, 0) + 1
    assert counts.get("wrong", 0) == 0, counts
    assert counts.get("correct", 0) / len(bed.expected) >= 0.95, counts
