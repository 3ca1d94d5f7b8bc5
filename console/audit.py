"""Who viewed, exported, changed or deleted what, and when."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

import sqlalchemy as sa

from records import database, schema
from records.database import now

log = sa.Table(
    "console_audit_log", database.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("actor", sa.String(50), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("target", sa.String(300), nullable=False, default=""),
    sa.Column("detail", sa.String(1000), nullable=False, default=""),
)


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    action: str
    target: str
    detail: str


class AuditLog:
    def __init__(self, engine: Optional[sa.engine.Engine] = None):
        self.engine = engine or database.engine()
        schema.create(self.engine)

    def record(self, actor: str, action: str, target: str = "", detail: str = "") -> None:
        with self.engine.begin() as connection:
            connection.execute(log.insert().values(at=now(), actor=actor, action=action,
                                                   target=target[:300], detail=detail[:1000]))

    def entries(self, page: int = 1, page_size: int = 100) -> List[Entry]:
        query = (sa.select(log.c.at, log.c.actor, log.c.action, log.c.target, log.c.detail)
                 .order_by(log.c.id.desc()).limit(page_size)
                 .offset((max(page, 1) - 1) * page_size))
        with self.engine.connect() as connection:
            return [Entry(*row) for row in connection.execute(query)]
