"""Measure line extraction on generated scans over many seeds and say why each line was missed.

    .venv/bin/python -m tests.unit.intake.variants.measure_scans [--seeds 1-8] [--n-scan 6] [--cache DIR]

Each missed truth line is classified by comparing it with the extracted line for the same item (or
the nearest one): ``qty`` (quantity wrong or missing), ``price`` (unit price wrong or missing),
``item`` (no line resolved to the item), and extra extracted lines are ``extra``. The rendered scans
are cached (``--cache``) so a parser change can be measured again without re-rendering. This is a
developer tool, not a test: the fixed-seed floors live in ``test_variants.py``.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.unit.intake.variants import gen


def _seeds(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def classify(truth: dict, got: dict) -> list[str]:
    """Reasons for each truth line that did not match, plus one ``extra`` per unmatched output."""
    lines = list(got.get("lines") or [])
    reasons = []
    for t in truth["lines"]:
        k = next((k for k, g in enumerate(lines) if gen.line_matches(t, g)), None)
        if k is not None:
            lines.pop(k)
            continue
        same = next((g for g in lines if g.get("item_id") == t["item_id"]), None)
        if same is None:
            reasons.append(f"item:{t['item_id']}")
            continue
        lines.remove(same)
        if gen._dec(same.get("quantity")) != gen._dec(t["quantity"]):
            reasons.append(f"qty:{same.get('quantity')}!={t['quantity']}")
        elif t.get("unit_price") is not None and gen._dec(same.get("unit_price")) != gen._dec(t["unit_price"]):
            reasons.append(f"price:{same.get('unit_price')}!={t['unit_price']}")
        else:
            reasons.append("lot")
    reasons += [f"extra:{g.get('item_raw')!r}" for g in lines if g.get("item_id") is None]
    return reasons


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1-8")
    ap.add_argument("--n-scan", type=int, default=6)
    ap.add_argument("--cache", default="/tmp/o2c-scan-variants")
    ap.add_argument("--dump", help="write each extraction as JSON lines here")
    args = ap.parse_args()
    from o2c.intake.master_index import MasterIndex
    from o2c.intake.pipeline import extract

    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    results, kinds, secs = [], Counter(), 0.0
    dump = open(args.dump, "w") if args.dump else None
    with tempfile.TemporaryDirectory() as tmp:
        master = MasterIndex.from_csv_dir(gen.write_master(Path(tmp) / "master"))
        for seed in _seeds(args.seeds):
            docs = [d for d in gen.generate(seed, n_po=0, n_case=0, n_scan=args.n_scan) if d.scan]
            for k, d in enumerate(docs):
                files = list(cache.glob(f"{seed}-{d.name}.*"))
                if files:
                    data, name = files[0].read_bytes(), files[0].name
                else:
                    data, ext = gen.render_scan(gen.render_pdf(d), seed * 1000 + k)
                    name = f"{seed}-{d.name}.{ext}"
                    (cache / name).write_bytes(data)
                t0 = time.perf_counter()
                got = extract(data, name, master=master, channel="upload")
                secs += time.perf_counter() - t0
                s = gen.score(d.truth, got)
                results.append((d, got, s))
                why = classify(d.truth, got)
                kinds.update(r.split(":")[0] for r in why)
                if dump:
                    dump.write(json.dumps({"name": name, "truth": d.truth, "got": got, "why": why}, default=str) + "\n")
                if why:
                    print(f"{name}: {s['tp']}/{s['want']} got {s['got']} {why}")
    print("scan", gen.summary(results, True), dict(kinds), f"extract {secs:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
