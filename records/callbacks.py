"""Callback requests: people asking a victim advisor to get in touch.

A request is built up while the callback form runs. The contact detail is kept here as
soon as it is given, in a `draft` row, because the stored conversation only ever holds
it masked. When the form completes the draft becomes a `new` request with a reference
code; advisors then mark it `contacted` (and, later, `closed`).
"""
from __future__ import annotations

import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Dict, Iterator, List, Optional

import sqlalchemy as sa

from records import database, schema
from records.database import now
from records.sql_functions import hours_between

DRAFT, NEW, CONTACTED, CLOSED = "draft", "new", "contacted", "closed"
STATUSES = (NEW, CONTACTED, CLOSED)
# Drafts left behind by someone who closed the chat mid-form are not kept for long.
DRAFT_LIFETIME = timedelta(days=1)
# No 0/O or 1/I: the code is read out over the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

table = sa.Table(
    "callback_requests", database.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reference", sa.String(16), unique=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("contact_method", sa.String(8), nullable=False),
    sa.Column("contact_detail", sa.String(320), nullable=False),
    sa.Column("safe_time", sa.String(200)),
    sa.Column("safe_to_leave_message", sa.Boolean),
    sa.Column("first_name", sa.String(60)),
    sa.Column("contacted_at", sa.DateTime),
    sa.Column("contacted_by", sa.String(100)),
    sa.Column("assignee", sa.String(50)),
    sa.Column("closed_at", sa.DateTime),
    sa.Column("closed_by", sa.String(50)),
)
# Everything advisors did with a request: notes, status changes, assignments.
history = sa.Table(
    "callback_history", database.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reference", sa.String(16), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("author", sa.String(50), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),  # note, status, assign
    sa.Column("text", sa.String(2000), nullable=False),
)
MAX_NOTE = 2000


class CallbackError(Exception):
    """A request cannot be found or changed; the message says why."""


@dataclass(frozen=True)
class CallbackRequest:
    reference: Optional[str]
    conversation_id: str
    status: str
    created_at: datetime
    contact_method: str
    contact_detail: str
    safe_time: Optional[str]
    safe_to_leave_message: Optional[bool]
    first_name: Optional[str]
    contacted_at: Optional[datetime]
    contacted_by: Optional[str]
    assignee: Optional[str] = None
    closed_at: Optional[datetime] = None
    closed_by: Optional[str] = None


@dataclass(frozen=True)
class ContactTimes:
    contacted: int
    median_hours: Optional[float]


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    author: str
    kind: str
    text: str


class CallbackRequests:
    """The callback_requests table in the assistant's database."""

    def __init__(self, engine: Optional[sa.engine.Engine] = None):
        self.engine = engine or database.engine()
        schema.create(self.engine)

    def save_draft(self, conversation_id: str, method: str, detail: str) -> None:
        """Keep the contact detail given so far, replacing an earlier one."""
        with self.engine.begin() as connection:
            connection.execute(table.delete().where(
                (table.c.status == DRAFT)
                & ((table.c.conversation_id == conversation_id) | _stale_draft())))
            connection.execute(table.insert().values(
                conversation_id=conversation_id, status=DRAFT, created_at=now(),
                contact_method=method, contact_detail=detail))

    def keep_answer(self, conversation_id: str, **answers: Optional[str]) -> None:
        """Keep an answer given to the form (`safe_time`, `first_name`) in the draft, as
        the stored conversation holds only a placeholder for it."""
        unknown = set(answers) - {"safe_time", "first_name"}
        if unknown:
            raise ValueError(f"Not a callback form answer: {', '.join(sorted(unknown))}")
        with self.engine.begin() as connection:
            updated = connection.execute(table.update().where(
                (table.c.conversation_id == conversation_id) & (table.c.status == DRAFT)
            ).values(**answers)).rowcount
        if not updated:
            # (no conversation id in the message: it is logged, and the id is a credential)
            raise CallbackError("No contact details were given in this conversation.")

    def draft(self, conversation_id: str) -> Optional[CallbackRequest]:
        return self._one((table.c.conversation_id == conversation_id)
                         & (table.c.status == DRAFT))

    def submit(self, conversation_id: str, safe_time: Optional[str] = None,
               safe_to_leave_message: Optional[bool] = None,
               first_name: Optional[str] = None) -> str:
        """Turn the conversation's draft into a `new` request; returns its reference.
        Answers not given here are those the draft kept."""
        answers = {key: value for key, value in (("safe_time", safe_time),
                                                 ("first_name", first_name))
                   if value is not None}
        for _ in range(10):
            reference = new_reference()
            try:
                with self.engine.begin() as connection:
                    updated = connection.execute(table.update().where(
                        (table.c.conversation_id == conversation_id)
                        & (table.c.status == DRAFT)
                    ).values(reference=reference, status=NEW, created_at=now(),
                             safe_to_leave_message=safe_to_leave_message,
                             **answers)).rowcount
            except sa.exc.IntegrityError:
                continue  # the reference was taken; draw another
            if not updated:
                raise CallbackError("No contact details were given in this conversation.")
            return reference
        raise CallbackError("Could not draw an unused reference code.")

    def purge_closed_before(self, cutoff: datetime) -> int:
        """Delete the requests closed before `cutoff`, with their history; how many."""
        closed = sa.select(table.c.reference).where(
            (table.c.status == CLOSED) & (table.c.closed_at < cutoff))
        with self.engine.begin() as connection:
            references = connection.execute(closed).scalars().all()
            for start in range(0, len(references), 500):
                batch = references[start:start + 500]
                connection.execute(history.delete().where(history.c.reference.in_(batch)))
                connection.execute(table.delete().where(table.c.reference.in_(batch)))
        return len(references)

    def purge_stale_drafts(self) -> int:
        """Delete drafts older than DRAFT_LIFETIME (a form left part way); how many."""
        with self.engine.begin() as connection:
            return connection.execute(table.delete().where(
                (table.c.status == DRAFT) & _stale_draft())).rowcount

    def discard_draft(self, conversation_id: str, connection: Any = None) -> None:
        """Delete the conversation's draft; in `connection`'s transaction if given."""
        with _transaction(self.engine, connection) as connection:
            connection.execute(table.delete().where(
                (table.c.conversation_id == conversation_id) & (table.c.status == DRAFT)))

    def waiting(self, conversation_id: str) -> List[CallbackRequest]:
        """The conversation's requests no advisor has acted on yet."""
        return self._all((table.c.conversation_id == conversation_id)
                         & (table.c.status == NEW))

    def acted_on(self, conversation_id: str) -> List[CallbackRequest]:
        """The conversation's requests an advisor has already contacted or closed."""
        return self._all((table.c.conversation_id == conversation_id)
                         & table.c.status.in_([CONTACTED, CLOSED]))

    def open_for(self, assignee: str) -> List[CallbackRequest]:
        """Requests assigned to `assignee` that are not closed yet."""
        return self._all((table.c.assignee == assignee)
                         & table.c.status.in_([NEW, CONTACTED]))

    def withdraw(self, conversation_id: str, connection: Any = None) -> int:
        """Delete the conversation's draft and `new` requests; returns how many. In
        `connection`'s transaction if given."""
        with _transaction(self.engine, connection) as connection:
            return connection.execute(table.delete().where(
                (table.c.conversation_id == conversation_id)
                & table.c.status.in_([DRAFT, NEW]))).rowcount

    def list(self, status: Optional[str] = None) -> List[CallbackRequest]:
        """Submitted requests, oldest first; only those with `status` if given."""
        if status is not None and status not in STATUSES:
            raise CallbackError(f"Unknown status {status!r}; use one of {', '.join(STATUSES)}.")
        condition = table.c.status == status if status else table.c.status != DRAFT
        return self._all(condition)

    def get(self, reference: str) -> CallbackRequest:
        found = self._one((table.c.reference == normalise_reference(reference))
                          & (table.c.status != DRAFT))
        if found is None:
            raise CallbackError(f"No callback request has the reference {reference!r}.")
        return found

    def mark_contacted(self, reference: str, advisor: str) -> CallbackRequest:
        return self.set_status(reference, CONTACTED, advisor)

    def set_status(self, reference: str, status: str, advisor: str) -> CallbackRequest:
        """new -> contacted -> closed, recording who and when."""
        advisor = (advisor or "").strip()
        if not advisor:
            raise CallbackError("Say who made contact (the advisor's name).")
        if status not in (CONTACTED, CLOSED):
            raise CallbackError(f"A request can be marked {CONTACTED} or {CLOSED}.")
        request = self.get(reference)
        allowed = {NEW: (CONTACTED, CLOSED), CONTACTED: (CLOSED,), CLOSED: ()}
        if status not in allowed[request.status]:
            if request.status == status and request.contacted_at and status == CONTACTED:
                raise CallbackError(
                    f"{request.reference} is already {request.status} by "
                    f"{request.contacted_by} at {request.contacted_at:%Y-%m-%d %H:%M} UTC.")
            raise CallbackError(f"{request.reference} is {request.status}; it cannot be "
                                f"marked {status}.")
        values = ({"contacted_at": now(), "contacted_by": advisor} if status == CONTACTED
                  else {"closed_at": now(), "closed_by": advisor})
        with self.engine.begin() as connection:
            connection.execute(table.update().where(
                (table.c.reference == request.reference) & (table.c.status == request.status)
            ).values(status=status, **values))
            self._log(connection, request.reference, advisor, "status",
                      f"{request.status} -> {status}")
        return self.get(reference)

    def assign(self, reference: str, assignee: Optional[str], advisor: str) -> CallbackRequest:
        request = self.get(reference)
        assignee = (assignee or "").strip() or None
        with self.engine.begin() as connection:
            connection.execute(table.update().where(table.c.reference == request.reference)
                               .values(assignee=assignee))
            self._log(connection, request.reference, advisor, "assign",
                      f"assigned to {assignee}" if assignee else "unassigned")
        return self.get(reference)

    def add_note(self, reference: str, text: str, advisor: str) -> None:
        text = (text or "").strip()
        if not text:
            raise CallbackError("A note cannot be empty.")
        if len(text) > MAX_NOTE:
            raise CallbackError(f"A note can be at most {MAX_NOTE} characters.")
        request = self.get(reference)
        with self.engine.begin() as connection:
            self._log(connection, request.reference, advisor, "note", text)

    def history(self, reference: str) -> List[HistoryEntry]:
        query = (sa.select(history.c.at, history.c.author, history.c.kind, history.c.text)
                 .where(history.c.reference == normalise_reference(reference))
                 .order_by(history.c.id))
        with self.engine.connect() as connection:
            return [HistoryEntry(*row) for row in connection.execute(query)]

    def count_by_status(self) -> Dict[str, int]:
        """How many submitted requests there are with each status."""
        query = (sa.select(table.c.status, sa.func.count()).where(table.c.status != DRAFT)
                 .group_by(table.c.status))
        with self.engine.connect() as connection:
            counted = dict(connection.execute(query).all())
        return {status: counted.get(status, 0) for status in STATUSES}

    def contact_times(self) -> ContactTimes:
        """How many requests were contacted, and the median time it took."""
        hours = hours_between(table.c.contacted_at, table.c.created_at)
        contacted = table.c.contacted_at.isnot(None) & (table.c.status != DRAFT)
        with self.engine.connect() as connection:
            count = connection.execute(
                sa.select(sa.func.count()).select_from(table).where(contacted)).scalar()
            if not count:
                return ContactTimes(0, None)
            # The middle one, or the middle two of an even number, sorted in the database.
            middle = connection.execute(
                sa.select(hours).where(contacted).order_by(hours)
                .limit(2 - count % 2).offset((count - 1) // 2)).scalars().all()
        return ContactTimes(count, sum(middle) / len(middle))

    def for_conversation(self, conversation_id: str) -> List[CallbackRequest]:
        return self._all((table.c.conversation_id == conversation_id)
                         & (table.c.status != DRAFT))

    @staticmethod
    def _log(connection, reference: str, author: str, kind: str, text: str) -> None:
        connection.execute(history.insert().values(reference=reference, at=now(),
                                                   author=author[:50], kind=kind, text=text))

    def _one(self, condition) -> Optional[CallbackRequest]:
        found = self._all(condition)
        return found[-1] if found else None

    def _all(self, condition) -> List[CallbackRequest]:
        query = sa.select(*[c for c in table.c if c.name != "id"]).where(condition)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(table.c.created_at, table.c.id))
            return [CallbackRequest(**row._mapping) for row in rows]


def _stale_draft() -> Any:
    """A draft's row is older than DRAFT_LIFETIME: a form left part way."""
    return table.c.created_at < now() - DRAFT_LIFETIME


@contextmanager
def _transaction(engine: sa.engine.Engine, connection: Any = None) -> Iterator[Any]:
    """`connection` (its transaction is the caller's), or a new transaction."""
    if connection is not None:
        yield connection
        return
    with engine.begin() as connection:
        yield connection


@lru_cache(maxsize=None)
def store(database_url: str = "") -> CallbackRequests:
    """The callback requests in the configured database, shared within this process."""
    return CallbackRequests(database.engine(database_url))


def new_reference() -> str:
    return "RJ-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def normalise_reference(reference: str) -> str:
    code = "".join(ch for ch in reference.upper() if ch.isalnum())
    code = code[2:] if code.startswith("RJ") else code
    return f"RJ-{code}"
