"""Shared test fixtures.

``shared_dir`` points at ``../shared`` beside the project root (or ``$O2C_SHARED``); tests that read
it skip cleanly when it is absent, because the product never needs it at run time.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def shared_path() -> Path | None:
    candidate = Path(os.environ.get("O2C_SHARED", PROJECT_ROOT.parent / "shared"))
    return candidate if candidate.is_dir() else None


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = shared_path()
    if path is None:
        pytest.skip("../shared is not present")
    return path


@pytest.fixture(scope="session")
def corpus_dir(shared_dir: Path) -> Path:
    path = shared_dir / "corpus"
    if not path.is_dir():
        pytest.skip("../shared/corpus is not present")
    return path
