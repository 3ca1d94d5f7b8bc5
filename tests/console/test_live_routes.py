"""The console's live chat routes, in-process (the whole chat, with the real assistant,
is in tests/e2e/test_live_chat.py and test_live_chat_browser.py)."""
import uuid

import pytest

from records.live_chat import LiveChats
from tests.console.conftest import ADVISOR_PASSWORD, Console, intent


@pytest.fixture
def live(console_engine, chats):
    live = LiveChats(console_engine)
    live.chats = chats
    return live


def waiting_chat(live):
    """Someone who greeted the assistant (saved as the Rasa server saves it), then asked
    to chat with an advisor."""
    sender = live.chats.new_sender()
    live.chats.say("kia ora", sender, intent("greet"))
    return live.join(sender)


def test_availability_and_the_name_people_see(advisor, live):
    page = advisor.get("/live").text
    assert "You are away" in page and "Set me available" in page
    advisor.post("/live/availability", {"available": "1", "display_name": "Mere"})
    state = advisor.get("/live/state.json").json()
    assert (state["available"], state["display_name"]) == (True, "Mere")
    assert state["advisors_available"] >= 1
    refused = advisor.post("/live/availability", {"available": "1",
                                                  "display_name": "<b>Mere</b>"})
    assert refused.status_code == 400 and "first name" in refused.text
    advisor.post("/live/availability", {"available": "0", "display_name": "Mere"})
    assert advisor.get("/live/state.json").json()["available"] is False


def test_the_queue_lists_waiting_people_and_only_one_advisor_gets_each(advisor, accounts,
                                                                       live):
    chat = waiting_chat(live)
    state = advisor.get("/live/state.json").json()
    assert chat.id in [w["id"] for w in state["waiting"]]
    assert advisor.post(f"/live/{chat.id}/accept").status_code == 303
    other = f"advisor-{uuid.uuid4().hex[:8]}"
    accounts.add(other, "advisor", ADVISOR_PASSWORD)
    second = Console(other, ADVISOR_PASSWORD)
    taken = second.post(f"/live/{chat.id}/accept")
    assert taken.status_code == 409 and "has already accepted" in taken.text
    # Only the advisor who accepted writes in the chat or ends it.
    refused = second.post(f"/live/{chat.id}/messages", {"text": "hi"},
                          headers={"Accept": "application/json"})
    assert refused.status_code == 409 and "not your chat" in refused.json()["error"]
    assert second.post(f"/live/{chat.id}/end").status_code == 403
    assert "not your chat" in second.post(f"/live/{chat.id}/note", {"note": "x"}).text
    assert live.get(chat.id).status == "active"
    assert advisor.post(f"/live/{chat.id}/end").status_code == 303
    assert live.get(chat.id).ended_how == "advisor"


def test_a_message_the_assistant_cannot_take_is_not_lost_silently(advisor, live):
    chat = waiting_chat(live)
    advisor.post(f"/live/{chat.id}/accept")
    for text, says in (("", "Write a message first."), ("x" * 2001, "at most 2,000")):
        answer = advisor.post(f"/live/{chat.id}/messages", {"text": text},
                              headers={"Accept": "application/json"})
        assert answer.status_code == 400 and says in answer.json()["error"]
    # Not before the person has been told the advisor joined.
    early = advisor.post(f"/live/{chat.id}/messages", {"text": "Kia ora"},
                         headers={"Accept": "application/json"})
    assert early.status_code == 409 and "not yet shown" in early.json()["error"]
    live.mark_started(chat.sender_id)
    # No Rasa server answers this in-process console: the advisor is told, with the reason.
    answer = advisor.post(f"/live/{chat.id}/messages", {"text": "Kia ora"},
                          headers={"Accept": "application/json"})
    assert answer.status_code == 503 and "not sent" in answer.json()["error"]
    # Without JavaScript the form comes back to the chat page with the reason.
    page = advisor.post(f"/live/{chat.id}/messages", {"text": "Kia ora"},
                        allow_redirects=True)
    assert page.status_code == 200 and "not sent" in page.text


def test_notes_and_names_are_shown_as_text(advisor, live):
    chat = waiting_chat(live)
    advisor.post(f"/live/{chat.id}/accept")
    advisor.post(f"/live/{chat.id}/note", {"note": "<script>alert(1)</script> call back"})
    page = advisor.get(f"/live/{chat.id}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; call back" in page
    assert 'src="/static/live.js"' in page and "<script>" not in page.replace(
        '<script src="/static/live.js" defer></script>', "")


def test_trainers_see_nothing_of_live_chat(console_app, accounts):
    name = f"trainer-{uuid.uuid4().hex[:8]}"
    accounts.add(name, "trainer", ADVISOR_PASSWORD)
    trainer = Console(name, ADVISOR_PASSWORD)
    assert trainer.get("/live/state.json").status_code == 403
    assert trainer.get("/live").status_code == 403
    assert trainer.post("/live/availability", {"available": "1"}, csrf=False).status_code == 403
