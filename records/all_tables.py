"""Every table of ours as the code describes it, on one MetaData: what Alembic compares
a database with (records/migrations/env.py, tests/records/test_migrations.py).

Only those import this module; the tables' own modules call records/schema.py, which
needs none of them (the migrations spell every table out).
"""
from console import accounts, audit  # noqa: F401 - importing a module defines its tables
from records import advisor_ids, callbacks, conversation_log, live_chat, tracker_snapshots  # noqa: F401
from records.database import metadata

__all__ = ["metadata"]
