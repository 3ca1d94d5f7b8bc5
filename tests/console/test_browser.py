"""An advisor's morning in the console, in headless Chromium."""
import uuid

import pytest
from playwright.sync_api import expect

from console.accounts import Accounts
from records import database
from records.advisor_ids import shown_id
from tests.conftest import new_page, reply_text
from tests.console.conftest import ADVISOR_PASSWORD, BASE
from tests.e2e.test_callback import ANSWERS, REFERENCE

pytestmark = pytest.mark.slow

XSS = "<img src=x onerror=alert(1)><script>alert(2)</script>"


@pytest.fixture(scope="module")
def accounts(assistant):
    """The accounts of the real stack's console, which the browser visits (the other
    console tests use a console in-process)."""
    return Accounts(database.create_engine(assistant.database_url))


def make_request(assistant, first_message="hello <b>there</b>"):
    """Ask the running assistant for a callback; returns the sender id and reference."""
    sender = assistant.new_sender()
    assistant.say(first_message, sender)
    assistant.say("can someone call me back", sender)
    for answer in ANSWERS.values():
        reply = reply_text(assistant.say(answer, sender))
    return sender, REFERENCE.search(reply).group()


@pytest.fixture
def page(browser, accounts):
    name = f"mere-{uuid.uuid4().hex[:6]}"
    accounts.add(name, "advisor", ADVISOR_PASSWORD)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = new_page(context)
    page.goto(BASE + "/queue")
    expect(page).to_have_url(BASE + "/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(ADVISOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Callback queue")).to_be_visible()
    page.username = name
    yield page
    context.close()


def test_work_the_queue_and_review_a_conversation(assistant, page, screenshots):
    sender, reference = make_request(assistant, first_message=XSS)
    page.reload()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("027 765 4321")
    page.screenshot(path=str(screenshots / "console-queue.png"), full_page=True)

    row.get_by_role("link", name=reference).click()
    expect(page.get_by_role("note")).to_contain_text("Do not leave a message")
    page.get_by_role("button", name="Mark contacted").click()
    expect(page.locator(".details")).to_contain_text(f"by {page.username}")
    page.get_by_label("Add a note").fill(f"Called, all good {XSS}")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".history")).to_contain_text(f"Called, all good {XSS}")

    page.get_by_role("link", name=shown_id(sender)).click()
    expect(page.get_by_role("heading", name="Conversation")).to_be_visible()
    expect(page.locator(".turn.person").first).to_have_text(
        __import__("re").compile(__import__("re").escape(XSS)))
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    page.screenshot(path=str(screenshots / "console-transcript.png"), full_page=True)
    assert page.locator("main img, main script:not([src])").count() == 0
    assert page.dialogs == []

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == "conversation.csv"


def test_filter_and_search_conversations(assistant, page):
    marker = f"pohutukawa{uuid.uuid4().hex[:6]}"
    sender = assistant.new_sender()
    assistant.say(f"{marker} i want to kill myself", sender)
    page.get_by_role("link", name="Conversations").click()
    page.get_by_label("Search what people typed").fill(marker)
    page.get_by_label("crisis or maybe in danger").check()
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 conversation.")).to_be_visible()
    expect(page.locator("tbody .mark.crisis")).to_have_count(1)
    with page.expect_download() as download:
        page.get_by_role("link", name="JSON").click()
    assert download.value.suggested_filename == "conversations.json"


def test_sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(BASE + "/queue")
    expect(page).to_have_url(BASE + "/login")
