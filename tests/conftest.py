"""Shared test fixtures.

``shared_dir`` points at ``../shared`` beside the project root (or ``$O2C_SHARED``); tests that read
it skip cleanly when it is absent, because the product never needs it at run time.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Tests seal patient data with a throw-away key instead of creating ./o2c.key in the working tree.
if not os.environ.get("O2C_DATA_KEY"):
    from cryptography.fernet import Fernet
    os.environ["O2C_DATA_KEY"] = Fernet.generate_key().decode()


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


# --- databases -----------------------------------------------------------------------------------
from tests.dbtools import ENGINES, fresh_copy, make_pg_template, make_sqlite_template  # noqa: E402


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    return make_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_template():
    yield from make_pg_template("o2c_tpl")


@pytest.fixture(params=ENGINES)
def db_url(request, tmp_path, monkeypatch):
    """A fresh, migrated database of each engine; ``O2C_DATABASE_URL`` points at it for the test."""
    yield from fresh_copy(request, tmp_path, monkeypatch, "sqlite_template", "postgres_template")


@pytest.fixture
def demo_master() -> Path:
    from o2c.demo import demo_master_dir
    return demo_master_dir()
