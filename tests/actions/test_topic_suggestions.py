"""Not understood, the person is offered the topics the message most likely meant."""
import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.topic_suggestions import ActionSuggestTopics, likely_topics, load_questions
from tests.conftest import LINE, ROOT

QUESTIONS = load_questions()


def parse(faq_confidence, *answers):
    return {"intent": {"name": "nlu_fallback", "confidence": 0.5},
            "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.5},
                               {"name": "faq", "confidence": faq_confidence},
                               {"name": "out_of_scope", "confidence": 0.1}],
            "response_selector": {"faq": {"ranking": [
                {"intent_response_key": key, "confidence": confidence}
                for key, confidence in answers]}}}


def test_the_two_likeliest_topics_with_a_fair_chance_are_offered_best_first():
    message = parse(0.9, ("faq/providers", 0.45), ("faq/facilitator", 0.4),
                    ("faq/cost", 0.12))
    assert likely_topics(message, QUESTIONS) == ["faq/providers", "faq/facilitator"]
    message = parse(0.9, ("faq/safety", 0.3), ("faq/outcome", 0.2), ("faq/cost", 0.2))
    assert likely_topics(message, QUESTIONS) == ["faq/safety", "faq/outcome"]


@pytest.mark.parametrize("message", [
    parse(0.9, ("faq/cost", 0.1), ("faq/safety", 0.09)),        # no topic is likely
    parse(0.1, ("faq/cost", 0.6), ("faq/safety", 0.2)),         # not about RJ at all
    parse(0.9, ("faq/no_such_topic", 0.6)),                     # no question to offer
    {"intent": {"name": "nlu_fallback"}, "intent_ranking": [], "response_selector": {}},
    {},
])
def test_nothing_is_offered_when_no_topic_is_likely(message):
    assert likely_topics(message, QUESTIONS) == []


def run_action(latest_message):
    domain = Domain.load(str(ROOT / "domain.yml")).as_dict()
    tracker = Tracker("someone", {}, latest_message, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionSuggestTopics().run(dispatcher, tracker, domain))
    return dispatcher.messages


def test_suggestions_come_first_then_the_line_and_an_advisor():
    [message] = run_action(parse(0.9, ("faq/cost", 0.4), ("faq/voluntary", 0.3)))
    titles = [b["title"] for b in message["buttons"]]
    assert titles == ["Does it cost anything?", "Do I have to take part?",
                      f"Call {LINE}", "Talk to a victim advisor"]
    assert all(b["payload"] == b["title"] for b in message["buttons"][:2])
    assert "Did you mean" in message["text"] and LINE in message["text"]


def test_without_a_likely_topic_the_person_is_asked_to_rephrase():
    [message] = run_action(parse(0.9, ("faq/cost", 0.05)))
    assert message["response"] == "utter_ask_rephrase"


def test_every_question_is_short_enough_for_a_button():
    assert all(len(q) <= 60 for q in QUESTIONS.values())
    assert len(QUESTIONS) == len(set(QUESTIONS.values()))
