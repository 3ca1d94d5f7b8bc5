"""Live chat with an advisor: advisors' presence, the chats, and the widget's outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

See records/live_chat.py.
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "advisor_presence",
        sa.Column("username", sa.String(50), primary_key=True),
        sa.Column("available", sa.Boolean, nullable=False),
        sa.Column("display_name", sa.String(30)),
        sa.Column("seen_at", sa.Float, nullable=False),
    )
    op.create_table(
        "live_chats",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("requested_at", sa.Float, nullable=False),
        sa.Column("person_seen_at", sa.Float, nullable=False),
        sa.Column("person_typing_at", sa.Float),
        sa.Column("accepted_at", sa.Float),
        sa.Column("advisor", sa.String(50)),
        sa.Column("advisor_name", sa.String(30)),
        sa.Column("advisor_typing_at", sa.Float),
        sa.Column("started", sa.Boolean, nullable=False),
        sa.Column("ended_at", sa.Float),
        sa.Column("ended_how", sa.String(20)),
        sa.Column("ended_by", sa.String(50)),
        sa.Column("resumed", sa.Boolean, nullable=False),
        sa.Column("crisis_at", sa.Float),
        sa.Column("note", sa.String(2000)),
    )
    op.create_index("ix_live_chats_sender_id", "live_chats", ["sender_id"])
    op.create_index("ix_live_chats_status", "live_chats", ["status"])
    op.create_index("ix_live_chats_advisor", "live_chats", ["advisor"])
    op.create_table(
        "live_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_live_outbox_sender_id", "live_outbox", ["sender_id"])


def downgrade() -> None:
    op.drop_table("live_outbox")
    op.drop_table("live_chats")
    op.drop_table("advisor_presence")
