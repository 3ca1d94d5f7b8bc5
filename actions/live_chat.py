"""Live chat with a victim advisor: offering it, joining the queue, and what the assistant
says (and does to the conversation) when an advisor joins or the chat ends.

The state is in records/live_chat.py. `action_live_chat_started` and
`action_end_live_chat` are also run by addons/live_chat.py when the chat changes
between the person's messages; each says its piece once, whoever runs it first.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, ConversationResumed, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from records import live_chat
from records.live_chat import LiveChats
from serving.settings import settings

REQUESTED_SLOT = "requested_slot"
# What the widget reads to know the person is waiting or chatting (widget/chat-widget.js).
WIDGET_KEY = "live_chat"

ENDED_REPLIES = {
    (live_chat.BY_PERSON, True): "utter_live_chat_ended_by_person",
    (live_chat.BY_PERSON, False): "utter_live_chat_left_queue",
    (live_chat.BY_ADVISOR, True): "utter_live_chat_ended_by_advisor",
    (live_chat.HANDED_BACK, True): "utter_live_chat_handed_back",
    (live_chat.NO_ADVISOR, False): "utter_live_chat_no_advisor",
    (live_chat.ADVISOR_LEFT, True): "utter_live_chat_advisor_left",
    # Seen only by someone who comes back: Quick Exit's chat leaves nothing to see.
    (live_chat.PERSON_LEFT, True): "utter_live_chat_person_away",
    (live_chat.PERSON_LEFT, False): "utter_live_chat_person_away",
}


def live_chat_open(store: LiveChats) -> bool:
    """Within the hours, with an advisor available."""
    return settings().opening_hours.open_now() and store.available_count() > 0


def hours() -> str:
    return settings().opening_hours.describe()


class ActionOfferAdvisor(Action):
    """"Talk to a victim advisor": chat now when an advisor is online, the line, a callback."""

    def name(self) -> Text:
        return "action_offer_advisor"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        if live_chat_open(LiveChats()):
            dispatcher.utter_message(response="utter_advisor_live")
        else:
            dispatcher.utter_message(response="utter_advisor", live_chat_hours=hours())
        return []


class ActionJoinLiveQueue(Action):
    def name(self) -> Text:
        return "action_join_live_queue"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        store = LiveChats()
        chat = store.current(tracker.sender_id)
        if chat is not None and chat.status == live_chat.ACTIVE:
            dispatcher.utter_message(response="utter_live_chat_already",
                                     advisor_name=chat.shown_advisor,
                                     json_message={WIDGET_KEY: live_chat.ACTIVE})
            return []
        if (chat is None or not chat.is_open) and not live_chat_open(store):
            dispatcher.utter_message(response="utter_live_chat_unavailable",
                                     live_chat_hours=hours())
            return []
        chat = store.join(tracker.sender_id)
        dispatcher.utter_message(response="utter_live_chat_waiting",
                                 position=store.position(chat),
                                 json_message={WIDGET_KEY: live_chat.WAITING})
        return []


class ActionLiveChatStarted(Action):
    """An advisor accepted: the assistant says who joined (once) and pauses."""

    def name(self) -> Text:
        return "action_live_chat_started"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        store = LiveChats()
        chat = store.mark_started(tracker.sender_id)
        if chat is not None:
            dispatcher.utter_message(response="utter_live_chat_joined",
                                     advisor_name=chat.shown_advisor,
                                     json_message={WIDGET_KEY: live_chat.ACTIVE})
        else:
            chat = store.current(tracker.sender_id)
        if chat is None or chat.status != live_chat.ACTIVE or tracker.is_paused():
            return []
        # A form the person was filling in would wait for an answer the advisor now has.
        events = [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)] if tracker.active_loop \
            else []
        return events + [ConversationPaused()]


class ActionEndLiveChat(Action):
    """Ends the person's chat if it is still open (they asked), says how the chat ended
    (once), and resumes the assistant if it was paused."""

    def name(self) -> Text:
        return "action_end_live_chat"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        store = LiveChats()
        resume = [ConversationResumed()] if tracker.is_paused() else []
        chat = store.current(tracker.sender_id)
        if chat is None:
            if not resume:  # asked to end a chat that is not there
                dispatcher.utter_message(response="utter_no_live_chat")
            return resume
        if chat.is_open:
            store.end(chat.id, live_chat.BY_PERSON, "person")
        chat = store.mark_resumed(tracker.sender_id)
        reply = chat and ENDED_REPLIES.get((chat.ended_how, chat.accepted_at is not None))
        if reply:
            dispatcher.utter_message(response=reply, advisor_name=chat.shown_advisor,
                                     json_message={WIDGET_KEY: live_chat.ENDED})
        return resume
