"""``o2c bench cash DIR``: cash application measured through the product path, database included.

Three figures matter to a controller and each has its own run:

1. accuracy on a corpus: the master data (with ``open_items.csv``) is loaded into a scratch SQLite
   database, every bank file is imported in name order exactly as ``o2c cash import`` does, and the
   JSON lines are scored against ``bank/truth.json`` (correct automatic applications, wrong
   applications, money left unapplied that should have been applied);
2. throughput at scale: 10,000 lockbox lines against 100,000 open items, imported into a scratch
   database (target: 10 s);
3. aging at scale: ``receivables.service.aging`` over 1,000,000 open items against a bare per-customer
   sum, in the same run (target ratio: 1.5).

The scorer of the acceptance checks is used when it can be found beside the corpus
(``tools/score_cash.py``); otherwise an equivalent classification written here is used, so the
product never needs that folder.
"""
from __future__ import annotations

import csv
import importlib.util
import io
import json
import random
import tempfile
import time
from contextlib import redirect_stdout
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Callable

from sqlalchemy import insert, text

from o2c.storage import schema as t
from o2c.cash.bench import _made_up_word  # one generator of customer-like names for both benches

Progress = Callable[[str], None]
AS_OF = date(2026, 11, 20)


# ================================================================== 1. corpus accuracy

def _scratch_url(folder: Path, name: str) -> str:
    return f"sqlite:///{folder / name}"


def import_corpus(corpus: Path, url: str, out: Path) -> dict:
    """Load master data, import every bank file in name order, write the JSON lines; returns counts."""
    from o2c.cash.importing import import_bank_file
    from o2c.masterdata.service import load_master_data
    from o2c.storage.migrate import migrate
    from o2c.storage.uow import unit_of_work
    migrate(url)
    with unit_of_work("bench", url=url) as uow:
        load_master_data(uow, corpus / "master")
    lines, refused = [], []
    started = time.perf_counter()
    for path in sorted((corpus / "bank").iterdir()):
        if not path.is_file() or path.name == "truth.json":
            continue
        try:
            with unit_of_work("bench", url=url) as uow:
                lines += [o.as_json() for o in import_bank_file(uow, path.read_bytes(), str(path))]
        except Exception as exc:   # noqa: BLE001 - a bench reports refused files and goes on
            refused.append(f"{path.name}: {exc}")
    seconds = time.perf_counter() - started
    out.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return {"payments": len(lines), "seconds": seconds, "refused_files": refused}


def find_scorer(corpus: Path) -> Path | None:
    """``tools/score_cash.py`` in the corpus folder or any folder above it."""
    for folder in [corpus, *corpus.resolve().parents]:
        candidate = folder / "tools" / "score_cash.py"
        if candidate.is_file():
            return candidate
    return None


def score_with(scorer: Path, out: Path, truth: Path) -> dict:
    """Run the acceptance scorer in-process and read its JSON report."""
    spec = importlib.util.spec_from_file_location("o2c_cash_scorer", scorer)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        with redirect_stdout(io.StringIO()):
            module.main([str(out), str(truth), "--json", str(report)])
        return json.loads(report.read_text(encoding="utf-8"))


def _amount(value) -> Decimal | None:
    try:
        return Decimal(str(value).replace(",", ""))
    except Exception:   # noqa: BLE001
        return None


def _outcome(expected: list[dict], got: dict[str, Decimal]) -> str:
    """correct | false | unapplied | mismatch, as the acceptance checks define them."""
    exp = {}
    for a in expected:
        options = {_amount(a["amount"])}
        if a.get("discount"):
            options.add(_amount(a["amount"]) + _amount(a["discount"]))
        exp[a["invoice_number"].strip().upper()] = options
    if not exp:
        return "correct" if not got else "false"
    if not got:
        return "unapplied"
    if any(k not in exp for k in got):
        return "false"
    if set(got) == set(exp) and all(any(abs(got[k] - x) <= Decimal("0.005") for x in exp[k]) for k in exp):
        return "correct"
    return "mismatch"


def score_own(out: Path, truth: Path) -> dict:
    """The same classification as the acceptance scorer, matched by bank reference (or alternate
    reference), for when that scorer is not available."""
    payments = json.loads(truth.read_text(encoding="utf-8"))["payments"]
    outputs = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        if line.strip():
            o = json.loads(line)
            outputs.setdefault(str(o.get("bank_ref") or "").strip().upper(), o)
    details, should, applied_ok = [], 0, 0
    for p in payments:
        o = next((outputs[r.upper()] for r in [p["reference"], *(p.get("alt_refs") or [])]
                  if r.upper() in outputs), None)
        if o is None:
            result = "missing"
        else:
            got: dict[str, Decimal] = {}
            for a in o.get("applications") or []:
                amount = _amount(a.get("amount"))
                if amount:
                    key = str(a.get("invoice_number") or "").strip().upper()
                    got[key] = got.get(key, Decimal(0)) + amount
            result = _outcome(p["applications"], got)
        should += bool(p["applications"])
        applied_ok += bool(p["applications"]) and result == "correct"
        details.append({"reference": p["reference"], "outcome": result, "expected": p["applications"]})
    n = len(payments) or 1
    return {"payments": len(payments), "details": details,
            "correct": sum(d["outcome"] == "correct" for d in details) / n,
            "false": sum(d["outcome"] == "false" for d in details) / n,
            "auto_applied_correct": applied_ok / should if should else None}


def rates(report: dict) -> dict:
    """The three rates a controller reads: right automatic applications (of those that should be
    applied), wrong applications (of all payments), money left unapplied that should have been applied."""
    details = report.get("details", [])
    should = [d for d in details if d["expected"]]
    n = len(details) or 1
    return {"truth_payments": len(details),
            "correct_auto_application_rate": report.get("auto_applied_correct"),
            "wrong_application_rate": sum(d["outcome"] == "false" for d in details) / n,
            "left_unapplied_rate": sum(d["outcome"] == "unapplied" for d in should) / (len(should) or 1),
            "correct_overall": report.get("correct")}


def corpus_figures(corpus: Path, folder: Path, out: Path | None = None) -> dict:
    out = out or folder / "cash_import.jsonl"
    counts = import_corpus(corpus, _scratch_url(folder, "corpus.db"), out)
    truth = corpus / "bank" / "truth.json"
    figures = {"output": str(out), **counts,
               "payments_per_second": round(counts["payments"] / counts["seconds"]) if counts["seconds"] else None}
    if truth.is_file():
        scorer = find_scorer(corpus)
        report = score_with(scorer, out, truth) if scorer else score_own(out, truth)
        figures.update(rates(report), scorer=str(scorer) if scorer else "built-in")
    return figures


# ================================================================== 2. 10,000 lines x 100,000 open items

_WORDS = ["Mercy", "Summit", "Lake", "River", "Cedar", "Pine", "Harbor", "Maple", "Valley", "Ridge", "Grove"]
_KINDS = ["General Hospital", "Medical Center", "Surgery Center", "Orthopedic Clinic", "Health System"]


def seed_customers(conn, n: int, rng: random.Random) -> list[tuple[str, str]]:
    rows = [{"customer_id": f"C{i:05d}", "name": f"{rng.choice(_WORDS)} {_made_up_word(i)} {rng.choice(_KINDS)}",
             "kind": "hospital", "payment_terms": rng.choice(["NET30", "2/10 NET30"]), "currency": "USD",
             "tax_rate": Decimal(0), "on_hold": False, "attributes": {}} for i in range(n)]
    conn.execute(insert(t.customers), rows)
    return [(r["customer_id"], r["name"]) for r in rows]


def seed_invoices(conn, customers: list[tuple[str, str]], n: int, rng: random.Random, progress: Progress,
                  chunk: int = 50_000) -> list[tuple[str, str, int]]:
    """Opening invoices straight into the table in large executemany chunks (a bench, not a load)."""
    made = []
    for start in range(0, n, chunk):
        rows = []
        for k in range(start, min(n, start + chunk)):
            customer_id = customers[rng.randrange(len(customers))][0]
            cents = rng.randrange(5_000, 2_500_000)
            issued = AS_OF - timedelta(days=rng.randrange(1, 150))
            rows.append((f"INV-{300000 + k}", "opening", customer_id, f"PO{rng.randrange(10**6):06d}",
                         issued.isoformat(), (issued + timedelta(days=30)).isoformat(), "USD",
                         cents, cents, cents, "open", "2026-11-20 00:00:00.000000"))
            made.append((rows[-1][0], customer_id, cents))
        conn.exec_driver_sql(
            "INSERT INTO invoices (invoice_number, kind, customer_id, po_number, issue_date, due_date, currency, "
            "subtotal_minor, total_minor, open_minor, status, created_at, freight_minor, tax_minor) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)", rows)
        progress(f"  open items: {min(n, start + chunk):,} of {n:,}")
    return made


LOCKBOX_HEADER = ["lockbox_id", "deposit_date", "batch", "item", "item_ref", "check_number", "check_amount",
                  "remitter_name", "remitter_aba", "remitter_account", "invoice_number", "amount_paid"]


def lockbox_file(items: list[tuple[str, str, int]], names: dict[str, str], n: int, rng: random.Random) -> bytes:
    """A lockbox CSV of ``n`` checks, one invoice each: most with the reference as billed, some
    OCR-mangled, some with no invoice at all (matched on amount), as a bank's lockbox looks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LOCKBOX_HEADER)
    for k, (number, customer_id, cents) in enumerate(rng.sample(items, n)):
        roll = rng.random()
        ref = number if roll < 0.8 else number.replace("1", "I").replace("0", "O") if roll < 0.9 else ""
        amount = f"{Decimal(cents).scaleb(-2):.2f}"
        writer.writerow(["LBX-1", AS_OF.isoformat(), f"{k // 100:03d}", f"{k % 100:04d}", f"LB-{k:06d}",
                         f"{100000 + k}", amount, names[customer_id].upper(), "021000021", f"{9000000 + k}",
                         ref, amount if ref else ""])
    return buffer.getvalue().encode()


def scale_import(folder: Path, payments: int, items: int, progress: Progress, seed: int = 11) -> dict:
    """Time ``import_bank_file`` of one generated lockbox file against a database of open items."""
    from o2c.cash.importing import import_bank_file
    from o2c.storage.migrate import migrate
    from o2c.storage.uow import unit_of_work
    url = _scratch_url(folder, "scale_import.db")
    migrate(url)
    rng = random.Random(seed)
    progress(f"generating {items:,} open items and {payments:,} lockbox lines ...")
    with unit_of_work("bench", url=url) as uow:
        customers = seed_customers(uow.conn, max(50, items // 50), rng)
        made = seed_invoices(uow.conn, customers, items, rng, progress)
    data = lockbox_file(made, dict(customers), payments, rng)
    progress("importing the lockbox file ...")
    started = time.perf_counter()
    with unit_of_work("bench", url=url) as uow:
        outcomes = import_bank_file(uow, data, "scale_lockbox.csv")
    seconds = time.perf_counter() - started
    statuses: dict[str, int] = {}
    for o in outcomes:
        statuses[o.status] = statuses.get(o.status, 0) + 1
    return {"payments": len(outcomes), "open_items": items, "seconds": round(seconds, 2),
            "payments_per_second": round(len(outcomes) / seconds) if seconds else None, "statuses": statuses}


# ================================================================== 3. aging over 1,000,000 open items

def _best_of(runs: int, fn: Callable[[], object]) -> float:
    best = None
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best


def scale_aging(folder: Path, items: int, progress: Progress, seed: int = 13, runs: int = 3) -> dict:
    """Aging against the bare ``SELECT customer_id, sum(open_minor) ... GROUP BY customer_id``."""
    from o2c.receivables.service import aging
    from o2c.storage.migrate import migrate
    from o2c.storage.uow import unit_of_work
    url = _scratch_url(folder, "scale_aging.db")
    migrate(url)
    rng = random.Random(seed)
    progress(f"generating {items:,} open items for aging ...")
    with unit_of_work("bench", url=url) as uow:
        seed_invoices(uow.conn, seed_customers(uow.conn, max(50, items // 200), rng), items, rng, progress,
                      chunk=100_000)
    with unit_of_work("bench", url=url) as uow:
        uow.conn.exec_driver_sql("ANALYZE")
    progress("timing aging ...")
    bare = text("SELECT customer_id, sum(open_minor) FROM invoices GROUP BY customer_id")
    with unit_of_work("bench", url=url, read_only=True) as uow:
        conn = uow.conn
        bare_s = _best_of(runs, lambda: conn.execute(bare).all())
        aging_s = _best_of(runs, lambda: aging(conn, AS_OF))
    return {"open_items": items, "aging_seconds": round(aging_s, 3), "bare_sum_seconds": round(bare_s, 3),
            "ratio": round(aging_s / bare_s, 2) if bare_s else None}


# ================================================================== the whole bench

def run_bench(corpus: Path, *, out: Path | None = None, scale: bool = True, payments: int = 10_000,
              items: int = 100_000, aging_items: int = 1_000_000, progress: Progress = print) -> dict:
    """Corpus accuracy always; the two scale runs unless ``scale`` is off. Scratch databases live in a
    temporary folder that is removed afterwards (the JSON lines too, unless ``out`` is given)."""
    from o2c.storage.db import dispose_engines
    with tempfile.TemporaryDirectory(prefix="o2c-bench-cash-") as tmp:
        folder = Path(tmp)
        progress(f"importing {corpus / 'bank'} against {corpus / 'master'} ...")
        figures = {"corpus": corpus_figures(corpus, folder, out)}
        if scale:
            figures["import_scale"] = scale_import(folder, payments, items, progress)
            figures["aging_scale"] = scale_aging(folder, aging_items, progress)
        dispose_engines()
    if out is None:
        figures["corpus"].pop("output", None)
    return figures


def _pct(value) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def render_figures(figures: dict) -> str:
    c = figures["corpus"]
    rows = [("correct automatic applications", _pct(c.get("correct_auto_application_rate")), ">= 95%"),
            ("wrong applications", _pct(c.get("wrong_application_rate")), "<= 0.2%"),
            ("left unapplied (should apply)", _pct(c.get("left_unapplied_rate")), "low"),
            ("corpus payments / second", str(c.get("payments_per_second")), "")]
    if "import_scale" in figures:
        s = figures["import_scale"]
        rows.append((f"import {s['payments']:,} lines x {s['open_items']:,} items", f"{s['seconds']} s", "<= 10 s"))
    if "aging_scale" in figures:
        a = figures["aging_scale"]
        rows.append((f"aging / bare sum over {a['open_items']:,} items",
                     f"{a['ratio']} ({a['aging_seconds']} s / {a['bare_sum_seconds']} s)", "<= 1.5"))
    width = max(len(r[0]) for r in rows)
    lines = [f"{'figure':<{width}}  {'value':<28} target", "-" * (width + 40)]
    lines += [f"{name:<{width}}  {value:<28} {target}" for name, value, target in rows]
    if c.get("refused_files"):
        lines.append("refused files: " + "; ".join(c["refused_files"]))
    return "\n".join(lines)
