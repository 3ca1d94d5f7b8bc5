"""What the assistant says when it is not sure what the person means.

The first time, it asks them to rephrase and suggests topics. When it has not
understood twice in a row, it stops asking and offers a victim advisor directly.
"""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

FALLBACK_INTENT = "nlu_fallback"
MISUNDERSTANDINGS_BEFORE_HANDOFF = 2


def misunderstandings_in_a_row(tracker: Tracker) -> int:
    """How many of the latest user messages, counting back, were not understood."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent") or {}
        if intent.get("name") != FALLBACK_INTENT:
            break
        count += 1
    return count


class ActionHandleMisunderstanding(Action):
    def name(self) -> Text:
        return "action_handle_misunderstanding"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        if misunderstandings_in_a_row(tracker) >= MISUNDERSTANDINGS_BEFORE_HANDOFF:
            dispatcher.utter_message(response="utter_misunderstood_twice")
        else:
            dispatcher.utter_message(response="utter_ask_rephrase")
        return []
