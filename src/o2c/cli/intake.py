"""Intake commands: ``o2c extract``, ``o2c ingest``, ``o2c queue ...`` and ``o2c bench extraction``.

Thin wrappers: they read files and arguments, call the intake use cases (one unit of work per
document, so one bad file never undoes the others) and print the result, one JSON line per document
with ``--json``. Exit codes follow the contract: 0 taken in, 1 refused (reasons printed), 2 usage.
"""
from __future__ import annotations

import importlib.util
import io
import json
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

from o2c.cli.main import UsageError, command, emit
from o2c.kernel.errors import O2CError

EXIT_REFUSED = 1


def _ready(url: str | None = None) -> None:
    from o2c.storage.migrate import is_initialised, migrate
    if not is_initialised(url):
        migrate(url)


def _arrival_options(parser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--channel", choices=("email", "fax", "sms", "portal", "edi", "upload"),
                        help="how the files arrived, when the file itself does not say")
    parser.add_argument("--from", dest="sender", metavar="ADDRESS", help="e-mail address, E.164 phone or EDI id")
    parser.add_argument("--received-at", metavar="TIME", help="ISO 8601 time of arrival (default: now)")
    parser.add_argument("--actor", default="cli")
    parser.add_argument("--json", action="store_true")


def read_input(path_text: str) -> tuple[bytes | None, dict | None, str | None]:
    """The file's bytes and an SMS's ``.meta.json`` envelope beside it; or why it cannot be read."""
    from o2c.intake.messages import read_sidecar
    path = Path(path_text)
    try:
        data = path.read_bytes()
    except OSError as err:
        return None, None, f"cannot read {path_text}: {err.strerror or err}"
    sidecar = None
    meta = path.with_name(path.name.split(".")[0] + ".meta.json")
    if path.suffix.lower() == ".txt" and meta.is_file():
        try:
            sidecar = read_sidecar(meta.read_bytes())
        except Exception:  # noqa: BLE001 - a broken envelope leaves the message itself readable
            sidecar = None
    return data, sidecar, None


def _received_at(args):
    if not args.received_at:
        return None
    from o2c.kernel.dates import parse_timestamp
    try:
        return parse_timestamp(args.received_at, "--received-at")
    except O2CError as err:
        raise UsageError(f"o2c: {err}") from None


# ------------------------------------------------------------------ extract
@command("extract")
def _extract(sub):
    p = sub.add_parser("extract", help="read documents into the section-2 extraction JSON (no side effects)")
    _arrival_options(p)
    p.set_defaults(func=run_extract)


def run_extract(args):
    from o2c.intake.service import extract_document
    from o2c.storage.uow import unit_of_work
    received_at = _received_at(args)
    _ready()
    refused = False
    for name in args.files:
        data, sidecar, problem = read_input(name)
        if problem:
            refused = True
            print(json.dumps({"source": name, "document_type": "unknown", "lines": [], "warnings": [problem]})
                  if args.json else f"o2c: {problem}", file=sys.stdout if args.json else sys.stderr)
            continue
        with unit_of_work(args.actor, read_only=True) as uow:
            extraction = extract_document(uow, data, name, channel=args.channel or (sidecar or {}).get("channel"),
                                          sender=args.sender, received_at=received_at, sidecar=sidecar)
        print(json.dumps(extraction, default=str, ensure_ascii=False) if args.json
              else json.dumps(extraction, default=str, indent=2, ensure_ascii=False))
    return EXIT_REFUSED if refused else 0


# ------------------------------------------------------------------ ingest
@command("ingest")
def _ingest(sub):
    p = sub.add_parser("ingest", help="take in documents: extract, validate, price, create orders or queue exceptions")
    _arrival_options(p)
    p.set_defaults(func=run_ingest)


def ingest_file(name: str, *, channel, sender, received_at, actor: str = "cli", url: str | None = None) -> dict:
    """One file through intake in its own unit of work; an unreadable file is a rejected result."""
    from o2c.intake.service import ingest_document
    from o2c.storage.uow import unit_of_work
    data, sidecar, problem = read_input(name)
    if problem:
        return {"source": name, "document_id": None, "status": "rejected", "order_id": None,
                "exceptions": [{"code": "unreadable", "message": problem}], "extraction": None}
    with unit_of_work(actor, url=url) as uow:
        result = ingest_document(uow, data, name, channel=channel or (sidecar or {}).get("channel"), sender=sender,
                                 received_at=received_at, sidecar=sidecar)
    return result.as_dict()


def describe(result: dict) -> str:
    """The human line(s) for one intake result."""
    head = f"{result['source']}: {result['status']}"
    if result.get("order_id"):
        head += f" order {result['order_id']}"
    if result.get("document_id"):
        head += f" (document {result['document_id']})"
    return "\n".join([head] + [f"  - {e['code']}: {e['message']}" for e in result.get("exceptions") or []])


def run_ingest(args):
    received_at = _received_at(args)
    _ready()
    refused = False
    for name in args.files:
        result = ingest_file(name, channel=args.channel, sender=args.sender, received_at=received_at,
                             actor=args.actor)
        refused |= result["status"] == "rejected"
        emit(args, result, describe(result))
        sys.stdout.flush()
    return EXIT_REFUSED if refused else 0


# ------------------------------------------------------------------ queue
@command("queue")
def _queue(sub):
    p = sub.add_parser("queue", help="the intake exception queue")
    s = p.add_subparsers(dest="queue_command", required=True)
    ls = s.add_parser("list", help="documents waiting for a person")
    ls.add_argument("--code", help="only entries with this exception code")
    ls.add_argument("--status", default="open", choices=("open", "resolved", "rejected", "all"))
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_queue_list)
    sh = s.add_parser("show", help="a document: where it came from, what was read, what is wrong")
    sh.add_argument("document_id", metavar="ID")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=run_queue_show)
    co = s.add_parser("correct", help="correct what was read (customer, PO, a line's item...) and judge again")
    co.add_argument("document_id", metavar="ID")
    co.add_argument("--line", type=int, action="append", default=[],
                    help="the line the following --set applies to (repeatable)")
    co.add_argument("--set", dest="sets", action="append", default=[], metavar="FIELD=VALUE", required=True)
    co.add_argument("--actor", default="cli")
    co.add_argument("--json", action="store_true")
    co.set_defaults(func=run_queue_correct)
    for name, helptext in (("approve", "accept the judgement calls and create the order"),
                           ("rerun", "read the stored document again with today's master data")):
        a = s.add_parser(name, help=helptext)
        a.add_argument("document_id", metavar="ID")
        a.add_argument("--actor", default="cli")
        a.add_argument("--json", action="store_true")
        a.set_defaults(func=run_queue_action, action=name)
    rj = s.add_parser("reject", help="refuse the document for good")
    rj.add_argument("document_id", metavar="ID")
    rj.add_argument("--reason", required=True)
    rj.add_argument("--actor", default="cli")
    rj.add_argument("--json", action="store_true")
    rj.set_defaults(func=run_queue_action, action="reject")


def run_queue_list(args):
    from o2c.intake.queue import list_queue
    from o2c.storage.uow import unit_of_work
    _ready()
    with unit_of_work(read_only=True) as uow:
        entries = list_queue(uow.conn, code=args.code, status=args.status)
    if args.json:
        for entry in entries:
            print(json.dumps(entry, default=str))
        return 0
    if not entries:
        print("queue is empty")
    for e in entries:
        codes = ", ".join(sorted({x["code"] for x in e["exceptions"]}))
        print(f"{e['document_id']}  {e['received_at'][:16]}  {e['status']:<9}  {e['customer_id'] or '?':<8} "
              f"{e['po_number'] or '-':<14} {codes}  ({e['source']})")
    return 0


def run_queue_show(args):
    from o2c.intake.queue import show
    from o2c.storage.uow import unit_of_work
    _ready()
    with unit_of_work(read_only=True) as uow:
        entry = show(uow.conn, args.document_id)
    if args.json:
        print(json.dumps(entry, default=str))
        return 0
    ext = entry["extraction"] or {}
    lines = [f"document {entry['document_id']} ({entry['status']}) from {entry['source']}",
             f"  arrived {entry['received_at']} by {entry['channel']} from {entry['sender'] or '?'}",
             f"  {ext.get('document_type')}: customer {ext.get('customer_id')} ({ext.get('customer_name_raw')}), "
             f"site {ext.get('site_id')}, PO {ext.get('po_number')}, date {ext.get('order_date')}, "
             f"confidence {ext.get('confidence')}"]
    if ext.get("procedure"):
        lines.append(f"  procedure: {json.dumps(ext['procedure'])}")
    for line in ext.get("lines") or []:
        lines.append(f"  line {line.get('line_no')}: {line.get('quantity')} {line.get('uom') or ''} "
                     f"{line.get('item_id') or '?'} @ {line.get('unit_price')} lot {line.get('lot')} "
                     f"serial {line.get('serial')}  [{line.get('item_raw')}]")
    if entry["order_id"]:
        lines.append(f"  order {entry['order_id']}")
    for e in entry["exceptions"]:
        lines.append(f"  [{e['status']}] {e['code']}: {e['message']}")
    print("\n".join(lines))
    return 0


def parse_sets(args) -> tuple[dict, dict]:
    """``--set f=v`` before any ``--line`` correct the header; with one ``--line N`` every --set applies
    to that line; with several, the --set values pair with the --line values in order."""
    pairs = []
    for text in args.sets:
        if "=" not in text:
            raise UsageError(f"o2c queue correct: --set {text!r}: expected FIELD=VALUE")
        name, value = text.split("=", 1)
        pairs.append((name.strip(), value.strip() or None))
    if not args.line:
        return dict(pairs), {}
    if len(args.line) == 1:
        return {}, {args.line[0]: dict(pairs)}
    if len(args.line) != len(pairs):
        raise UsageError("o2c queue correct: give one --set per --line, or a single --line")
    lines: dict[int, dict] = {}
    for number, (name, value) in zip(args.line, pairs):
        lines.setdefault(number, {})[name] = value
    return {}, lines


def run_queue_correct(args):
    from o2c.intake.queue import correct
    from o2c.storage.uow import unit_of_work
    header, lines = parse_sets(args)
    _ready()
    with unit_of_work(args.actor) as uow:
        result = correct(uow, args.document_id, header=header, lines=lines)
    learned = "".join(f"\n  learned: {l['kind']} {l['alias']} -> {l['target']}" for l in result["learned"])
    emit(args, result, describe(result) + learned)
    return 0


def run_queue_action(args):
    from o2c.intake import queue
    from o2c.storage.uow import unit_of_work
    _ready()
    with unit_of_work(args.actor) as uow:
        if args.action == "approve":
            result = queue.approve(uow, args.document_id)
        elif args.action == "reject":
            result = queue.reject(uow, args.document_id, args.reason)
        else:
            result = queue.rerun(uow, args.document_id)
    emit(args, result, describe(result))
    return 0


# ------------------------------------------------------------------ bench
@command("bench")
def _bench(sub):
    p = sub.add_parser("bench", help="measure o2c on a corpus")
    s = p.add_subparsers(dest="bench_command", required=True)
    e = s.add_parser("extraction", help="ingest a corpus (master/, docs/, manifest.json, truth/) into a scratch "
                                        "database and score the results")
    e.add_argument("corpus", metavar="DIR")
    e.add_argument("--out", help="where to write the JSON lines (default: a temp file)")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=run_bench_extraction)


def _find_scorer(corpus: Path) -> Path | None:
    for folder in [corpus, *corpus.resolve().parents]:
        candidate = folder / "tools" / "score_extraction.py"
        if candidate.is_file():
            return candidate
    return None


def _score_with(scorer: Path, out: Path, truth: Path) -> tuple[str, dict]:
    spec = importlib.util.spec_from_file_location("o2c_bench_scorer", scorer)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "report.json"
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            module.main([str(out), str(truth), "--json", str(report_path)])
        return buffer.getvalue(), json.loads(report_path.read_text(encoding="utf-8"))


def outcome_figures(results: list[dict], truth_dir: Path) -> dict:
    """Status figures o2c cares about beyond extraction accuracy: how much goes straight through, and
    how much went through that should not have (the costly error)."""
    truths = {}
    for path in truth_dir.glob("*.json"):
        if not path.name.startswith("_"):
            truths[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    created = wrong_clean = should_stop = right = 0
    per_family: dict[str, list[int]] = {}
    for result in results:
        truth = truths.get(Path(result["source"]).name.split(".")[0])
        created += result["status"] == "created"
        if truth is None:
            continue
        ok = result["status"] == truth["expect_status"]
        right += ok
        tally = per_family.setdefault(truth.get("family", "other"), [0, 0])
        tally[0] += ok
        tally[1] += 1
        if truth["expect_status"] != "created":
            should_stop += 1
            wrong_clean += result["status"] == "created"
    scored = sum(t[1] for t in per_family.values())
    return {"documents": len(results), "straight_through_rate": created / len(results) if results else 0.0,
            "wrong_clean_rate": wrong_clean / should_stop if should_stop else 0.0,
            "status_accuracy": right / scored if scored else None,
            "status_by_family": {f: t[0] / t[1] for f, t in sorted(per_family.items())}}


def run_bench_extraction(args):
    from o2c.masterdata.service import load_master_data
    from o2c.storage.db import dispose_engines
    from o2c.storage.migrate import migrate
    from o2c.storage.uow import unit_of_work
    corpus = Path(args.corpus)
    manifest_path = corpus / "manifest.json"
    if not manifest_path.is_file() or not (corpus / "master").is_dir():
        raise UsageError(f"o2c bench extraction: {corpus} needs master/ and manifest.json")
    entries = json.loads(manifest_path.read_text(encoding="utf-8")).get("documents", [])
    with tempfile.TemporaryDirectory(prefix="o2c-bench-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        migrate(url)
        with unit_of_work("bench", url=url) as uow:
            load_master_data(uow, corpus / "master")
        out = Path(args.out) if args.out else Path(scratch) / "ingest.jsonl"
        results, started = [], time.perf_counter()
        with out.open("w", encoding="utf-8") as handle:
            for number, entry in enumerate(entries, start=1):
                began = time.perf_counter()
                result = ingest_file(str(corpus / entry["file"]), channel=entry.get("channel"),
                                     sender=entry.get("from"), received_at=entry.get("received_at"),
                                     actor="bench", url=url)
                result["source"] = entry["file"]
                results.append(result)
                handle.write(json.dumps(result, default=str, ensure_ascii=False) + "\n")
                codes = ",".join(e["code"] for e in result["exceptions"]) if result["status"] != "created" else ""
                print(f"[{number:>3}/{len(entries)}] {entry['file']} {result['status']} "
                      f"{result.get('order_id') or codes} {time.perf_counter() - began:.2f}s", file=sys.stderr)
        elapsed = time.perf_counter() - started
        figures = outcome_figures(results, corpus / "truth") if (corpus / "truth").is_dir() else {}
        figures["seconds_per_document"] = elapsed / len(results) if results else 0.0
        scorer = _find_scorer(corpus)
        text, report = ("", {})
        if scorer is not None and (corpus / "truth").is_dir():
            text, report = _score_with(scorer, out, corpus / "truth")
        dispose_engines()
    summary = {**figures, "scorer": report and {k: report[k] for k in ("line_f1", "header_acc", "status_acc",
                                                                        "matched_line_acc", "families")}}
    lines = [text.rstrip()] if text else ["(score_extraction.py not found: extraction accuracy not scored)"]
    lines.append(f"time per document: {figures['seconds_per_document']:.2f} s   "
                 f"straight-through: {figures.get('straight_through_rate', 0):.3f}   "
                 f"wrong-clean: {figures.get('wrong_clean_rate', 0):.3f}   "
                 f"status accuracy: {figures.get('status_accuracy') or 0:.3f}")
    lines.append("status by family: " + ", ".join(f"{f}={v:.3f}" for f, v in figures.get("status_by_family", {}).items()))
    emit(args, summary, "\n".join(lines))
    return 0
