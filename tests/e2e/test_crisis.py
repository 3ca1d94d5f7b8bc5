"""Danger over REST, with the real servers: the reply fits the kind of danger, unclear
danger is asked about, and every unsure reply carries the safety net.

Every reply is checked for the line and the advisor by `assistant.say`."""
import pytest

from tests.conftest import reply_text
from tests.e2e.test_callback import QUESTIONS, answer_up_to

pytestmark = pytest.mark.slow

CRISIS_OPENING = "If you are in danger right now, call 111"
ASKED = "Are you in danger right now?"
SAFETY_NET = "If you are in danger, call 111"
UNCLEAR = "i'm scared"  # could be fear of the conference, could be danger now


@pytest.mark.parametrize("text, help_line, button", [
    ("he's outside my house and he has a knife", "Women's Refuge", "tel:0800733843"),
    ("i want to end my life", "1737", "sms:1737"),
    ("i was just raped", "0800 044 334", "tel:0800044334"),
])
def test_each_kind_of_danger_gets_111_first_then_the_help_that_fits(assistant, text,
                                                                       help_line, button):
    messages = assistant.say(text, assistant.new_sender())
    first = messages[0]
    assert first["text"].startswith(CRISIS_OPENING)
    assert help_line in first["text"]
    assert first["text"].index("111") < first["text"].index(help_line)
    payloads = [b["payload"] for b in first["buttons"]]
    assert payloads[0] == "tel:111" and button in payloads


def test_a_crisis_reply_then_offers_im_safe_which_carries_on(assistant):
    sender = assistant.new_sender()
    crisis, offer = assistant.say("he's outside my house and he has a knife", sender)
    assert crisis["text"].startswith(CRISIS_OPENING)
    assert offer["text"].startswith("If you are in danger, call 111.")
    assert "tap \"I'm safe\"" in offer["text"]
    assert offer["buttons"][:2] == [{"title": "Call 111", "payload": "tel:111"},
                                    {"title": "I'm safe", "payload": "/safe_now"}]
    reply = reply_text(assistant.say("/safe_now", sender))
    assert "What would you like to know" in reply and "If that changes, call 111" in reply


def test_a_confirmed_danger_is_not_second_guessed(assistant):
    sender = assistant.new_sender()
    ask(assistant, sender)
    messages = assistant.say("/crisis", sender)
    assert messages[0]["text"].startswith(CRISIS_OPENING)
    assert "I'm safe" not in reply_text(messages)


def ask(assistant, sender):
    [message] = assistant.say(UNCLEAR, sender)
    assert ASKED in message["text"] and "call 111" in message["text"]
    assert message["text"].index("111") < message["text"].index("0800 650 654")
    buttons = {b["title"]: b["payload"] for b in message["buttons"]}
    assert buttons["Yes, I'm in danger now"] == "/crisis"
    assert buttons["No, I'm safe"] == "/safe_now"
    return message


@pytest.mark.parametrize("answer", ["/crisis", "yes", "yes help", "not sure"])
def test_unclear_danger_is_asked_about_and_yes_gets_the_crisis_reply(assistant, answer):
    sender = assistant.new_sender()
    ask(assistant, sender)
    messages = assistant.say(answer, sender)
    assert messages[0]["text"].startswith(CRISIS_OPENING)


@pytest.mark.parametrize("answer", ["/safe_now", "no", "no i'm safe"])
def test_unclear_danger_is_asked_about_and_no_carries_on(assistant, answer):
    sender = assistant.new_sender()
    assistant.say("what is restorative justice", sender)
    ask(assistant, sender)
    reply = reply_text(assistant.say(answer, sender))
    assert CRISIS_OPENING not in reply
    assert "What would you like to know" in reply and "If that changes, call 111" in reply
    assert "informal meeting" in reply_text(assistant.say("what is restorative justice",
                                                          sender))


def test_the_turn_that_was_asked_about_is_stored_for_advisors(assistant):
    sender = assistant.new_sender()
    ask(assistant, sender)
    [turn] = assistant.stored_events(sender, "intent_name = 'possible_danger'")
    assert turn["parse_data"]["crisis_detection"]["tier"] == "ask"


@pytest.mark.parametrize("text, expected", [
    ("blorp zzzt", "say it another way"),
    ("can you order me a pizza", "can't help with that here"),
])
def test_every_unsure_reply_carries_the_safety_net(assistant, text, expected):
    sender = assistant.new_sender()
    reply = reply_text(assistant.say(text, sender))
    assert expected in reply and SAFETY_NET in reply
    if text == "blorp zzzt":
        again = reply_text(assistant.say("wibble wobble qqq", sender))
        assert "still not understanding" in again and SAFETY_NET in again


def test_unclear_danger_in_the_callback_form_gets_111_then_the_form_carries_on(assistant):
    sender = assistant.new_sender()
    answer_up_to(assistant, sender, "contact_detail")
    messages = assistant.say(UNCLEAR, sender)
    assert messages[0]["text"].startswith(CRISIS_OPENING)
    assert ASKED not in messages[0]["text"]  # the next answer belongs to the form
    assert QUESTIONS["contact_detail"] in messages[-1]["text"]
    assert QUESTIONS["safe_time"] in reply_text(assistant.say("021 123 4567", sender))


def test_unclear_danger_while_deleting_the_conversation_gets_111_and_a_yes_deletes_nothing(
        assistant):
    sender = assistant.new_sender()
    assistant.say("delete my conversation", sender)
    messages = assistant.say(UNCLEAR, sender)
    assert messages[0]["text"].startswith(CRISIS_OPENING)
    assert "delete" in messages[-1]["text"]
    messages = assistant.say("/crisis", sender)  # "I'm in danger now"
    assert messages[0]["text"].startswith(CRISIS_OPENING)
    assert "delete" in messages[-1]["text"]
    assert "haven't deleted anything" in reply_text(assistant.say("No", sender))
