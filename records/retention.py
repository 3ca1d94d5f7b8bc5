"""The retention purge: what is kept, for how long.

- Conversations not touched for `days` days: every event, summary and "not understood"
  entry (records/conversation_log.py).
- Callback requests closed more than `days` days ago, with their history and notes.
  Requests still new or contacted are kept: someone is waiting for, or in, that contact.
- Drafts (a form left part way) after a day (records/callbacks.py, DRAFT_LIFETIME).

The audit log keeps who did what, when, to which conversation or request; it never holds
free text (search words or notes), so there is nothing in it to purge.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from records import callbacks, conversation_log
from records.database import now


@dataclass(frozen=True)
class Purged:
    days: int
    conversations: int
    requests: int
    drafts: int

    def __str__(self) -> str:
        return (f"{self.conversations} conversations and {self.requests} closed callback "
                f"requests older than {self.days} days, and {self.drafts} forms left "
                f"unfinished for over a day")


def purge(engine: sa.engine.Engine, days: int) -> Purged:
    """Delete everything past its time; `days` is the retention period (at least 1:
    records/conversation_log.py refuses less before anything is deleted)."""
    purged_conversations = conversation_log.purge_older_than(engine, days)
    store = callbacks.CallbackRequests(engine)
    requests = store.purge_closed_before(now() - timedelta(days=days))
    drafts = store.purge_stale_drafts()
    return Purged(days, purged_conversations, requests, drafts)
