"""Creates our tables."""
from __future__ import annotations

import threading
import weakref

import sqlalchemy as sa

from records import database

_created: "weakref.WeakSet[sa.engine.Engine]" = weakref.WeakSet()
_lock = threading.Lock()


def create(engine: sa.engine.Engine) -> None:
    """Create every table of ours that is missing; once per engine in this process."""
    # Importing the modules defines their tables on database.metadata.
    from console import accounts, audit  # noqa: F401
    from records import advisor_ids, callbacks, conversations  # noqa: F401

    with _lock:
        if engine in _created:
            return
        database.metadata.create_all(engine)
        _created.add(engine)

