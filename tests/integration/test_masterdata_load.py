"""o2c load: all-or-nothing, idempotent, line-precise refusals, on both engines."""
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from o2c.kernel.errors import ValidationFailed
from o2c.masterdata.service import load_master_data
from o2c.storage import schema as t
from o2c.storage.uow import unit_of_work

COUNTED = [t.customers, t.sites, t.items, t.contracts, t.stock_moves, t.invoices, t.audit_log, t.journal_entries]


def counts() -> dict[str, int]:
    with unit_of_work(read_only=True) as uow:
        return {tbl.name: uow.conn.execute(select(func.count()).select_from(tbl)).scalar_one() for tbl in COUNTED}


def load(folder: Path):
    with unit_of_work("test") as uow:
        return load_master_data(uow, folder)


def test_demo_master_loads_once_and_a_reload_changes_nothing(db_url, demo_master):
    first = load(demo_master)
    assert first.changed and first.inserted["customers.csv"] == 3
    before = counts()
    second = load(demo_master)
    assert not second.changed
    assert counts() == before


def _corrupt(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    items = (dst / "items.csv").read_text().splitlines()
    items[1] = items[1].replace("2450.00", "24x0.00")               # line 2: non-numeric price
    items[2] = items[2].replace("00812345000023", "00812345000024")  # line 3: wrong GTIN check digit
    (dst / "items.csv").write_text("\n".join(items) + "\n")
    sites = (dst / "sites.csv").read_text().splitlines()
    sites[4] = sites[4].replace(",D-200,", ",D-999,")                # line 5: unknown customer
    (dst / "sites.csv").write_text("\n".join(sites) + "\n")
    customers = (dst / "customers.csv").read_text().splitlines()
    customers.append(customers[1])                                   # line 5: duplicate id
    (dst / "customers.csv").write_text("\n".join(customers) + "\n")
    contracts = (dst / "contracts.csv").read_text().splitlines()
    contracts[0] = contracts[0].replace("unit_price", "price")       # missing required column
    (dst / "contracts.csv").write_text("\n".join(contracts) + "\n")
    return dst


def test_a_corrupted_copy_is_refused_line_by_line_and_nothing_is_written(db_url, demo_master, tmp_path):
    bad = _corrupt(demo_master, tmp_path / "bad")
    with pytest.raises(ValidationFailed) as err:
        load(bad)
    messages = [str(p) for p in err.value.problems]
    assert "items.csv:2: list_price: '24x0.00' is not a number" in messages
    assert "items.csv:3: gtin: '00812345000024' has a wrong check digit" in messages
    assert "sites.csv:5: customer_id: customer 'D-999' does not exist" in messages
    assert any(m.startswith("customers.csv:5: customer_id: duplicate customer_id D-100") for m in messages)
    assert "contracts.csv:1: unit_price: required column is missing" in messages
    assert all(c == 0 for c in counts().values())


def test_a_corrupted_copy_does_not_disturb_what_was_loaded(db_url, demo_master, tmp_path):
    load(demo_master)
    before = counts()
    with pytest.raises(ValidationFailed):
        load(_corrupt(demo_master, tmp_path / "bad"))
    assert counts() == before


def test_unknown_columns_are_kept_as_attributes_or_refused(db_url, demo_master, tmp_path):
    folder = tmp_path / "extra"
    shutil.copytree(demo_master, folder)
    customers = (folder / "customers.csv").read_text().splitlines()
    customers = [customers[0] + ",region"] + [line + ",west" for line in customers[1:]]
    (folder / "customers.csv").write_text("\n".join(customers) + "\n")
    inventory = (folder / "inventory.csv").read_text().splitlines()
    (folder / "inventory.csv").write_text("\n".join([inventory[0] + ",bin"] + [l + ",A1" for l in inventory[1:]]))
    with pytest.raises(ValidationFailed) as err:
        load(folder)
    assert any(str(p).startswith("inventory.csv:1: bin: unknown column") for p in err.value.problems)
    (folder / "inventory.csv").write_text("\n".join(inventory) + "\n")
    load(folder)
    with unit_of_work(read_only=True) as uow:
        attrs = uow.conn.execute(select(t.customers.c.attributes).where(t.customers.c.customer_id == "D-100")).scalar()
    assert attrs == {"region": "west"}


@pytest.mark.corpus
def test_synthetic_corpus_master_loads_and_reloads_unchanged(db_url, corpus_dir):
    folder = corpus_dir / "synthetic" / "master"
    result = load(folder)
    assert result.inserted["items.csv"] > 100
    before = counts()
    assert not load(folder).changed
    assert counts() == before
