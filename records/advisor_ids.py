"""The id advisors see for a conversation, which is not the id the person's widget uses.

The widget's sender id is the person's only credential in the public chat channel: an
advisor who could read it could paste it into the channel and speak as the person. So
the console, its exports and the command line show `shown_id(sender_id)`, an HMAC of the
sender id under a server secret, and look the conversation up from it through the
`advisor_ids` table, filled as ids are shown.

The secret is CONSOLE_ID_SECRET (32+ characters; set it where several machines must
agree), or else one made on first use and kept in runtime/console-id-secret, readable
by its owner only, so ids (and the links and audit entries that hold them) stay stable.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from functools import lru_cache
from pathlib import Path
from typing import Optional

import sqlalchemy as sa

from records import database
from serving.settings import RUNTIME_DIR, settings

MIN_SECRET = 32
PREFIX = "c-"

table = sa.Table(
    "advisor_ids", database.metadata,
    sa.Column("advisor_id", sa.String(40), primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, unique=True),
)


def secret_file() -> Path:
    return RUNTIME_DIR / "console-id-secret"


@lru_cache(maxsize=None)
def secret() -> bytes:
    given = settings().console_id_secret
    if given:
        return given.get_secret_value().encode()
    path = secret_file()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:  # made by an earlier start, or by another process just now
        return _read_secret(path)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_hex(32))
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    for _ in range(50):  # another process may be writing it at this very moment
        value = path.read_text().strip()
        if value:
            return value.encode()
        time.sleep(0.01)
    raise ValueError(f"{path} is empty: delete it, and a new secret will be made.")


def shown_id(sender_id: str) -> str:
    digest = hmac.new(secret(), sender_id.encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[:24]


class AdvisorIds:
    """Shown ids and the conversations they stand for."""

    def __init__(self, engine: sa.engine.Engine):
        self.engine = engine

    def show(self, sender_id: str) -> str:
        """The id to show for `sender_id`, remembered so it can be looked up. A row left
        by another secret, or deleted with the conversation, is replaced or made again."""
        shown = shown_id(sender_id)
        with self.engine.begin() as connection:
            kept = connection.execute(sa.select(table.c.advisor_id).where(
                table.c.sender_id == sender_id)).scalar()
            if kept == shown:
                return shown
            if kept is not None:
                connection.execute(table.delete().where(table.c.sender_id == sender_id))
            try:
                with connection.begin_nested():
                    connection.execute(table.insert().values(advisor_id=shown,
                                                             sender_id=sender_id))
            except sa.exc.IntegrityError:
                pass  # another process remembered it at the same moment
        return shown

    def sender(self, shown: str) -> Optional[str]:
        """The conversation a shown id stands for; None if it was never shown."""
        with self.engine.connect() as connection:
            return connection.execute(sa.select(table.c.sender_id).where(
                table.c.advisor_id == shown)).scalar()
