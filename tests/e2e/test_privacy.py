"""Privacy by design, checked in the real database and logs after real conversations."""
import uuid

import pytest

from tests.conftest import RESULTS, reply_text
from tests.e2e.test_callback import ANSWERS, REFERENCE, start

pytestmark = pytest.mark.slow


def request_callback(assistant, sender):
    start(assistant, sender)
    for answer in ANSWERS.values():
        reply = reply_text(assistant.say(answer, sender))
    return REFERENCE.search(reply).group()


def stored_text(assistant, sender):
    return "\n".join(str(event) for event in assistant.stored_events(sender, "1 = 1"))


def test_contact_details_are_masked_in_the_stored_conversation(assistant):
    sender = assistant.new_sender()
    assistant.say("is it ok if my sister on 022 555 0147 comes along? her email is "
                  "sis.tuhoe@example.com", sender)
    reference = request_callback(assistant, sender)

    stored = stored_text(assistant, sender)
    for detail in ["022 555 0147", "555 0147", "sis.tuhoe", "example.com", "027 765 4321",
                   "765 4321"]:
        assert detail not in stored, f"{detail} was stored unmasked"
    assert "my sister on [phone] comes along? her email is [email]" in stored
    # the one place the details live is the callback request
    assert assistant.callback_requests().get(reference).contact_detail == "027 765 4321"


@pytest.mark.parametrize("number", ["021 - 555 - 0193", "021/555/0192", "021   555   0190"])
def test_numbers_the_form_accepts_are_never_stored(assistant, number):
    sender = assistant.new_sender()
    start(assistant, sender)
    assistant.say("phone", sender)
    assistant.say(number, sender)
    stored = stored_text(assistant, sender)
    assert number not in stored and number.replace(" ", "") not in stored
    texts = [e["text"] for e in assistant.stored_events(sender, "type_name = 'user'")]
    assert texts[-1] == "[phone]"


def test_the_answers_to_the_callback_form_are_stored_as_placeholders(assistant):
    sender = assistant.new_sender()
    reference = request_callback(assistant, sender)
    # (the question itself gives "weekday mornings" as an example: not the bot's words)
    stored = "\n".join(str(e) for e in assistant.stored_events(
        sender, "type_name IN ('user', 'slot')"))
    for answer in ("weekday mornings", "Aroha"):
        assert answer not in stored, f"{answer} was stored"
    texts = [e["text"] for e in assistant.stored_events(sender, "type_name = 'user'")]
    assert texts[-4:] == ["[phone]", "[answer]", "No", "[name]"]
    saved = assistant.callback_requests().get(reference)
    assert (saved.safe_time, saved.first_name) == ("weekday mornings", "Aroha")


def test_who_can_see_what_i_type_is_answered_truthfully(assistant):
    reply = reply_text(assistant.say("who can see what I type here?", assistant.new_sender()))
    assert "court victim advisors can look back at it" in reply
    assert "Phone numbers and email addresses you type are hidden" in reply
    assert "delete this conversation" in reply


def test_deleting_the_conversation_after_confirming(assistant):
    sender = assistant.new_sender()
    assistant.say("what is restorative justice", sender)
    assert "Do you want me to delete" in reply_text(assistant.say("forget this chat", sender))
    reply = reply_text(assistant.say("Yes", sender))
    assert "has been deleted" in reply
    assert assistant.stored_events(sender, "1 = 1") == []
    # a new conversation starts fresh, and is stored again
    assert "Kia ora" in reply_text(assistant.say("kia ora", sender))
    assert [e["text"] for e in assistant.stored_events(sender, "type_name = 'user'")] == [
        "kia ora"]


@pytest.mark.parametrize("withdraw, left", [("Yes", []), ("No", ["new"])])
def test_deleting_can_also_withdraw_a_waiting_callback_request(assistant, withdraw, left):
    sender = assistant.new_sender()
    reference = request_callback(assistant, sender)
    assistant.say("delete my conversation", sender)
    assert "cancel that request too" in reply_text(assistant.say("yes", sender))
    reply = reply_text(assistant.say(withdraw, sender))
    assert "has been deleted" in reply
    assert assistant.stored_events(sender, "1 = 1") == []
    waiting = assistant.callback_requests().waiting(sender)
    assert [r.status for r in waiting] == left
    if left:
        assert waiting[0].reference == reference and "still contact you" in reply
    else:
        assert "cancelled too" in reply


@pytest.mark.parametrize("answer", ["No", "stop", "no thanks, keep it"])
def test_not_confirming_deletes_nothing(assistant, answer):
    sender = assistant.new_sender()
    assistant.say("what is restorative justice", sender)
    assistant.say("delete my conversation", sender)
    assert "haven't deleted anything" in reply_text(assistant.say(answer, sender))
    assert len(assistant.stored_events(sender, "type_name = 'user'")) == 3


def test_the_logs_hold_no_message_text(assistant):
    marker = f"zebra{uuid.uuid4().hex[:8]}"
    sender = assistant.new_sender()
    assistant.say(f"my name is {marker} and what is restorative justice", sender)
    assistant.say(f'/ /request_callback{{"first_name": "{marker}"}}', sender)
    assistant.say(f'/\t/greet{{"first_name": "{marker}}}', sender)  # not even valid JSON
    request_callback(assistant, sender)
    logs = {path.name: path.read_text(errors="replace")
            for path in (RESULTS / "logs").glob("*.log")}
    # honcho writes every process's output, each line named by its process
    assert "rasa.1    |" in logs["make-run.log"] and "actions.1 |" in logs["make-run.log"]
    for name, text in logs.items():
        for secret in [marker, "027 765 4321", "weekday mornings"]:
            assert secret not in text, f"{name} contains {secret!r}"
