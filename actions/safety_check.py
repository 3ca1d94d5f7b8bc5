"""After danger detection took a turn: answer the question the message also asked.

A message can signal danger and ask something at once ("he's outside, will the
protection order stop him?"), and a calm question can look like danger to the crisis
detector (addons/crisis.py). The detector puts `crisis` or `possible_danger` first and
keeps what the other classifiers ranked below it, so the question is not lost:
- after the crisis reply, or after "are you in danger right now?",
  `action_answer_held_question` gives the answer too, if the assistant understood one;
- `action_after_safety_check` reads a typed answer to "are you in danger right now?":
  "no" carries on ("what would you like to know?"); "yes", or anything that is not a
  clear no, gets the crisis reply.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import yes_or_no

DANGER_INTENTS = ("crisis", "possible_danger")
FAQ = "faq"
# Intents that data/rules.yml answers with one reply (tests/actions checks they agree).
# Those that start a form are left out: the person can ask again.
SIMPLE_REPLIES = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thank": "utter_thanks",
    "bot_challenge": "utter_iamabot",
    "ask_capabilities": "utter_capabilities",
    "request_advisor": "utter_advisor",
    "feeling_upset": "utter_feeling_upset",
    "out_of_scope": "utter_out_of_scope",
}


def held_answer(parse_data: Mapping[str, Any]) -> Optional[str]:
    """The reply (`utter_faq/<topic>`, `utter_goodbye`, ...) the message would have got
    without danger detection, or None when it asked nothing the assistant understood."""
    if (parse_data.get("intent") or {}).get("name") not in DANGER_INTENTS:
        return None
    # What the other classifiers made of it (nlu_fallback: not understood)
    replaced = (parse_data.get("crisis_detection") or {}).get("replaced")
    if replaced != FAQ:
        return SIMPLE_REPLIES.get(replaced)
    response = ((parse_data.get("response_selector") or {}).get(FAQ) or {}).get("response")
    key = (response or {}).get("intent_response_key")
    return f"utter_{key}" if key else None


class ActionAnswerHeldQuestion(Action):
    def name(self) -> Text:
        return "action_answer_held_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        answer = held_answer(tracker.latest_message)
        if answer:
            dispatcher.utter_message(response=answer)
        return []


class ActionAfterSafetyCheck(Action):
    def name(self) -> Text:
        return "action_after_safety_check"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        latest = tracker.latest_message
        said_safe = ((latest.get("intent") or {}).get("name") == "safe_now"
                     or yes_or_no(latest.get("text")) == "no")
        if not said_safe:
            dispatcher.utter_message(response="utter_crisis")
        else:
            dispatcher.utter_message(response="utter_safe_now")
        return []
