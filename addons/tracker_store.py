"""Where conversations are kept: an SQL tracker store that protects privacy.

- The database comes from DATABASE_URL (see records/database.py); unset, it is the
  SQLite file runtime/conversations.db, so a first run needs no database server.
- Phone numbers and email addresses are masked in every event before it is written
  (records/masking.py), and a message answering one of the callback form's questions
  (the number or address, the safe time, the first name) is stored as a placeholder
  only. What was given lives only in the callback_requests table.
- Each save also updates the conversation's summary, topics, typed messages and the
  list of messages the bot did not understand (records/conversation_log.py), which the
  advisors' console reads.
- When the person confirms "delete my conversation", `action_delete_conversation`
  deletes everything kept about the conversation; seeing it succeed (it did not reply
  `utter_conversation_not_deleted`), this store deletes again whatever is left and
  writes none of that turn's events. Seeing it fail, the store keeps the conversation,
  as the person was told.
- A turn reads only the conversation's recent events: the store keeps a snapshot of the
  conversation's state beside them (addons/tracker_snapshot.py,
  records/tracker_snapshots.py) and gives Rasa the snapshot followed by the events after
  it, so a turn costs the same however long the conversation has been. Every event is
  still stored, for advisors, exports and `retrieve_full_tracker`.
"""
from __future__ import annotations

import itertools
import json
import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from addons import tracker_snapshot
from addons.crisis import DANGER_INTENTS
from records import conversation_log, database, schema, tracker_snapshots
from records.masking import answer_placeholder, mask, slot_value
from records.parsed_message import ParsedMessage

logger = logging.getLogger(__name__)

DELETE_ACTION = "action_delete_conversation"
NOT_DELETED_RESPONSE = "utter_conversation_not_deleted"
CALLBACK_FORM = "callback_form"

# The queries of SQLTrackerStore._event_query, as plain SQL: building them with the ORM
# for every message cost more than running them. "The latest session" is every event
# from the newest session_started on, or all events when there is none.
_IN_LATEST_SESSION = """sender_id = :sender_id AND timestamp >= COALESCE(
    (SELECT MAX(timestamp) FROM events
     WHERE sender_id = :sender_id AND type_name = 'session_started'), -1)"""
_LATEST_SESSION_EVENTS = sa.text(
    f"SELECT id, data FROM events WHERE {_IN_LATEST_SESSION} ORDER BY id")
_EVENTS_FROM = sa.text(
    "SELECT id, data FROM events WHERE sender_id = :sender_id AND id >= :first ORDER BY id")
_ALL_EVENTS = sa.text("SELECT data FROM events WHERE sender_id = :sender_id ORDER BY id")
_LATEST_SESSION_EVENT_COUNT = sa.text(
    f"SELECT COUNT(*) FROM events WHERE {_IN_LATEST_SESSION}")
# On PostgreSQL the recent events of a conversation are found by this index. (SQLite's
# index on sender_id already holds the id, Rasa's table having an INTEGER PRIMARY KEY.)
_EVENTS_INDEX = sa.text(
    "CREATE INDEX IF NOT EXISTS ix_events_sender_id_id ON events (sender_id, id)")
_EVENT_EXISTS = sa.text("SELECT 1 FROM events WHERE id = :id")
# Set on each tracker the store reads: how it was read (see Stored). Saved again (Rasa
# may save one tracker twice), it goes on from what the last save stored.
STORED = "_rj_stored"


@dataclass(frozen=True)
class Stored:
    """A tracker's first `state` events are its snapshot's state; the events after them
    are stored under `ids`. `snapshot`: whether the conversation has a snapshot row."""
    state: int
    ids: List[int]
    snapshot: bool


class ConversationStore(SQLTrackerStore):
    """SQLTrackerStore on DATABASE_URL that masks contact details and can forget."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        url = host or database.url()
        engine = database.create_engine(url)  # creates the SQLite folder if needed
        # SQLTrackerStore takes a full URL given as `host` as it is.
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        self.engine.dispose()
        self.engine = engine
        self.sessionmaker = sa.orm.session.sessionmaker(bind=engine)
        schema.create(engine)
        if engine.dialect.name == "postgresql":
            try:
                with engine.begin() as connection:
                    # Held so that processes starting together do not race to make it.
                    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                                       {"key": schema.LOCK_KEY})
                    connection.execute(_EVENTS_INDEX)
            except sa.exc.DBAPIError as error:  # a user that may not index Rasa's table
                logger.warning("Could not make the index ix_events_sender_id_id on events "
                               "(%s); every turn reads more slowly until it is made "
                               "(docs/OPERATIONS.md).", error.orig)

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        """All events, or the latest session's: from its snapshot on when it has one."""
        with self.session_scope() as session:
            if fetch_events_from_all_sessions:
                snapshot, query = None, _ALL_EVENTS
            else:
                snapshot = tracker_snapshots.read(session, sender_id)
                query = _EVENTS_FROM if snapshot else _LATEST_SESSION_EVENTS
            rows = session.execute(query, {"sender_id": sender_id, "first": snapshot and
                                           snapshot.first_event_id}).all()
        if not self.domain or not rows:
            return None
        state = snapshot.state if snapshot else []
        tracker = DialogueStateTracker.from_dict(
            sender_id, state + [json.loads(row.data) for row in rows], self.domain.slots)
        # (An event Rasa could not read would be missing: then new events are found by
        # counting, as Rasa's store finds them.)
        if not fetch_events_from_all_sessions and len(tracker.events) == len(state) + len(rows):
            setattr(tracker, STORED, Stored(len(state), [row.id for row in rows],
                                            snapshot is not None))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        stored: Optional[Stored] = getattr(tracker, STORED, None)
        with self.session_scope() as session:
            if stored:
                first_new = stored.state + len(stored.ids)
            else:  # a tracker this store did not read (a new conversation)
                first_new = self._stored_count(session, tracker)
                tracker_snapshots.drop(session, [tracker.sender_id])  # none can be right
            events = list(itertools.islice(tracker.events, first_new, None))
            if self.event_broker:
                await self._stream_new_events(self.event_broker, events, tracker.sender_id)
            if deleted_in(events):
                conversation_log.forget(session, [tracker.sender_id])
                session.commit()
                return
            answers = form_answers(tracker.events, first_new)
            stored_events, rows = [], []
            for index, event in enumerate(events, start=first_new):
                data = masked(event.as_dict(), answers.get(index))
                stored_events.append(data)
                rows.append(self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=ParsedMessage.of(data.get("parse_data")).intent,
                    action_name=data.get("name"),
                    data=json.dumps(data),
                ))
            session.add_all(rows)
            conversation_log.record_turns(session, tracker.sender_id, stored_events)
            if stored:
                session.flush()  # gives the new rows their ids
                self._keep_snapshot(session, tracker, stored, [row.id for row in rows])
            session.commit()

    def _stored_count(self, session: Any, tracker: DialogueStateTracker) -> int:
        """How many of the tracker's events are stored already, counted as Rasa's
        SQLTrackerStore counts them."""
        return session.execute(
            _LATEST_SESSION_EVENT_COUNT, {"sender_id": tracker.sender_id}).scalar()

    @staticmethod
    def _keep_snapshot(session: Any, tracker: DialogueStateTracker, stored: Stored,
                       new_ids: List[int]) -> None:
        """Take a new snapshot when it is time to (or the first one), so that the next
        turn reads from it."""
        ids = stored.ids + new_ids
        first_new = stored.state + len(stored.ids)
        setattr(tracker, STORED, Stored(stored.state, ids, True))
        cut = tracker_snapshot.next_cut(tracker, stored.state)
        if cut and not session.execute(_EVENT_EXISTS, {"id": ids[0]}).first():
            # The conversation was deleted during this turn (from the console, or by
            # retention), snapshot too: a cut's state, read from before this turn, may
            # not bring it back. Without a snapshot, the next turn reads what is left.
            cut = None
        new_session = tracker_snapshot.latest_session_start(tracker.events, first_new)
        snapshot = None
        if cut:
            snapshot = tracker_snapshots.Snapshot(ids[cut.index - stored.state],
                                                  [masked(e) for e in cut.state])
        elif new_session is not None:  # read from the session's start from now on
            snapshot = tracker_snapshots.Snapshot(ids[new_session - stored.state], [])
        elif not stored.snapshot:  # read from its events alone: the state is empty
            snapshot = tracker_snapshots.Snapshot(ids[0], [])
        if snapshot:
            tracker_snapshots.write(session, tracker.sender_id, snapshot)


def deleted_in(events: List[Event]) -> bool:
    """The delete action ran and deleted (actions/deletion.py): it says which it did."""
    ran = any(isinstance(e, ActionExecuted) and e.action_name == DELETE_ACTION
              for e in events)
    failed = any(isinstance(e, BotUttered) and (e.metadata or {}).get("utter_action")
                 == NOT_DELETED_RESPONSE for e in events)
    return ran and not failed


def form_answers(events: List[Event], first: int) -> Dict[int, str]:
    """The placeholder to store for each message, from index `first` on, that answers
    one of the callback form's questions."""
    loop = question = method = None
    answers = {}
    for index, event in enumerate(events):
        if isinstance(event, SessionStarted):
            loop = question = method = None
        elif isinstance(event, ActiveLoop):
            loop = event.name
        elif isinstance(event, SlotSet) and event.key == REQUESTED_SLOT:
            question = event.value
        elif isinstance(event, SlotSet) and event.key == "contact_method":
            method = event.value
        elif (isinstance(event, UserUttered) and index >= first and loop == CALLBACK_FORM
              and event.intent_name not in DANGER_INTENTS):  # danger is not an answer
            placeholder = answer_placeholder(question, method)
            if placeholder:
                answers[index] = placeholder
    return answers


def masked(event: Dict[str, Any], placeholder: Optional[str] = None) -> Dict[str, Any]:
    """The event with contact details masked wherever people's words are kept, and
    with `placeholder` instead of the words of an answer to the callback form."""
    hide = (lambda value: placeholder) if placeholder else mask
    if "text" in event:  # user and bot messages
        event["text"] = hide(event["text"])
    parse_data = event.get("parse_data")
    if parse_data:
        parse_data["text"] = hide(parse_data.get("text"))
        for entity in parse_data.get("entities") or []:
            entity["value"] = hide(entity.get("value"))
    if event.get("event") == "slot":
        event["value"] = slot_value(event.get("name"), event.get("value"))
    return event
