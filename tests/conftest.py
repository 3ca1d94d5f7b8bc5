"""Shared fixtures: the trained model and the running assistant (real servers)."""
from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path
from typing import Dict, List

import pytest
import requests

from devtools import processes
from serving.settings import settings
from training import model

ROOT = Path(__file__).resolve().parent.parent
# The tests and every server they start derive the ids advisors see with one secret.
os.environ.setdefault("CONSOLE_ID_SECRET", "test-console-id-secret-0123456789abcdef")
RESULTS = ROOT / "results"
SHARED = ROOT.parent / "shared"

# Figures the tests measure, printed at the end of the run.
METRICS: Dict[str, str] = {}


def pytest_terminal_summary(terminalreporter):
    if METRICS:
        terminalreporter.section("measured")
        for name, value in METRICS.items():
            terminalreporter.write_line(f"{name}: {value}")


@pytest.fixture(scope="session")
def model_path() -> Path:
    return model.ensure()


@pytest.fixture(scope="session")
def agent(model_path):
    """The trained model, loaded in-process for NLU checks."""
    from training import nlu_eval

    return nlu_eval.load_agent(model_path)


class Assistant:
    """The running assistant, spoken to over its REST channel like a website would."""

    def __init__(self, stack: processes.Processes, database_url: str):
        self.stack = stack
        self.database_url = database_url

    def say(self, text: str, sender: str) -> List[dict]:
        """Send a message; every reply is checked for the line and the advisor offer."""
        messages = self.send(text, sender)
        assert_offers_line_and_advisor(text, messages)
        return messages

    @staticmethod
    def send(text: str, sender: str) -> List[dict]:
        """Send a message; the replies, which are none while an advisor is in the chat."""
        response = requests.post(settings().rest_url, json={"sender": sender, "message": text},
                                 timeout=60)
        response.raise_for_status()
        return response.json()

    @staticmethod
    def new_sender() -> str:
        return f"test-{uuid.uuid4()}"

    def stored_events(self, sender: str, where: str) -> List[dict]:
        """The conversation's events in the database that match an SQL condition."""
        import sqlalchemy as sa

        query = sa.text(f"SELECT data FROM events WHERE sender_id = :s AND {where} ORDER BY id")
        with sa.create_engine(self.database_url).connect() as connection:
            rows = connection.execute(query, s=sender).scalars().all()
        return [json.loads(data) for data in rows]

    def callback_requests(self):
        """The callback requests in the assistant's database."""
        from records import database
        from records.callbacks import CallbackRequests

        return CallbackRequests(database.engine(self.database_url))

    def restart(self) -> None:
        """Stop every process and start them again, as Ctrl-C and `make run` would."""
        self.stack.restart()


@pytest.fixture(scope="session")
def assistant(model_path, tmp_path_factory) -> Assistant:
    database_url = f"sqlite:///{tmp_path_factory.mktemp('tracker') / 'conversations.db'}"
    # Live chat at any hour, and a short wait in its queue (tests/e2e/test_live_chat.py).
    stack = processes.development(model_path, RESULTS / "logs" / "make-run.log", env={
        "DATABASE_URL": database_url, "CONSOLE_ADMIN_PASSWORD": CONSOLE_ADMIN_PASSWORD,
        "LIVE_CHAT_HOURS": "always", "LIVE_CHAT_WAIT_SECONDS": "30"})
    with stack:
        yield Assistant(stack, database_url)


CONSOLE_ADMIN_PASSWORD = "test-admin-password-1"
LINE = "0800 650 654"
ADVISOR = re.compile(r"advis[oe]r", re.I)


def assert_offers_line_and_advisor(text: str, messages: List[dict]) -> None:
    reply = reply_text(messages)
    assert LINE in reply, f"{text!r} got a reply without {LINE}: {reply!r}"
    assert ADVISOR.search(reply), f"{text!r} got a reply without an advisor: {reply!r}"


def reply_text(messages: List[dict]) -> str:
    """Everything a person sees in a reply: texts and button titles."""
    parts = []
    for message in messages:
        parts.append(message.get("text") or "")
        parts.extend(button.get("title", "") for button in message.get("buttons") or [])
    return "\n".join(parts)


CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))


# Per module: while Playwright's sync API runs, asyncio.run() cannot be used in this
# thread, and the Rasa tests that load a model in-process need it.
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (make browser installs it)"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


def new_page(context):
    """A page of `context` that dismisses any dialog (alert, confirm) and records its
    message in `page.dialogs`: an injected script would show up there."""
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    return page


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = RESULTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def postgres_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def postgres() -> str:
    """URL of the machine's PostgreSQL; skipped where there is none, unless required."""
    import sqlalchemy as sa

    url = postgres_url()
    try:
        sa.create_engine(url).connect().close()
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required but not reachable at {url}: {error}")
        pytest.skip(f"PostgreSQL not reachable at {url}")
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request, tmp_path):
    """The URL of an empty database: an SQLite file, or a PostgreSQL schema of the test's
    own (the test database is shared with other tests), dropped afterwards."""
    import sqlalchemy as sa

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    server = request.getfixturevalue("postgres")
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {name}"))
    yield str(sa.engine.make_url(server).update_query_dict(
        {"options": f"-csearch_path={name}"}))
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {name} CASCADE"))
    admin.dispose()
