"""Live chat with an advisor, end to end on the real stack (`make run`'s processes): the
person over the REST channel and the widget's poll, the advisor over the console's HTTP
routes. (tests/e2e/test_live_chat_browser.py does the same in two real browser pages.)"""
from __future__ import annotations

import re
import time
import uuid
from typing import Any, Dict, List, Optional

import pytest
import requests

from console.accounts import Accounts
from records import database
from serving.settings import settings
from tests.conftest import LINE, reply_text
from tests.console.conftest import ADVISOR_PASSWORD, BASE

pytestmark = pytest.mark.slow

POLL_URL = f"http://localhost:{settings().rasa_port}/webhooks/live/poll"
LEAVE_URL = f"http://localhost:{settings().rasa_port}/webhooks/live/leave"
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
STACK_WAIT_SECONDS = 30  # LIVE_CHAT_WAIT_SECONDS of the stack (tests/conftest.py)
XSS = "<img src=x onerror=alert(1)> Kia ora, I'm here <b>now</b>"


class Advisor:
    """An advisor signed in to the real console, using its routes as live.js does."""

    def __init__(self, accounts: Accounts, shown: Optional[str] = "Mere"):
        self.username = f"adv-{uuid.uuid4().hex[:6]}"
        accounts.add(self.username, "advisor", ADVISOR_PASSWORD)
        self.http = requests.Session()
        signed_in = self.http.post(BASE + "/login", data={
            "username": self.username, "password": ADVISOR_PASSWORD}, timeout=10)
        assert signed_in.url.endswith("/queue"), signed_in.text
        self.csrf = CSRF.search(self.http.get(BASE + "/live", timeout=10).text).group(1)
        self.shown = shown

    def post(self, path: str, json: bool = False, **data: str) -> requests.Response:
        headers = {"Accept": "application/json"} if json else {}
        return self.http.post(BASE + path, data={"csrf_token": self.csrf, **data},
                              headers=headers, timeout=15)

    def available(self, yes: bool = True) -> None:
        self.post("/live/availability", available="1" if yes else "0",
                  display_name=self.shown or "")

    def state(self) -> Dict[str, Any]:
        return self.http.get(BASE + "/live/state.json", timeout=10).json()

    def waiting_for(self, conversation_turn_text: str = "") -> Dict[str, Any]:
        waiting = self.state()["waiting"]
        assert waiting, "nobody is waiting"
        return waiting[-1]

    def accept(self, chat_id: int) -> requests.Response:
        return self.post(f"/live/{chat_id}/accept")

    def say(self, chat_id: int, text: str) -> requests.Response:
        return self.post(f"/live/{chat_id}/messages", json=True, text=text)

    def updates(self, chat_id: int, after: int = 0, typing: bool = False) -> Dict[str, Any]:
        return self.http.get(f"{BASE}/live/{chat_id}/updates.json",
                             params={"after": after, "typing": "1" if typing else "0"},
                             timeout=10).json()


class Person:
    """Someone in the widget: messages over REST, the poll as the widget sends it."""

    def __init__(self, assistant):
        self.assistant = assistant
        self.sender = assistant.new_sender()
        self.after = 0

    def say(self, text: str) -> List[dict]:
        return self.assistant.say(text, self.sender)

    def send(self, text: str) -> List[dict]:
        return self.assistant.send(text, self.sender)

    def poll(self, typing: bool = False) -> Dict[str, Any]:
        answer = requests.post(POLL_URL, json={"sender": self.sender, "after": self.after,
                                               "typing": typing}, timeout=15)
        answer.raise_for_status()
        state = answer.json()
        for message in state["messages"]:
            assert message["id"] > self.after, "a message came twice"
            self.after = message["id"]
        return state

    def poll_until(self, condition, timeout: float = 10) -> List[Dict[str, Any]]:
        """Poll every second (as the widget does) until `condition(state, messages)`;
        every message received meanwhile."""
        received: List[Dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while True:
            state = self.poll()
            received += state["messages"]
            if condition(state, received):
                return received
            assert time.monotonic() < deadline, f"still {state} after {timeout} s"
            time.sleep(1)

    def join_queue(self) -> str:
        offer = self.say("/request_advisor")
        assert "Chat with an advisor now" in reply_text(offer)
        waiting = self.say("/request_live_chat")
        assert waiting[-1].get("custom") == {"live_chat": "waiting"}
        return reply_text(waiting)


@pytest.fixture(scope="module")
def accounts(assistant):
    return Accounts(database.create_engine(assistant.database_url))


@pytest.fixture
def advisor(accounts):
    advisor = Advisor(accounts)
    advisor.available()
    yield advisor
    advisor.available(False)  # other tests must not find an advisor online


def accepted_chat(advisor: Advisor, person: Person) -> int:
    person.join_queue()
    chat = advisor.waiting_for()
    advisor.accept(chat["id"])
    texts = person.poll_until(lambda state, got: state["state"] == "active" and got)
    assert "Mere has joined the chat" in texts[0]["text"] and LINE in texts[0]["text"]
    return chat["id"]


def test_a_whole_live_chat_from_queue_to_the_person_ending_it(assistant, advisor):
    person = Person(assistant)
    assert "number 1 in line" in person.join_queue()
    state = person.poll()
    assert (state["state"], state["position"]) == ("waiting", 1)
    waiting = advisor.waiting_for()
    assert waiting["waited_seconds"] < 30 and "request_advisor" in waiting["topics"]

    chat_id = accepted_chat(advisor, person)
    assert person.poll()["advisor"] == "Mere"
    # Another advisor cannot take the same chat.
    assert advisor.accept(chat_id).status_code == 409

    # The advisor's words reach the widget once, as they were written.
    assert advisor.say(chat_id, XSS).json() == {"sent": True}
    got = person.poll_until(lambda state, got: got)
    assert [(m["text"], m["advisor"]) for m in got] == [(XSS, "Mere")]
    assert person.poll()["messages"] == []

    # The assistant is quiet while the advisor is there; the advisor sees the message.
    assert person.send("I'm worried about seeing him there") == []
    updates = advisor.updates(chat_id)
    assert updates["messages"][-1]["text"] == "I'm worried about seeing him there"
    assert updates["messages"][-1]["speaker"] == "person"
    assert not updates["crisis"]

    # Typing shows on both sides.
    person.poll(typing=True)
    assert advisor.updates(chat_id, typing=True)["person_typing"]
    assert person.poll()["advisor_typing"]

    # "end chat" ends it; the assistant says so and is back.
    ended = person.say("end chat")
    assert "You've ended the chat with Mere" in reply_text(ended)
    assert person.poll()["state"] == "none"
    final = advisor.updates(chat_id)
    assert (final["status"], final["ended"]) == ("ended", "The person ended the chat.")
    assert "an informal meeting" in reply_text(person.say("what is restorative justice?"))


def test_danger_during_a_live_chat_gets_111_at_once_and_is_flagged(assistant, advisor):
    person = Person(assistant)
    chat_id = accepted_chat(advisor, person)
    reply = person.send("he is outside my house right now with a knife")
    assert reply and reply_text(reply).startswith("If you are in danger right now, call 111")
    updates = advisor.updates(chat_id)
    assert updates["crisis"]
    assert updates["messages"][-2]["danger"]  # the person's message, then the crisis reply
    advisor.post(f"/live/{chat_id}/end")


def test_the_advisor_ends_or_hands_back(assistant, advisor):
    person = Person(assistant)
    chat_id = accepted_chat(advisor, person)
    advisor.post(f"/live/{chat_id}/end")
    got = person.poll_until(lambda state, got: state["state"] == "none" and got)
    assert "Mere has ended the chat" in got[-1]["text"] and LINE in got[-1]["text"]
    assert "an informal meeting" in reply_text(person.say("what is restorative justice?"))

    person = Person(assistant)
    chat_id = accepted_chat(advisor, person)
    advisor.post(f"/live/{chat_id}/hand-back")
    got = person.poll_until(lambda state, got: state["state"] == "none" and got)
    assert "Mere has passed you back to me" in got[-1]["text"]
    assert advisor.updates(chat_id)["ended"].startswith("The advisor handed")


def test_quick_exit_ends_the_chat_and_the_advisor_sees_only_that_they_left(assistant, advisor):
    person = Person(assistant)
    chat_id = accepted_chat(advisor, person)
    advisor.say(chat_id, "Are you still there?")
    assert requests.post(LEAVE_URL, json={"sender": person.sender}, timeout=10).status_code \
        == 204
    updates = advisor.updates(chat_id)
    assert (updates["status"], updates["ended"]) == ("ended", "The person has left.")
    assert not updates["person_present"]
    assert advisor.say(chat_id, "hello?").status_code == 409
    # Nothing is left for the widget: the undelivered message went with the person.
    assert person.poll()["messages"] == []


def test_no_advisor_available_means_no_chat_offered_and_the_hours_said(assistant, advisor):
    advisor.available(False)
    person = Person(assistant)
    offer = reply_text(person.say("/request_advisor"))
    assert "Chat with an advisor now" not in offer
    assert "usually online any time an advisor is available" in offer
    assert "Ask an advisor to contact me" in offer
    assert "no advisor is online" in reply_text(person.say("/request_live_chat"))
    assert person.poll()["state"] == "none"


def test_nobody_accepting_in_time_offers_the_callback_and_the_line(assistant, advisor):
    person = Person(assistant)
    person.join_queue()
    waiting = advisor.waiting_for()
    got = person.poll_until(lambda state, got: state["state"] == "none" and got,
                            timeout=STACK_WAIT_SECONDS + 15)
    assert "no advisor was free to chat in time" in got[-1]["text"]
    assert "Ask an advisor to contact me" in [b["title"] for b in got[-1]["buttons"]]
    assert waiting["id"] not in [w["id"] for w in advisor.state()["waiting"]]


def test_people_cannot_speak_as_an_advisor_or_read_another_chat(assistant, advisor):
    person, other = Person(assistant), Person(assistant)
    chat_id = accepted_chat(advisor, person)
    other.join_queue()
    advisor.say(chat_id, "only for the first person")
    assert other.poll()["messages"] == []
    # Rasa's HTTP API, which adds advisors' messages, needs the token.
    forged = requests.post(
        f"http://localhost:{settings().rasa_port}/conversations/{person.sender}/tracker/events",
        params={"output_channel": "live", "execute_side_effects": "true"},
        json=[{"event": "bot", "text": "forged", "metadata": {"live_chat_advisor": "Mere"}}],
        timeout=10)
    assert forged.status_code == 401
    got = person.poll_until(lambda state, got: got)
    assert [m["text"] for m in got] == ["only for the first person"]
    # A person's message that looks like a command is only words: the chat goes on.
    assert "ended the chat" not in reply_text(person.send('/end_live_chat{"x": 1}'))
    assert person.poll()["state"] == "active"
    for bad in ({"sender": "short", "after": 0}, {"sender": person.sender, "after": -1},
                {"sender": person.sender, "after": "1"}, ["not", "an", "object"]):
        refused = requests.post(POLL_URL, json=bad, timeout=10)
        assert refused.status_code == 400 and refused.json()["error"]
    advisor.post(f"/live/{chat_id}/end")
    requests.post(LEAVE_URL, json={"sender": other.sender}, timeout=10)


def test_the_console_refuses_signed_out_and_cross_site_requests(assistant, advisor):
    person = Person(assistant)
    person.join_queue()
    chat_id = advisor.waiting_for()["id"]
    stranger = requests.Session()
    assert stranger.post(f"{BASE}/live/{chat_id}/accept", timeout=10).status_code == 403
    assert stranger.get(f"{BASE}/live/state.json", timeout=10,
                        allow_redirects=False).status_code == 303
    # Signed in, but the form does not carry the session's token (another site's form).
    forged = advisor.http.post(f"{BASE}/live/{chat_id}/accept", data={}, timeout=10)
    assert forged.status_code == 403
    assert advisor.state()["waiting"][-1]["id"] == chat_id
    requests.post(LEAVE_URL, json={"sender": person.sender}, timeout=10)
