"""The one database: conversations (Rasa's `events` table) and callback requests.

DATABASE_URL (an SQLAlchemy URL) chooses it, for example
`postgresql://postgres@127.0.0.1:5432/test`. Unset, it is the SQLite file
runtime/conversations.db, so a first run needs no database server.
"""
from __future__ import annotations

import os
import sqlite3
import time
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from serving.settings import settings

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
    backend = sa.engine.make_url(database_url).get_backend_name()
    if backend != "sqlite":
        engine = sa.create_engine(database_url, pool_pre_ping=True, hide_parameters=True)
        if backend == "postgresql":
            sa.event.listen(engine, "connect", _tune_postgresql)
        return engine
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


def _tune_postgresql(dbapi_connection: Any, _record: Any) -> None:
    # Our queries are short. PostgreSQL compiles a query with JIT when its estimated cost
    # is high, as it is for any query over a large table, and compiling took longer than
    # running the console's counts (90 ms of 250 at 500,000 conversations).
    cursor = dbapi_connection.cursor()
    cursor.execute("SET jit = off")
    cursor.close()
    dbapi_connection.commit()  # (a SET in a transaction rolled back would be undone)


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (advisors, tests) read while the assistant writes, and
    # synchronous=NORMAL is still crash-safe in WAL mode without an fsync per message.
    # busy_timeout makes a writer wait for another process's write instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    _wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    # What is deleted (a conversation, the purge) is overwritten, not left in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _wal(cursor: Any) -> None:
    """Switch to WAL. Processes that open a new database file at the same moment can be
    refused at once ("database is locked"), without the busy timeout: try again."""
    for attempt in range(100):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == 99:
                raise
            time.sleep(0.05)
