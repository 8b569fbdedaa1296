"""Benchmarks of the matching engine: the corpus scorer run, and a generated scale run.

    python -m o2c.cash.bench CORPUS_DIR [--out FILE] [--scorer PATH]   # corpus accuracy
    python -m o2c.cash.bench --scale [--payments 10000 --items 100000]   # throughput

The corpus run loads ``master/customers.csv`` and ``master/open_items.csv``, parses every file in
``bank/`` with ``o2c.formats.bank``, matches payments in file order against one book (earlier
payments reduce it), writes JSON lines in the ``o2c cash import`` shape and runs the acceptance
scorer on them. It is a development tool, not the product command.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from o2c.cash.book import OpenItemBook
from o2c.cash.customers import CustomerDirectory
from o2c.cash.matching import CashMatcher, MatchConfig
from o2c.cash.model import CustomerProfile, MatchResult, OpenItem, parse_terms
from o2c.cash.payment import IncomingPayment, RemittanceLine
from o2c.kernel.money import decimal_text, parse_decimal

DEFAULT_SCORER = Path(__file__).resolve().parents[3].parent / "shared" / "tools" / "score_cash.py"


# ============================================================ loading master data

def load_customers(path: Path) -> list[CustomerProfile]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [CustomerProfile(row["customer_id"], row["name"], terms=parse_terms(row.get("payment_terms")))
                for row in csv.DictReader(fh)]


def load_open_items(path: Path, customers: list[CustomerProfile]) -> list[OpenItem]:
    """Open items with the customer's terms attached, since the CSV carries none per invoice."""
    terms = {c.customer_id: c.terms for c in customers}
    items = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            t = terms.get(row["customer_id"])
            amount = parse_decimal(row["amount"])
            items.append(OpenItem(
                row["invoice_number"], row["customer_id"], amount, amount,
                date.fromisoformat(row["invoice_date"]) if row.get("invoice_date") else None,
                date.fromisoformat(row["due_date"]) if row.get("due_date") else None,
                (row.get("currency") or "USD").upper(), row.get("po_number") or None,
                t.discount_percent if t else Decimal(0), t.discount_days if t else 0))
    return items


# ============================================================ bank files

def parse_bank_file(path: Path) -> list[IncomingPayment]:
    """Payments of one bank file via ``o2c.formats.bank`` (``detect_and_parse`` when available)."""
    import o2c.formats.bank as bank
    data = path.read_bytes()
    detect = getattr(bank, "detect_and_parse", None)
    if detect is not None:
        result = detect(data, path.name)
        return list(getattr(result, "payments", result))
    suffix = path.suffix.lower()
    if suffix in (".bai", ".bai2"):
        from o2c.formats.bank.bai2 import parse_bai2
        return parse_bai2(data, path.name).payments
    if suffix == ".xml":
        from o2c.formats.bank.camt import parse_camt
        return parse_camt(data, path.name).payments
    raise LookupError(f"no parser for {path.name} yet")


def output_record(payment: IncomingPayment, result: MatchResult) -> dict:
    """One line of ``o2c cash import`` output, plus optional keys the contract allows."""
    return {
        "source": payment.source, "bank_ref": payment.bank_ref,
        "payment_id": payment.source_key or payment.bank_ref,
        "amount": decimal_text(payment.amount), "status": result.status,
        "applications": [{"invoice_number": a.invoice_number, "amount": decimal_text(a.amount),
                          "discount": decimal_text(a.discount_taken)} for a in result.applications],
        "customer_id": result.customer_id, "unapplied": decimal_text(result.unapplied_amount),
        "confidence": result.confidence,
        "deductions": [{"invoice_number": d.invoice_number, "amount": decimal_text(d.amount), "reason": d.reason}
                       for d in result.deductions],
        "suggestions": [[a.invoice_number for a in s.applications] for s in result.suggestions],
    }


def run_corpus(corpus: Path, out: Path, config: MatchConfig | None = None) -> dict:
    """Match every parsable payment of ``corpus/bank`` and write the output lines; returns counts."""
    customers = load_customers(corpus / "master" / "customers.csv")
    book = OpenItemBook(load_open_items(corpus / "master" / "open_items.csv", customers))
    matcher = CashMatcher(book, CustomerDirectory(customers), config or MatchConfig())
    records, skipped = [], []
    started = time.perf_counter()
    for path in sorted((corpus / "bank").iterdir()):
        if path.name == "truth.json" or path.is_dir():
            continue
        try:
            payments = parse_bank_file(path)
        except Exception as exc:   # noqa: BLE001 - a bench reports unparsable files and goes on
            skipped.append(f"{path.name}: {exc}")
            continue
        for payment in payments:
            records.append(output_record(payment, matcher.match_and_apply(payment)))
    elapsed = time.perf_counter() - started
    out.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return {"payments": len(records), "seconds": elapsed, "skipped_files": skipped}


def score(out: Path, truth: Path, scorer: Path) -> dict:
    """Run the acceptance scorer (``score_cash.py OUTPUT TRUTH --json REPORT``) and read its report."""
    report = out.with_suffix(".report.json")
    proc = subprocess.run([sys.executable, str(scorer), str(out), str(truth), "--json", str(report), "-v"],
                          capture_output=True, text=True, check=False)
    print(proc.stdout, end="")
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
    return json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}


def corpus_summary(report: dict) -> dict:
    """Rates over payments that should be applied (correct, wrong) and all payments (left unapplied)."""
    details = report.get("details", [])
    should = [d for d in details if d["expected"]]
    n = len(details) or 1
    return {
        "auto_applied_correct": report.get("auto_applied_correct"),
        "wrong_application": sum(d["outcome"] == "false" for d in details) / n,
        "left_unapplied": sum(d["outcome"] == "unapplied" for d in should) / (len(should) or 1),
        "mismatch": sum(d["outcome"] == "mismatch" for d in details) / n,
        "correct_overall": report.get("correct"),
    }


# ============================================================ generated scale bench

_WORDS = ["Mercy", "Summit", "Lake", "River", "Cedar", "Pine", "Bay", "North", "East", "West", "Harbor",
          "Maple", "Oak", "Valley", "Ridge", "Grove", "Meadow", "Stone", "Bright", "Clear", "Golden", "Silver"]
_KINDS = ["General Hospital", "Medical Center", "Surgery Center", "Orthopedic Clinic", "Memorial Hospital",
          "Medical Supply", "Community Hospital", "Health System"]


def _made_up_word(i: int) -> str:
    """A distinct pronounceable word per index, so generated customers differ as real names do."""
    consonants, vowels, out = "BCDFGHKLMNPRSTVZ", "AEIOU", ""
    while True:
        i, c = divmod(i, len(consonants))
        i, v = divmod(i, len(vowels))
        out += consonants[c] + vowels[v]
        if i == 0:
            return (out + "TON").capitalize()
        i -= 1


def generate(n_customers: int, n_items: int, n_payments: int, seed: int = 7):
    """A deterministic synthetic ledger and payment stream: exact refs, OCR refs, multi-invoice
    remittances, no-remittance exact amounts, discounts and unknown payers, in realistic shares."""
    rng = random.Random(seed)
    customers = []
    for i in range(n_customers):
        name = f"{rng.choice(_WORDS)} {_made_up_word(i)} {rng.choice(_KINDS)}"
        customers.append(CustomerProfile(f"C{i:05d}", name, terms=parse_terms(rng.choice(["NET30", "2/10 NET30"]))))
    items, as_of = [], date(2026, 11, 20)
    for k in range(n_items):
        cust = customers[rng.randrange(n_customers)]
        amount = Decimal(rng.randrange(5000, 2500000)) / 100
        inv_date = as_of - timedelta(days=rng.randrange(1, 120))
        items.append(OpenItem(f"INV-{300000 + k}", cust.customer_id, amount, amount, inv_date,
                              inv_date + timedelta(days=30), "USD", f"PO{rng.randrange(10**6):06d}",
                              cust.terms.discount_percent, cust.terms.discount_days))
    names = {c.customer_id: c.name for c in customers}
    payments = [_payment(rng, k, items, names, as_of) for k in range(n_payments)]
    return customers, items, payments


def _payment(rng: random.Random, k: int, items: list[OpenItem], names: dict[str, str], as_of: date) -> IncomingPayment:
    """One payment of one invoice: 75% clean reference, 10% OCR-mangled, 15% no remittance.
    The invoice it pays is kept in ``extra['expect']`` so tests can check every application."""
    item = items[rng.randrange(len(items))]
    roll = rng.random()
    ref, lines = item.invoice_number, ()
    if roll < 0.1:
        ref = ref.replace("1", "I").replace("0", "O")
    if roll < 0.85:
        lines = (RemittanceLine(ref, item.open_amount),)
    return IncomingPayment("scale", "generated", f"B{k:07d}", item.open_amount, value_date=as_of,
                           payer_name=names[item.customer_id].upper(), remittance=lines,
                           free_text=None if lines else f"PAYMENT {k}", extra={"expect": item.invoice_number})


def run_scale(n_payments: int, n_items: int, n_customers: int) -> dict:
    customers, items, payments = generate(n_customers, n_items, n_payments)
    t0 = time.perf_counter()
    book = OpenItemBook(items)
    directory = CustomerDirectory(customers)
    t1 = time.perf_counter()
    matcher = CashMatcher(book, directory)
    statuses: dict[str, int] = {}
    for payment in payments:
        result = matcher.match_and_apply(payment)
        statuses[result.status] = statuses.get(result.status, 0) + 1
    t2 = time.perf_counter()
    return {"payments": n_payments, "open_items": n_items, "customers": n_customers,
            "index_seconds": round(t1 - t0, 3), "match_seconds": round(t2 - t1, 3),
            "payments_per_second": round(n_payments / (t2 - t1)), "statuses": statuses}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m o2c.cash.bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", type=Path)
    ap.add_argument("--out", type=Path, default=Path("cash_bench_output.jsonl"))
    ap.add_argument("--scorer", type=Path, default=DEFAULT_SCORER)
    ap.add_argument("--scale", action="store_true")
    ap.add_argument("--payments", type=int, default=10000)
    ap.add_argument("--items", type=int, default=100000)
    ap.add_argument("--customers", type=int, default=2000)
    a = ap.parse_args(argv)
    if a.scale:
        print(json.dumps(run_scale(a.payments, a.items, a.customers)))
        return 0
    if a.corpus is None:
        ap.error("give CORPUS_DIR or --scale")
    stats = run_corpus(a.corpus, a.out)
    report = score(a.out, a.corpus / "bank" / "truth.json", a.scorer) if a.scorer.exists() else {}
    summary = {**stats, **corpus_summary(report),
               "payments_per_second": round(stats["payments"] / stats["seconds"]) if stats["seconds"] else None}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
