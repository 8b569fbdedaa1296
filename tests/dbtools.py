"""Fresh databases of both engines for tests.

Migrating is done once into a template (a SQLite file, a PostgreSQL template database), optionally
prepared with data; each test gets a cheap copy of it. ``fresh_copy`` is the body of a parametrised
fixture over ``ENGINES``.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest


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


def require_postgres() -> None:
    if not postgres_available():
        if os.environ.get("O2C_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required (O2C_REQUIRE_POSTGRES) but {PG_ADMIN_URL} is not reachable")
        pytest.skip("PostgreSQL is not reachable")


def create_pg_database(prefix: str, template: str | None = None) -> tuple[str, str]:
    """A new PostgreSQL database (optionally copied from ``template``); returns (name, url)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with _pg_admin().connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name, _pg_url(name)


def drop_pg_database(name: str) -> None:
    with _pg_admin().connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_sqlite_template(folder: Path, prepare=None) -> Path:
    """A migrated SQLite file, then ``prepare(url)`` (e.g. load master data) if given."""
    from o2c.storage.db import dispose_engines
    from o2c.storage.migrate import migrate
    path = folder / "template.db"
    migrate(f"sqlite:///{path}")
    if prepare:
        prepare(f"sqlite:///{path}")
    dispose_engines()
    return path


def make_pg_template(prefix: str, prepare=None):
    """A migrated PostgreSQL template database (yielded by name, dropped afterwards)."""
    from o2c.storage.db import dispose_engines
    from o2c.storage.migrate import migrate
    require_postgres()
    name, url = create_pg_database(prefix)
    migrate(url)
    if prepare:
        prepare(url)
    dispose_engines()
    yield name
    drop_pg_database(name)


def fresh_copy(request, tmp_path, monkeypatch, sqlite_template: str, postgres_template: str):
    """Yield the URL of a fresh copy of a template database of the engine named by ``request.param``,
    with ``O2C_DATABASE_URL`` pointing at it for the test. ``*_template`` name the template fixtures."""
    from o2c.storage.db import dispose_engines
    if request.param == "sqlite":
        path = tmp_path / "o2c.db"
        shutil.copy(request.getfixturevalue(sqlite_template), path)
        url, name = f"sqlite:///{path}", None
    else:
        name, url = create_pg_database("o2c_t", request.getfixturevalue(postgres_template))
    monkeypatch.setenv("O2C_DATABASE_URL", url)
    yield url
    dispose_engines()
    if name:
        drop_pg_database(name)


ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


