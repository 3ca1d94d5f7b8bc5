"""Where each conversation's state is kept beside its events, so that the tracker store
reads only the turns the assistant still needs (addons/tracker_store.py).

A row says: the conversation is the events listed in `state` (slot values and the
like, written as events: see addons/tracker_snapshot.py), followed by its events from
`first_event_id` on. Rasa's `events` table still holds every event, for advisors,
exports and retention; a conversation with no row is read from its events alone.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from records import database

table = sa.Table(
    "tracker_snapshots", database.metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("first_event_id", sa.Integer, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
)

_WRITE = sa.text("""
INSERT INTO tracker_snapshots (sender_id, first_event_id, state)
VALUES (:sender_id, :first_event_id, :state)
ON CONFLICT (sender_id) DO UPDATE SET
    first_event_id = excluded.first_event_id, state = excluded.state
""")


@dataclass(frozen=True)
class Snapshot:
    first_event_id: int
    state: List[Dict[str, Any]]


def read(connection: Any, sender_id: str) -> Optional[Snapshot]:
    row = connection.execute(
        sa.select(table.c.first_event_id, table.c.state)
        .where(table.c.sender_id == sender_id)).first()
    return Snapshot(row.first_event_id, json.loads(row.state)) if row else None


def write(connection: Any, sender_id: str, snapshot: Snapshot) -> None:
    connection.execute(_WRITE, {"sender_id": sender_id,
                                "first_event_id": snapshot.first_event_id,
                                "state": json.dumps(snapshot.state)})


def drop(connection: Any, sender_ids: List[str]) -> None:
    connection.execute(table.delete().where(table.c.sender_id.in_(sender_ids)))
