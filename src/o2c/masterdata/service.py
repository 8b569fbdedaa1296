"""``o2c load DIR``: store a master-data folder, all-or-nothing and idempotent.

The folder is read and checked first (``csv_import``), then checked against what is already stored
(a site may name a customer loaded last week). Only when there is no problem at all is anything
written, inside one transaction. Rows equal to what is stored are skipped, so loading the same folder
twice changes nothing: no row, no audit record, no journal entry. Opening inventory and opening
receivables become stock moves and opening invoices with their journal entries.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from o2c.inventory.model import COMPANY, OPENING
from o2c.inventory.service import move_stock
from o2c.kernel.errors import Problem, ValidationFailed
from o2c.kernel.money import round_money, to_minor
from o2c.ledger import model as ledger
from o2c.masterdata.csv_import import SPECS, MasterDataSet, Row, read_folder
from o2c.storage import schema as t
from o2c.storage.uow import UnitOfWork

ENTITY_TABLES = {
    "customers.csv": (t.customers, "customer"),
    "sites.csv": (t.sites, "site"),
    "items.csv": (t.items, "item"),
    "kit_components.csv": (t.kit_components, "kit_component"),
    "customer_items.csv": (t.customer_items, "customer_item"),
    "contracts.csv": (t.contracts, "contract"),
    "reps.csv": (t.reps, "rep"),
    "locations.csv": (t.locations, "location"),
    "physicians.csv": (t.physicians, "physician"),
    "par_levels.csv": (t.par_levels, "par_level"),
}


@dataclass
class LoadResult:
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict[str, int], file: str) -> None:
        bucket[file] = bucket.get(file, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated)

    def as_dict(self) -> dict:
        return {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged}


# --- reference checks: the folder against itself and against what is stored -------------------


class Known:
    """Ids present either in the folder being loaded or already in the database."""

    def __init__(self, conn: Connection, data: MasterDataSet):
        self.ids: dict[str, set[str]] = {}
        self.items: dict[str, dict] = {}
        for file, column, table in (("customers.csv", "customer_id", t.customers), ("sites.csv", "site_id", t.sites),
                                    ("items.csv", "item_id", t.items), ("reps.csv", "rep_id", t.reps),
                                    ("locations.csv", "location_id", t.locations)):
            stored = set(conn.execute(select(table.c[column])).scalars())
            self.ids[column] = stored | {r.values[column] for r in data.of(file)} | data.refused_ids.get(file, set())
        for row in conn.execute(select(t.items)).mappings():
            self.items[row["item_id"]] = dict(row)
        for row in data.of("items.csv"):
            self.items[row.values["item_id"]] = row.values

    def has(self, column: str, value: str | None) -> bool:
        return value is None or value in self.ids[column]


def _ref(problems: list[Problem], known: Known, row: Row, column: str, kind: str | None = None) -> None:
    value = row.values.get(column)
    target = kind or column
    if value is not None and not known.has(target, value):
        noun = target.removesuffix("_id")
        problems.append(Problem("unknown_reference", f"{noun} {value!r} does not exist", source=row.file,
                                line=row.line, field=column))


def check_references(conn: Connection, data: MasterDataSet) -> list[Problem]:
    known, problems = Known(conn, data), []
    for row in data.of("sites.csv"):
        _ref(problems, known, row, "customer_id")
    for row in data.of("customer_items.csv"):
        _ref(problems, known, row, "customer_id")
        _ref(problems, known, row, "item_id")
    for row in data.of("kit_components.csv"):
        _ref(problems, known, row, "kit_id", "item_id")
        _ref(problems, known, row, "item_id")
    for row in data.of("contracts.csv"):
        _check_contract(problems, known, row)
    for row in data.of("locations.csv"):
        _check_location(problems, known, row)
    for row in data.of("physicians.csv"):
        _ref(problems, known, row, "site_id")
    for row in data.of("par_levels.csv"):
        _ref(problems, known, row, "location_id")
        _ref(problems, known, row, "item_id")
        if row.values.get("max") is not None and row.values["max"] < row.values["par"]:
            problems.append(Problem("invalid", "max is below par", source=row.file, line=row.line, field="max"))
    for row in data.of("inventory.csv"):
        _check_inventory(problems, known, row)
    for row in data.of("open_items.csv"):
        _ref(problems, known, row, "customer_id")
        if row.values["due_date"] < row.values["invoice_date"]:
            problems.append(Problem("invalid", "is before invoice_date", source=row.file, line=row.line,
                                    field="due_date"))
    return problems


def _check_contract(problems: list[Problem], known: Known, row: Row) -> None:
    _ref(problems, known, row, "item_id")
    _ref(problems, known, row, "customer_id")
    v = row.values
    if bool(v.get("gpo_id")) == bool(v.get("customer_id")):
        problems.append(Problem("invalid", "needs exactly one of gpo_id or customer_id", source=row.file,
                                line=row.line, field="gpo_id"))
    if v.get("start_date") and v.get("end_date") and v["end_date"] < v["start_date"]:
        problems.append(Problem("invalid", "is before start_date", source=row.file, line=row.line, field="end_date"))


def _check_location(problems: list[Problem], known: Known, row: Row) -> None:
    for column in ("customer_id", "site_id", "rep_id"):
        _ref(problems, known, row, column)
    v = row.values
    if v["kind"] == "consignment" and not (v.get("customer_id") or v.get("site_id")):
        problems.append(Problem("required", "a consignment location needs customer_id or site_id",
                                source=row.file, line=row.line, field="customer_id"))
    if v["kind"] == "trunk" and not v.get("rep_id"):
        problems.append(Problem("required", "a trunk location needs rep_id", source=row.file, line=row.line,
                                field="rep_id"))


def _check_inventory(problems: list[Problem], known: Known, row: Row) -> None:
    _ref(problems, known, row, "location_id")
    _ref(problems, known, row, "item_id")
    item = known.items.get(row.values["item_id"])
    if item is None:
        return
    where = {"source": row.file, "line": row.line}
    if item.get("lot_controlled") and not row.values.get("lot"):
        problems.append(Problem("required", "item is lot-controlled: lot is required", field="lot", **where))
    if item.get("serial_controlled"):
        if not row.values.get("serial"):
            problems.append(Problem("required", "item is serial-controlled: serial is required", field="serial",
                                    **where))
        elif row.values["quantity"] != 1:
            problems.append(Problem("invalid", "a serial number is one unit: quantity must be 1",
                                    field="quantity", **where))


# --- writing ----------------------------------------------------------------------------------


def _stored_form(table, values: dict, attributes: dict) -> dict:
    row = {k: v for k, v in values.items() if k in table.c}
    if "attributes" in table.c:
        row["attributes"] = attributes
    return row


def _same(stored: dict, wanted: dict) -> bool:
    for key, value in wanted.items():
        have = stored.get(key)
        if isinstance(value, Decimal) and have is not None:
            if Decimal(have) != value:
                return False
        elif have != value:
            return False
    return True


def _upsert_entities(uow: UnitOfWork, file: str, rows: list[Row], key: tuple[str, ...],
                     result: LoadResult, source: str) -> None:
    table, entity = ENTITY_TABLES[file]
    stored = {tuple(r[k] for k in key): dict(r) for r in uow.conn.execute(select(table)).mappings()}
    for row in rows:
        wanted = _stored_form(table, row.values, row.attributes)
        ident = tuple(wanted[k] for k in key)
        current = stored.get(ident)
        entity_id = "/".join(str(i) for i in ident)
        if current is None:
            uow.conn.execute(insert(table).values(**wanted))
            result.count(result.inserted, file)
            uow.audit("created", entity, entity_id, wanted, document_ref=f"{source}/{file}:{row.line}")
        elif not _same(current, wanted):
            where = [table.c[k] == wanted[k] for k in key]
            uow.conn.execute(update(table).where(*where).values(**wanted))
            result.count(result.updated, file)
            changes = {k: [current.get(k), v] for k, v in wanted.items() if not _same({k: current.get(k)}, {k: v})}
            uow.audit("updated", entity, entity_id, changes, document_ref=f"{source}/{file}:{row.line}")
        else:
            result.count(result.unchanged, file)


def _opening_stock_ref(v: dict) -> str:
    return f"opening:{v['location_id']}|{v['item_id']}|{v.get('lot') or ''}|{v.get('serial') or ''}"


def _load_inventory(uow: UnitOfWork, rows: list[Row], result: LoadResult, source: str) -> None:
    m = t.stock_moves
    costs = dict(uow.conn.execute(select(t.items.c.item_id, t.items.c.standard_cost)).all())
    kinds = dict(uow.conn.execute(select(t.locations.c.location_id, t.locations.c.kind)).all())
    for row in rows:
        v, ref = row.values, _opening_stock_ref(row.values)
        moved_in = uow.conn.execute(select(func.coalesce(func.sum(m.c.quantity), 0)).where(
            m.c.document_ref == ref, m.c.to_location == v["location_id"])).scalar_one()
        moved_out = uow.conn.execute(select(func.coalesce(func.sum(m.c.quantity), 0)).where(
            m.c.document_ref == ref, m.c.from_location == v["location_id"])).scalar_one()
        difference = v["quantity"] - (int(moved_in) - int(moved_out))
        if difference == 0:
            result.count(result.unchanged, "inventory.csv")
            continue
        src, dst = (OPENING, v["location_id"]) if difference > 0 else (v["location_id"], OPENING)
        move_stock(uow, kind="opening", item_id=v["item_id"], from_location=src, to_location=dst,
                   quantity=abs(difference), lot=v.get("lot"), serial=v.get("serial"), expiry=v.get("expiry"),
                   owner=COMPANY, document_ref=ref)
        bucket = result.inserted if moved_in == 0 else result.updated
        result.count(bucket, "inventory.csv")
        uow.audit("opening_stock", "stock", ref, {"quantity": v["quantity"], "change": difference},
                  document_ref=f"{source}/inventory.csv:{row.line}")
        cost = costs.get(v["item_id"])
        if cost:
            value = to_minor(round_money(Decimal(cost) * abs(difference)))
            opening = ledger.opening_inventory(ref, value, ledger.inventory_account(kinds.get(v["location_id"])))
            uow.post(opening if difference > 0 else _reversed(opening))


def _reversed(entry: ledger.JournalEntry) -> ledger.JournalEntry:
    return ledger.JournalEntry(entry.event + "_reversal", entry.document_ref,
                               tuple(ledger.Posting(p.account, p.credit, p.debit, p.customer_id)
                                     for p in entry.postings))


def _load_open_items(uow: UnitOfWork, rows: list[Row], result: LoadResult, source: str) -> list[Problem]:
    problems = []
    inv = t.invoices
    for row in rows:
        v = row.values
        amount = to_minor(round_money(v["amount"], v["currency"]), v["currency"])
        wanted = {"invoice_number": v["invoice_number"], "series": None, "kind": "opening",
                  "customer_id": v["customer_id"], "po_number": v.get("po_number"), "issue_date": v["invoice_date"],
                  "due_date": v["due_date"], "currency": v["currency"], "subtotal_minor": amount,
                  "freight_minor": 0, "tax_minor": 0, "total_minor": amount}
        current = uow.conn.execute(select(inv).where(inv.c.invoice_number == v["invoice_number"])).mappings().first()
        if current is None:
            uow.conn.execute(insert(inv).values(**wanted, open_minor=amount, status="open" if amount else "paid",
                                                created_at=uow.now))
            uow.post(ledger.opening_receivable(v["invoice_number"], v["customer_id"], amount), v["invoice_date"])
            uow.audit("opening_receivable", "invoice", v["invoice_number"], {"amount": str(v["amount"])},
                      document_ref=f"{source}/open_items.csv:{row.line}")
            result.count(result.inserted, "open_items.csv")
        elif all(current[k] == w for k, w in wanted.items()):
            result.count(result.unchanged, "open_items.csv")
        else:
            problems.append(Problem("conflict", f"invoice {v['invoice_number']} is already on the books with "
                                    "other values; correct it with a credit memo, not a reload",
                                    source="open_items.csv", line=row.line, field="invoice_number"))
    return problems


def load_master_data(uow: UnitOfWork, folder: Path, progress=None) -> LoadResult:
    """Validate ``folder`` completely, then store it; raises ValidationFailed listing every problem.
    ``progress`` (optional) is told what is being read and stored, for long loads."""
    progress = progress or (lambda _message: None)
    progress(f"reading and checking {folder} ...")
    data = read_folder(folder)
    # Reference checks run even when some rows were refused, so one pass shows every problem.
    problems = list(data.problems) + check_references(uow.conn, data)
    if problems:
        raise ValidationFailed(f"{folder}: {len(problems)} problem(s); nothing was loaded", problems)
    result = LoadResult()
    source = folder.name
    for spec in SPECS:
        if spec.file in ENTITY_TABLES and spec.file in data.rows:
            progress(f"storing {spec.file} ({len(data.of(spec.file))} rows) ...")
            _upsert_entities(uow, spec.file, data.of(spec.file), spec.key, result, source)
    if data.of("inventory.csv"):
        progress(f"storing inventory.csv ({len(data.of('inventory.csv'))} rows) ...")
    _load_inventory(uow, data.of("inventory.csv"), result, source)
    if data.of("open_items.csv"):
        progress(f"storing open_items.csv ({len(data.of('open_items.csv'))} rows) ...")
    late_problems = _load_open_items(uow, data.of("open_items.csv"), result, source)
    if late_problems:
        raise ValidationFailed(f"{folder}: {len(late_problems)} problem(s); nothing was loaded", late_problems)
    if result.changed:
        uow.emit("master_data.loaded", "master_data", source, result.as_dict())
    return result
