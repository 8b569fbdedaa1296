"""Extraction scoring: how close ingest / extract outputs come to a corpus truth.

The acceptance check scores o2c with an external scorer; the product must not depend on it at run
time, so this module applies the same published rules itself (and ``o2c bench extraction`` prints
both when the external one is around, so any drift shows). On top of those figures it computes the
ones the business cares about: lot / serial precision (a wrong lot on a shipped implant is a recall
problem, so inventing one is worse than missing one), how many orders go straight through, and how
many orders we created that are wrong.

Everything here is pure: outputs and truths in, figures out.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

HEADER_FIELDS = ("customer_id", "site_id", "po_number", "order_date", "procedure.date", "procedure.physician_id",
                 "procedure.patient_ref", "procedure.case_id")
#: header fields where a value the document does not state is an invention (a made-up PO reaches the customer).
INVENTED_FIELDS = ("po_number", "order_date")
LINE_ATTRIBUTES = ("lot", "serial", "expiry", "unit_price")
#: attributes whose precision matters on its own: traceability data must never be made up.
PRECISION_ATTRIBUTES = ("lot", "serial")
#: words that show an exception names the expected reason (the message wording is free).
REASON_WORDS = {
    "price_mismatch": ("price",),
    "unknown_item": ("unknown", "not found", "no such item", "unresolved", "item"),
    "expired_lot": ("expir",),
    "duplicate": ("duplic",),
    "quantity": ("quantity", "qty", "sanity", "limit"),
    "credit_hold": ("credit",),
}
FAMILIES = ("pdf", "scan", "email", "sms", "case_sheet", "edi")


# ------------------------------------------------------------------ normalisation
def _text(value) -> str | None:
    """Blank and missing are the same thing: the document did not say."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def norm_id(value) -> str | None:
    """Master ids compare case-insensitively; nobody means a different customer by 'c-1006'."""
    text = _text(value)
    return text.casefold() if text else None


def norm_po(value) -> str | None:
    """PO numbers lose spaces when they are retyped or OCR'd; upper-case because 'po' vs 'PO' is noise."""
    text = _text(value)
    return re.sub(r"\s+", "", text).upper() if text else None


def norm_date(value) -> str | None:
    """The date part of an ISO date or timestamp."""
    text = _text(value)
    return text[:10] if text else None


def norm_code(value, prefixes: tuple[str, ...] = ()) -> str | None:
    """Lots, serials and case ids: letters and digits only, upper case (dashes and spaces vary by
    printer), with an optional label prefix dropped (only when something remains after it)."""
    text = _text(value)
    if not text:
        return None
    code = re.sub(r"[^0-9A-Za-z]", "", text).upper()
    for prefix in prefixes:
        if code.startswith(prefix) and len(code) > len(prefix):
            return code[len(prefix):]
    return code or None


def norm_patient(value) -> str | None:
    """A patient reference with or without its 'MRN' / 'MR' label is the same patient."""
    return norm_code(value, ("MRN", "MR"))


def norm_amount(value) -> Decimal | None:
    """Prices compare as numbers: '1,346.40', '$1346.4' and 1346.40 are equal."""
    if value is None:
        return None
    try:
        return Decimal(str(value).replace(",", "").replace("$", "").strip())
    except (InvalidOperation, ValueError):
        return None


HEADER_NORMALISERS = {"customer_id": norm_id, "site_id": norm_id, "po_number": norm_po, "order_date": norm_date,
                      "procedure.date": norm_date, "procedure.physician_id": norm_id,
                      "procedure.patient_ref": norm_patient, "procedure.case_id": norm_code}
ATTRIBUTE_NORMALISERS = {"lot": norm_code, "serial": norm_code, "expiry": norm_date, "unit_price": norm_amount}


def dotted(obj, path: str):
    """``procedure.date`` of an extraction whose procedure may be null."""
    for key in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


# ------------------------------------------------------------------ tallies
@dataclass
class Tally:
    """A hit count over a denominator; no denominator means 'not applicable', not zero."""

    ok: int = 0
    n: int = 0

    def add(self, ok: int | bool, n: int = 1) -> None:
        self.ok += int(ok)
        self.n += n

    @property
    def rate(self) -> float | None:
        return self.ok / self.n if self.n else None


@dataclass
class LineCounts:
    """Truth lines, output lines, and how many of each were matched (they differ for split lines)."""

    truth: int = 0
    output: int = 0
    matched_truth: int = 0
    matched_output: int = 0

    def add(self, other: LineCounts) -> None:
        self.truth += other.truth
        self.output += other.output
        self.matched_truth += other.matched_truth
        self.matched_output += other.matched_output

    @property
    def precision(self) -> float:
        if self.output:
            return self.matched_output / self.output
        return 1.0 if self.truth == 0 else 0.0

    @property
    def recall(self) -> float:
        return self.matched_truth / self.truth if self.truth else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def complete(self) -> bool:
        """Every truth line and every output line found its partner."""
        return self.matched_truth == self.truth and self.matched_output == self.output


# ------------------------------------------------------------------ line matching
@dataclass
class Group:
    """Truth lines matched with output lines: one each, or several of one item whose quantities add up."""

    truth: list[dict]
    output: list[dict]


def _quantity(line: dict) -> Decimal | None:
    return norm_amount(line.get("quantity"))


def _has_item(line) -> bool:
    return isinstance(line, dict) and _text(line.get("item_id")) is not None


def _same_unit(out: dict, truth: dict) -> bool:
    return (norm_code(out.get("lot")) == norm_code(truth.get("lot"))
            and norm_code(out.get("serial")) == norm_code(truth.get("serial")))


def match_lines(truth_lines, output_lines) -> tuple[LineCounts, list[Group]]:
    """Pair lines on item AND quantity, one to one, in truth order (preferring the output line with the
    same lot and serial, so attribute accuracy is judged against the right unit); then, per item still
    unmatched, accept the leftover output lines as a split or merge when the quantities add up, because
    '2 + 1' and '3' of one item ship the same. Lines without an item id take no part."""
    truths = [line for line in truth_lines or [] if _has_item(line)]
    outputs = [line for line in output_lines or [] if _has_item(line)]
    counts = LineCounts(truth=len(truths), output=len(outputs))
    free = list(range(len(outputs)))
    groups: list[Group] = []
    leftovers: dict[str, list[dict]] = defaultdict(list)
    for truth in truths:
        chosen = _one_to_one(truth, outputs, free)
        if chosen is None:
            leftovers[norm_id(truth["item_id"])].append(truth)
            continue
        free.remove(chosen)
        groups.append(Group([truth], [outputs[chosen]]))
    counts.matched_truth = counts.matched_output = len(groups)
    for item, waiting in leftovers.items():
        group = _split_or_merge(item, waiting, outputs, free)
        if group is not None:
            groups.append(group)
            counts.matched_truth += len(group.truth)
            counts.matched_output += len(group.output)
    return counts, groups


def _one_to_one(truth: dict, outputs: list[dict], free: list[int]) -> int | None:
    item, quantity = norm_id(truth["item_id"]), _quantity(truth)
    candidates = [i for i in free if norm_id(outputs[i]["item_id"]) == item and _quantity(outputs[i]) == quantity]
    if not candidates:
        return None
    return next((i for i in candidates if _same_unit(outputs[i], truth)), candidates[0])


def _split_or_merge(item: str, waiting: list[dict], outputs: list[dict], free: list[int]) -> Group | None:
    mine = [i for i in free if norm_id(outputs[i]["item_id"]) == item]
    if not mine:
        return None
    wanted = sum((_quantity(t) or 0) for t in waiting)
    given = sum((_quantity(outputs[i]) or 0) for i in mine)
    if wanted != given:
        return None
    for i in mine:
        free.remove(i)
    return Group(list(waiting), [outputs[i] for i in mine])


def attribute_accuracy(groups: list[Group], attr: str) -> Tally:
    """Of the matched truth lines that state the attribute, how many got it right. Within a split or
    merge any output line of the group may carry it, but each output value is used once."""
    norm = ATTRIBUTE_NORMALISERS[attr]
    tally = Tally()
    for group in groups:
        pool = [norm(o.get(attr)) for o in group.output]
        for truth in group.truth:
            wanted = norm(truth.get(attr))
            if wanted is None:
                continue
            hit = wanted in pool
            if hit:
                pool.remove(wanted)
            tally.add(hit)
    return tally


def attribute_precision(groups: list[Group], attr: str) -> Tally:
    """Of the values we output on matched lines, how many the truth has: a lot the document does not
    state, or a wrong one, counts against us (nothing invented)."""
    norm = ATTRIBUTE_NORMALISERS[attr]
    tally = Tally()
    for group in groups:
        pool = [v for v in (norm(t.get(attr)) for t in group.truth) if v is not None]
        for out in group.output:
            given = norm(out.get(attr))
            if given is None:
                continue
            hit = given in pool
            if hit:
                pool.remove(given)
            tally.add(hit)
    return tally


# ------------------------------------------------------------------ outputs
def split_output(output) -> tuple[dict, str | None, list]:
    """(extraction, status, exceptions) of an ingest result or a bare extraction; a missing or unreadable
    output is an empty extraction, because an unread document found nothing."""
    if not isinstance(output, dict):
        return {}, None, []
    is_ingest = "extraction" in output or "status" in output
    extraction = output.get("extraction") if is_ingest else output
    if not isinstance(extraction, dict):
        extraction = {}
    return extraction, (output.get("status") if is_ingest else None), output.get("exceptions") or []


def stem_of(source: str) -> str:
    """docs/doc-0009.txt and doc-0009.meta.json both belong to doc-0009."""
    return Path(str(source)).name.split(".")[0]


def load_truths(truth_dir: Path) -> dict[str, dict]:
    """Truth files by stem; files starting with '_' are notes, not documents."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(Path(truth_dir).glob("*.json")) if not p.name.startswith("_")}


# ------------------------------------------------------------------ scoring
@dataclass
class Score:
    """All figures over a set of documents (the whole corpus or one family)."""

    documents: int = 0
    missing: int = 0
    header: Tally = field(default_factory=Tally)
    fields: dict = field(default_factory=lambda: {f: Tally() for f in HEADER_FIELDS})
    invented: dict = field(default_factory=lambda: {f: Tally() for f in INVENTED_FIELDS})
    lines: LineCounts = field(default_factory=LineCounts)
    attributes: dict = field(default_factory=lambda: {a: Tally() for a in LINE_ATTRIBUTES})
    precision: dict = field(default_factory=lambda: {a: Tally() for a in PRECISION_ATTRIBUTES})
    status: Tally = field(default_factory=Tally)
    reason: Tally = field(default_factory=Tally)
    straight_through: Tally = field(default_factory=Tally)
    wrong_clean: Tally = field(default_factory=Tally)

    def as_dict(self) -> dict:
        return {"documents": self.documents, "missing": self.missing, "header_acc": self.header.rate,
                "fields": {f: t.rate for f, t in self.fields.items()},
                "invented": {f: t.rate for f, t in self.invented.items()},
                "invented_counts": {f: [t.ok, t.n] for f, t in self.invented.items()},
                "line_precision": self.lines.precision, "line_recall": self.lines.recall, "line_f1": self.lines.f1,
                "line_counts": vars(self.lines).copy(),
                "matched_line_acc": {a: t.rate for a, t in self.attributes.items()},
                "attribute_precision": {a: t.rate for a, t in self.precision.items()},
                "status_acc": self.status.rate, "reason_acc": self.reason.rate,
                "straight_through": self.straight_through.rate, "straight_through_counts":
                    [self.straight_through.ok, self.straight_through.n],
                "wrong_clean": self.wrong_clean.rate, "wrong_clean_counts": [self.wrong_clean.ok, self.wrong_clean.n]}


def score_document(score: Score, truth: dict, output) -> list[str]:
    """Add one document to a score; returns what it got wrong (for the verbose listing)."""
    extraction, status, exceptions = split_output(output)
    score.documents += 1
    score.missing += output is None
    errors = _score_header(score, truth, extraction)
    counts, groups = match_lines(truth.get("lines"), extraction.get("lines"))
    score.lines.add(counts)
    if not counts.complete:
        errors.append(f"lines: truth {counts.truth}, output {counts.output}, "
                      f"matched {counts.matched_truth}/{counts.matched_output}")
    for attr in LINE_ATTRIBUTES:
        _merge(score.attributes[attr], attribute_accuracy(groups, attr))
    for attr in PRECISION_ATTRIBUTES:
        _merge(score.precision[attr], attribute_precision(groups, attr))
    errors += _score_status(score, truth, status, exceptions, counts, extraction)
    return errors


def _merge(into: Tally, part: Tally) -> None:
    into.add(part.ok, part.n)


def _score_header(score: Score, truth: dict, extraction: dict) -> list[str]:
    errors = []
    for name in HEADER_FIELDS:
        wanted = HEADER_NORMALISERS[name](dotted(truth, name))
        if wanted is None:
            continue
        ok = HEADER_NORMALISERS[name](dotted(extraction, name)) == wanted
        score.fields[name].add(ok)
        score.header.add(ok)
        if not ok:
            errors.append(f"{name}: want {dotted(truth, name)!r} got {dotted(extraction, name)!r}")
    for name in INVENTED_FIELDS:
        if dotted(truth, name) is None:
            score.invented[name].add(_text(dotted(extraction, name)) is not None)
    return errors


def _score_status(score: Score, truth: dict, status, exceptions, counts: LineCounts, extraction: dict) -> list[str]:
    """Status accuracy, reason hits, straight-through and wrong-clean. A document with no status is
    scored as wrong (when the run produced statuses at all - decided by the caller)."""
    if status is None:
        return []
    got, wanted = str(status).strip().lower(), truth.get("expect_status")
    score.status.add(got == wanted)
    if wanted == "created":
        score.straight_through.add(got == "created")
    if got == "created":
        every_line_has_item = len(extraction.get("lines") or []) == counts.output
        score.wrong_clean.add(wanted != "created" or not counts.complete or not every_line_has_item)
    if wanted == "exception" and truth.get("expect_reason") and got == "exception":
        text = json.dumps(exceptions, default=str).lower()
        score.reason.add(any(w in text for w in REASON_WORDS.get(truth["expect_reason"], ())))
    return [] if got == wanted else [f"status: want {wanted}/{truth.get('expect_reason')} got {got}"]


def score_outputs(outputs: dict[str, dict | None], truths: dict[str, dict]) -> dict:
    """Score outputs by stem against truths by stem: overall, per family, and per-document errors.
    When any output carries a status, documents without one count as a wrong status (they were not
    taken in at all), and as not straight through when they should have been."""
    overall, families, per_document = Score(), defaultdict(Score), []
    with_status = any(split_output(outputs.get(stem))[1] is not None for stem in truths)
    for stem, truth in sorted(truths.items()):
        output = outputs.get(stem)
        family = truth.get("family", "other")
        errors = []
        for score in (overall, families[family]):
            errors = score_document(score, truth, output)
            if with_status and split_output(output)[1] is None:
                score.status.add(False)
                if truth.get("expect_status") == "created":
                    score.straight_through.add(False)
        per_document.append({"stem": stem, "family": family, "errors": errors})
    order = [f for f in FAMILIES if f in families] + sorted(f for f in families if f not in FAMILIES)
    return {**overall.as_dict(), "families": {f: {"docs": families[f].documents, **families[f].as_dict()} for f in order},
            "per_document": per_document}


# ------------------------------------------------------------------ timing and targets
TEXT_FAMILIES = ("pdf", "email", "sms", "edi")


def _median(values: list[float]) -> float | None:
    from statistics import median
    return median(values) if values else None


def timing_figures(documents: list[dict]) -> dict:
    """Medians over per-document timings. Each record: family, seconds, and pages - one
    {"ours", "tesseract"} per OCR'd page. A text document is one that needed no OCR (a case-sheet PDF
    with a text layer is a text PDF too): those have a time budget of their own, while a scan's cost
    is judged against what tesseract alone takes on the same page."""
    by_family: dict[str, list[float]] = defaultdict(list)
    text_times, ratios, page_seconds = [], [], []
    worst = None
    for doc in documents:
        by_family[doc["family"]].append(doc["seconds"])
        pages = doc.get("pages") or []
        if not pages:
            text_times.append(doc["seconds"])
        for number, page in enumerate(pages, start=1):
            page_seconds.append(page["ours"])
            if page.get("tesseract"):
                ratios.append(page["ours"] / page["tesseract"])
                if worst is None or ratios[-1] > worst["ratio"]:
                    worst = {"stem": doc.get("stem"), "page": page.get("page", number), "ratio": ratios[-1]}
    return {"documents": len(documents), "median_seconds_by_family": {f: _median(v) for f, v in by_family.items()},
            "median_text_document_seconds": _median(text_times), "text_documents": len(text_times),
            "scanned_pages": len(page_seconds), "median_scanned_page_seconds": _median(page_seconds),
            "median_ocr_ratio": _median(ratios), "max_ocr_ratio": max(ratios) if ratios else None,
            "worst_page": worst}


#: (name, figure path in the bench summary, comparison, target) from the issue.
TARGETS = (
    ("line F1, text documents", ("groups", "text", "line_f1"), ">=", 0.98),
    ("line F1, scans and photos", ("groups", "ocr", "line_f1"), ">=", 0.93),
    *((f"line F1, {f}", ("families", f, "line_f1"), ">=", 0.98) for f in TEXT_FAMILIES),
    ("line F1, scan", ("families", "scan", "line_f1"), ">=", 0.93),
    ("lot precision", ("attribute_precision", "lot"), ">=", 0.995),
    ("serial precision", ("attribute_precision", "serial"), ">=", 0.995),
    ("straight through (of expected)", ("straight_through",), ">=", 0.85),
    ("clean-looking but wrong (of created)", ("wrong_clean",), "<=", 0.005),
    ("median s per text document", ("timing", "median_text_document_seconds"), "<=", 0.3),
    ("median s per scanned page / tesseract", ("timing", "median_ocr_ratio"), "<=", 1.3),
)


def check_targets(summary: dict) -> list[dict]:
    """Each target with its figure and whether it is met (None when the corpus has nothing to measure)."""
    checks = []
    for name, path, op, target in TARGETS:
        value = summary
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        met = None if value is None else (value >= target if op == ">=" else value <= target)
        checks.append({"name": name, "value": value, "op": op, "target": target, "met": met})
    return checks
