"""What the tracker store keeps about each conversation beside its events, as it saves
each turn (addons/tracker_store.py), for the advisors' console (console/queries.py).

Rasa's `events` table holds every event of every conversation. Listing and filtering
hundreds of thousands of conversations straight from millions of events is too slow, so
the store also keeps:

- `conversation_summaries`: one row per conversation, with when it started and last
  changed, how many turns the person took, how many were crises, not understood, or
  asked for an advisor;
- `conversation_topics`: each topic (intent, or `faq/...`) asked about, in the order
  first asked, with when the conversation started;
- `typed_messages`: what the person typed (already masked), one row a message, for
  full-text search (PostgreSQL: a GIN index on its tsvector; SQLite: an FTS5 table kept
  in step by triggers; see records/migrations);
- `understanding_gaps`: each message the bot did not understand or answered with low
  confidence, for trainers to label.

All are written with the same SQL on SQLite and PostgreSQL.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Sequence

import sqlalchemy as sa
import sqlalchemy.orm

from records import advisor_ids, database, live_chat, tracker_snapshots
from records.parsed_message import ParsedMessage

FALLBACK = "nlu_fallback"
CRISIS = "crisis"
# Asked "are you in danger right now?": the person may be in danger (addons/crisis.py)
POSSIBLE_DANGER = "possible_danger"
ADVISOR_INTENTS = {"request_advisor", "request_callback"}
# Below this, an answer counts as given with low confidence.
LOW_CONFIDENCE = 0.7

summaries = sa.Table(
    "conversation_summaries", database.metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("started_at", sa.Float, nullable=False, index=True),
    sa.Column("last_at", sa.Float, nullable=False, index=True),
    sa.Column("user_turns", sa.Integer, nullable=False, default=0),
    sa.Column("crisis_turns", sa.Integer, nullable=False, default=0),
    sa.Column("fallback_turns", sa.Integer, nullable=False, default=0),
    sa.Column("advisor_turns", sa.Integer, nullable=False, default=0),
)

topics = sa.Table(
    "conversation_topics", database.metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("topic", sa.String(255), primary_key=True, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    # The conversation's, so that the dashboard counts recent topics from this table alone
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Index("ix_conversation_topics_started_at_topic", "started_at", "topic"),
)

typed_messages = sa.Table(
    "typed_messages", database.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),
)

gaps = sa.Table(
    "understanding_gaps", database.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("predicted", sa.String(100)),
    sa.Column("confidence", sa.Float),
)

# Added to the counters of an existing summary; the same statement on both databases.
_UPSERT = sa.text("""
INSERT INTO conversation_summaries (sender_id, started_at, last_at, user_turns,
    crisis_turns, fallback_turns, advisor_turns)
VALUES (:sender_id, :started_at, :last_at, :user_turns, :crisis_turns, :fallback_turns,
    :advisor_turns)
ON CONFLICT (sender_id) DO UPDATE SET
    last_at = excluded.last_at,
    user_turns = conversation_summaries.user_turns + excluded.user_turns,
    crisis_turns = conversation_summaries.crisis_turns + excluded.crisis_turns,
    fallback_turns = conversation_summaries.fallback_turns + excluded.fallback_turns,
    advisor_turns = conversation_summaries.advisor_turns + excluded.advisor_turns
""")
# A topic not asked about before in the conversation goes after those that were.
# (SQLite needs the WHERE for an upsert on INSERT ... SELECT.)
_ADD_TOPIC = sa.text("""
INSERT INTO conversation_topics (sender_id, topic, position, started_at)
SELECT :sender_id, :topic, COALESCE(MAX(t.position), 0) + 1,
    (SELECT s.started_at FROM conversation_summaries s WHERE s.sender_id = :sender_id)
FROM conversation_topics t WHERE t.sender_id = :sender_id
ON CONFLICT (sender_id, topic) DO NOTHING
""")


@dataclass
class Turns:
    """What a save adds about one conversation."""
    summary: Dict[str, Any]
    topics: List[str] = field(default_factory=list)
    typed: List[str] = field(default_factory=list)
    gaps: List[Dict[str, Any]] = field(default_factory=list)


def summarise(sender_id: str, events: Sequence[Dict[str, Any]]) -> Turns:
    """What newly stored (already masked) events add to the conversation's records."""
    timestamps = [e["timestamp"] for e in events if e.get("timestamp") is not None]
    found = Turns({"sender_id": sender_id, "started_at": min(timestamps, default=0.0),
                   "last_at": max(timestamps, default=0.0), "user_turns": 0,
                   "crisis_turns": 0, "fallback_turns": 0, "advisor_turns": 0})
    row = found.summary
    for index, event in enumerate(events):
        if event.get("event") != "user":
            continue
        row["user_turns"] += 1
        if answers_a_form(events, index):
            continue  # "Aroha", "021 …": answers, not questions the bot failed to understand
        message = ParsedMessage.of(event.get("parse_data"), text=event.get("text") or "")
        typed = bool(message.text.strip()) and not message.clicked
        topic, confidence = message.topic, message.confidence
        row["crisis_turns"] += topic == CRISIS
        row["fallback_turns"] += topic == FALLBACK
        row["advisor_turns"] += topic in ADVISOR_INTENTS
        if topic and topic not in found.topics:
            found.topics.append(topic)
        if typed:
            found.typed.append(searchable(message.text))
        unsure = confidence is not None and confidence < LOW_CONFIDENCE and topic != CRISIS
        if typed and (topic == FALLBACK or unsure):
            found.gaps.append({"sender_id": sender_id, "at": event["timestamp"],
                               "text": message.text, "predicted": topic,
                               "confidence": confidence})
    return found


def searchable(text: str) -> str:
    """Typed text as it is kept for search: composed (a macron typed as a separate mark
    matches one typed as part of the letter) and lower-cased."""
    return unicodedata.normalize("NFC", text).lower()


def record_turns(connection: Any, sender_id: str, events: Sequence[Dict[str, Any]]) -> None:
    """Update the summary, topics, typed messages and gaps with newly stored (already
    masked) events."""
    if not any(e.get("timestamp") is not None for e in events):
        return
    found = summarise(sender_id, events)
    connection.execute(_UPSERT, found.summary)
    for topic in found.topics:
        connection.execute(_ADD_TOPIC, {"sender_id": sender_id, "topic": topic})
    if found.typed:
        connection.execute(typed_messages.insert(),
                           [{"sender_id": sender_id, "text": text} for text in found.typed])
    if found.gaps:
        connection.execute(gaps.insert(), found.gaps)


# Slots any message may set, in a form or not (domain.yml): not answers to a question.
MESSAGE_SLOTS = {"crisis_kind"}


def answers_a_form(events: Sequence[Dict[str, Any]], index: int) -> bool:
    """Whether the user message at `index` filled a form's slot (Rasa's slot extraction
    stores the slot right after the message, before any action runs)."""
    for event in events[index + 1:]:
        if event.get("event") in ("action", "user"):
            return False
        if event.get("event") == "slot" and event.get("name") not in MESSAGE_SLOTS:
            return True
    return False


def forget(connection: Any, sender_ids: Iterable[str]) -> None:
    """Remove what is kept about these conversations, beside their events."""
    ids = list(sender_ids)
    if not ids:
        return
    for table in (summaries, topics, typed_messages, gaps, advisor_ids.table):
        connection.execute(table.delete().where(table.c.sender_id.in_(ids)))
    live_chat.forget(connection, ids)
    tracker_snapshots.drop(connection, ids)
    connection.execute(sa.text("DELETE FROM events WHERE sender_id IN :ids")
                       .bindparams(sa.bindparam("ids", expanding=True)), {"ids": ids})
    if _dialect(connection) == "sqlite":
        # FTS5 keeps the words of deleted messages in its index until it merges it: merge
        # now, so that secure_delete overwrites them, as it does the rows themselves.
        connection.execute(sa.text(
            "INSERT INTO typed_messages_fts(typed_messages_fts) VALUES ('optimize')"))


def _dialect(connection: Any) -> str:
    """Of a Connection, or of an ORM Session (the tracker store's)."""
    bind = connection.get_bind() if isinstance(connection, sa.orm.Session) else connection
    return bind.dialect.name


def delete_conversation(engine: sa.engine.Engine, sender_id: str) -> bool:
    with engine.begin() as connection:
        existed = connection.execute(
            sa.select(summaries.c.sender_id).where(summaries.c.sender_id == sender_id)
        ).first() is not None
        forget(connection, [sender_id])
    return existed


def purge_older_than(engine: sa.engine.Engine, days: int) -> int:
    """Delete every conversation not touched for `days` days; returns how many."""
    if days < 1:
        raise ValueError("Keep conversations for at least one day.")
    cutoff = datetime.now(timezone.utc).timestamp() - days * 86400
    deleted = 0
    with engine.begin() as connection:
        while True:
            ids = connection.execute(sa.select(summaries.c.sender_id)
                                     .where(summaries.c.last_at < cutoff).limit(500)
                                     ).scalars().all()
            if not ids:
                return deleted
            forget(connection, ids)
            deleted += len(ids)
