"""Where conversations are kept: an SQL tracker store configured from the environment.

TRACKER_DB_URL (an SQLAlchemy URL) chooses the database, for example
`postgresql://postgres@127.0.0.1:5432/test`. Unset, conversations go to the SQLite
file runtime/conversations.db, so a first run needs no database server.
"""
from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any, Iterator, Optional, Text

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

RUNTIME_DIR = Path(__file__).resolve().parent.parent / "runtime"

# The queries of SQLTrackerStore._event_query, as plain SQL: building them with the ORM
# for every message cost more than running them. "The latest session" is every event
# from the newest session_started on, or all events when there is none.
_IN_LATEST_SESSION = """sender_id = :sender_id AND timestamp >= COALESCE(
    (SELECT MAX(timestamp) FROM events
     WHERE sender_id = :sender_id AND type_name = 'session_started'), -1)"""
_LATEST_SESSION_EVENTS = sa.text(
    f"SELECT data FROM events WHERE {_IN_LATEST_SESSION} ORDER BY id")
_ALL_EVENTS = sa.text("SELECT data FROM events WHERE sender_id = :sender_id ORDER BY id")
_LATEST_SESSION_EVENT_COUNT = sa.text(
    f"SELECT COUNT(*) FROM events WHERE {_IN_LATEST_SESSION}")


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
        sqlite_file = sa.engine.make_url(url).database if url.startswith("sqlite") else None
        if sqlite_file:
            Path(sqlite_file).parent.mkdir(parents=True, exist_ok=True)
        # SQLTrackerStore takes a full URL given as `host` as it is.
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._use_pooled_sqlite_engine(url)

    def _use_pooled_sqlite_engine(self, url: str) -> None:
        # SQLAlchemy 1.4 opens a new SQLite connection for every session by default;
        # reading and saving a conversation for each message made that a third of the
        # time spent on a reply. Keep connections open in a pool instead.
        self.engine.dispose()
        self.engine = sa.create_engine(
            url, poolclass=sa.pool.QueuePool, connect_args={"check_same_thread": False}
        )
        sa.event.listen(self.engine, "connect", _tune_sqlite)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        query = _ALL_EVENTS if fetch_events_from_all_sessions else _LATEST_SESSION_EVENTS
        with self.session_scope() as session:
            rows = session.execute(query, {"sender_id": sender_id}).scalars().all()
        if not self.domain or not rows:
            return None
        events = [json.loads(data) for data in rows]
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        stored = session.execute(
            _LATEST_SESSION_EVENT_COUNT, {"sender_id": tracker.sender_id}
        ).scalar()
        return itertools.islice(tracker.events, stored, len(tracker.events))


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (advisors, tests) read while the assistant writes, and
    # synchronous=NORMAL is still crash-safe in WAL mode without an fsync per message.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
