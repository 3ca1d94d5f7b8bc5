"""The real Rasa server and action server, spoken to over the REST channel."""
import re
import subprocess
import sys

import pytest
from rasa.shared.importers.importer import TrainingDataImporter

from actions.topic_suggestions import load_questions
from serving.settings import settings
from tests.conftest import LINE, METRICS, RESULTS, ROOT, SHARED, reply_text
from tests.e2e.test_callback import ANSWERS as CALLBACK_ANSWERS
from tests.e2e.test_callback import REFERENCE, start

pytestmark = pytest.mark.slow

CONVERSATION = [
    "kia ora",
    "what is restorative justice",
    "can my whanau come with me?",
    "is it free",
    "will he get off lighter",
    "asdfghjkl",
    "what's the best pizza in town",
    "are you a bot",
    "/request_advisor",
    "thanks heaps",
    "ka kite",
]


def test_every_reply_in_a_long_conversation_offers_the_line_and_an_advisor(assistant):
    # assistant.say checks every reply in these tests for the line and the advisor.
    sender = assistant.new_sender()
    for text in CONVERSATION:
        assert assistant.say(text, sender)


@pytest.mark.parametrize("greeting", ["Kia ora", "Tēnā koe", "tena koe", "Mōrena", "morena"])
def test_te_reo_greetings_are_understood(assistant, greeting):
    reply = reply_text(assistant.say(greeting, assistant.new_sender()))
    assert reply.startswith("Kia ora, hello")


def test_kia_ora_after_an_answer_is_not_a_fresh_start(assistant):
    sender = assistant.new_sender()
    assert reply_text(assistant.say("kia ora", sender)).startswith("Kia ora, hello")
    assistant.say("what is restorative justice", sender)
    reply = reply_text(assistant.say("kia ora", sender))
    assert "What else would you like to know" in reply
    assert "I'm an automated assistant" not in reply


def test_a_long_conversation_is_answered_as_a_short_one(assistant):
    """A turn reads only the latest turns (addons/tracker_snapshot.py): after more turns
    than that, "kia ora" is still a hello again, a form still runs, and every message is
    kept for advisors."""
    import sqlalchemy as sa

    sender = assistant.new_sender()
    assistant.say("kia ora", sender)
    questions = ["what is restorative justice", "can my whanau come with me?", "is it free"]
    for _ in range(8):
        for question in questions:
            assistant.say(question, sender)
    reply = reply_text(assistant.say("kia ora", sender))
    assert "What else would you like to know" in reply
    assert "I'm an automated assistant" not in reply
    assert len(assistant.stored_events(sender, "type_name = 'user'")) == 26
    with sa.create_engine(assistant.database_url).connect() as connection:
        first_read = connection.execute(sa.text(
            "SELECT first_event_id FROM tracker_snapshots WHERE sender_id = :s"),
            {"s": sender}).scalar()
        first_stored = connection.execute(sa.text(
            "SELECT MIN(id) FROM events WHERE sender_id = :s"), {"s": sender}).scalar()
    assert first_read > first_stored
    start(assistant, sender)
    for answer in CALLBACK_ANSWERS.values():
        reply = reply_text(assistant.say(answer, sender))
    assert REFERENCE.search(reply)


def test_changing_your_mind_outside_a_form_is_met_with_the_choice(assistant):
    sender = assistant.new_sender()
    assistant.say("what happens at a conference", sender)
    reply = reply_text(assistant.say("i changed my mind", sender))
    assert "only goes ahead if you want it to" in reply and "something else" in reply


@pytest.mark.parametrize("question, topic_words", [
    ("will the offender know where i live", "plan for your safety"),
    ("can i get money from him for what he broke", "reparation"),
    ("do i have to forgive her", "up to you"),
    ("what if he doesnt pay what he agreed", "judge decides if any of it"),
])
def test_questions_the_assistant_could_not_answer_before(assistant, question, topic_words):
    reply = reply_text(assistant.say(question, assistant.new_sender()))
    assert topic_words in reply and "legal advice" not in reply


def test_danger_as_the_first_message_gets_111_first(assistant):
    messages = assistant.say("he's outside my house and he has a knife", assistant.new_sender())
    assert messages[0]["text"].startswith("If you are in danger right now, call 111")
    assert "press 55" in messages[0]["text"]


def test_crisis_turns_are_marked_in_the_stored_conversation(assistant):
    sender = assistant.new_sender()
    assistant.say("who will be at the conference", sender)
    assistant.say("he's banging on my door right now", sender)
    crisis_turns = assistant.stored_events(sender, "intent_name = 'crisis'")
    assert len(crisis_turns) == 1
    entities = crisis_turns[0]["parse_data"]["entities"]
    assert {"entity": "crisis_kind", "value": "danger"}.items() <= entities[0].items()


def test_danger_in_the_middle_of_a_conversation_still_comes_first(assistant):
    sender = assistant.new_sender()
    assert "say it another way" in reply_text(assistant.say("zzkx qwop", sender))
    messages = assistant.say("i want to kill myself", sender)
    assert messages[0]["text"].startswith("If you are in danger right now, call 111")
    assert "1737" in messages[0]["text"]
    assert "Call 0800 650 654" in reply_text(assistant.say("what number can i call", sender))


def test_a_question_about_safety_at_the_conference_is_answered_not_escalated(assistant):
    [answer] = assistant.say("will I be safe at the conference?", assistant.new_sender())
    assert answer["text"].startswith("The facilitator is trained")
    assert "keep you safe" in answer["text"]


def test_talk_to_an_advisor_leads_to_the_phone_line(assistant):
    messages = assistant.say("/request_advisor", assistant.new_sender())
    assert "court victim advisor" in messages[0]["text"]
    assert {"title": f"Call {LINE}", "payload": "tel:0800650654"} in messages[0]["buttons"]


def test_after_two_misunderstandings_the_advisor_is_offered_directly(assistant):
    sender = assistant.new_sender()
    first = reply_text(assistant.say("blorp zzzt", sender))
    assert "say it another way" in first
    second = reply_text(assistant.say("wibble wobble qqq", sender))
    assert "still not understanding" in second and "court victim advisor" in second


# Messages that are about restorative justice but not clear enough to answer.
# Vague fragments that could be about more than one topic
UNCLEAR = ["who's there and is it safe", "how does it go", "what about after",
           "what about the money and the lawyer", "i'd like my best friend there is that ok"]


def test_when_unsure_the_likeliest_topics_are_offered_and_a_tap_answers_them(assistant):
    questions = {q: topic for topic, q in load_questions().items()}
    answers = faq_answers()
    offered = []
    for text in UNCLEAR:
        [message] = assistant.say(text, assistant.new_sender())
        titles = [b["title"] for b in message["buttons"]]
        assert titles[-2:] == [f"Call {LINE}", "Talk to a victim advisor"], titles
        if "Did you mean" in message["text"]:
            offered += [(b["title"], b["payload"]) for b in message["buttons"][:-2]]
    assert offered, "no unclear message was offered a topic"
    for title, payload in offered:
        assert title == payload and title in questions
        [answer] = assistant.say(payload, assistant.new_sender())
        assert answer["text"] == answers[f"utter_{questions[title]}"], title
    METRICS["unclear messages offered topics"] = f"{len(offered)} buttons for {len(UNCLEAR)}"


def faq_answers():
    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data")])
    return {name: variations[0]["text"]
            for name, variations in importer.get_domain().responses.items()}


def test_out_of_scope_is_an_honest_no_with_the_advisor_offer(assistant):
    reply = reply_text(assistant.say("can you order me a pizza", assistant.new_sender()))
    assert "can't help with that here" in reply


def test_conversations_are_stored_and_survive_a_restart(assistant):
    sender = assistant.new_sender()
    assert "say it another way" in reply_text(assistant.say("xqzv plof", sender))

    assistant.restart()

    reply = reply_text(assistant.say("mmmrph blat", sender))
    assert "still not understanding" in reply, "the conversation's history was lost"
    assert len(assistant.stored_events(sender, "type_name = 'user'")) == 2


def test_the_dev_question_set_passes(assistant):
    result = subprocess.run(
        [sys.executable, str(SHARED / "eval" / "run_eval.py"),
         str(SHARED / "eval" / "dev_questions.yml"), "--url", settings().rest_url],
        cwd=ROOT, capture_output=True, text=True,
    )
    summary = re.search(r"(\d+) passed, (\d+) failed", result.stdout)
    assert summary, result.stdout + result.stderr
    passed, failed = map(int, summary.groups())
    (RESULTS / "dev_questions.txt").write_text(result.stdout)
    METRICS["dev question set"] = f"{passed} passed, {failed} failed (results/dev_questions.txt)"
    assert passed >= 29, result.stdout
