"""After danger detection took a turn: answer the question the message also asked.

A message can signal danger and ask something at once ("he's outside, will the
protection order stop him?"), and a calm question can look like danger to the crisis
detector (addons/crisis.py). The detector puts `crisis` or `possible_danger` first and
keeps what the other classifiers ranked below it, so the question is not lost:
- after the crisis reply, or after "are you in danger right now?",
  `action_answer_held_question` gives the answer too, if the assistant understood one;
  after a crisis reply to a typed message that asked nothing it understood, it offers an
  "I'm safe" button instead (with 111 again), so that a calm message the detector misread
  is never left with the emergency reply alone; not once danger was already raised in
  the session (a "yes" to "are you in danger?" is never second-guessed);
- `action_after_safety_check` reads a typed answer to "are you in danger right now?":
  a clear "no" carries on ("what would you like to know?"); "yes", or anything that is
  not a clear no ("not sure", "yes he won't leave"), gets the crisis reply.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from records.parsed_message import FAQ, ParsedMessage

DANGER_INTENTS = ("crisis", "possible_danger")
# A clear "no, I'm safe", and nothing more: anything else gets the crisis reply.
CLEAR_NO = re.compile(
    r"^\s*(no+|nah|nope|na|kao|no thanks|(no,? )?(i'?m|i am|we'?re|we are) (ok|okay|fine|"
    r"good|safe|alright|all right)( now| thanks)?|all good|not in danger|no danger|"
    r"(i'?m |i am )?not in (any )?danger( now| right now)?)\s*[.!]*\s*$", re.I)
# After a crisis reply that may have misread a calm message: "I'm safe" to carry on.
MISREAD_OFFER = "utter_crisis_misread"
# Replies that raise danger: once one is given, danger is not second-guessed.
DANGER_REPLIES = ("utter_crisis", "utter_check_safety", "utter_safety_note")
# Intents that data/rules.yml answers with one reply (tests/actions checks they agree),
# given after "are you in danger right now?". Those that start a form, and asking for an
# advisor (whose offer depends on who is online), are left out: the danger reply already
# offers the line and an advisor, and the person can ask again.
SIMPLE_REPLIES = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thank": "utter_thanks",
    "bot_challenge": "utter_iamabot",
    "ask_capabilities": "utter_capabilities",
    "feeling_upset": "utter_feeling_upset",
    "out_of_scope": "utter_out_of_scope",
}


def held_answer(parse_data: Mapping[str, Any]) -> Optional[str]:
    """The reply (`utter_faq/<topic>`, `utter_goodbye`, ...) the message would have got
    without danger detection, or None when it asked nothing the assistant understood."""
    message = ParsedMessage.of(parse_data)
    if message.intent not in DANGER_INTENTS:
        return None
    # What the other classifiers made of it (nlu_fallback: not understood)
    if message.replaced != FAQ:
        # A greeting or a farewell follows the question, not the crisis reply.
        return (SIMPLE_REPLIES.get(message.replaced) if message.intent == "possible_danger"
                else None)
    return f"utter_{message.faq_topic}" if message.faq_topic else None


def follow_up(parse_data: Mapping[str, Any], danger_raised_before: bool = False
              ) -> Optional[str]:
    """What follows the crisis reply or "are you in danger right now?": the answer held
    behind it; or, after a crisis reply to a typed message with no answer, the offer to
    say "I'm safe" and carry on. Not when the person has already confirmed danger or was
    already asked or told about it in this session: then nothing is second-guessed."""
    answer = held_answer(parse_data)
    if answer:
        return answer
    message = ParsedMessage.of(parse_data)
    if message.intent == "crisis" and not message.clicked and not danger_raised_before:
        return MISREAD_OFFER
    return None


def danger_raised_before(events: List[Dict[Text, Any]]) -> bool:
    """Did the assistant already give a danger reply in this session, before the
    person's latest message?"""
    latest_user = max((i for i, e in enumerate(events) if e.get("event") == "user"),
                      default=len(events))
    for event in reversed(events[:latest_user]):
        if event.get("event") == "session_started":
            return False
        if event.get("event") == "action" and event.get("name") in DANGER_REPLIES:
            return True
    return False


class ActionAnswerHeldQuestion(Action):
    def name(self) -> Text:
        return "action_answer_held_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        reply = follow_up(tracker.latest_message, danger_raised_before(tracker.events))
        if reply:
            dispatcher.utter_message(response=reply)
        return []


class ActionAfterSafetyCheck(Action):
    def name(self) -> Text:
        return "action_after_safety_check"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        latest = ParsedMessage.of(tracker.latest_message)
        said_safe = latest.intent == "safe_now" or bool(CLEAR_NO.match(latest.text))
        if not said_safe:
            dispatcher.utter_message(response="utter_crisis")
        else:
            dispatcher.utter_message(response="utter_safe_now")
        return []
