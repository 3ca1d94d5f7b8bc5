"""Live chat with a victim advisor: who is available, the queue, each chat's state, and
the messages waiting for the person's widget to collect them.

A chat is `waiting` (in the queue), then `active` (an advisor accepted it), then `ended`.
Whoever ends it (the person, the advisor, a timeout) only changes it here; the first to
do so wins. Two flags say whether the conversation itself has caught up, which
addons/live_chat.py sees to under the conversation's lock, with actions/live_chat.py:

- `started`: the assistant paused (ConversationPaused) and said who joined;
- `resumed`: the assistant resumed (ConversationResumed) and said how the chat ended.

The outbox holds what advisors (and the assistant, between turns) said to the person
until the widget collects it; the conversation's events keep the masked record.
Times are seconds since the epoch, as in records/conversation_log.py.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional

import sqlalchemy as sa

from records import database, schema

WAITING, ACTIVE, ENDED = "waiting", "active", "ended"
# How a chat ended
BY_PERSON, BY_ADVISOR, HANDED_BACK = "person", "advisor", "handed_back"
NO_ADVISOR, PERSON_LEFT, ADVISOR_LEFT = "no_advisor", "person_left", "advisor_left"
ENDINGS = (BY_PERSON, BY_ADVISOR, HANDED_BACK, NO_ADVISOR, PERSON_LEFT, ADVISOR_LEFT)

# The console says an advisor is there every few seconds; the widget polls every second.
ADVISOR_GONE_AFTER = 45.0
PERSON_GONE_AFTER = 60.0  # a phone that locks, a train through a tunnel
TYPING_FOR = 4.0
OUTBOX_LIFETIME = 3600.0  # what an ended chat's widget never collected
ANY_ADVISOR = "An advisor"
# In the metadata of an advisor's message (a bot event added through Rasa's HTTP API):
# the name the person saw. Transcripts tell advisors' messages from the assistant's by it.
ADVISOR_KEY = "live_chat_advisor"
MAX_NOTE = 2000
_NAME = re.compile(r"[^\W\d_]+(?:[ '\-][^\W\d_]+)*")

presence = sa.Table(
    "advisor_presence", database.metadata,
    sa.Column("username", sa.String(50), primary_key=True),
    sa.Column("available", sa.Boolean, nullable=False),
    sa.Column("display_name", sa.String(30)),  # the first name people see
    sa.Column("seen_at", sa.Float, nullable=False),
)

chats = sa.Table(
    "live_chats", database.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("status", sa.String(10), nullable=False, index=True),
    sa.Column("requested_at", sa.Float, nullable=False),
    sa.Column("person_seen_at", sa.Float, nullable=False),
    sa.Column("person_typing_at", sa.Float),
    sa.Column("accepted_at", sa.Float),
    sa.Column("advisor", sa.String(50), index=True),
    sa.Column("advisor_name", sa.String(30)),
    sa.Column("advisor_typing_at", sa.Float),
    sa.Column("started", sa.Boolean, nullable=False),
    sa.Column("ended_at", sa.Float),
    sa.Column("ended_how", sa.String(20)),
    sa.Column("ended_by", sa.String(50)),
    sa.Column("resumed", sa.Boolean, nullable=False),
    sa.Column("crisis_at", sa.Float),
    sa.Column("note", sa.String(MAX_NOTE)),
)

outbox = sa.Table(
    "live_outbox", database.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("message", sa.Text, nullable=False),  # JSON: text, buttons, advisor
    # Ids only ever grow, even on SQLite after every row was collected: the widget's
    # `after` must never match a newer message.
    sqlite_autoincrement=True,
)


class LiveChatError(Exception):
    """A chat cannot be found or changed; the message says why, for an advisor."""


@dataclass(frozen=True)
class Presence:
    username: str
    available: bool
    display_name: Optional[str]
    seen_at: float

    @property
    def shown_name(self) -> str:
        return self.display_name or ANY_ADVISOR


@dataclass(frozen=True)
class Chat:
    id: int
    sender_id: str
    status: str
    requested_at: float
    person_seen_at: float
    person_typing_at: Optional[float]
    accepted_at: Optional[float]
    advisor: Optional[str]
    advisor_name: Optional[str]
    advisor_typing_at: Optional[float]
    started: bool
    ended_at: Optional[float]
    ended_how: Optional[str]
    ended_by: Optional[str]
    resumed: bool
    crisis_at: Optional[float]
    note: Optional[str]

    @property
    def is_open(self) -> bool:
        return self.status != ENDED

    @property
    def shown_advisor(self) -> str:
        return self.advisor_name or ANY_ADVISOR

    def person_present(self, now: Optional[float] = None) -> bool:
        return (now or time.time()) - self.person_seen_at < PERSON_GONE_AFTER

    def person_typing(self, now: Optional[float] = None) -> bool:
        return _recent(self.person_typing_at, now)

    def advisor_typing(self, now: Optional[float] = None) -> bool:
        return _recent(self.advisor_typing_at, now)


def _recent(moment: Optional[float], now: Optional[float]) -> bool:
    return moment is not None and (now or time.time()) - moment < TYPING_FOR


def checked_display_name(name: str) -> Optional[str]:
    """The first name an advisor shows people, or None for "An advisor"."""
    name = " ".join((name or "").split())
    if not name:
        return None
    if len(name) > 30 or not _NAME.fullmatch(name):
        raise LiveChatError("The name people see must be a first name: letters, with spaces, "
                            "hyphens or apostrophes between them, at most 30 characters.")
    return name


class LiveChats:
    """The live chat tables in the assistant's database."""

    def __init__(self, engine: Optional[sa.engine.Engine] = None) -> None:
        self.engine = engine or database.engine()
        schema.create(self.engine)

    # Advisors ------------------------------------------------------------------------

    def set_presence(self, username: str, available: bool,
                     display_name: Optional[str] = None) -> Presence:
        name = checked_display_name(display_name or "")
        with self.engine.begin() as connection:
            values = {"available": available, "display_name": name, "seen_at": time.time()}
            if connection.execute(presence.update().where(presence.c.username == username)
                                  .values(**values)).rowcount == 0:
                connection.execute(presence.insert().values(username=username, **values))
        return self.presence(username)

    def heartbeat(self, username: str) -> Presence:
        """The advisor's console is open: keeps them available, if they are."""
        with self.engine.begin() as connection:
            if connection.execute(presence.update().where(presence.c.username == username)
                                  .values(seen_at=time.time())).rowcount == 0:
                connection.execute(presence.insert().values(
                    username=username, available=False, display_name=None,
                    seen_at=time.time()))
        return self.presence(username)

    def presence(self, username: str) -> Presence:
        with self.engine.connect() as connection:
            row = connection.execute(presence.select().where(
                presence.c.username == username)).first()
        if row is None:
            return Presence(username, False, None, 0.0)
        return Presence(**row._mapping)

    def available_count(self, now: Optional[float] = None) -> int:
        """Advisors who said they are available and whose console is open."""
        cutoff = (now or time.time()) - ADVISOR_GONE_AFTER
        with self.engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(presence).where(
                presence.c.available.is_(True), presence.c.seen_at >= cutoff)).scalar()

    # The person's side ---------------------------------------------------------------

    def join(self, sender_id: str) -> Chat:
        """The person's open chat, or a new place at the back of the queue."""
        with self.engine.begin() as connection:
            found = self._open(connection, sender_id)
            if found:
                return found
            now = time.time()
            connection.execute(chats.insert().values(
                sender_id=sender_id, status=WAITING, requested_at=now, person_seen_at=now,
                started=False, resumed=False))
            return self._open(connection, sender_id)

    def current(self, sender_id: str) -> Optional[Chat]:
        """The person's chat that is open, or that the conversation has not caught up with."""
        with self.engine.connect() as connection:
            row = connection.execute(chats.select().where(
                chats.c.sender_id == sender_id,
                sa.or_(chats.c.status != ENDED, chats.c.resumed.is_(False)))
                .order_by(chats.c.id.desc()).limit(1)).first()
        return Chat(**row._mapping) if row else None

    def person_seen(self, sender_id: str, typing: bool = False) -> Optional[Chat]:
        """The widget is still there (and the person typing, or not)."""
        now = time.time()
        values: Dict[str, Any] = {"person_seen_at": now}
        values["person_typing_at"] = now if typing else None
        with self.engine.begin() as connection:
            connection.execute(chats.update().where(
                chats.c.sender_id == sender_id, chats.c.status != ENDED).values(**values))
        return self.current(sender_id)

    def position(self, chat: Chat, now: Optional[float] = None) -> int:
        """1 for the front of the queue."""
        cutoff = (now or time.time()) - PERSON_GONE_AFTER
        with self.engine.connect() as connection:
            ahead = connection.execute(sa.select(sa.func.count()).select_from(chats).where(
                chats.c.status == WAITING, chats.c.person_seen_at >= cutoff,
                chats.c.id < chat.id)).scalar()
        return ahead + 1

    def flag_crisis(self, sender_id: str) -> None:
        """The person said something that signals danger during the chat."""
        with self.engine.begin() as connection:
            connection.execute(chats.update().where(
                chats.c.sender_id == sender_id, chats.c.status != ENDED)
                .values(crisis_at=time.time()))

    # The advisor's side --------------------------------------------------------------

    def waiting(self, now: Optional[float] = None) -> List[Chat]:
        """The queue: people still there, first come first."""
        cutoff = (now or time.time()) - PERSON_GONE_AFTER
        return self._all(chats.c.status == WAITING, chats.c.person_seen_at >= cutoff)

    def of_advisor(self, username: str) -> List[Chat]:
        return self._all(chats.c.status == ACTIVE, chats.c.advisor == username)

    def get(self, chat_id: int) -> Chat:
        with self.engine.connect() as connection:
            row = connection.execute(chats.select().where(chats.c.id == chat_id)).first()
        if row is None:
            raise LiveChatError("There is no such live chat.")
        return Chat(**row._mapping)

    def claim(self, chat_id: int, advisor: Presence) -> Chat:
        """The advisor accepts a waiting chat; only one advisor can."""
        now = time.time()
        with self.engine.begin() as connection:
            taken = connection.execute(chats.update().where(
                chats.c.id == chat_id, chats.c.status == WAITING,
                chats.c.person_seen_at >= now - PERSON_GONE_AFTER).values(
                status=ACTIVE, accepted_at=now, advisor=advisor.username,
                advisor_name=advisor.display_name)).rowcount
        chat = self.get(chat_id)
        if not taken:
            if chat.status == ACTIVE:
                raise LiveChatError(f"{chat.advisor} has already accepted this chat.")
            raise LiveChatError("This person is no longer waiting: they left the queue or "
                                "it timed out.")
        return chat

    def advisor_typing(self, chat_id: int, typing: bool) -> None:
        with self.engine.begin() as connection:
            connection.execute(chats.update().where(chats.c.id == chat_id).values(
                advisor_typing_at=time.time() if typing else None))

    def set_note(self, chat_id: int, note: str) -> Chat:
        note = (note or "").strip()
        if len(note) > MAX_NOTE:
            raise LiveChatError(f"A note can be at most {MAX_NOTE:,} characters.")
        with self.engine.begin() as connection:
            connection.execute(chats.update().where(chats.c.id == chat_id)
                               .values(note=note or None))
        return self.get(chat_id)

    # Ending, and catching up ---------------------------------------------------------

    def end(self, chat_id: int, how: str, by: Optional[str] = None,
            only_if: Any = None) -> bool:
        """End the chat unless it has ended already (or `only_if` no longer holds);
        whether this call ended it."""
        if how not in ENDINGS:
            raise ValueError(f"unknown ending {how!r}")
        with self.engine.begin() as connection:
            return connection.execute(chats.update().where(
                chats.c.id == chat_id, chats.c.status != ENDED,
                only_if if only_if is not None else sa.true()).values(
                status=ENDED, ended_at=time.time(), ended_how=how, ended_by=by,
                person_typing_at=None, advisor_typing_at=None)).rowcount == 1

    def expire(self, wait_seconds: float, now: Optional[float] = None) -> List[Chat]:
        """End the chats nobody is on one side of any more; those this call ended."""
        now = now or time.time()
        advisor_seen = sa.select(presence.c.seen_at).where(
            presence.c.username == chats.c.advisor).scalar_subquery()
        rules = [
            (NO_ADVISOR, sa.and_(chats.c.status == WAITING,
                                 chats.c.requested_at < now - wait_seconds)),
            (PERSON_LEFT, sa.and_(chats.c.status != ENDED,
                                  chats.c.person_seen_at < now - PERSON_GONE_AFTER)),
            (ADVISOR_LEFT, sa.and_(chats.c.status == ACTIVE, sa.func.coalesce(
                advisor_seen, 0) < now - ADVISOR_GONE_AFTER)),
        ]
        ended = []
        for how, condition in rules:
            for chat in self._all(condition):
                # The condition again: an advisor may have accepted in between.
                if self.end(chat.id, how, only_if=condition):
                    ended.append(self.get(chat.id))
        with self.engine.begin() as connection:
            connection.execute(outbox.delete().where(outbox.c.at < now - OUTBOX_LIFETIME))
        return ended

    def mark_started(self, sender_id: str) -> Optional[Chat]:
        """The chat the conversation should now pause for, if this call is the first."""
        return self._mark(sender_id, chats.c.status == ACTIVE, started=True)

    def mark_resumed(self, sender_id: str) -> Optional[Chat]:
        """The chat the conversation should now resume after, if this call is the first."""
        return self._mark(sender_id, chats.c.status == ENDED, resumed=True)

    def _mark(self, sender_id: str, condition: Any, **flag: bool) -> Optional[Chat]:
        chat = self.current(sender_id)
        if chat is None:
            return None
        column = getattr(chats.c, next(iter(flag)))
        with self.engine.begin() as connection:
            marked = connection.execute(chats.update().where(
                chats.c.id == chat.id, condition, column.is_(False)).values(**flag)).rowcount
        return self.get(chat.id) if marked else None

    # Messages for the widget ---------------------------------------------------------

    def post(self, sender_id: str, message: Dict[str, Any]) -> int:
        with self.engine.begin() as connection:
            return connection.execute(outbox.insert().values(
                sender_id=sender_id, at=time.time(), message=json.dumps(message))
            ).inserted_primary_key[0]

    def collect(self, sender_id: str, after: int) -> List[Dict[str, Any]]:
        """Messages after `after`, the last one the widget has; those up to it are gone."""
        with self.engine.begin() as connection:
            connection.execute(outbox.delete().where(
                outbox.c.sender_id == sender_id, outbox.c.id <= after))
            rows = connection.execute(sa.select(outbox.c.id, outbox.c.message).where(
                outbox.c.sender_id == sender_id, outbox.c.id > after)
                .order_by(outbox.c.id)).all()
        return [{"id": row.id, **json.loads(row.message)} for row in rows]

    def clear_outbox(self, sender_id: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(outbox.delete().where(outbox.c.sender_id == sender_id))

    # ---------------------------------------------------------------------------------

    def _open(self, connection: Any, sender_id: str) -> Optional[Chat]:
        row = connection.execute(chats.select().where(
            chats.c.sender_id == sender_id, chats.c.status != ENDED)
            .order_by(chats.c.id.desc()).limit(1)).first()
        return Chat(**row._mapping) if row else None

    def _all(self, *conditions: Any) -> List[Chat]:
        with self.engine.connect() as connection:
            rows = connection.execute(chats.select().where(*conditions)
                                      .order_by(chats.c.id)).all()
        return [Chat(**row._mapping) for row in rows]


def forget(connection: Any, sender_ids: Iterable[str]) -> None:
    """Remove the live chats of these conversations and anything not yet collected."""
    ids = list(sender_ids)
    for table in (chats, outbox):
        connection.execute(table.delete().where(table.c.sender_id.in_(ids)))
