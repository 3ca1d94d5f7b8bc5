"""Hide contact details before a conversation is stored.

Phone numbers become `[phone]`: every valid number `phonenumbers` finds (region NZ,
however it is written: "021 - 555 - 0193", "021/555/0192"), and, as a second net, any run
of seven or more digits with a few separators between them. (The library's laxest
setting would also take amounts and room numbers, "25000 dollars", for phone numbers.)
Email addresses become `[email]`, written plainly, with spaces around the @, or spelled
out ("jane at gmail dot com").
Public service numbers (0800 650 654, 111, 1737, ...) are not personal and are kept, so
advisors can still see what people asked about them.

The answers to the callback form's questions are never stored at all: the stored text
is a placeholder (`ANSWER_PLACEHOLDERS`), whatever was typed.
"""
from __future__ import annotations

import re
from typing import Any, Optional

import phonenumbers

PHONE = "[phone]"
EMAIL = "[email]"
NAME = "[name]"
ANSWER = "[answer]"

# What is stored for an answer to each of the callback form's questions (the first one
# too: people often give the number straight away, and more with it).
ANSWER_PLACEHOLDERS = {"contact_method": ANSWER,
                       "contact_detail": None,  # [phone] or [email], by the method chosen
                       "first_name": NAME, "safe_time": ANSWER}
# Slot values that are no one's secret: the form's own markers and choices.
NOT_PERSONAL = {None, "skipped", "Any time", "phone", "email", "yes", "no", PHONE, EMAIL}

_AT = r"(?:\s?@\s?|\s*[(\[]\s*at\s*[)\]]\s*|\s+at\s+)"
_DOT = r"(?:\.|\s*[(\[]\s*dot\s*[)\]]\s*|\s+dot\s+)"
_TLD = r"(?:com|net|org|nz|co|govt|ac|edu|kiwi|io|me|info|au|uk)"
# With spaces around the @, a dot in the domain too: "an @ and", "meet me @ 5pm" are words.
_EMAIL = re.compile(rf"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*|[\w.+'-]+\s*@\s*[\w-]+(?:\.[\w-]+)+"
                    rf"|[\w.+'-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}{_TLD}\b",
                    re.UNICODE | re.IGNORECASE)
# Seven or more digits, possibly with a leading + and spaces, dashes, dots or brackets
# between them; or 9 to 12 digits with slashes too (fewer would be a date).
_DIGITS = re.compile(r"(?<![\w+])\+?\(?\d(?:[\s().\-\u2013]{0,4}\d){6,}\)?(?!\w)")
_SLASHED = re.compile(r"(?<![\w+])\+?\(?\d(?:[\s()./\-\u2013]{0,4}\d){8,}\)?(?!\w)")
# Numbers from the knowledge base that people may type when asking about them.
PUBLIC_NUMBERS = {"0800650654", "0800044334", "0800733843"}


def mask(text: Any) -> Any:
    """The text with contact details replaced; anything that is not text as it is."""
    if not isinstance(text, str):
        return text
    text = _EMAIL.sub(EMAIL, text)
    for match in reversed(list(phonenumbers.PhoneNumberMatcher(
            text, "NZ", leniency=phonenumbers.Leniency.VALID))):
        if not _public(match.raw_string):
            text = text[:match.start] + PHONE + text[match.end:]
    text = _DIGITS.sub(lambda m: m.group() if _public(m.group()) else PHONE, text)
    return _SLASHED.sub(lambda m: PHONE if 9 <= len(re.sub(r"\D", "", m.group())) <= 12
                        and not _public(m.group()) else m.group(), text)


def _public(number: str) -> bool:
    return re.sub(r"\D", "", number) in PUBLIC_NUMBERS


def slot_value(slot: str, value: Any) -> Any:
    """What to store for a slot: a placeholder for the form's answers, masked otherwise."""
    if slot in ANSWER_PLACEHOLDERS and value not in NOT_PERSONAL:
        return ANSWER_PLACEHOLDERS[slot] or ANSWER
    return mask(value)


def answer_placeholder(slot: Optional[str], contact_method: Optional[str]) -> Optional[str]:
    """What to store instead of an answer to the callback form's question `slot`."""
    if slot not in ANSWER_PLACEHOLDERS:
        return None
    if slot == "contact_detail":
        return EMAIL if contact_method == "email" else PHONE
    return ANSWER_PLACEHOLDERS[slot]


def contains_contact_details(text: str) -> bool:
    return mask(text) != text
