"""After danger detection took a turn: answer the question the message also asked.

A message can signal danger and ask something at once ("he's outside, will the
protection order stop him?"). The crisis detector (addons/crisis.py) puts `crisis` or
`possible_danger` first and keeps what the other classifiers ranked below it, so the
question is not lost:
- after the crisis reply, `action_answer_alongside_crisis` gives the answer too, if the
  assistant understood one;
- after "are you in danger right now?", `action_after_safety_check` reads the answer:
  "no, I'm safe" carries on with the question (or asks what the person would like to
  know); "yes", or anything that is not a clear no, gets the crisis reply.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import yes_or_no

DANGER_INTENTS = ("crisis", "possible_danger")
FAQ = "faq"


def held_answer(parse_data: Mapping[str, Any]) -> Optional[str]:
    """The FAQ answer (`utter_faq/<topic>`) the message would have got without danger
    detection, or None when it asked nothing the assistant understood."""
    ranking = parse_data.get("intent_ranking") or []
    if not ranking or ranking[0].get("name") not in DANGER_INTENTS or len(ranking) < 2:
        return None
    if ranking[1].get("name") != FAQ:  # includes nlu_fallback: not understood
        return None
    response = ((parse_data.get("response_selector") or {}).get(FAQ) or {}).get("response")
    key = (response or {}).get("intent_response_key")
    return f"utter_{key}" if key else None


def flagged_message(tracker: Tracker) -> Mapping[str, Any]:
    """The parse data of the last message danger detection took a turn for."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            parse_data = event.get("parse_data") or {}
            if (parse_data.get("intent") or {}).get("name") in DANGER_INTENTS:
                return parse_data
    return {}


class ActionAnswerAlongsideCrisis(Action):
    def name(self) -> Text:
        return "action_answer_alongside_crisis"

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
            return []
        answer = held_answer(flagged_message(tracker))
        if answer:
            dispatcher.utter_message(response=answer)
        else:
            dispatcher.utter_message(response="utter_safe_now")
        return []
