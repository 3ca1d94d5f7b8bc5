"""The callback request: a form that collects how an advisor can safely get in touch.

The contact detail, the safe time and the first name go straight into a draft callback
request (records/callbacks.py); the conversation only ever holds them as "[phone]",
"[email]", "[answer]" and "[name]" (records/masking.py). On completion the draft becomes
a `new` request with a reference code; on "stop" it is deleted.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions import answers
from actions.contact_details import EMAIL, PHONE, read_contact
from records.callbacks import CallbackError, store
from records.masking import ANSWER, NAME
from records.masking import EMAIL as MASKED_EMAIL
from records.masking import PHONE as MASKED_PHONE

logger = logging.getLogger(__name__)

FORM_SLOTS = ["contact_method", "contact_detail", "safe_time", "safe_to_leave_message",
              "first_name"]
MASKED = {PHONE: MASKED_PHONE, EMAIL: MASKED_EMAIL}
_PHONE_WORDS = {"phone", "call", "ring", "mobile", "cell", "landline", "number", "text",
                "txt", "cellphone", "ph"}
_EMAIL_WORDS = {"email", "e-mail", "mail", "emails", "gmail", "hotmail"}


def problem(text: str) -> Dict[Text, Any]:
    return {"form_problem": text}


def reset_slots() -> List[Dict[Text, Any]]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS] + [SlotSet("form_problem", "")]


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_callback_form"

    def validate_contact_method(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        # Someone may give the number or address straight away.
        reading = read_contact(text, expected=PHONE)
        if reading.found:
            return self._keep_detail(tracker, reading.method, reading.detail)
        words = set(text.lower().replace(",", " ").split())
        if words & _EMAIL_WORDS:
            return {"contact_method": EMAIL, **problem("")}
        if words & _PHONE_WORDS:
            return {"contact_method": PHONE, **problem("")}
        if answers.is_skip(text):
            return {"contact_method": None, **problem(
                "An advisor needs a phone number or an email address to reach you. ")}
        return {"contact_method": None, **problem("Sorry, I didn't catch that. ")}

    def validate_contact_detail(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if answers.is_skip(text):
            return {"contact_detail": None, **problem(
                "An advisor needs this to reach you. If you'd rather not give it, say stop. ")}
        expected = tracker.get_slot("contact_method") or PHONE
        reading = read_contact(text, expected=expected)
        if not reading.found:
            return {"contact_detail": None, **problem(reading.problem)}
        return self._keep_detail(tracker, reading.method, reading.detail)

    def validate_safe_time(self, value: Any, dispatcher: CollectingDispatcher,
                           tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = " ".join(str(value or "").split())
        if answers.is_skip(text):
            return {"safe_time": answers.SKIPPED, **problem("")}
        if answers.is_any_time(text):
            return {"safe_time": "Any time", **problem("")}
        if not text:
            return {"safe_time": None, **problem("I didn't get a time there. ")}
        if len(text) > answers.MAX_TIME:
            return {"safe_time": None, **problem("That's a bit long. Please give a short time, "
                                                 "like \"weekday mornings\". ")}
        if text.endswith("?"):
            return {"safe_time": None, **problem(
                "I can answer questions once we're done. First: ")}
        return self._keep_answer(tracker, "safe_time", text, ANSWER)

    def validate_safe_to_leave_message(self, value: Any, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict
                                       ) -> Dict[Text, Any]:
        text = str(value or "")
        if answers.is_skip(text):
            return {"safe_to_leave_message": answers.SKIPPED, **problem("")}
        answer = answers.yes_or_no(text)
        if answer is None:
            return {"safe_to_leave_message": None, **problem("Please answer yes or no. ")}
        return {"safe_to_leave_message": answer, **problem("")}

    def validate_first_name(self, value: Any, dispatcher: CollectingDispatcher,
                            tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if answers.is_skip(text) or answers.yes_or_no(text) == "no":
            return {"first_name": answers.SKIPPED, **problem("")}
        name, why = answers.first_name(text)
        if name is None:
            return {"first_name": None, **problem(why)}
        return self._keep_answer(tracker, "first_name", name, NAME)

    @staticmethod
    def _keep_answer(tracker: Tracker, slot: str, answer: str,
                     placeholder: str) -> Dict[Text, Any]:
        try:
            store().keep_answer(tracker.sender_id, **{slot: answer})
        except (CallbackError, SQLAlchemyError):
            logger.exception("Could not keep an answer to the callback form.")
            return {slot: None, **problem(
                "Sorry, something went wrong on our side and I couldn't keep that. "
                "Please try again, or call 0800 650 654. ")}
        return {slot: placeholder, **problem("")}

    @staticmethod
    def _keep_detail(tracker: Tracker, method: str, detail: str) -> Dict[Text, Any]:
        try:
            store().save_draft(tracker.sender_id, method, detail)
        except SQLAlchemyError:
            logger.exception("Could not keep the contact detail of a callback request.")
            return {"contact_detail": None, **problem(
                "Sorry, something went wrong on our side and I couldn't keep that. "
                "Please try again, or call 0800 650 654. ")}
        return {"contact_method": method, "contact_detail": MASKED[method], **problem("")}


def given(tracker: Tracker, slot: str) -> Optional[str]:
    value = tracker.get_slot(slot)
    return None if value in (None, answers.SKIPPED) else value


class ActionSubmitCallback(Action):
    def name(self) -> Text:
        return "action_submit_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        leave_message = given(tracker, "safe_to_leave_message")
        safe_to_leave = None if leave_message is None else leave_message == "yes"
        # "Any time" is no one's secret; a time given was kept in the draft.
        any_time = "Any time" if tracker.get_slot("safe_time") == "Any time" else None
        try:
            reference = store().submit(tracker.sender_id, safe_time=any_time,
                                       safe_to_leave_message=safe_to_leave)
        except (CallbackError, SQLAlchemyError):
            logger.exception("Could not save a callback request.")
            dispatcher.utter_message(response="utter_callback_not_saved")
            return reset_slots()
        method = tracker.get_slot("contact_method")
        dispatcher.utter_message(
            response="utter_callback_saved", reference=reference,
            how="by email" if method == EMAIL else "by phone",
            when=when_phrase(given(tracker, "safe_time")),
            message_note=message_note(method, safe_to_leave))
        return reset_slots()


def when_phrase(safe_time: Optional[str]) -> str:
    # The time itself is not repeated: the reply is stored with the conversation.
    if not safe_time or safe_time == "Any time":
        return "as soon as they can"
    return "at the time you gave"


def message_note(method: Optional[str], safe_to_leave: Optional[bool]) -> str:
    if safe_to_leave:
        return ("They may leave a message and say they are a victim advisor."
                if method == PHONE else "The email may say it is from a victim advisor.")
    if method == EMAIL:
        return "The email won't say it is from a victim advisor."
    return "They won't leave a message or say who is calling."


class ActionCancelCallback(Action):
    def name(self) -> Text:
        return "action_cancel_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        try:
            store().discard_draft(tracker.sender_id)
        except SQLAlchemyError:
            logger.exception("Could not discard a draft callback request.")
        dispatcher.utter_message(response="utter_callback_cancelled")
        return reset_slots()
