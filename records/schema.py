"""Our tables (not Rasa's `events`, which Rasa makes), made and changed by the Alembic
migrations in records/migrations/versions.

Every part that uses the tables calls `create(engine)` first. With AUTO_MIGRATE (the
default, for development) it brings the database up to the newest revision; without it
(the production profile) it only checks that the database is there already, and says to
run `make migrate` (`python -m records migrate`) if not.

A database made before there were migrations (by `metadata.create_all`) has our tables
but no `alembic_version`: it is taken to be at the first revision, and upgraded from
there.
"""
from __future__ import annotations

import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Optional

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from serving.settings import settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
FIRST = "0001"
# Held by whoever migrates a PostgreSQL database, so that two processes starting at once
# do not both migrate it; any number that other programs on the server do not use.
LOCK_KEY = 0x726A5F736368656D  # "rj_schem"
# Left out when the metadata is compared with a database: Rasa's table, and the
# full-text indexes the migrations make (SQLite's FTS5 table, PostgreSQL's expression
# index), which the metadata does not describe, and SQLite's own table of AUTOINCREMENT
# counters.
NOT_DESCRIBED = ("events", "typed_messages_fts", "ix_typed_messages_text_search",
                 "sqlite_sequence")

_ready: "weakref.WeakSet[sa.engine.Engine]" = weakref.WeakSet()
_lock = threading.Lock()


class MigrationNeeded(RuntimeError):
    """The database is not at the revision this code needs."""


@dataclass(frozen=True)
class Upgraded:
    before: Optional[str]   # None: no tables of ours yet
    after: str
    adopted: bool = False   # made before migrations: taken to be at FIRST

    def __str__(self) -> str:
        before = f"{FIRST} (made before migrations)" if self.adopted else (
            self.before or "empty")
        if before == self.after:
            return f"at {self.after}, the newest revision"
        return f"{before} -> {self.after}"


def create(engine: sa.engine.Engine) -> None:
    """Make sure our tables are there and up to date; once per engine in this process.
    Raises MigrationNeeded if they are not and AUTO_MIGRATE is off."""
    with _lock:
        if engine in _ready:
            return
        if settings().auto_migrate:
            if revision(engine) != head():
                upgrade(engine)
        else:
            check(engine)
        _ready.add(engine)


def upgrade(engine: sa.engine.Engine) -> Upgraded:
    """Bring the database to the newest revision. Safe when several processes start at
    once: the first migrates while the others wait, then find nothing to do."""
    with _migrating(engine) as connection:
        before = _revision(connection)
        adopted = before is None and _made_before_migrations(connection)
        alembic = config(connection)
        if adopted:
            command.upgrade(alembic, FIRST)  # makes only the tables that are missing
        command.upgrade(alembic, "head")
        return Upgraded(FIRST if adopted else before, head(), adopted)


def check(engine: sa.engine.Engine) -> None:
    """Raise MigrationNeeded, saying what to run, unless the database is up to date."""
    with engine.connect() as connection:
        found = _revision(connection)
        if found is None:
            found = ("none (tables made before migrations)"
                     if _made_before_migrations(connection) else "none (no tables yet)")
    if found != head():
        where = engine.url.render_as_string(hide_password=True)
        raise MigrationNeeded(
            f"The database {where} is at revision {found}; this version needs {head()}. "
            "Run `make migrate` (python -m records migrate) with the same DATABASE_URL, "
            "then start again.")


def revision(engine: sa.engine.Engine) -> Optional[str]:
    with engine.connect() as connection:
        return _revision(connection)


@lru_cache(maxsize=None)
def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head()


def config(connection: Any = None) -> Config:
    """Alembic's configuration, in code (records/migrations/alembic.ini is only for
    writing new revisions with Alembic's command line)."""
    alembic = Config()
    alembic.set_main_option("script_location", str(MIGRATIONS))
    alembic.attributes["connection"] = connection
    return alembic


def ours(thing: Any, name: Optional[str], kind: str, reflected: bool, compare_to: Any) -> bool:
    """For Alembic's comparisons: leave out what is not described by the metadata."""
    return not (name or "").startswith(NOT_DESCRIBED)


def _revision(connection: Any) -> Optional[str]:
    return MigrationContext.configure(connection).get_current_revision()


def _made_before_migrations(connection: Any) -> bool:
    return sa.inspect(connection).has_table("conversation_summaries")


@contextmanager
def _migrating(engine: sa.engine.Engine) -> Iterator[Any]:
    """A transaction that no other process can be migrating in at the same time."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": LOCK_KEY})
        elif engine.dialect.name == "sqlite":
            # The write lock on the file, held until the end; DDL then runs in this
            # transaction too (pysqlite would not begin one before CREATE TABLE).
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield connection
