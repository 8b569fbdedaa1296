"""Developer tool: measure raw page extraction against the synthetic corpus truth.

    python -m o2c.intake.devtools_measure_pages [CORPUS_DIR] [--only doc-0011] [--verbose]

Prints per document: header fields right/total (po_number, order_date, procedure date/patient/case),
lines matched (a predicted line matches a truth line when its item text contains the truth item id
or customer item ref and the quantities agree), lot/serial/expiry/price accuracy on matched lines,
and seconds per page; then totals per family. Raw values only: ids are the resolver's job.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

PAGE_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")


def _norm(v) -> str | None:
    return re.sub(r"[^0-9A-Z]", "", str(v).upper()) if v not in (None, "") else None


def _dec(v):
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(str(v)) if v not in (None, "") else None
    except InvalidOperation:
        return None


def header_checks(pred: dict, truth: dict) -> list[tuple[str, bool]]:
    checks = []
    for key in ("po_number", "order_date"):
        if truth.get(key):
            checks.append((key, _norm(pred.get(key)) == _norm(truth[key])))
    tp, pp = truth.get("procedure") or {}, pred.get("procedure") or {}
    for key in ("date", "patient_ref", "case_id"):
        if tp.get(key):
            a, b = _norm(pp.get(key)), _norm(tp[key])
            if key == "patient_ref" and a and b:
                a, b = a.replace("MRN", ""), b.replace("MRN", "")
            checks.append(("procedure." + key, a == b))
    if tp.get("physician_raw"):
        a = (pp.get("physician_raw") or "").lower()
        last = [w for w in re.findall(r"[a-z]+", tp["physician_raw"].lower()) if w not in ("md", "dr", "do")]
        checks.append(("procedure.physician_raw", bool(last) and last[-1] in a))
    if truth.get("total"):
        checks.append(("total", _dec(pred.get("total")) == _dec(truth["total"])))
    return checks


def match_lines(pred_lines: list[dict], truth_lines: list[dict]) -> tuple[int, list[tuple[dict, dict]]]:
    used, pairs = set(), []
    for t in truth_lines:
        keys = [k for k in (_norm(t.get("item_id")), _norm(t.get("customer_item_ref"))) if k]
        for i, p in enumerate(pred_lines):
            if i in used:
                continue
            text = _norm(p.get("item_raw")) or ""
            if any(k in text for k in keys) and _dec(p.get("quantity")) == _dec(t.get("quantity")):
                used.add(i)
                pairs.append((p, t))
                break
    return len(pairs), pairs


def measure(corpus: Path, only: str | None = None, verbose: bool = False) -> dict:
    from o2c.intake.layout import parse_page_document
    from o2c.intake.text import acquire

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    fam = defaultdict(lambda: defaultdict(float))
    for tpath in sorted((corpus / "truth").glob("*.json")):
        truth = json.loads(tpath.read_text())
        src = corpus / truth["source"]
        if src.suffix.lower() not in PAGE_SUFFIXES or (only and only not in src.name):
            continue
        t0 = time.perf_counter()
        doc = acquire(src.read_bytes(), src.name)
        pred = parse_page_document(doc)
        secs = time.perf_counter() - t0
        checks = header_checks(pred, truth)
        n_match, pairs = match_lines(pred["lines"], truth["lines"])
        attr_ok = attr_n = 0
        for p, t in pairs:
            for key in ("lot", "serial", "expiry", "unit_price"):
                if t.get(key) is not None:
                    attr_n += 1
                    ok = (_dec(p.get(key)) == _dec(t[key])) if key == "unit_price" else _norm(p.get(key)) == _norm(t[key])
                    attr_ok += ok
        f = fam[truth.get("family", "?")]
        f["docs"] += 1
        f["hdr_ok"] += sum(ok for _, ok in checks)
        f["hdr_n"] += len(checks)
        f["match"] += n_match
        f["truth_lines"] += len(truth["lines"])
        f["pred_lines"] += len(pred["lines"])
        f["attr_ok"] += attr_ok
        f["attr_n"] += attr_n
        f["pages"] += len(doc.pages)
        f["secs"] += secs
        wrong = [k for k, ok in checks if not ok]
        print(f"{src.name:14s} {truth.get('family', '?'):10s} {doc.source_kind:11s} hdr {sum(ok for _, ok in checks)}/"
              f"{len(checks)} lines {n_match}/{len(truth['lines'])} (pred {len(pred['lines'])}) attrs "
              f"{attr_ok}/{attr_n} {secs / max(1, len(doc.pages)):.2f}s/page {'WRONG ' + ','.join(wrong) if wrong else ''}")
        if verbose:
            print(json.dumps({k: v for k, v in pred.items() if k not in ("header_sources",)}, indent=1)[:4000])
    print()
    for name, f in sorted(fam.items()):
        rec = f["match"] / f["truth_lines"] if f["truth_lines"] else 0
        prec = f["match"] / f["pred_lines"] if f["pred_lines"] else 0
        print(f"{name:10s} docs {int(f['docs'])} header {f['hdr_ok'] / max(1, f['hdr_n']):.3f} line recall {rec:.3f} "
              f"precision {prec:.3f} attrs {f['attr_ok'] / max(1, f['attr_n']):.3f} "
              f"{f['secs'] / max(1, f['pages']):.2f}s/page")
    return fam


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=str(Path(__file__).resolve().parents[3].parent
                                                     / "shared/corpus/synthetic"))
    ap.add_argument("--only")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    measure(Path(args.corpus), args.only, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
