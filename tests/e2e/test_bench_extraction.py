"""``o2c bench extraction``: runs on a corpus built here from the demo master data (so it needs no
../shared), and agrees with the acceptance scorer on the synthetic corpus when that is present."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from o2c.intake.scoring import load_truths, score_outputs, stem_of

DATA = Path(__file__).parents[1] / "data"

EMAIL = """From: Orders <orders@cedarridge.example>
To: Keystone Orders <orders@keystone-ortho.com>
Subject: PO CR-5521
Date: Wed, 18 Nov 2026 09:10:00 -0800
Content-Type: text/plain; charset="utf-8"
MIME-Version: 1.0

Please enter this order for Cedar Ridge Surgery Center.

PO#: CR-5521

- K-1002 (acetabular shell 52mm) qty 2 EA
- K-2001 qty 1 BX

Thanks
"""


def o2c(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "o2c.cli.main", *args], check=False, capture_output=True, text=True,
                          env=env or dict(os.environ), timeout=300)


def _truth(source, family, customer, site, po, lines, status="created", reason=None):
    return {"source": source, "document_type": "purchase_order", "customer_id": customer, "site_id": site,
            "po_number": po, "order_date": "2026-11-18", "procedure": None,
            "lines": [{"item_id": i, "quantity": q, "unit_price": p, "lot": None, "serial": None, "expiry": None}
                      for i, q, p in lines],
            "expect_status": status, "expect_reason": reason, "family": family}


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory) -> Path:
    """An EDI PO and an e-mail PO. The truth splits the e-mail's shell line in two (1 + 1) and expects
    the EDI order to stop on credit hold, so a split match and a created-but-wrong order are scored."""
    from o2c.demo import demo_master_dir
    root = tmp_path_factory.mktemp("tiny-corpus")
    shutil.copytree(demo_master_dir(), root / "master")
    (root / "docs").mkdir()
    (root / "truth").mkdir()
    shutil.copy(DATA / "harborview_850.edi", root / "docs" / "doc-0001.edi")
    (root / "docs" / "doc-0002.eml").write_text(EMAIL, encoding="utf-8")
    truths = {
        "doc-0001": _truth("docs/doc-0001.edi", "edi", "D-100", "D-100-ST", "HV-90417",
                           [("K-1001", "1", "2150.00"), ("K-2001", "2", "365.00")], "exception", "credit_hold"),
        "doc-0002": _truth("docs/doc-0002.eml", "email", "D-200", "D-200-ST", "CR-5521",
                           [("K-1002", "1", None), ("K-1002", "1", None), ("K-2001", "1", None)]),
    }
    for stem, body in truths.items():
        (root / "truth" / f"{stem}.json").write_text(json.dumps(body), encoding="utf-8")
    manifest = {"documents": [
        {"file": "docs/doc-0001.edi", "stem": "doc-0001", "channel": "edi", "from": "HARBORVIEW",
         "received_at": "2026-11-18T09:00:00"},
        {"file": "docs/doc-0002.eml", "stem": "doc-0002", "channel": "email", "from": "orders@cedarridge.example",
         "received_at": "2026-11-18T09:10:00"}]}
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def tiny_run(tiny_corpus: Path, tmp_path_factory) -> tuple[dict, str, Path]:
    out = tmp_path_factory.mktemp("tiny-out") / "ingest.jsonl"
    run = o2c("bench", "extraction", str(tiny_corpus), "--json", "--out", str(out))
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout), run.stderr, out


def test_bench_scores_a_corpus_without_shared(tiny_run):
    summary, progress, _ = tiny_run
    assert "[  1/2] docs/doc-0001.edi created" in progress and "[  2/2]" in progress
    assert "external_scorer" not in summary
    assert summary["documents"] == 2 and summary["header_acc"] == 1.0
    assert summary["line_f1"] == 1.0  # the 2-shell line matches the truth's 1 + 1
    assert summary["line_counts"] == {"truth": 5, "output": 4, "matched_truth": 5, "matched_output": 4}
    assert summary["status_acc"] == 0.5
    assert summary["straight_through_counts"] == [1, 1]
    assert summary["wrong_clean_counts"] == [1, 2]
    assert set(summary["families"]) == {"email", "edi"}


def test_bench_times_documents_and_marks_targets(tiny_run):
    summary, _, out = tiny_run
    timing = summary["timing"]
    assert timing["text_documents"] == 2 and timing["scanned_pages"] == 0
    assert timing["median_text_document_seconds"] > 0
    assert [t["stem"] for t in summary["per_document_timing"]] == ["doc-0001", "doc-0002"]
    marks = {c["name"]: c["met"] for c in summary["targets"]}
    assert marks["clean-looking but wrong (of created)"] is False
    assert marks["line F1, email"] is True and marks["line F1, scans and photos"] is None
    assert len(out.read_text().splitlines()) == 2


def test_bench_prints_a_table_with_marks(tiny_run):
    from o2c.cli.intake import render_bench
    text = render_bench(tiny_run[0])
    assert text.splitlines()[0].split()[:3] == ["family", "docs", "header"]
    assert "\u2713 line F1, email" in text and "\u2717 clean-looking but wrong" in text
    assert "acceptance scorer not found" in text


# ------------------------------------------------------------------ agreement with ../shared
@pytest.fixture(scope="module")
def synthetic_run(corpus_dir: Path, tmp_path_factory) -> tuple[dict, Path, Path]:
    corpus = corpus_dir / "synthetic"
    if not (corpus / "manifest.json").is_file():
        pytest.skip("the synthetic corpus is not present")
    out = tmp_path_factory.mktemp("synthetic-out") / "ingest.jsonl"
    # the tesseract baseline only adds timing, and doubles the OCR cost: left out to keep the test short
    run = o2c("bench", "extraction", str(corpus), "--json", "--out", str(out), "--no-baseline")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout), corpus, out


def test_bench_agrees_with_the_acceptance_scorer(synthetic_run, shared_dir: Path, tmp_path: Path):
    summary, corpus, out = synthetic_run
    assert summary["agreement"] == []
    scorer = shared_dir / "tools" / "score_extraction.py"
    spec = importlib.util.spec_from_file_location("acceptance_scorer", scorer)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main([str(out), str(corpus / "truth"), "--json", str(tmp_path / "report.json")])
    theirs = json.loads((tmp_path / "report.json").read_text())
    outputs = {stem_of(r["source"]): r for r in map(json.loads, out.read_text().splitlines())}
    ours = score_outputs(outputs, load_truths(corpus / "truth"))
    for key in ("line_precision", "line_recall", "line_f1", "header_acc", "status_acc", "reason_acc",
                "matched_line_acc", "fields", "documents", "missing"):
        assert ours[key] == pytest.approx(theirs[key]), key
    for family, figures in theirs["families"].items():
        for key, value in figures.items():
            assert ours["families"][family][key] == pytest.approx(value), (family, key)


def test_synthetic_scan_pages_are_timed(synthetic_run):
    summary, _, _ = synthetic_run
    timing = summary["timing"]
    assert timing["scanned_pages"] > 0 and timing["median_scanned_page_seconds"] > 0
    assert timing["median_ocr_ratio"] is None  # --no-baseline


def test_a_scanned_page_is_timed_against_tesseract_alone():
    """Ours is all the page's extraction (acquisition and the layout parse with its barcode decoding
    and re-reads) in CPU seconds; the baseline is the tesseract program on the page image."""
    from PIL import Image, ImageDraw

    from o2c.cli.intake import _Acquisitions, ocr_pages
    from o2c.intake import layout, text
    image = Image.new("L", (600, 160), 255)
    ImageDraw.Draw(image).text((20, 60), "PO 4500012038  K-1001  QTY 2", fill=0)
    buffer = __import__("io").BytesIO()
    image.save(buffer, format="PNG", dpi=(200, 200))
    with _Acquisitions() as seen:
        layout.parse_page_document(text.acquire(buffer.getvalue(), "page.png"))
        recorded = seen.take()
    assert text.acquire.__name__ == "acquire"  # unpatched again
    assert len(recorded) == 1 and recorded[0].acquire_cpu > 0 and recorded[0].parse_cpu > 0
    pages = ocr_pages(recorded)
    assert len(pages) == 1 and pages[0]["page"] == 1
    assert pages[0]["ours"] == pytest.approx(recorded[0].acquire_cpu + recorded[0].parse_cpu)
    assert pages[0]["tesseract"] > 0 and pages[0]["ratio"] == pytest.approx(pages[0]["ours"] / pages[0]["tesseract"])
    # a document read without the recording falls back to the page's own time
    assert ocr_pages(recorded and [recorded[0].document], baseline=False)[0]["tesseract"] is None


def test_the_worst_page_is_named():
    from o2c.cli.intake import render_bench
    from o2c.intake.scoring import check_targets, timing_figures
    timing = timing_figures([{"stem": "a", "family": "scan", "seconds": 2.0,
                              "pages": [{"page": 1, "ours": 1.2, "tesseract": 1.0},
                                        {"page": 2, "ours": 2.0, "tesseract": 1.0}]},
                             {"stem": "b", "family": "scan", "seconds": 1.0,
                              "pages": [{"page": 1, "ours": 1.1, "tesseract": 1.0}]}])
    assert timing["worst_page"] == {"stem": "a", "page": 2, "ratio": 2.0}
    assert timing["median_ocr_ratio"] == pytest.approx(1.2) and timing["max_ocr_ratio"] == 2.0
    summary = {"timing": timing}
    summary["targets"] = check_targets(summary)
    assert "1.20x tesseract alone (max 2.00x a p2)" in render_bench(summary)