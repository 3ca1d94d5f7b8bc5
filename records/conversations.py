"""Conversations as advisors and trainers see them.

Rasa's `events` table holds every event of every conversation. Listing and filtering
50,000 conversations straight from a million events is too slow, so the tracker store
also keeps, as it saves each turn (addons/tracker_store.py):

- `conversation_summaries`: one row per conversation, with when it started and last
  changed, how many turns the person took, how many were crises or not understood,
  whether they asked for an advisor, the topics asked about, and their words
  (already masked, lower-cased) for search;
- `understanding_gaps`: each message the bot did not understand or answered with low
  confidence, for trainers to label.

Both are written with the same SQL on SQLite and PostgreSQL.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional, Sequence

import sqlalchemy as sa

from records import advisor_ids, database

FALLBACK = "nlu_fallback"
CRISIS = "crisis"
# Asked "are you in danger right now?": the person may be in danger (addons/crisis.py)
POSSIBLE_DANGER = "possible_danger"
ADVISOR_INTENTS = {"request_advisor", "request_callback"}
# Below this, an answer counts as given with low confidence.
LOW_CONFIDENCE = 0.7
PAGE_SIZE = 50

summaries = sa.Table(
    "conversation_summaries", database.metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("last_at", sa.Float, nullable=False, index=True),
    sa.Column("user_turns", sa.Integer, nullable=False, default=0),
    sa.Column("crisis_turns", sa.Integer, nullable=False, default=0),
    sa.Column("fallback_turns", sa.Integer, nullable=False, default=0),
    sa.Column("advisor_turns", sa.Integer, nullable=False, default=0),
    # "|faq/cost|greet|": every topic asked about, each between bars
    sa.Column("topics", sa.Text, nullable=False, default=""),
    sa.Column("search_text", sa.Text, nullable=False, default=""),
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
    crisis_turns, fallback_turns, advisor_turns, topics, search_text)
VALUES (:sender_id, :started_at, :last_at, :user_turns, :crisis_turns, :fallback_turns,
    :advisor_turns, :topics, :search_text)
ON CONFLICT (sender_id) DO UPDATE SET
    last_at = excluded.last_at,
    user_turns = conversation_summaries.user_turns + excluded.user_turns,
    crisis_turns = conversation_summaries.crisis_turns + excluded.crisis_turns,
    fallback_turns = conversation_summaries.fallback_turns + excluded.fallback_turns,
    advisor_turns = conversation_summaries.advisor_turns + excluded.advisor_turns,
    topics = conversation_summaries.topics || excluded.topics,
    search_text = conversation_summaries.search_text || excluded.search_text
""")


# ---- written by the tracker store ------------------------------------------------------

def topic_of(parse_data: Dict[str, Any]) -> Optional[str]:
    """The intent, or for an FAQ the full topic (`faq/cost`)."""
    intent = (parse_data.get("intent") or {}).get("name")
    if intent == "faq":
        selected = (parse_data.get("response_selector") or {}).get("faq", {})
        return (selected.get("response") or {}).get("intent_response_key") or intent
    return intent


def confidence_of(parse_data: Dict[str, Any]) -> Optional[float]:
    """How sure the bot was of what it answered: for an FAQ, of the answer chosen."""
    intent = parse_data.get("intent") or {}
    if intent.get("name") == "faq":
        selected = (parse_data.get("response_selector") or {}).get("faq", {})
        return (selected.get("response") or {}).get("confidence")
    return intent.get("confidence")


def record_turns(connection: Any, sender_id: str, events: Sequence[Dict[str, Any]]) -> None:
    """Update the summary and the gaps with newly stored (already masked) events."""
    if not events:
        return
    timestamps = [e["timestamp"] for e in events if e.get("timestamp") is not None]
    if not timestamps:
        return
    row = {"sender_id": sender_id, "started_at": min(timestamps), "last_at": max(timestamps),
           "user_turns": 0, "crisis_turns": 0, "fallback_turns": 0, "advisor_turns": 0,
           "search_text": ""}
    topics, found_gaps = [], []
    for index, event in enumerate(events):
        if event.get("event") != "user":
            continue
        row["user_turns"] += 1
        if answers_a_form(events, index):
            continue  # "Aroha", "021 …": answers, not questions the bot failed to understand
        parse_data = event.get("parse_data") or {}
        text = event.get("text") or ""
        typed = bool(text.strip()) and not text.startswith("/")  # not a button payload
        topic = topic_of(parse_data)
        confidence = confidence_of(parse_data)
        row["crisis_turns"] += topic == CRISIS
        row["fallback_turns"] += topic == FALLBACK
        row["advisor_turns"] += topic in ADVISOR_INTENTS
        if topic and topic not in topics:
            topics.append(topic)
        if typed:
            row["search_text"] += text.lower() + "\n"
        unsure = confidence is not None and confidence < LOW_CONFIDENCE and topic != CRISIS
        if typed and (topic == FALLBACK or unsure):
            found_gaps.append({"sender_id": sender_id, "at": event["timestamp"], "text": text,
                               "predicted": topic, "confidence": confidence})
    row["topics"] = "|" + "|".join(topics) + "|" if topics else ""
    connection.execute(_UPSERT, row)
    if found_gaps:
        connection.execute(gaps.insert(), found_gaps)


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
    connection.execute(summaries.delete().where(summaries.c.sender_id.in_(ids)))
    connection.execute(gaps.delete().where(gaps.c.sender_id.in_(ids)))
    connection.execute(advisor_ids.table.delete().where(advisor_ids.table.c.sender_id.in_(ids)))
    connection.execute(sa.text("DELETE FROM events WHERE sender_id IN :ids")
                       .bindparams(sa.bindparam("ids", expanding=True)), {"ids": ids})


# ---- read by the console ---------------------------------------------------------------

@dataclass
class Filters:
    """What advisors filter the conversation list by; all optional."""
    since: Optional[date] = None
    until: Optional[date] = None
    asked_advisor: bool = False
    crisis: bool = False
    not_understood: bool = False
    topic: str = ""
    search: str = ""

    def __post_init__(self) -> None:
        # PostgreSQL refuses NUL in text, and SQLite ends the text there: drop it.
        self.topic = (self.topic or "").replace("\x00", "")
        self.search = (self.search or "").replace("\x00", "")

    def conditions(self) -> List[Any]:
        c = summaries.c
        found = []
        if self.since:
            found.append(c.last_at >= day_start(self.since))
        if self.until:
            found.append(c.started_at < day_start(self.until + timedelta(days=1)))
        if self.asked_advisor:
            found.append(c.advisor_turns > 0)
        if self.crisis:  # a crisis, or asked whether in danger
            found.append((c.crisis_turns > 0)
                         | c.topics.contains(f"|{POSSIBLE_DANGER}|", autoescape=True))
        if self.not_understood:
            found.append(c.fallback_turns > 0)
        if self.topic:
            found.append(c.topics.contains(f"|{self.topic}|", autoescape=True))
        if self.search.strip():
            found.append(c.search_text.contains(self.search.strip().lower(), autoescape=True))
        return found


def day_start(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()


@dataclass
class Summary:
    sender_id: str
    started_at: datetime
    last_at: datetime
    user_turns: int
    crisis_turns: int
    fallback_turns: int
    advisor_turns: int
    topics: List[str] = field(default_factory=list)

    @property
    def asked_about_danger(self) -> bool:
        return POSSIBLE_DANGER in self.topics


def _summary(row: Any) -> Summary:
    return Summary(row.sender_id, from_epoch(row.started_at), from_epoch(row.last_at),
                   row.user_turns, row.crisis_turns, row.fallback_turns, row.advisor_turns,
                   [t for t in row.topics.split("|") if t])


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


_SUMMARY_COLUMNS = [c for c in summaries.c if c.name != "search_text"]


def list_conversations(engine: sa.engine.Engine, filters: Filters, page: int = 1,
                       page_size: int = PAGE_SIZE) -> List[Summary]:
    """Newest first, one page."""
    query = (sa.select(*_SUMMARY_COLUMNS).where(*filters.conditions())
             .order_by(summaries.c.last_at.desc(), summaries.c.sender_id)
             .limit(page_size).offset((max(page, 1) - 1) * page_size))
    with engine.connect() as connection:
        return [_summary(row) for row in connection.execute(query)]


def count_conversations(engine: sa.engine.Engine, filters: Filters) -> int:
    query = sa.select(sa.func.count()).select_from(summaries).where(*filters.conditions())
    with engine.connect() as connection:
        return connection.execute(query).scalar()


def summary(engine: sa.engine.Engine, sender_id: str) -> Optional[Summary]:
    query = sa.select(*_SUMMARY_COLUMNS).where(summaries.c.sender_id == sender_id)
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return _summary(row) if row else None


@dataclass
class Turn:
    at: datetime
    speaker: str                      # "person" or "assistant"
    text: str
    topic: Optional[str] = None
    confidence: Optional[float] = None
    crisis: bool = False
    possible_danger: bool = False     # asked "are you in danger right now?"
    not_understood: bool = False
    clicked: bool = False             # a button, not typed
    buttons: List[str] = field(default_factory=list)


def transcript(engine: sa.engine.Engine, sender_id: str) -> List[Turn]:
    """What the person and the assistant said, in order, across every session."""
    query = sa.text("SELECT data FROM events WHERE sender_id = :s "
                    "AND type_name IN ('user', 'bot', 'slot', 'action') ORDER BY id")
    with engine.connect() as connection:
        events = [json.loads(data) for (data,) in connection.execute(query, {"s": sender_id})]
    turns = []
    for index, event in enumerate(events):
        at = from_epoch(event.get("timestamp") or 0)
        if event["event"] == "user":
            parse_data = event.get("parse_data") or {}
            text = event.get("text") or ""
            form_answer = answers_a_form(events, index)
            topic = "answer to a question" if form_answer else topic_of(parse_data)
            turns.append(Turn(at, "person", text, topic,
                              None if form_answer else confidence_of(parse_data),
                              crisis=topic == CRISIS, possible_danger=topic == POSSIBLE_DANGER,
                              not_understood=topic == FALLBACK,
                              clicked=text.startswith("/")))
        elif event["event"] == "bot":
            buttons = [b.get("title", "") for b in (event.get("data") or {}).get("buttons") or []]
            turns.append(Turn(at, "assistant", event.get("text") or "", buttons=buttons))
    return turns


@dataclass
class Gap:
    id: int
    sender_id: str
    at: datetime
    text: str
    predicted: Optional[str]
    confidence: Optional[float]


def understanding_gaps(engine: sa.engine.Engine, page: int = 1,
                       page_size: int = PAGE_SIZE) -> List[Gap]:
    """Messages the bot did not understand or was unsure about, newest first."""
    query = (sa.select(gaps).order_by(gaps.c.at.desc(), gaps.c.id.desc())
             .limit(page_size).offset((max(page, 1) - 1) * page_size))
    with engine.connect() as connection:
        return [Gap(r.id, r.sender_id, from_epoch(r.at), r.text, r.predicted, r.confidence)
                for r in connection.execute(query)]


def all_gap_texts(engine: sa.engine.Engine) -> List[str]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(gaps.c.text).order_by(gaps.c.at))
        seen, texts = set(), []
        for (text,) in rows:
            key = " ".join(text.lower().split())
            if key not in seen:
                seen.add(key)
                texts.append(text)
        return texts


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


@dataclass
class Activity:
    """Figures for the dashboard over the last days."""
    per_day: Dict[str, int] = field(default_factory=dict)
    crisis_per_day: Dict[str, int] = field(default_factory=dict)
    topics: Dict[str, int] = field(default_factory=dict)
    user_turns: int = 0
    not_understood: int = 0


def activity(engine: sa.engine.Engine, days: int = 30) -> Activity:
    since = datetime.now(timezone.utc) - timedelta(days=days - 1)
    start = day_start(since.date())
    found = Activity()
    for offset in range(days):
        day = (since + timedelta(days=offset)).date().isoformat()
        found.per_day[day] = found.crisis_per_day[day] = 0
    c = summaries.c
    query = sa.select(c.started_at, c.user_turns, c.fallback_turns, c.crisis_turns,
                      c.topics).where(c.started_at >= start)
    with engine.connect() as connection:
        for row in connection.execute(query):
            day = from_epoch(row.started_at).date().isoformat()
            found.per_day[day] = found.per_day.get(day, 0) + 1
            found.crisis_per_day[day] = found.crisis_per_day.get(day, 0) + row.crisis_turns
            found.user_turns += row.user_turns
            found.not_understood += row.fallback_turns
            for topic in {t for t in row.topics.split("|") if t}:
                found.topics[topic] = found.topics.get(topic, 0) + 1
    return found
