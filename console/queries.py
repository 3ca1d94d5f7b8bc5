"""What the console reads: the conversation list and its filters, transcripts, the
messages not understood, and the dashboard's figures.

Everything is read from what the tracker store keeps beside the events
(records/conversation_log.py), except transcripts, which are the events themselves.
Counting and grouping happen in the database; no query loads every conversation.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from console import search
from records.conversation_log import (
    CRISIS,
    FALLBACK,
    POSSIBLE_DANGER,
    answers_a_form,
    gaps,
    summaries,
    topics,
)
from records.live_chat import ADVISOR_KEY
from records.parsed_message import ParsedMessage
from records.sql_functions import epoch_day

PAGE_SIZE = 50
EPOCH = date(1970, 1, 1)


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

    def conditions(self, dialect: str, index_first: bool = True) -> List[Any]:
        """For `dialect` (the engine's: search is spelled differently); `index_first`:
        see console/search.py."""
        c = summaries.c
        found = []
        if self.since:
            found.append(c.last_at >= day_start(self.since))
        if self.until:
            found.append(c.started_at < day_start(self.until + timedelta(days=1)))
        if self.asked_advisor:
            found.append(c.advisor_turns > 0)
        if self.crisis:  # a crisis, or asked whether in danger
            found.append((c.crisis_turns > 0) | asked_about(POSSIBLE_DANGER))
        if self.not_understood:
            found.append(c.fallback_turns > 0)
        if self.topic:
            found.append(asked_about(self.topic))
        if self.search.strip():
            found.append(search.matching(dialect, c.sender_id, self.search, index_first))
        return found


def asked_about(topic: str) -> Any:
    return sa.exists().where((topics.c.sender_id == summaries.c.sender_id)
                             & (topics.c.topic == topic))


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


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def _summaries(connection: Any, query: Any) -> List[Summary]:
    """The summaries `query` selects, with their topics (one more query)."""
    rows = connection.execute(query).all()
    asked: Dict[str, List[str]] = {row.sender_id: [] for row in rows}
    if asked:
        topics_query = (sa.select(topics.c.sender_id, topics.c.topic)
                        .where(topics.c.sender_id.in_(list(asked)))
                        .order_by(topics.c.sender_id, topics.c.position))
        for sender_id, topic in connection.execute(topics_query):
            asked[sender_id].append(topic)
    return [Summary(row.sender_id, from_epoch(row.started_at), from_epoch(row.last_at),
                    row.user_turns, row.crisis_turns, row.fallback_turns, row.advisor_turns,
                    asked[row.sender_id]) for row in rows]


def list_conversations(engine: sa.engine.Engine, filters: Filters, page: int = 1,
                       page_size: int = PAGE_SIZE, index_first: bool = True
                       ) -> List[Summary]:
    """Newest first, one page."""
    query = (sa.select(summaries).where(*filters.conditions(engine.dialect.name,
                                                            index_first))
             .order_by(summaries.c.last_at.desc(), summaries.c.sender_id)
             .limit(page_size).offset((max(page, 1) - 1) * page_size))
    with engine.connect() as connection:
        return _summaries(connection, query)


def count_conversations(engine: sa.engine.Engine, filters: Filters) -> int:
    # Unordered, the matches are joined at once whichever way: no need to insist.
    query = (sa.select(sa.func.count()).select_from(summaries)
             .where(*filters.conditions(engine.dialect.name, index_first=False)))
    with engine.connect() as connection:
        return connection.execute(query).scalar()


def summary(engine: sa.engine.Engine, sender_id: str) -> Optional[Summary]:
    with engine.connect() as connection:
        found = _summaries(connection, sa.select(summaries)
                           .where(summaries.c.sender_id == sender_id))
    return found[0] if found else None


def summaries_of(engine: sa.engine.Engine, sender_ids: List[str]) -> Dict[str, Summary]:
    if not sender_ids:
        return {}
    with engine.connect() as connection:
        found = _summaries(connection, sa.select(summaries)
                           .where(summaries.c.sender_id.in_(sender_ids)))
    return {s.sender_id: s for s in found}


@dataclass
class Page:
    conversations: List[Summary]
    total: int  # conversations the filters match, on every page


# A word searched for that is in at least this share of all conversations is common:
# the newest 50 holding it are found by checking the newest conversations one by one
# (about 1,000), not from the index first (console/search.py). Measured at 500,000
# conversations: a word in 14 % of them, 9 ms one by one, 210 ms from the index; in
# 3.6 %, 130 and 90 ms; in 0.9 %, 420 and 50 ms.
COMMON_SHARE = 0.05


def conversation_page(engine: sa.engine.Engine, filters: Filters, page: int = 1,
                      page_size: int = PAGE_SIZE) -> Page:
    """One page of the list, newest first, and how many conversations match."""
    total = count_conversations(engine, filters)
    common = bool(filters.search.strip()) and _common(engine, total)
    return Page(list_conversations(engine, filters, page, page_size, not common), total)


def _common(engine: sa.engine.Engine, found: int) -> bool:
    """Whether `found` conversations are many of them all. Only PostgreSQL's plans need
    telling (console/search.py); an SQLite database is small."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        # PostgreSQL's own estimate: counting them all would take longer than the search.
        everyone = connection.execute(sa.text(
            "SELECT reltuples FROM pg_class WHERE oid = 'conversation_summaries'::regclass"
        )).scalar()
    return found >= COMMON_SHARE * max(everyone, 1)


@dataclass
class Turn:
    at: datetime
    speaker: str                      # "person", "assistant" or "advisor" (live chat)
    text: str
    topic: Optional[str] = None
    confidence: Optional[float] = None
    crisis: bool = False
    possible_danger: bool = False     # asked "are you in danger right now?"
    not_understood: bool = False
    clicked: bool = False             # a button, not typed
    buttons: List[str] = field(default_factory=list)
    id: int = 0                       # the event's, in Rasa's events table
    advisor: Optional[str] = None     # the name the person saw, for an advisor's message


def transcript(engine: sa.engine.Engine, sender_id: str, after: int = 0) -> List[Turn]:
    """What the person, the assistant and advisors said, in order, across every session;
    only what came after the event with id `after`, if given."""
    query = sa.text("SELECT id, data FROM events WHERE sender_id = :s AND id > :after "
                    "AND type_name IN ('user', 'bot', 'slot', 'action') ORDER BY id")
    with engine.connect() as connection:
        rows = connection.execute(query, {"s": sender_id, "after": after}).all()
    ids = [row.id for row in rows]
    events = [json.loads(row.data) for row in rows]
    turns = []
    for index, event in enumerate(events):
        at = from_epoch(event.get("timestamp") or 0)
        if event["event"] == "user":
            message = ParsedMessage.of(event.get("parse_data"), text=event.get("text") or "")
            form_answer = answers_a_form(events, index)
            topic = "answer to a question" if form_answer else message.topic
            turns.append(Turn(at, "person", message.text, topic,
                              None if form_answer else message.confidence,
                              crisis=topic == CRISIS, possible_danger=topic == POSSIBLE_DANGER,
                              not_understood=topic == FALLBACK, clicked=message.clicked,
                              id=ids[index]))
        elif event["event"] == "bot":
            buttons = [b.get("title", "") for b in (event.get("data") or {}).get("buttons") or []]
            advisor = (event.get("metadata") or {}).get(ADVISOR_KEY)
            turns.append(Turn(at, "advisor" if advisor else "assistant",
                              event.get("text") or "", buttons=buttons, id=ids[index],
                              advisor=advisor))
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


@dataclass
class Activity:
    """Figures for the dashboard over the last days."""
    per_day: Dict[str, int] = field(default_factory=dict)
    crisis_per_day: Dict[str, int] = field(default_factory=dict)
    topics: Dict[str, int] = field(default_factory=dict)  # the most asked, most first
    user_turns: int = 0
    not_understood: int = 0


def activity(engine: sa.engine.Engine, days: int = 30, top: int = 10) -> Activity:
    """Conversations started in the last `days` days (today included), day by day, and
    the `top` topics asked about in them."""
    since = datetime.now(timezone.utc) - timedelta(days=days - 1)
    start = day_start(since.date())
    found = Activity()
    for offset in range(days):
        day = (since + timedelta(days=offset)).date().isoformat()
        found.per_day[day] = found.crisis_per_day[day] = 0
    c = summaries.c
    day = epoch_day(c.started_at).label("day")
    per_day = (sa.select(day, sa.func.count(), sa.func.sum(c.crisis_turns),
                         sa.func.sum(c.user_turns), sa.func.sum(c.fallback_turns))
               .where(c.started_at >= start).group_by(day))
    asked = sa.func.count().label("asked")
    most_asked = (sa.select(topics.c.topic, asked).where(topics.c.started_at >= start)
                  .group_by(topics.c.topic).order_by(asked.desc(), topics.c.topic).limit(top))
    with engine.connect() as connection:
        for number, conversations, crisis_turns, user_turns, fallback_turns in (
                connection.execute(per_day)):
            name = (EPOCH + timedelta(days=number)).isoformat()
            found.per_day[name] = found.per_day.get(name, 0) + conversations
            found.crisis_per_day[name] = found.crisis_per_day.get(name, 0) + crisis_turns
            found.user_turns += user_turns
            found.not_understood += fallback_turns
        found.topics = dict(connection.execute(most_asked).all())
    return found
