"""Deleting this conversation.

The deletion form confirms, and asks whether to withdraw a callback request that is
still waiting. Confirmed, `action_finish_deletion` hands over to
`action_delete_conversation`, which deletes everything stored about the conversation
itself and says "deleted" only once that is done; what stays (a callback request an
advisor already acted on, or one the person keeps) it names. Its run is also the tracker
store's signal not to write that turn (addons/tracker_store.py). If the database cannot
be reached, it says nothing was deleted and to try again.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions import answers
from records import conversation_log
from records.callbacks import store

logger = logging.getLogger(__name__)

FORM_SLOTS = ["delete_confirmed", "withdraw_callback"]


def reset_slots() -> List[Dict[Text, Any]]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS] + [SlotSet("form_problem", "")]


class ValidateDeletionForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_deletion_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        asking_to_withdraw = tracker.get_slot("delete_confirmed") == "yes"
        if asking_to_withdraw:
            try:
                asking_to_withdraw = bool(store().waiting(tracker.sender_id))
            except SQLAlchemyError:
                logger.exception("Could not look up callback requests.")
                asking_to_withdraw = False
        return [slot for slot in domain_slots
                if slot != "withdraw_callback" or asking_to_withdraw]

    def validate_delete_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return yes_or_no_slot("delete_confirmed", value)

    def validate_withdraw_callback(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return yes_or_no_slot("withdraw_callback", value)


def yes_or_no_slot(slot: str, value: Any) -> Dict[Text, Any]:
    answer = answers.yes_or_no(str(value or ""))
    if answer is None:
        return {slot: None, "form_problem": "Please answer yes or no. "}
    return {slot: answer, "form_problem": ""}


class ActionFinishDeletion(Action):
    def name(self) -> Text:
        return "action_finish_deletion"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        if tracker.get_slot("delete_confirmed") == "yes":
            return [FollowupAction("action_delete_conversation")]
        return keep_conversation(dispatcher)


class ActionDeleteConversation(Action):
    """Runs only once deletion is confirmed; its name is what the tracker store acts on."""

    def name(self) -> Text:
        return "action_delete_conversation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        withdraw = tracker.get_slot("withdraw_callback")
        try:
            requests = store()
            with requests.engine.begin() as connection:  # all of it, or none of it
                conversation_log.forget(connection, [tracker.sender_id])
                if withdraw == "yes":  # the waiting request, and any half-finished one
                    requests.withdraw(tracker.sender_id, connection)
                else:  # a half-finished callback request goes anyway
                    requests.discard_draft(tracker.sender_id, connection)
            acted_on = requests.acted_on(tracker.sender_id)
        except SQLAlchemyError:
            logger.exception("Could not delete a conversation.")
            dispatcher.utter_message(response="utter_conversation_not_deleted")
            return reset_slots()
        dispatcher.utter_message(response="utter_conversation_deleted",
                                 request_note=what_is_kept(withdraw, bool(acted_on)))
        return reset_slots()


def what_is_kept(withdraw: Any, acted_on: bool) -> str:
    note = ""
    if withdraw == "yes":
        note = " Your callback request is cancelled too."
    elif withdraw == "no":
        note = " Your callback request is kept, so an advisor will still contact you."
    if acted_on:
        note += (" An advisor has already acted on your earlier callback request, so that "
                 "request (how to reach you, and their notes) stays in the advisors' "
                 "records until it is closed and its time is up.")
    return note


class ActionKeepConversation(Action):
    def name(self) -> Text:
        return "action_keep_conversation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        return keep_conversation(dispatcher)


def keep_conversation(dispatcher: CollectingDispatcher) -> List[Dict[Text, Any]]:
    dispatcher.utter_message(response="utter_conversation_kept")
    return reset_slots()
