"""Live chat in two real browser pages at once: a person in the widget on the demo page,
and an advisor in the console, on the real stack (`make run`'s processes)."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from console.accounts import Accounts
from records import database
from records.advisor_ids import shown_id
from serving.settings import settings
from tests.conftest import new_page
from tests.console.conftest import ADVISOR_PASSWORD, BASE
from tests.e2e.test_live_chat import STACK_WAIT_SECONDS
from tests.widget.conftest import EXIT_URL, neutral_site

pytestmark = pytest.mark.slow

XSS = "Kia ora <img src=x onerror=alert(1)><script>alert(2)</script>"


@pytest.fixture(scope="module")
def accounts(assistant):
    return Accounts(database.create_engine(assistant.database_url))


@pytest.fixture
def advisor(browser, accounts):
    name = f"adv-{uuid.uuid4().hex[:6]}"
    accounts.add(name, "advisor", ADVISOR_PASSWORD)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = new_page(context)
    page.goto(BASE + "/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(ADVISOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Live chat").click()
    page.get_by_label("First name people see").fill("Mere")
    page.get_by_role("button", name="Set me available").click()
    expect(page.locator("#my-status")).to_have_text("You are available for live chat.")
    yield page
    page.goto(BASE + "/live")  # other tests must not find an advisor online
    away = page.get_by_role("button", name="Set me away")
    if away.count():
        away.click()
    context.close()


@pytest.fixture
def person(browser, assistant):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.route(EXIT_URL + "**", neutral_site)
    page = new_page(context)
    page.goto(settings().site_url)
    page.get_by_role("button", name="Chat: questions about restorative justice").click()
    expect(page.locator(".rj-from-bot").first).to_contain_text("Kia ora")
    yield page
    context.close()


def conversation_of(person) -> str:
    return shown_id(person.evaluate("JSON.parse(sessionStorage.getItem('rj-chat')).sender"))


def join_queue(person) -> None:
    person.get_by_role("button", name="Talk to an advisor").click()
    person.get_by_role("button", name="Chat with an advisor now").click()
    expect(person.locator(".rj-live")).to_contain_text("You're number")


def accept(advisor, person) -> None:
    """The advisor sees the person arrive without reloading, and accepts."""
    row = advisor.locator("#waiting tr").filter(has_text=conversation_of(person))
    expect(row).to_be_visible(timeout=10_000)
    expect(advisor).to_have_title(re.compile(r"^\(\d+ waiting\) "))
    expect(advisor.locator("#live-alert")).to_contain_text("waiting to chat")
    row.get_by_role("button", name="Accept").click()
    expect(advisor.locator("#live-chat")).to_be_visible()
    expect(person.locator(".rj-log")).to_contain_text("Mere has joined the chat")
    expect(person.locator(".rj-live")).to_contain_text("You're chatting with Mere")


def advisor_says(advisor, text: str) -> None:
    advisor.get_by_label("Your message").fill(text)
    advisor.get_by_role("button", name="Send").click()
    expect(advisor.get_by_label("Your message")).to_have_value("")


def person_says(person, text: str) -> None:
    person.get_by_label("Your message").fill(text)
    person.get_by_role("button", name="Send").click()


def test_queue_accept_talk_both_ways_danger_and_the_person_ends(advisor, person, screenshots):
    join_queue(person)
    accept(advisor, person)

    advisor_says(advisor, XSS)
    said = person.locator(".rj-from-advisor").last
    expect(said).to_contain_text(XSS)  # as text: no element made from it
    assert person.locator(".rj-log img").count() == 0 and person.dialogs == []

    # Typing shows on both sides.
    person.get_by_label("Your message").press_sequentially("I'm not sure")
    expect(advisor.locator("#person-status")).to_have_text("The person is typing…")
    advisor.get_by_label("Your message").press_sequentially("Take your time")
    expect(person.locator(".rj-live")).to_contain_text("Mere is typing…")
    advisor.get_by_label("Your message").fill("")

    person.get_by_label("Your message").fill("")
    person_says(person, "Will he be in the room?")
    expect(advisor.locator("#turns .turn.person").last).to_contain_text(
        "Will he be in the room?")

    # Danger during the chat: 111 for the person at once, a flag for the advisor.
    person_says(person, "he just turned up at my house and is banging on the door")
    expect(person.locator(".rj-from-bot").last).to_contain_text("call 111", timeout=10_000)
    expect(advisor.locator("#danger")).to_be_visible()
    person.screenshot(path=str(screenshots / "live-chat-person.png"))
    advisor.screenshot(path=str(screenshots / "live-chat-advisor.png"), full_page=True)

    person.locator(".rj-live").get_by_role("button", name="End chat").click()
    expect(person.locator(".rj-log")).to_contain_text("You've ended the chat with Mere")
    expect(person.locator(".rj-live")).to_be_hidden()
    expect(advisor.locator("#ended")).to_have_text("The person ended the chat.")
    expect(advisor.locator("#send")).to_be_hidden()
    assert advisor.dialogs == []


def test_the_advisor_ends_the_chat(advisor, person):
    join_queue(person)
    accept(advisor, person)
    advisor.get_by_role("button", name="End chat").click()
    expect(person.locator(".rj-log")).to_contain_text("Mere has ended the chat")
    expect(person.locator(".rj-live")).to_be_hidden()


def test_the_advisor_hands_back_to_the_assistant(advisor, person):
    join_queue(person)
    accept(advisor, person)
    advisor.get_by_role("button", name="Hand back to the assistant").click()
    expect(person.locator(".rj-log")).to_contain_text("Mere has passed you back to me")
    person_says(person, "who will be at the conference?")
    expect(person.locator(".rj-from-bot").last).to_contain_text("0800 650 654")
    expect(person.locator(".rj-from-bot").last).not_to_contain_text("passed you back")


def test_quick_exit_during_a_chat_tells_the_advisor_only_that_the_person_left(advisor,
                                                                             person):
    join_queue(person)
    accept(advisor, person)
    person.locator(".rj-exit").click()
    expect(person).to_have_url(EXIT_URL)
    assert person.evaluate("sessionStorage.length") == 0
    expect(advisor.locator("#ended")).to_have_text("The person has left.")


def test_nobody_accepting_in_time_offers_a_callback_and_the_line(advisor, person):
    join_queue(person)
    log = person.locator(".rj-log")
    expect(log).to_contain_text("no advisor was free to chat in time",
                                timeout=(STACK_WAIT_SECONDS + 15) * 1000)
    expect(person.get_by_role("button", name="Ask an advisor to contact me")).to_be_visible()
    expect(person.locator(".rj-live")).to_be_hidden()


def test_with_no_advisor_available_chat_is_not_offered(advisor, person):
    advisor.get_by_role("button", name="Set me away").click()
    person.get_by_role("button", name="Talk to an advisor").click()
    expect(person.locator(".rj-from-bot").last).to_contain_text("They are usually online")
    expect(person.get_by_role("button", name="Ask an advisor to contact me")).to_be_visible()
    assert person.get_by_role("button", name="Chat with an advisor now").count() == 0
