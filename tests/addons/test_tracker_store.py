"""Conversations are stored in SQLite by default and in PostgreSQL when configured, with
contact details masked, and deleted when the person confirms."""
import asyncio
import uuid

import pytest
import sqlalchemy as sa
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from addons.tracker_store import DELETE_ACTION, ConversationStore
from records import database
from serving.settings import RUNTIME_DIR, settings

DOMAIN = Domain.load("domain.yml")


def conversation(sender):
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(UserUttered("kia ora", {"name": "greet", "confidence": 0.99}))
    tracker.update(ActionExecuted("utter_greet"))
    tracker.update(BotUttered("Kia ora, hello."))
    return tracker


def round_trip(url):
    """Save a conversation with one store and read it back with a fresh one."""
    sender = f"test-{uuid.uuid4()}"
    asyncio.run(ConversationStore(DOMAIN, host=url).save(conversation(sender)))
    restored = asyncio.run(ConversationStore(DOMAIN, host=url).retrieve(sender))
    return sender, restored


@pytest.fixture
def fresh_settings():
    """Settings read again from the environment the test sets (they are cached)."""
    settings.cache_clear()
    yield
    settings.cache_clear()


def test_the_default_is_a_sqlite_file_in_the_runtime_folder(monkeypatch, fresh_settings):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database.url() == f"sqlite:///{RUNTIME_DIR / 'conversations.db'}"


def test_the_environment_chooses_the_database(monkeypatch, tmp_path, fresh_settings):
    url = f"sqlite:///{tmp_path / 'chosen.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    store = ConversationStore(DOMAIN)
    assert str(store.engine.url) == url


def test_a_conversation_survives_a_new_store_on_sqlite(tmp_path):
    _, restored = round_trip(f"sqlite:///{tmp_path / 'conversations.db'}")
    assert [e.text for e in restored.events if isinstance(e, UserUttered)] == ["kia ora"]
    assert restored.latest_bot_utterance.text == "Kia ora, hello."


def test_sqlite_runs_in_wal_mode(tmp_path):
    store = ConversationStore(DOMAIN, host=f"sqlite:///{tmp_path / 'c.db'}")
    with store.engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_a_conversation_survives_a_new_store_on_postgres(postgres):
    sender, restored = round_trip(postgres)
    try:
        assert [e.text for e in restored.events if isinstance(e, UserUttered)] == ["kia ora"]
    finally:
        with sa.create_engine(postgres).begin() as connection:
            connection.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), s=sender)


def new_session(tracker):
    from rasa.shared.core.events import SessionStarted

    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(UserUttered("second session", {"name": "greet", "confidence": 1.0}))
    return tracker


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_only_the_latest_session_is_loaded_but_all_are_kept(backend, tmp_path, request):
    url = (request.getfixturevalue("postgres") if backend == "postgres"
           else f"sqlite:///{tmp_path / 'c.db'}")
    sender = f"test-{uuid.uuid4()}"
    store = ConversationStore(DOMAIN, host=url)
    tracker = conversation(sender)
    asyncio.run(store.save(tracker))
    asyncio.run(store.save(new_session(tracker)))  # saves only the events added since
    try:
        latest = asyncio.run(store.retrieve(sender))
        full = asyncio.run(store.retrieve_full_tracker(sender))
        def texts(tracker):
            return [e.text for e in tracker.events if isinstance(e, UserUttered)]
        assert texts(latest) == ["second session"]
        assert texts(full) == ["kia ora", "second session"]
        assert len(full.events) == len(tracker.events)
    finally:
        with store.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), s=sender)


def test_the_sqlite_folder_is_created_when_missing(tmp_path):
    database = tmp_path / "not" / "yet" / "there.db"
    round_trip(f"sqlite:///{database}")
    assert database.exists()


def stored_rows(store, sender):
    with store.engine.connect() as connection:
        return connection.execute(sa.text("SELECT data FROM events WHERE sender_id = :s"),
                                  s=sender).scalars().all()


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    url = (request.getfixturevalue("postgres") if request.param == "postgres"
           else f"sqlite:///{tmp_path / 'c.db'}")
    return ConversationStore(DOMAIN, host=url)


def test_phone_numbers_and_emails_are_masked_before_they_are_stored(store):
    sender = f"test-{uuid.uuid4()}"
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(UserUttered("ring me on 021 555 0199 or mere.smith@example.co.nz",
                               {"name": "request_callback", "confidence": 0.9},
                               parse_data={"text": "ring me on 021 555 0199 or "
                                                   "mere.smith@example.co.nz"}))
    tracker.update(SlotSet("safe_time", "after 6, or text +64 21 555 0199"))
    tracker.update(BotUttered("I'll email mere.smith@example.co.nz"))
    asyncio.run(store.save(tracker))
    try:
        stored = "\n".join(stored_rows(store, sender))
        # not "555": timestamps
        for detail in ["555 0199", "21 555", "mere.smith", "example.co.nz"]:
            assert detail not in stored
        assert stored.count("[phone]") == 2 and stored.count("[email]") == 3
        # the conversation still reads back, with the masks in place
        restored = asyncio.run(store.retrieve(sender))
        assert restored.latest_message.text == "ring me on [phone] or [email]"
        assert restored.get_slot("safe_time") == "[answer]"  # a form answer: never kept
    finally:
        with store.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), s=sender)


def test_answers_to_the_callback_form_are_stored_as_placeholders_only(store):
    sender = f"test-{uuid.uuid4()}"
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(UserUttered("hi", {"name": "greet", "confidence": 0.9}))
    asyncio.run(store.save(tracker))  # an earlier turn, already stored
    tracker.update(ActiveLoop("callback_form"))
    for question, answer, slot_value in [
            ("contact_method", "email please", "email"),
            ("contact_detail", "mere at example dot co dot nz", "[email]"),
            ("safe_time", "weekdays after Tama's school run", "[answer]"),
            ("first_name", "call me Aroha", "Aroha")]:
        tracker.update(SlotSet(REQUESTED_SLOT, question))
        tracker.update(UserUttered(answer, {"name": "nlu_fallback", "confidence": 0.3},
                                   parse_data={"text": answer, "entities": [
                                       {"entity": "name", "value": answer}]}))
        tracker.update(SlotSet(question, answer))  # Rasa fills the slot with the text ...
        tracker.update(SlotSet(question, slot_value))  # ... and the form validates it
    # danger in the middle of the form is not an answer: advisors must read it
    tracker.update(UserUttered("he's outside now", {"name": "crisis", "confidence": 1.0}))
    asyncio.run(store.save(tracker))
    try:
        stored = "\n".join(stored_rows(store, sender))
        for given in ["mere", "example", "Tama", "school", "Aroha"]:
            assert given not in stored
        texts = [e.text for e in asyncio.run(store.retrieve(sender)).events
                 if isinstance(e, UserUttered)]
        assert texts == ["hi", "[answer]", "[email]", "[answer]", "[name]", "he's outside now"]
    finally:
        with store.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), s=sender)


def test_the_delete_action_removes_every_event_of_the_conversation(store):
    sender, other = f"test-{uuid.uuid4()}", f"test-{uuid.uuid4()}"
    tracker = new_session(conversation(sender))
    asyncio.run(store.save(tracker))
    asyncio.run(store.save(conversation(other)))
    tracker.update(UserUttered("delete my conversation", {"name": "delete_conversation"}))
    tracker.update(ActionExecuted(DELETE_ACTION))
    tracker.update(BotUttered("Done: this conversation has been deleted."))
    asyncio.run(store.save(tracker))
    try:
        assert stored_rows(store, sender) == []  # both sessions, and this turn, are gone
        assert asyncio.run(store.retrieve(sender)) is None
        assert len(stored_rows(store, other)) == 3  # other people's are untouched
    finally:
        with store.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), s=other)


def test_a_failed_delete_keeps_the_conversation_as_the_person_was_told(store):
    sender = f"test-{uuid.uuid4()}"
    tracker = conversation(sender)
    asyncio.run(store.save(tracker))
    tracker.update(UserUttered("yes", {"name": "affirm"}))
    tracker.update(ActionExecuted(DELETE_ACTION))
    tracker.update(BotUttered("Sorry, I couldn't delete this conversation just now",
                              metadata={"utter_action": "utter_conversation_not_deleted"}))
    asyncio.run(store.save(tracker))
    try:
        assert len(stored_rows(store, sender)) == len(tracker.events)
    finally:
        with store.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), s=sender)
