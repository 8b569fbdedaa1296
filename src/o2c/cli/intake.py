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
    from o2c.intake.service import extract_documents
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
        with unit_of_work(args.actor, read_only=True) as uow:      # one per 850 of an X12 file of several
            extractions = extract_documents(uow, data, name, channel=args.channel or (sidecar or {}).get("channel"),
                                            sender=args.sender, received_at=received_at, sidecar=sidecar)
        for extraction in extractions:
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
    """One file through intake in its own unit of work; an unreadable file is a rejected result. An X12
    file of several 850s is taken in whole; this is its first 850's result (``ingest_parts``: all)."""
    return ingest_parts(name, channel=channel, sender=sender, received_at=received_at, actor=actor, url=url)[0]


def ingest_parts(name: str, *, channel, sender, received_at, actor: str = "cli", url: str | None = None) -> list[dict]:
    """One file through intake in its own unit of work: one result, or one per 850 of an X12 file
    holding several (each with ``transaction_no`` and its control numbers, all with the same source)."""
    from o2c.intake.service import ingest_documents
    from o2c.storage.uow import unit_of_work
    data, sidecar, problem = read_input(name)
    if problem:
        return [{"source": name, "document_id": None, "status": "rejected", "order_id": None,
                 "exceptions": [{"code": "unreadable", "message": problem}], "extraction": None}]
    with unit_of_work(actor, url=url) as uow:
        results = ingest_documents(uow, data, name, channel=channel or (sidecar or {}).get("channel"), sender=sender,
                                   received_at=received_at, sidecar=sidecar)
    return [result.as_dict() for result in results]


def ingest_all(name: str, *, channel, sender, received_at, actor: str = "cli") -> list[dict]:
    """A file through intake; an mbox holds many e-mails, and each becomes a document of its own
    (``message_no`` says which), in the order they appear."""
    from o2c.intake.messages import split_mbox
    from o2c.intake.service import ingest_document
    from o2c.storage.uow import unit_of_work
    data, sidecar, problem = read_input(name)
    if problem or not data.startswith(b"From "):
        return ingest_parts(name, channel=channel, sender=sender, received_at=received_at, actor=actor)
    results = []
    for number, message in enumerate(split_mbox(data), start=1):
        with unit_of_work(actor) as uow:
            result = ingest_document(uow, message, f"{name}#{number}", channel=channel or "email", sender=sender,
                                     received_at=received_at).as_dict()
        results.append({**result, "source": name, "message_no": number})
    return results


def describe(result: dict) -> str:
    """The human line(s) for one intake result."""
    head = f"{result['source']}: {result['status']}"
    if result.get("transaction_no"):
        head = (f"{result['source']} 850 #{result['transaction_no']} (ST {result.get('transaction_control')}): "
                f"{result['status']}")
    if result.get("order_id"):
        head += f" order {result['order_id']}"
    if result.get("document_id"):
        head += f" (document {result['document_id']})"
    return "\n".join([head] + [f"  - {e['code']}: {e['message']}" for e in result.get("exceptions") or []])


def _ingest_refused(name: str, err: O2CError) -> list[dict]:
    """A file intake refused as a whole (its unit of work rolled back): a rejected result naming it."""
    return [{"source": name, "document_id": None, "status": "rejected", "order_id": None,
             "exceptions": [{"code": err.code, "message": f"{name}: {str(err).splitlines()[0]}"}],
             "extraction": None}]


def run_ingest(args):
    received_at = _received_at(args)
    _ready()
    refused = False
    for name in args.files:
        try:
            results = ingest_all(name, channel=args.channel, sender=args.sender, received_at=received_at,
                                 actor=args.actor)
        except O2CError as err:      # one refused file leaves the others to be taken in
            results = _ingest_refused(name, err)
        for result in results:
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
    e.add_argument("--no-baseline", action="store_true",
                   help="skip timing tesseract alone on each scanned page (faster; no OCR ratio)")
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


def _cpu_seconds() -> float:
    """CPU time of this process and of the children it waited for (tesseract runs as one): the
    timings are compared on a machine other work shares, where wall time would measure the others."""
    import resource
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class _Acquired:
    """One page document intake read during the bench, with the CPU seconds of its acquisition
    (render, prepare, OCR and its retry) and of its layout parse (barcode decoding, cell and photo
    re-reads, the parse itself)."""

    def __init__(self, document, acquire_cpu: float):
        self.document, self.acquire_cpu, self.parse_cpu = document, acquire_cpu, 0.0


class _Acquisitions:
    """Records every page document intake reads while a bench runs, timing its acquisition and its
    layout parse, so page timings (and the page images, for the tesseract baseline) come from the
    real ingest rather than from a second read."""

    def __init__(self):
        self.documents: list[_Acquired] = []

    def __enter__(self):
        from o2c.intake import layout, text
        self._patched = [(text, "acquire", text.acquire), (layout, "parse_page_document", layout.parse_page_document)]
        acquire, parse = text.acquire, layout.parse_page_document

        def recording(data, filename):
            began = _cpu_seconds()
            document = acquire(data, filename)
            self.documents.append(_Acquired(document, _cpu_seconds() - began))
            return document

        def parsing(document, *args, **kwargs):
            began = _cpu_seconds()
            try:
                return parse(document, *args, **kwargs)
            finally:
                for seen in self.documents:
                    if seen.document is document:
                        seen.parse_cpu += _cpu_seconds() - began

        text.acquire, layout.parse_page_document = recording, parsing
        return self

    def __exit__(self, *exc):
        for module, name, original in self._patched:
            setattr(module, name, original)

    def take(self) -> list[_Acquired]:
        taken, self.documents = self.documents, []
        return taken


def _one_core():
    """OCR timings are compared on one core: tesseract's OpenMP threads would otherwise make both
    sides depend on the machine."""
    import os
    from contextlib import contextmanager

    @contextmanager
    def limited():
        before = os.environ.get("OMP_THREAD_LIMIT")
        os.environ["OMP_THREAD_LIMIT"] = "1"
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("OMP_THREAD_LIMIT", None)
            else:
                os.environ["OMP_THREAD_LIMIT"] = before
    return limited()


def _tesseract_alone(image) -> float:
    """CPU seconds of the tesseract program reading the page image as intake rendered it (``tesseract
    FILE stdout tsv``, one thread): the baseline a scanned page's extraction is judged against. The
    image is written as PNG before the clock starts, so the baseline is tesseract's work only."""
    import os
    import subprocess
    with tempfile.TemporaryDirectory(prefix="o2c-tess-") as folder:
        path = Path(folder) / "page.png"
        image.save(path)
        began = _cpu_seconds()
        subprocess.run(["tesseract", str(path), "stdout", "tsv"], check=True, capture_output=True,
                       env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        return _cpu_seconds() - began


def ocr_pages(documents: list, baseline: bool = True) -> list[dict]:
    """Per OCR'd page: our CPU seconds for all its extraction work against tesseract alone on it.

    Ours is the document's acquisition (PDF render, prepare, OCR, retry) plus its layout parse
    (barcode decoding, cell and photo re-reads, the parse), shared among its pages in proportion to
    their acquisition time: exact for a one-page scan, an estimate for the pages of a longer PDF.
    Documents given without a recording (plain ``TextDocument``) fall back to the page's own wall
    time."""
    pages = []
    for entry in documents:
        document = getattr(entry, "document", entry)
        spent = entry.acquire_cpu + entry.parse_cpu if isinstance(entry, _Acquired) else None
        weights = sum(p.seconds for p in document.pages) or 1.0
        images = document.images or []
        for page in document.pages:
            if not page.ocr:
                continue
            image = images[page.number - 1] if page.number - 1 < len(images) else None
            ours = spent * page.seconds / weights if spent is not None else page.seconds or page.ocr_seconds
            alone = _tesseract_alone(image) if baseline and image is not None else None
            pages.append({"page": page.number, "ours": ours, "ocr": page.ocr_seconds, "tesseract": alone,
                          "ratio": ours / alone if alone else None})
    return pages


def _family(entry: dict, truth: dict | None, pages: list) -> str:
    """The truth's family; without truth, a guess from how the document was read."""
    if truth and truth.get("family"):
        return truth["family"]
    if pages:
        return "scan"
    suffix = Path(entry["file"]).suffix.lower()
    return {".edi": "edi", ".eml": "email", ".txt": "sms", ".pdf": "pdf"}.get(suffix, "other")


def _ingest_corpus(corpus: Path, entries: list[dict], truths: dict, url: str, out: Path, baseline: bool = True):
    """Ingest in manifest order, timing each document; progress goes to stderr."""
    from o2c.intake.scoring import stem_of
    results, timings = {}, []
    with _Acquisitions() as seen, out.open("w", encoding="utf-8") as handle:
        for number, entry in enumerate(entries, start=1):
            stem = entry.get("stem") or stem_of(entry["file"])
            began = time.perf_counter()
            result = ingest_file(str(corpus / entry["file"]), channel=entry.get("channel"), sender=entry.get("from"),
                                 received_at=entry.get("received_at"), actor="bench", url=url)
            seconds = time.perf_counter() - began
            pages = ocr_pages(seen.take(), baseline)
            result["source"] = entry["file"]
            results[stem] = result
            handle.write(json.dumps(result, default=str, ensure_ascii=False) + "\n")
            timings.append({"stem": stem, "family": _family(entry, truths.get(stem), pages), "seconds": seconds,
                            "pages": pages})
            _progress(number, len(entries), entry, result, seconds, pages)
    return results, timings


def _progress(number: int, total: int, entry: dict, result: dict, seconds: float, pages: list) -> None:
    codes = ",".join(e["code"] for e in result["exceptions"]) if result["status"] != "created" else ""
    ratio = ""
    if pages and all(p["tesseract"] for p in pages):
        ratio = f" pages {sum(p['ours'] for p in pages) / sum(p['tesseract'] for p in pages):.2f}x tesseract alone"
    print(f"[{number:>3}/{total}] {entry['file']} {result['status']} {result.get('order_id') or codes} "
          f"{seconds:.2f}s{ratio}", file=sys.stderr, flush=True)


def bench_summary(results: dict, timings: list[dict], truths: dict) -> dict:
    """Every figure of a bench run: scores overall, per family, for text vs OCR'd documents, timing,
    and the issue's targets."""
    from o2c.intake.scoring import check_targets, score_outputs, timing_figures
    summary = {"timing": timing_figures(timings)}
    if truths:
        summary.update(score_outputs(results, truths))
        ocr = {t["stem"] for t in timings if t["pages"]}
        summary["groups"] = {
            "text": _group(score_outputs(results, {s: t for s, t in truths.items() if s not in ocr})),
            "ocr": _group(score_outputs(results, {s: t for s, t in truths.items() if s in ocr}))}
    summary["targets"] = check_targets(summary)
    return summary


def _group(report: dict) -> dict:
    return {k: report[k] for k in ("documents", "line_precision", "line_recall", "line_f1", "header_acc")} \
        if report["documents"] else {"documents": 0}


def run_bench_extraction(args):
    from o2c.intake.scoring import load_truths
    from o2c.masterdata.service import load_master_data
    from o2c.storage.db import dispose_engines
    from o2c.storage.migrate import migrate
    from o2c.storage.uow import unit_of_work
    corpus = Path(args.corpus)
    manifest_path = corpus / "manifest.json"
    if not manifest_path.is_file() or not (corpus / "master").is_dir():
        raise UsageError(f"o2c bench extraction: {corpus} needs master/ and manifest.json")
    entries = json.loads(manifest_path.read_text(encoding="utf-8")).get("documents", [])
    truth_dir = corpus / "truth"
    truths = load_truths(truth_dir) if truth_dir.is_dir() else {}
    with tempfile.TemporaryDirectory(prefix="o2c-bench-") as scratch, _one_core():
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        migrate(url)
        with unit_of_work("bench", url=url) as uow:
            load_master_data(uow, corpus / "master")
        out = Path(args.out) if args.out else Path(scratch) / "ingest.jsonl"
        results, timings = _ingest_corpus(corpus, entries, truths, url, out, baseline=not args.no_baseline)
        dispose_engines()
        summary = bench_summary(results, timings, truths)
        scorer = _find_scorer(corpus)
        text = ""
        if scorer is not None and truths:
            text, report = _score_with(scorer, out, truth_dir)
            summary["external_scorer"] = {"path": str(scorer), **report}
            summary["agreement"] = agreement(summary, report)
    summary["per_document_timing"] = timings
    emit(args, summary, render_bench(summary, text))
    return 0


#: figures both scorers report; the bench must agree with the acceptance scorer on each.
SHARED_FIGURES = ("line_precision", "line_recall", "line_f1", "header_acc", "status_acc", "reason_acc")
SHARED_FAMILY_FIGURES = ("docs", "header_acc", "line_precision", "line_recall", "line_f1", "status_acc", "missing")


def agreement(ours: dict, theirs: dict) -> list[str]:
    """Where our scoring and the acceptance scorer differ (empty when they agree)."""
    differences = []

    def compare(label, a, b):
        if (a is None) != (b is None) or (a is not None and abs(float(a) - float(b)) > 1e-9):
            differences.append(f"{label}: ours {a} theirs {b}")

    for key in SHARED_FIGURES:
        compare(key, ours.get(key), theirs.get(key))
    for attr, value in (theirs.get("matched_line_acc") or {}).items():
        compare(f"{attr} accuracy", ours["matched_line_acc"].get(attr), value)
    for field_name, value in (theirs.get("fields") or {}).items():
        compare(f"field {field_name}", ours["fields"].get(field_name), value)
    for family, figures in (theirs.get("families") or {}).items():
        mine = ours.get("families", {}).get(family, {})
        for key in SHARED_FAMILY_FIGURES:
            compare(f"{family} {key}", mine.get(key), figures.get(key))
    return differences


def _fmt(value, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def render_bench(summary: dict, external_text: str = "") -> str:
    """The compact human report: per-family table, headline figures, then targets with marks."""
    lines = []
    if "families" in summary:
        lines += _family_table(summary)
        attrs = summary["matched_line_acc"]
        lines.append(f"documents {summary['documents']}  missing {summary['missing']}  header {_fmt(summary['header_acc'])}"
                     f"  lines P/R/F1 {_fmt(summary['line_precision'])}/{_fmt(summary['line_recall'])}/"
                     f"{_fmt(summary['line_f1'])}  status {_fmt(summary['status_acc'])}"
                     f"  reasons {_fmt(summary['reason_acc'])}")
        lines.append("matched lines: " + "  ".join(f"{a} {_fmt(v)}" for a, v in attrs.items())
                     + "   invented: " + "  ".join(f"{f} {c[0]}/{c[1]}" for f, c in summary["invented_counts"].items()))
        lines.append(f"straight through {summary['straight_through_counts'][0]}/{summary['straight_through_counts'][1]}"
                     f"   created but wrong {summary['wrong_clean_counts'][0]}/{summary['wrong_clean_counts'][1]}")
    else:
        lines.append("(no truth/: nothing scored)")
    timing = summary["timing"]
    lines.append(f"time: median text document {_fmt(timing['median_text_document_seconds'])} s "
                 f"({timing['text_documents']} docs)   scanned pages {timing['scanned_pages']}, median "
                 f"{_fmt(timing['median_scanned_page_seconds'], 2)} s CPU, {_fmt(timing['median_ocr_ratio'], 2)}x "
                 f"tesseract alone (max {_fmt(timing['max_ocr_ratio'], 2)}x{_worst_page(timing)})")
    lines.append("targets:")
    for check in summary["targets"]:
        mark = {True: "\u2713", False: "\u2717", None: "-"}[check["met"]]
        lines.append(f"  {mark} {check['name']:<40} {_fmt(check['value']):>7}  {check['op']} {check['target']}")
    if external_text:
        agree = summary.get("agreement") or []
        lines.append("acceptance scorer (" + ("agrees" if not agree else "DISAGREES: " + "; ".join(agree)) + "):")
        lines.append(external_text.rstrip())
    else:
        lines.append("(acceptance scorer not found: figures above are o2c's own scoring)")
    return "\n".join(lines)


def _worst_page(timing: dict) -> str:
    worst = timing.get("worst_page")
    return f" {worst['stem']} p{worst['page']}" if worst else ""


def _family_table(summary: dict) -> list[str]:
    timing = summary["timing"]["median_seconds_by_family"]
    header = (f"{'family':<11}{'docs':>5}{'header':>8}{'line P':>8}{'line R':>8}{'line F1':>8}{'lot':>7}"
              f"{'serial':>7}{'expiry':>7}{'price':>7}{'status':>8}{'med s':>7}")
    rows = [header]
    for family, fig in summary["families"].items():
        acc = fig["matched_line_acc"]
        rows.append(f"{family:<11}{fig['docs']:>5}{_fmt(fig['header_acc']):>8}{_fmt(fig['line_precision']):>8}"
                    f"{_fmt(fig['line_recall']):>8}{_fmt(fig['line_f1']):>8}{_fmt(acc['lot'], 2):>7}"
                    f"{_fmt(acc['serial'], 2):>7}{_fmt(acc['expiry'], 2):>7}{_fmt(acc['unit_price'], 2):>7}"
                    f"{_fmt(fig['status_acc']):>8}{_fmt(timing.get(family), 2):>7}")
    return rows
