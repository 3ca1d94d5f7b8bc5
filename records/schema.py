"""Creates our tables, and adds columns that newer versions need to existing ones."""
from __future__ import annotations

import threading
import weakref

import sqlalchemy as sa

from records import database

_created: "weakref.WeakSet[sa.engine.Engine]" = weakref.WeakSet()
_lock = threading.Lock()


def create(engine: sa.engine.Engine) -> None:
    """Create every table of ours that is missing; once per engine in this process."""
    # Importing the modules defines their tables on database.metadata.
    from records import accounts, audit, callbacks, conversations  # noqa: F401

    with _lock:
        if engine in _created:
            return
        database.metadata.create_all(engine)
        _add_missing_columns(engine)
        _created.add(engine)


# Columns added after a table was first released: (table, column, SQL type).
_LATER_COLUMNS = [
    ("callback_requests", "assignee", "VARCHAR(50)"),
    ("callback_requests", "closed_at", "TIMESTAMP"),
    ("callback_requests", "closed_by", "VARCHAR(50)"),
]


def _add_missing_columns(engine: sa.engine.Engine) -> None:
    inspector = sa.inspect(engine)
    for table, column, sql_type in _LATER_COLUMNS:
        existing = {c["name"] for c in inspector.get_columns(table)}
        if column not in existing:
            with engine.begin() as connection:
                connection.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}"))
