"""The migrations of our tables (records/migrations), on SQLite and PostgreSQL: a
database at the first revision, with data in it, comes up to the newest with every row
still there and usable; the newest revision makes what the code describes; an old
database is refused until it is migrated."""
import asyncio
import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.tracker_store import ConversationStore
from console import audit, queries
from console.accounts import Accounts, hash_password, users
from console.queries import Filters
from records import __main__ as cli
from records import all_tables, callbacks, conversation_log, database, schema
from serving.settings import settings
from tests.conftest import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))
SENDER = "migrated-conversation"
PASSWORD = "a long enough password"


@pytest.fixture
def url(fresh_url):
    return fresh_url


@pytest.fixture
def engine(url):
    engine = database.create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def environment(monkeypatch, url):
    """DATABASE_URL (and AUTO_MIGRATE, if a test sets it) read afresh."""
    monkeypatch.setenv("DATABASE_URL", url)
    settings.cache_clear()
    database.engine.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    settings.cache_clear()
    database.engine.cache_clear()


def upgrade_to(engine, revision):
    with engine.begin() as connection:
        command.upgrade(schema.config(connection), revision)


def fill_first_revision(engine):
    """What the code of revision 0001 wrote: a conversation's summary (topics between
    bars, a topic again in a later save; the typed words in `search_text`), a message
    not understood, a callback request with its history, an account, an audit entry."""
    created = datetime(2026, 11, 30, 9, 0)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO conversation_summaries (sender_id, started_at, last_at, user_turns, "
            "crisis_turns, fallback_turns, advisor_turns, topics, search_text) VALUES "
            "(:s, :start, :last, 4, 0, 1, 1, :topics, :text)"),
            {"s": SENDER, "start": 1_764_400_000.0, "last": 1_764_400_300.0,
             "topics": "|greet|faq/cost||nlu_fallback|request_advisor||greet|",
             "text": "kia ora\nis it free for my whānau\nflibber wobble\n"})
        connection.execute(conversation_log.gaps.insert().values(
            sender_id=SENDER, at=1_764_400_200.0, text="flibber wobble",
            predicted="nlu_fallback", confidence=0.4))
        connection.execute(callbacks.table.insert().values(
            reference="RJ-ABC234", conversation_id=SENDER, status="contacted",
            created_at=created, contact_method="phone", contact_detail="021 555 0193",
            safe_time="after 5pm", safe_to_leave_message=False, first_name="Aroha",
            contacted_at=created + timedelta(hours=3), contacted_by="mere"))
        connection.execute(callbacks.history.insert().values(
            reference="RJ-ABC234", at=created, author="mere", kind="note", text="rang"))
        connection.execute(users.insert().values(
            username="mere", role="advisor", password_hash=hash_password(PASSWORD),
            created_at=created))
        connection.execute(audit.log.insert().values(
            at=created, actor="mere", action="view conversation", target="c-123",
            detail=""))


def assert_first_revision_data_is_usable(engine, url):
    found = queries.list_conversations(engine, Filters(search="WHĀNAU"))
    assert [s.sender_id for s in found] == [SENDER]
    assert queries.count_conversations(engine, Filters(search='"is it free"')) == 1
    assert queries.count_conversations(engine, Filters(search="whān")) == 0  # whole words
    assert queries.count_conversations(engine, Filters(topic="faq/cost",
                                                       asked_advisor=True)) == 1
    assert queries.summary(engine, SENDER).topics == ["greet", "faq/cost", "nlu_fallback",
                                                      "request_advisor"]
    with engine.connect() as connection:
        table = conversation_log.topics
        assert connection.execute(sa.select(table.c.topic, table.c.position).order_by(
            table.c.position)).all() == [("greet", 1), ("faq/cost", 2), ("nlu_fallback", 3),
                                          ("request_advisor", 4)]
    assert [g.text for g in queries.understanding_gaps(engine)] == ["flibber wobble"]
    requests = callbacks.CallbackRequests(engine)
    request = requests.get("RJ-ABC234")
    assert (request.first_name, request.contacted_by) == ("Aroha", "mere")
    assert [h.text for h in requests.history("RJ-ABC234")] == ["rang"]
    assert requests.contact_times() == callbacks.ContactTimes(1, 3.0)
    _, session = Accounts(engine).sign_in("mere", PASSWORD, "127.0.0.1")
    assert session.user.role == "advisor"
    assert audit.AuditLog(engine).entries()[-1].action == "view conversation"

    # The tracker store carries on with the migrated conversation.
    tracker = DialogueStateTracker(SENDER, DOMAIN.slots)
    text = "can the facilitator come to the marae"
    tracker.update(UserUttered(text, {"name": "faq", "confidence": 0.9}, parse_data={
        "text": text, "intent": {"name": "faq", "confidence": 0.9},
        "response_selector": {"faq": {"response": {
            "intent_response_key": "faq/facilitator", "confidence": 0.9}}}}))
    asyncio.run(ConversationStore(DOMAIN, host=url).save(tracker))
    migrated = queries.summary(engine, SENDER)
    assert migrated.user_turns == 5 and migrated.topics[-1] == "faq/facilitator"
    assert queries.count_conversations(engine, Filters(search="marae whānau")) == 1


def test_data_kept_under_the_first_revision_is_all_there_at_the_newest(engine, url):
    upgrade_to(engine, "0001")
    fill_first_revision(engine)
    assert schema.upgrade(engine) == schema.Upgraded("0001", schema.head())
    assert_first_revision_data_is_usable(engine, url)


def test_a_database_made_before_migrations_is_taken_as_the_first_revision(engine, url):
    upgrade_to(engine, "0001")
    fill_first_revision(engine)
    with engine.begin() as connection:  # as create_all left it: no alembic_version
        connection.execute(sa.text("DROP TABLE alembic_version"))
    upgraded = schema.upgrade(engine)
    assert upgraded.adopted and upgraded.after == schema.head()
    assert "made before migrations" in str(upgraded)
    assert_first_revision_data_is_usable(engine, url)


def test_downgrading_puts_topics_and_words_back_in_the_summary(engine):
    upgrade_to(engine, "0001")
    fill_first_revision(engine)
    schema.upgrade(engine)
    with engine.begin() as connection:
        command.downgrade(schema.config(connection), "0001")
    with engine.connect() as connection:
        topics, text = connection.execute(sa.text(
            "SELECT topics, search_text FROM conversation_summaries")).one()
    assert topics == "|greet|faq/cost|nlu_fallback|request_advisor|"
    assert text == "kia ora\nis it free for my whānau\nflibber wobble\n"
    schema.upgrade(engine)
    assert queries.count_conversations(engine, Filters(search="wobble")) == 1


def test_the_newest_revision_makes_what_the_code_describes(engine):
    schema.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": schema.ours})
        assert compare_metadata(context, all_tables.metadata) == []
        inspector = sa.inspect(connection)
        if engine.dialect.name == "postgresql":
            # (SQLAlchemy does not reflect expression indexes: look it up)
            assert connection.execute(sa.text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = :n"),
                {"n": "ix_typed_messages_text_search"}).scalar().endswith(
                "USING gin (to_tsvector('simple'::regconfig, text))")
        else:
            assert inspector.has_table("typed_messages_fts")
    assert schema.revision(engine) == schema.head()


def test_an_old_database_is_refused_until_it_is_migrated(environment, engine, capsys):
    upgrade_to(engine, "0001")
    assert cli.main(["migrate", "--check"]) == 1
    assert "make migrate" in capsys.readouterr().err
    environment.setenv("AUTO_MIGRATE", "false")
    settings.cache_clear()
    with pytest.raises(schema.MigrationNeeded, match="make migrate"):
        schema.create(engine)
    assert cli.main(["migrate"]) == 0
    assert f"0001 -> {schema.head()}" in capsys.readouterr().out
    assert cli.main(["migrate", "--check"]) == 0
    schema.create(engine)  # now up to date: no error


def test_processes_starting_at_once_migrate_once(url):
    engines = [database.create_engine(url) for _ in range(3)]
    results, errors = [], []

    def start(engine):
        try:
            results.append(schema.upgrade(engine))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(r.before or "" for r in results) == ["", schema.head(), schema.head()]
    assert schema.revision(engines[0]) == schema.head()
    for engine in engines:
        engine.dispose()
