"""The question a message asked is not lost when danger detection takes its turn."""
import asyncio

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.safety_check import (
    MISREAD_OFFER,
    SIMPLE_REPLIES,
    ActionAfterSafetyCheck,
    ActionAnswerHeldQuestion,
    danger_raised_before,
    follow_up,
    held_answer,
)
from tests.conftest import ROOT


def parse(top, second, topic="what_is_rj", text="x"):
    return {"text": text, "intent": {"name": top, "confidence": 1.0},
            "intent_ranking": [{"name": top, "confidence": 1.0},
                               {"name": second, "confidence": 0.8}],
            "crisis_detection": {"replaced": second},
            "response_selector": {"faq": {"response": {
                "intent_response_key": f"faq/{topic}", "confidence": 0.9}}}}


def test_the_answer_held_behind_a_danger_turn_is_found():
    assert held_answer(parse("crisis", "faq")) == "utter_faq/what_is_rj"
    assert held_answer(parse("possible_danger", "faq", "cost")) == "utter_faq/cost"


def test_a_farewell_or_a_greeting_gets_its_reply_after_the_question_not_the_crisis_reply():
    assert held_answer(parse("possible_danger", "goodbye")) == "utter_goodbye"
    assert held_answer(parse("crisis", "greet")) is None


def test_the_simple_replies_are_those_the_rules_give():
    rules = yaml.safe_load((ROOT / "data" / "rules.yml").read_text())["rules"]
    given = {}  # intent -> the replies rules give it (a greeting: at the start, or later)
    for r in rules:
        if len(r["steps"]) == 2 and "intent" in r["steps"][0] and "condition" not in r:
            given.setdefault(r["steps"][0]["intent"], set()).add(r["steps"][1]["action"])
    assert [i for i, reply in SIMPLE_REPLIES.items() if reply not in given.get(i, ())] == []


def test_no_answer_when_the_question_was_not_understood_or_starts_a_form():
    assert held_answer(parse("crisis", "nlu_fallback")) is None
    assert held_answer(parse("crisis", "request_callback")) is None
    assert held_answer(parse("faq", "crisis")) is None  # no danger turn at all
    ranked_lower = parse("crisis", "crisis")  # faq ranked second only after crisis
    ranked_lower["intent_ranking"].append({"name": "faq", "confidence": 0.01})
    assert held_answer(ranked_lower) is None
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


def test_the_crisis_reply_or_the_safety_question_is_followed_by_the_answer():
    assert run(ActionAnswerHeldQuestion(), [], parse("crisis", "faq", "cost")) == \
        ["utter_faq/cost"]
    assert run(ActionAnswerHeldQuestion(), [], parse("possible_danger", "faq")) == \
        ["utter_faq/what_is_rj"]
    assert run(ActionAnswerHeldQuestion(), [], parse("possible_danger", "nlu_fallback")) == []


def test_a_crisis_reply_with_no_answer_offers_im_safe_unless_danger_was_confirmed():
    # typed, and nothing understood to answer: the detector may have misread it
    assert run(ActionAnswerHeldQuestion(), [], parse("crisis", "nlu_fallback")) == \
        [MISREAD_OFFER]
    assert follow_up(parse("crisis", "greet", text="he's at my door")) == MISREAD_OFFER
    # an answer is enough to carry on with
    assert follow_up(parse("crisis", "faq", "cost")) == "utter_faq/cost"
    # "Yes, I'm in danger now" tapped, or danger typed once already asked: no second-guessing
    assert follow_up(parse("crisis", "nlu_fallback", text="/crisis")) is None
    assert follow_up(parse("crisis", "nlu_fallback"), danger_raised_before=True) is None


def action(name):
    return {"event": "action", "name": name}


def test_danger_raised_before_looks_back_in_this_session_only():
    asked = [action("utter_check_safety"), {"event": "user"}, action("utter_crisis")]
    assert danger_raised_before(asked)
    assert not danger_raised_before([action("utter_faq"), {"event": "user"},
                                     action("utter_crisis")])
    assert not danger_raised_before([action("utter_crisis"), {"event": "session_started"},
                                     {"event": "user"}, action("utter_crisis")])
    flagged = parse("crisis", "nlu_fallback")
    assert run(ActionAnswerHeldQuestion(), [action("utter_faq")], flagged) == [MISREAD_OFFER]
    after_the_question = [action("utter_check_safety"), action("action_listen")]
    assert run(ActionAnswerHeldQuestion(), after_the_question, flagged) == []


def safe_or_not(text, intent="acknowledge", second="faq"):
    flagged = said(parse("possible_danger", second, "cost"))
    answer = {"text": text, "intent": {"name": intent, "confidence": 0.9}}
    return run(ActionAfterSafetyCheck(), [flagged], answer)


@pytest.mark.parametrize("text", ["no", "No.", "nah", "nope", "no thanks", "I'm fine",
                                  "no i'm ok", "im safe now", "all good", "not in danger"])
def test_a_clear_no_carries_on(text):
    assert safe_or_not(text) == ["utter_safe_now"]
    assert safe_or_not("/safe_now", intent="safe_now") == ["utter_safe_now"]


@pytest.mark.parametrize("text", ["yes", "ok", "hmm", "i don't know", "not sure",
                                  "yes he won't leave", "no he's still here", "help",
                                  "i'm not safe", ""])
def test_yes_or_anything_but_a_clear_no_gets_the_crisis_reply(text):
    assert safe_or_not(text) == ["utter_crisis"]
