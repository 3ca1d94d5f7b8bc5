"""Our tables as `metadata.create_all` made them before there were migrations.

Revision ID: 0001
Revises:
Create Date: 2026-12-01

A database made by create_all has these tables already: each table that exists is
left as it is, so running this revision on it only records it as at 0001.
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in CREATE.items():  # (CREATE is at the end)
        if name not in existing:
            create()


def downgrade() -> None:
    for name in CREATE:
        op.drop_table(name)


def create_advisor_ids() -> None:
    op.create_table(
        "advisor_ids",
        sa.Column("advisor_id", sa.String(40), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("advisor_id"),
        sa.UniqueConstraint("sender_id"),
    )


def create_callback_history() -> None:
    op.create_table(
        "callback_history",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("author", sa.String(50), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("text", sa.String(2000), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_callback_history_reference", "callback_history", ["reference"])


def create_callback_requests() -> None:
    op.create_table(
        "callback_requests",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("reference", sa.String(16)),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
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
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    op.create_index("ix_callback_requests_conversation_id", "callback_requests",
                    ["conversation_id"])
    op.create_index("ix_callback_requests_status", "callback_requests", ["status"])


def create_console_audit_log() -> None:
    op.create_table(
        "console_audit_log",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(50), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("detail", sa.String(1000), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_console_audit_log_at", "console_audit_log", ["at"])


def create_console_login_failures() -> None:
    op.create_table(
        "console_login_failures",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("username", sa.String(50), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_console_login_failures_address", "console_login_failures",
                    ["address"])
    op.create_index("ix_console_login_failures_username", "console_login_failures",
                    ["username"])


def create_console_sessions() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("username", sa.String(50), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_console_sessions_username", "console_sessions", ["username"])


def create_console_users() -> None:
    op.create_table(
        "console_users",
        sa.Column("username", sa.String(50), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("username"),
    )


def create_conversation_summaries() -> None:
    op.create_table(
        "conversation_summaries",
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("last_at", sa.Float, nullable=False),
        sa.Column("user_turns", sa.Integer, nullable=False),
        sa.Column("crisis_turns", sa.Integer, nullable=False),
        sa.Column("fallback_turns", sa.Integer, nullable=False),
        sa.Column("advisor_turns", sa.Integer, nullable=False),
        # "|faq/cost|greet|": every topic asked about, each between bars
        sa.Column("topics", sa.Text, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("sender_id"),
    )
    op.create_index("ix_conversation_summaries_last_at", "conversation_summaries",
                    ["last_at"])


def create_understanding_gaps() -> None:
    op.create_table(
        "understanding_gaps",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("predicted", sa.String(100)),
        sa.Column("confidence", sa.Float),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_understanding_gaps_sender_id", "understanding_gaps", ["sender_id"])
    op.create_index("ix_understanding_gaps_at", "understanding_gaps", ["at"])


CREATE = {
    "advisor_ids": create_advisor_ids,
    "callback_history": create_callback_history,
    "callback_requests": create_callback_requests,
    "console_audit_log": create_console_audit_log,
    "console_login_failures": create_console_login_failures,
    "console_sessions": create_console_sessions,
    "console_users": create_console_users,
    "conversation_summaries": create_conversation_summaries,
    "understanding_gaps": create_understanding_gaps,
}
