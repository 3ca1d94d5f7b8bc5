"""Topics in a table of their own; what people typed in a table with a full-text index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

- `conversation_topics` (conversation, topic, position first asked, and when the
  conversation started, for the dashboard) replaces the summaries' "|a|b|" column,
  which was searched with LIKE.
- `typed_messages` (one row a message the person typed, masked, lower-cased) replaces
  the summaries' `search_text`. PostgreSQL indexes `to_tsvector('simple', text)` with
  GIN; SQLite keeps the FTS5 table `typed_messages_fts` in step with triggers.
- An index on the summaries' `started_at`, for the dashboard and the "until" filter.

Existing summaries are split into the new tables (in SQL on PostgreSQL, in batches on
SQLite).
"""
from typing import Any, Dict, Iterator, List

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# PostgreSQL's expression index; the console's search (console/search.py) spells its
# condition the same way so that the planner uses it.
SEARCH_INDEX = "ix_typed_messages_text_search"
FTS_TABLE = "typed_messages_fts"
SQLITE_SEARCH = [
    # External content: the words are indexed, the text stays in typed_messages only.
    f"""CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(text, content='typed_messages',
        content_rowid='id', tokenize='unicode61 remove_diacritics 0')""",
    f"""CREATE TRIGGER typed_messages_indexed AFTER INSERT ON typed_messages BEGIN
        INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text); END""",
    f"""CREATE TRIGGER typed_messages_unindexed AFTER DELETE ON typed_messages BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text);
        END""",
    f"""CREATE TRIGGER typed_messages_reindexed AFTER UPDATE ON typed_messages BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text); END""",
]
BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "conversation_topics",
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("sender_id", "topic"),
    )
    op.create_index("ix_conversation_topics_topic", "conversation_topics", ["topic"])
    op.create_index("ix_conversation_topics_started_at_topic", "conversation_topics",
                    ["started_at", "topic"])
    op.create_table(
        "typed_messages",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_typed_messages_sender_id", "typed_messages", ["sender_id"])
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        _split_summaries_in_sql()
        # After the copy: building the index once is faster than growing it row by row.
        op.create_index(SEARCH_INDEX, "typed_messages",
                        [sa.text("to_tsvector('simple', text)")], postgresql_using="gin")
    else:
        for statement in SQLITE_SEARCH:
            op.execute(statement)
        _split_summaries_in_batches()
    with op.batch_alter_table("conversation_summaries") as batch:
        batch.drop_column("topics")
        batch.drop_column("search_text")
        batch.create_index("ix_conversation_summaries_started_at", ["started_at"])


def _split_summaries_in_sql() -> None:
    # A topic asked again in a later save was added again: the first place counts, and
    # positions are numbered 1, 2, ... as the batches below number them.
    op.execute(r"""
        INSERT INTO conversation_topics (sender_id, topic, position, started_at)
        SELECT sender_id, topic,
               ROW_NUMBER() OVER (PARTITION BY sender_id ORDER BY first_place), started_at
        FROM (SELECT s.sender_id, t.topic, MIN(t.place) AS first_place,
                     MIN(s.started_at) AS started_at
              FROM conversation_summaries s,
                   unnest(string_to_array(s.topics, '|')) WITH ORDINALITY AS t(topic, place)
              WHERE t.topic <> ''
              GROUP BY s.sender_id, t.topic) asked""")
    op.execute(r"""
        INSERT INTO typed_messages (sender_id, text)
        SELECT s.sender_id, m.text
        FROM conversation_summaries s,
             regexp_split_to_table(s.search_text, E'\n') WITH ORDINALITY AS m(text, n)
        WHERE m.text <> ''
        ORDER BY s.sender_id, m.n""")


def _split_summaries_in_batches() -> None:
    connection = op.get_bind()
    for rows in _summaries(connection):
        topics: List[Dict[str, Any]] = []
        typed: List[Dict[str, Any]] = []
        for sender_id, started_at, joined_topics, search_text in rows:
            seen: List[str] = []
            for topic in joined_topics.split("|"):
                if topic and topic not in seen:
                    seen.append(topic)
            topics += [{"s": sender_id, "t": topic, "p": position, "a": started_at}
                       for position, topic in enumerate(seen, start=1)]
            typed += [{"s": sender_id, "x": line} for line in search_text.split("\n") if line]
        if topics:
            connection.execute(sa.text("INSERT INTO conversation_topics (sender_id, topic, "
                                       "position, started_at) VALUES (:s, :t, :p, :a)"), topics)
        if typed:
            connection.execute(sa.text("INSERT INTO typed_messages (sender_id, text) "
                                       "VALUES (:s, :x)"), typed)


def _summaries(connection: Any) -> Iterator[List[Any]]:
    """The summaries' sender ids, starts, topics and search text, a batch at a time."""
    after = ""
    while True:
        rows = connection.execute(sa.text(
            "SELECT sender_id, started_at, topics, search_text FROM conversation_summaries "
            "WHERE sender_id > :after ORDER BY sender_id LIMIT :n"),
            {"after": after, "n": BATCH}).all()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("conversation_summaries") as batch:
        batch.drop_index("ix_conversation_summaries_started_at")
        batch.add_column(sa.Column("topics", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("search_text", sa.Text, nullable=False,
                                   server_default=""))
    newline = "chr(10)" if postgresql else "char(10)"
    if postgresql:
        topics = "string_agg(topic, '|' ORDER BY position)"
        lines = f"string_agg(text, {newline} ORDER BY id)"
    else:  # group_concat keeps the order of its subquery
        topics = "group_concat(topic, '|')"
        lines = f"group_concat(text, {newline})"
    op.execute(f"""
        UPDATE conversation_summaries SET
          topics = COALESCE((SELECT '|' || {topics} || '|' FROM (
              SELECT topic, position FROM conversation_topics t
              WHERE t.sender_id = conversation_summaries.sender_id ORDER BY position) o), ''),
          search_text = COALESCE((SELECT {lines} || {newline} FROM (
              SELECT text, id FROM typed_messages m
              WHERE m.sender_id = conversation_summaries.sender_id ORDER BY id) o), '')""")
    with op.batch_alter_table("conversation_summaries") as batch:
        batch.alter_column("topics", server_default=None)
        batch.alter_column("search_text", server_default=None)
    if postgresql:
        op.drop_index(SEARCH_INDEX, table_name="typed_messages")
    else:
        for trigger in ("typed_messages_indexed", "typed_messages_unindexed",
                        "typed_messages_reindexed"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute(f"DROP TABLE {FTS_TABLE}")
    op.drop_table("typed_messages")
    op.drop_table("conversation_topics")
