"""Asking a victim advisor to get in touch, over the REST channel with the real servers.

Every reply is checked for the line and the advisor by `assistant.say`."""
import re

import pytest

from tests.conftest import reply_text

pytestmark = pytest.mark.slow

REFERENCE = re.compile(r"\bRJ-[A-Z2-9]{6}\b")
QUESTIONS = {
    "contact_method": "How should they contact you",
    "contact_detail": "What number should the advisor call",
    "safe_time": "When is a safe time",
    "safe_to_leave_message": "is it safe for the advisor to leave a message",
    "first_name": "what first name",
}
ANSWERS = {"contact_method": "Phone", "contact_detail": "027 765 4321",
           "safe_time": "weekday mornings", "safe_to_leave_message": "No",
           "first_name": "Aroha"}


def start(assistant, sender, text="can an advisor call me back"):
    reply = reply_text(assistant.say(text, sender))
    assert QUESTIONS["contact_method"] in reply
    return reply


def answer_up_to(assistant, sender, slot):
    """Answer every question before `slot`; returns the reply that asks it."""
    reply = start(assistant, sender)
    for name, answer in ANSWERS.items():
        if name == slot:
            break
        reply = reply_text(assistant.say(answer, sender))
    assert QUESTIONS[slot] in reply
    return reply


def test_talk_to_an_advisor_offers_a_call_now_or_a_callback(assistant):
    messages = assistant.say("talk to a victim advisor", assistant.new_sender())
    payloads = [b["payload"] for b in messages[-1]["buttons"]]
    assert payloads == ["tel:0800650654", "/request_callback"]
    start(assistant, assistant.new_sender(), "/request_callback")


def test_a_completed_request_is_saved_with_a_reference_and_what_happens_next(assistant):
    sender = assistant.new_sender()
    reply = answer_up_to(assistant, sender, "first_name")
    reply = reply_text(assistant.say("Aroha", sender))
    reference = REFERENCE.search(reply).group()
    assert "What happens next" in reply and "by phone" in reply
    assert "won't leave a message or say who is calling" in reply

    saved = assistant.callback_requests().get(reference)
    assert (saved.status, saved.conversation_id, saved.contact_method, saved.contact_detail,
            saved.safe_time, saved.safe_to_leave_message, saved.first_name) == (
        "new", sender, "phone", "027 765 4321", "weekday mornings", False, "Aroha")
    # the conversation carries on normally afterwards
    assert "informal" in reply_text(assistant.say("what is restorative justice", sender))


def test_email_with_the_optional_questions_skipped(assistant):
    sender = assistant.new_sender()
    start(assistant, sender, "could an advisor email me")
    assert "What email address" in reply_text(assistant.say("Email", sender))
    assert QUESTIONS["safe_time"] in reply_text(assistant.say("mere@example.co.nz", sender))
    assert "Is it safe for the email" in reply_text(assistant.say("Skip", sender))
    assert QUESTIONS["first_name"] in reply_text(assistant.say("Skip", sender))
    reply = reply_text(assistant.say("Skip", sender))
    saved = assistant.callback_requests().get(REFERENCE.search(reply).group())
    assert (saved.contact_method, saved.contact_detail, saved.safe_time,
            saved.safe_to_leave_message, saved.first_name) == (
        "email", "mere@example.co.nz", None, None, None)
    assert "won't say it is from a victim advisor" in reply


def test_a_number_given_straight_away_is_taken(assistant):
    sender = assistant.new_sender()
    start(assistant, sender)
    assert QUESTIONS["safe_time"] in reply_text(assistant.say("it's 021 123 4567", sender))


BAD_ANSWERS = ["", "abc", "021", "+44 20 7946 0958", "021 123 4567 8901 234",
               "I would like someone to call me in the evening please", "skip",
               "<img src=x onerror=alert(1)>", "x" * 500]


def test_bad_numbers_get_a_kind_re_ask_and_never_break_the_form(assistant):
    sender = assistant.new_sender()
    answer_up_to(assistant, sender, "contact_detail")
    for bad in BAD_ANSWERS:
        messages = assistant.say(bad, sender)
        # Words that might signal danger get 111 first (tests/e2e/test_crisis.py)
        checked = [m for m in messages[:-1] if "call 111" in m["text"]]
        assert len(messages) == 1 + len(checked), f"{bad!r}: {messages}"
        text = messages[-1]["text"]
        assert QUESTIONS["contact_detail"] in text, f"{bad!r} was not asked again: {text}"
        assert not text.startswith(QUESTIONS["contact_detail"]), f"{bad!r}: no reason given"
    assert QUESTIONS["safe_time"] in reply_text(assistant.say("09 379 1234", sender))


@pytest.mark.parametrize("slot", list(QUESTIONS))
def test_stopping_at_any_question_saves_nothing(assistant, slot):
    sender = assistant.new_sender()
    answer_up_to(assistant, sender, slot)
    for stop in ["stop", "cancel", "never mind"]:
        reply = reply_text(assistant.say(stop, sender))
        if "I've stopped" in reply:
            break
    else:
        pytest.fail(f"could not stop at {slot}")
    requests = assistant.callback_requests()
    assert requests.draft(sender) is None and requests.waiting(sender) == []
    assert "Kia ora" in reply_text(assistant.say("kia ora", sender))


@pytest.mark.parametrize("stop", ["stop", "Stop", "cancel", "never mind", "forget it"])
def test_every_way_of_saying_stop_stops(assistant, stop):
    sender = assistant.new_sender()
    answer_up_to(assistant, sender, "safe_time")
    assert "I've stopped" in reply_text(assistant.say(stop, sender))


def test_danger_in_the_middle_of_the_form_comes_first_then_the_form_carries_on(assistant):
    sender = assistant.new_sender()
    answer_up_to(assistant, sender, "contact_detail")
    messages = assistant.say("he's outside my house right now", sender)
    assert messages[0]["text"].startswith("If you are in danger right now, call 111")
    assert QUESTIONS["contact_detail"] in messages[-1]["text"]
    assert QUESTIONS["safe_time"] in reply_text(assistant.say("021 123 4567", sender))
    crisis_turns = assistant.stored_events(sender, "intent_name = 'crisis'")
    assert len(crisis_turns) == 1
