"""Each conversation's state beside its events, so that a turn reads only recent events.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

See records/tracker_snapshots.py. A conversation without a row is read from its events
as before and gets its row when it is next saved.
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracker_snapshots",
        sa.Column("sender_id", sa.String(255), primary_key=True),
        sa.Column("first_event_id", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tracker_snapshots")
