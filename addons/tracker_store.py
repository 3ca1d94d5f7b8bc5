"""Where conversations are kept: an SQL tracker store that protects privacy.

- The database comes from DATABASE_URL (see records/database.py); unset, it is the
  SQLite file runtime/conversations.db, so a first run needs no database server.
- Phone numbers and email addresses are masked in every event before it is written
  (records/masking.py). The unmasked contact details of a callback request live only
  in the callback_requests table.
- Each save also updates the conversation's summary and the list of messages the bot
  did not understand (records/conversations.py), which the advisors' console reads.
- When the person confirms "delete my conversation", the action server runs
  `action_delete_conversation`; seeing it, this store deletes everything kept about the
  conversation and writes none of that turn's events.
"""
from __future__ import annotations

import itertools
import json
from typing import Any, Dict, Iterator, Optional, Text

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from records import conversations, database, schema
from records.masking import mask

DELETE_ACTION = "action_delete_conversation"

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

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            events = list(self._additional_events(session, tracker))
            if any(isinstance(e, ActionExecuted) and e.action_name == DELETE_ACTION
                   for e in events):
                conversations.forget(session, [tracker.sender_id])
                session.commit()
                return
            stored = []
            for event in events:
                data = masked(event.as_dict())
                stored.append(data)
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get(
                        INTENT_NAME_KEY),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                ))
            conversations.record_turns(session, tracker.sender_id, stored)
            session.commit()

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        stored = session.execute(
            _LATEST_SESSION_EVENT_COUNT, {"sender_id": tracker.sender_id}
        ).scalar()
        return itertools.islice(tracker.events, stored, len(tracker.events))


def masked(event: Dict[str, Any]) -> Dict[str, Any]:
    """The event with contact details masked wherever people's words are kept."""
    if "text" in event:  # user and bot messages
        event["text"] = mask(event["text"])
    parse_data = event.get("parse_data")
    if parse_data:
        parse_data["text"] = mask(parse_data.get("text"))
        for entity in parse_data.get("entities") or []:
            entity["value"] = mask(entity.get("value"))
    if event.get("event") == "slot":
        event["value"] = mask(event.get("value"))
    return event
