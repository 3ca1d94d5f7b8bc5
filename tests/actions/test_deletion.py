"""Deleting a conversation says truthfully what was deleted and what was kept."""
import asyncio

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import deletion
from addons.tracker_store import ConversationStore
from records import callbacks, database
from serving.settings import settings
from tests.conftest import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def tracker(sender, withdraw=None):
    return Tracker(sender, {"withdraw_callback": withdraw, "delete_confirmed": "yes"},
                   {}, [], False, None, {}, "action_listen")


def run(sender, withdraw=None):
    dispatcher = CollectingDispatcher()
    asyncio.run(deletion.ActionDeleteConversation().run(dispatcher, tracker(sender, withdraw),
                                                        {}))
    return dispatcher.messages[0]


@pytest.fixture
def database_at(monkeypatch):
    def forget_cached():
        settings.cache_clear()
        callbacks.store.cache_clear()
        database.engine.cache_clear()

    def use(url):
        monkeypatch.setenv("DATABASE_URL", url)
        forget_cached()
    yield use
    monkeypatch.undo()
    forget_cached()


def test_an_unreachable_database_is_never_reported_as_deleted(database_at):
    database_at("postgresql://postgres@127.0.0.1:1/test")  # nothing listens there
    message = run("someone")
    assert message["response"] == "utter_conversation_not_deleted"


def test_a_request_an_advisor_acted_on_is_named_as_kept(database_at, tmp_path):
    database_at(f"sqlite:///{tmp_path / 'c.db'}")
    requests = callbacks.store()
    requests.save_draft("person", "phone", "021 555 0123")
    reference = requests.submit("person", "after 5", False, "Aroha")
    requests.mark_contacted(reference, "Mere")
    conversation = DialogueStateTracker("person", DOMAIN.slots)
    conversation.update(UserUttered("can an advisor call me", {"name": "request_callback"}))
    asyncio.run(ConversationStore(DOMAIN, host=str(requests.engine.url)).save(conversation))
    message = run("person")
    assert message["response"] == "utter_conversation_deleted"
    assert "already acted on" in message["request_note"]
    with requests.engine.connect() as connection:
        assert connection.execute(sa.text(
            "SELECT COUNT(*) FROM events WHERE sender_id = 'person'")).scalar() == 0
    assert requests.get(reference).status == "contacted"


@pytest.mark.parametrize("withdraw, says", [
    ("yes", "cancelled too"), ("no", "an advisor will still contact you"), (None, "")])
def test_a_waiting_request_is_cancelled_or_kept_as_asked(withdraw, says):
    note = deletion.what_is_kept(withdraw, acted_on=False)
    assert says in note and (says or note == "")
