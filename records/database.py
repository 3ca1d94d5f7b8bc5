"""The one database: conversations (Rasa's `events` table) and callback requests.

DATABASE_URL (an SQLAlchemy URL) chooses it, for example
`postgresql://postgres@127.0.0.1:5432/test`. Unset, it is the SQLite file
runtime/conversations.db, so a first run needs no database server.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from serving.settings import RUNTIME_DIR, settings

# Every table of ours (Rasa's `events` table is Rasa's own); see records/schema.py.
metadata = sa.MetaData()


def now() -> datetime:
    """UTC, without a time zone: SQLite and PostgreSQL then store the same thing."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def url() -> str:
    return settings().database


def create_engine(database_url: str) -> sa.engine.Engine:
    """An engine for the URL; for SQLite, the folder is created and connections pooled."""
    # hide_parameters: an error message (which Rasa logs) must not carry what people wrote.
    if sa.engine.make_url(database_url).get_backend_name() != "sqlite":
        return sa.create_engine(database_url, pool_pre_ping=True, hide_parameters=True)
    sqlite_file = sa.engine.make_url(database_url).database
    if sqlite_file and sqlite_file != ":memory:":
        private_file(Path(sqlite_file))
    # SQLAlchemy 1.4 opens a new SQLite connection for every session by default;
    # reading and saving a conversation for each message made that a third of the
    # time spent on a reply. Keep connections open in a pool instead.
    engine = sa.create_engine(database_url, poolclass=sa.pool.QueuePool, hide_parameters=True,
                              connect_args={"check_same_thread": False})
    sa.event.listen(engine, "connect", _tune_sqlite)
    return engine


def private_file(path: Path) -> None:
    """Make `path` (and its folder) readable by its owner only, creating it if missing.
    SQLite gives its -wal and -shm files the same permissions as the database file."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        # Never open a database file that exists: closing any descriptor of it releases
        # this process's SQLite locks on it, and the database can be corrupted.
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    os.chmod(path, 0o600)


@lru_cache(maxsize=None)
def engine(database_url: str = "") -> sa.engine.Engine:
    """One shared engine per URL (the configured one by default) for this process."""
    return create_engine(database_url or url())


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (advisors, tests) read while the assistant writes, and
    # synchronous=NORMAL is still crash-safe in WAL mode without an fsync per message.
    # busy_timeout makes a writer wait for another process's write instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # What is deleted (a conversation, the purge) is overwritten, not left in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
