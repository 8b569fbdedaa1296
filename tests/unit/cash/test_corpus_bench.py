"""The synthetic bank corpus through the real parsers, the engine and the acceptance scorer."""
from __future__ import annotations

import importlib

import pytest

from o2c.cash.bench import corpus_summary, run_corpus, score

pytestmark = pytest.mark.corpus


def _parsers_ready() -> bool:
    try:
        bank = importlib.import_module("o2c.formats.bank")
    except ImportError:
        return False
    return hasattr(bank, "detect_and_parse")


def test_synthetic_bank_corpus_meets_the_floors(corpus_dir, shared_dir, tmp_path):
    if not _parsers_ready():
        pytest.skip("o2c.formats.bank.detect_and_parse is not available yet")
    corpus = corpus_dir / "synthetic"
    scorer = shared_dir / "tools" / "score_cash.py"
    if not (corpus / "bank" / "truth.json").exists() or not scorer.exists():
        pytest.skip("synthetic bank corpus or scorer missing")
    out = tmp_path / "cash.jsonl"
    stats = run_corpus(corpus, out)
    assert not stats["skipped_files"]
    summary = corpus_summary(score(out, corpus / "bank" / "truth.json", scorer))
    assert summary["auto_applied_correct"] >= 0.95
    assert summary["wrong_application"] <= 0.002
