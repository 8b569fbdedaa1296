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
# Every database test runs on a fresh database of each engine. Migrating is done once per session into
# a template (a SQLite file, a PostgreSQL template database); each test gets a cheap copy of it.

import shutil
import uuid

PG_ADMIN_URL = os.environ.get("O2C_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _pg_admin():
    from sqlalchemy import create_engine
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def postgres_available() -> bool:
    try:
        with _pg_admin().connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    from o2c.storage.db import dispose_engines
    from o2c.storage.migrate import migrate
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate(f"sqlite:///{path}")
    dispose_engines()
    return path


@pytest.fixture(scope="session")
def postgres_template():
    if not postgres_available():
        if os.environ.get("O2C_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required (O2C_REQUIRE_POSTGRES) but {PG_ADMIN_URL} is not reachable")
        pytest.skip("PostgreSQL is not reachable")
    from o2c.storage.db import dispose_engines
    from o2c.storage.migrate import migrate
    name = f"o2c_tpl_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    migrate(_pg_url(name))
    dispose_engines()
    yield name
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path, monkeypatch):
    """A fresh, migrated database of each engine; ``O2C_DATABASE_URL`` points at it for the test."""
    from o2c.storage.db import dispose_engines
    if request.param == "sqlite":
        path = tmp_path / "o2c.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
        monkeypatch.setenv("O2C_DATABASE_URL", url)
        yield url
        dispose_engines()
        return
    template = request.getfixturevalue("postgres_template")
    name = f"o2c_t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = _pg_url(name)
    monkeypatch.setenv("O2C_DATABASE_URL", url)
    yield url
    dispose_engines()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def demo_master() -> Path:
    from o2c.demo import demo_master_dir
    return demo_master_dir()
