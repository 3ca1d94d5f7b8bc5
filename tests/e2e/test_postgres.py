"""The same configuration keeps conversations and callback requests in PostgreSQL when
DATABASE_URL says so."""
import uuid

import pytest
import requests
import sqlalchemy as sa

from console.accounts import Accounts
from devtools import processes
from records import callbacks, database
from records.advisor_ids import shown_id
from records.callbacks import CallbackRequests
from serving.settings import settings
from tests.conftest import (
    CONSOLE_ADMIN_PASSWORD,
    RESULTS,
    assert_offers_line_and_advisor,
    reply_text,
)
from tests.e2e.test_callback import ANSWERS, REFERENCE

pytestmark = pytest.mark.slow


@pytest.fixture
def postgres_assistant(model_path, postgres, assistant):
    # The shared assistant holds the ports: pause it, run against PostgreSQL, resume.
    assistant.stack.stop()
    stack = processes.development(model_path, RESULTS / "logs-postgres" / "make-run.log",
                                  env={"DATABASE_URL": postgres,
                                       "CONSOLE_ADMIN_PASSWORD": CONSOLE_ADMIN_PASSWORD})
    try:
        with stack:
            yield postgres
    finally:
        assistant.stack.start()


def say(text, sender):
    messages = requests.post(settings().rest_url, json={"sender": sender, "message": text},
                             timeout=60).json()
    assert_offers_line_and_advisor(text, messages)
    return reply_text(messages)


def stored_types(url, sender):
    with sa.create_engine(url).connect() as connection:
        return connection.execute(
            sa.text("SELECT type_name FROM events WHERE sender_id = :s ORDER BY id"),
            s=sender).scalars().all()


def test_conversations_and_callback_requests_live_in_postgres(postgres_assistant):
    url, sender = postgres_assistant, f"test-{uuid.uuid4()}"
    advisor, password = f"advisor-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4()}"
    requests_table = CallbackRequests(database.create_engine(url))
    try:
        assert "Kia ora" in say("kia ora", sender)
        say("can someone call me back", sender)
        for answer in ANSWERS.values():
            reply = say(answer, sender)
        reference = REFERENCE.search(reply).group()
        saved = requests_table.get(reference)
        assert (saved.status, saved.conversation_id, saved.contact_detail) == (
            "new", sender, ANSWERS["contact_detail"])
        assert {"user", "bot"} <= set(stored_types(url, sender))
        # the advisors' console reads the same PostgreSQL database (an account of the
        # test's own: this database may have an admin from elsewhere)
        Accounts(database.create_engine(url)).add(advisor, "advisor", password)
        console = requests.Session()
        console.post(settings().console_url + "login", timeout=30,
                     data={"username": advisor, "password": password})
        assert reference in console.get(settings().console_url + "queue", timeout=30).text
        assert shown_id(sender) in console.get(settings().console_url + "conversations", timeout=30,
                                               params={"q": "call me back"}).text

        say("delete my conversation", sender)
        say("yes", sender)
        assert "has been deleted" in say("yes", sender)  # and withdraw the request
        assert stored_types(url, sender) == []
        assert requests_table.waiting(sender) == []
    finally:
        with requests_table.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), s=sender)
            connection.execute(callbacks.table.delete().where(
                callbacks.table.c.conversation_id == sender))
            for table in ("console_sessions", "console_users"):
                connection.execute(sa.text(f"DELETE FROM {table} WHERE username = :u"),
                                   u=advisor)
