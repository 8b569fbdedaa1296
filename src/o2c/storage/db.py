"""Engines and the unit of work.

``O2C_DATABASE_URL`` picks the database: an embedded SQLite file by default (``./o2c.db``, in WAL mode
so readers never wait for the writer), or PostgreSQL (``postgresql+psycopg://...``) when a company
outgrows one machine. Every use case runs inside one ``UnitOfWork``: one transaction in which the
business change, its audit record, its domain events (outbox) and its journal entries are written
together or not at all.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine

DEFAULT_URL = "sqlite:///o2c.db"
_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def database_url(url: str | None = None) -> str:
    return url or os.environ.get("O2C_DATABASE_URL") or DEFAULT_URL


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling is switched off so that SQLAlchemy's BEGIN is the only one;
    # writers take the write lock up front (BEGIN IMMEDIATE) instead of failing on lock upgrade.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.info.get("o2c_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def get_engine(url: str | None = None) -> Engine:
    url = database_url(url)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                path = url.split("///", 1)[-1]
                if path and path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"timeout": 30})
                _configure_sqlite(engine)
            else:
                engine = create_engine(url, pool_pre_ping=True)
            _engines[url] = engine
        return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def transaction(engine: Engine, *, read_only: bool = False):
    """A connection inside one transaction; commits on success, rolls back on any exception."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.info["o2c_begin"] = "DEFERRED" if read_only else "IMMEDIATE"
        with conn.begin():
            yield conn


def is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"
