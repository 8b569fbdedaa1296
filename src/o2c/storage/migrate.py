"""``o2c init``: create or migrate the database to the newest schema with Alembic."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from o2c.storage.db import get_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate(url: str | None = None) -> str:
    """Bring the database to head; returns the revision it is at."""
    engine = get_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.info["o2c_begin"] = "IMMEDIATE"
        with conn.begin():
            command.upgrade(alembic_config(conn), "head")
        with conn.begin():
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()


def is_initialised(url: str | None = None) -> bool:
    return "alembic_version" in inspect(get_engine(url)).get_table_names()
