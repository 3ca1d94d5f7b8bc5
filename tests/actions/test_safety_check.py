"""The question a message asked is not lost when danger detection takes its turn."""
import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.safety_check import (ActionAfterSafetyCheck, ActionAnswerAlongsideCrisis,
                                  held_answer)


def parse(top, second, topic="what_is_rj", text="x"):
    return {"text": text, "intent": {"name": top, "confidence": 1.0},
            "intent_ranking": [{"name": top, "confidence": 1.0},
                               {"name": second, "confidence": 0.8}],
            "response_selector": {"faq": {"response": {
                "intent_response_key": f"faq/{topic}", "confidence": 0.9}}}}


def test_the_answer_held_behind_a_danger_turn_is_found():
    assert held_answer(parse("crisis", "faq")) == "utter_faq/what_is_rj"
    assert held_answer(parse("possible_danger", "faq", "cost")) == "utter_faq/cost"


def test_no_answer_when_the_question_was_not_understood_or_there_was_none():
    assert held_answer(parse("crisis", "nlu_fallback")) is None
    assert held_answer(parse("crisis", "greet")) is None
    assert held_answer(parse("faq", "crisis")) is None  # no danger turn at all
    assert held_answer({}) is None


def run(action, events, latest):
    tracker = Tracker("s", {}, latest, events + [{"event": "user", "parse_data": latest,
                                                  "text": latest.get("text")}],
                      False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, {}))
    return [m["response"] for m in dispatcher.messages]


def said(parse_data):
    return {"event": "user", "text": parse_data.get("text"), "parse_data": parse_data}


def test_the_crisis_reply_is_followed_by_the_answer_when_there_was_a_question():
    assert run(ActionAnswerAlongsideCrisis(), [], parse("crisis", "faq", "cost")) == \
        ["utter_faq/cost"]
    assert run(ActionAnswerAlongsideCrisis(), [], parse("crisis", "nlu_fallback")) == []


def safe_or_not(text, intent="acknowledge", second="faq"):
    flagged = said(parse("possible_danger", second, "cost"))
    answer = {"text": text, "intent": {"name": intent, "confidence": 0.9}}
    return run(ActionAfterSafetyCheck(), [flagged], answer)


def test_no_carries_on_with_the_question_or_asks_what_they_would_like_to_know():
    assert safe_or_not("no") == ["utter_faq/cost"]
    assert safe_or_not("/safe_now", intent="safe_now") == ["utter_faq/cost"]
    assert safe_or_not("nah", second="nlu_fallback") == ["utter_safe_now"]


def test_yes_or_anything_unclear_gets_the_crisis_reply():
    assert safe_or_not("yes") == ["utter_crisis"]
    assert safe_or_not("ok") == ["utter_crisis"]
    assert safe_or_not("hmm") == ["utter_crisis"]
