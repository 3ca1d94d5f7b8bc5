"""Where conversations are kept: an SQL tracker store configured from the environment.

TRACKER_DB_URL (an SQLAlchemy URL) chooses the database, for example
`postgresql://postgres@127.0.0.1:5432/test`. Unset, conversations go to the SQLite
file runtime/conversations.db, so a first run needs no database server.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional, Text

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain

RUNTIME_DIR = Path(__file__).resolve().parent.parent / "runtime"


def default_database_url() -> str:
    return f"sqlite:///{RUNTIME_DIR / 'conversations.db'}"


def database_url() -> str:
    return os.environ.get("TRACKER_DB_URL") or default_database_url()


class ConversationStore(SQLTrackerStore):
    """SQLTrackerStore whose database comes from TRACKER_DB_URL."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        url = host or database_url()
        if url.startswith("sqlite"):
            RUNTIME_DIR.mkdir(exist_ok=True)
        # SQLTrackerStore takes a full URL given as `host` as it is.
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _tune_sqlite)

    def __repr__(self) -> str:
        return f"ConversationStore({self.engine.url!r})"


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (advisors, tests) read while the assistant writes, and
    # synchronous=NORMAL is still crash-safe in WAL mode without an fsync per message.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
