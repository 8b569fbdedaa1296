"""Alembic environment: migrations run on the connection o2c hands over (see o2c.storage.migrate)."""
from alembic import context

from o2c.storage.schema import metadata

connection = context.config.attributes.get("connection")


def run() -> None:
    if connection is None:
        from o2c.storage.db import get_engine
        with get_engine().begin() as conn:
            _migrate(conn)
    else:
        _migrate(connection)


def _migrate(conn) -> None:
    context.configure(connection=conn, target_metadata=metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run()
