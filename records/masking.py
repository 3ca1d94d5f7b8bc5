"""Hide phone numbers and email addresses before a conversation is stored.

Anything that looks like a phone number becomes `[phone]` and anything that looks like
an email address `[email]`. Public service numbers (0800 650 654, 111, 1737, ...) are
not personal and are kept, so advisors can still see what people asked about them.
"""
from __future__ import annotations

import re
from typing import Any

PHONE = "[phone]"
EMAIL = "[email]"

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*", re.UNICODE)
# Seven or more digits, possibly with a leading + and spaces, dashes, dots or
# brackets between them: the shapes phone numbers are written in, anywhere.
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d(?:[\s().-]{0,2}\d){6,}\)?(?!\w)")
# Numbers from the knowledge base that people may type when asking about them.
PUBLIC_NUMBERS = {"0800650654", "0800044334", "0800733843"}


def mask(text: Any) -> Any:
    """The text with contact details replaced; anything that is not text as it is."""
    if not isinstance(text, str):
        return text
    text = _EMAIL.sub(EMAIL, text)
    return _PHONE.sub(_mask_phone, text)


def _mask_phone(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    return match.group() if digits in PUBLIC_NUMBERS else PHONE


def contains_contact_details(text: str) -> bool:
    return mask(text) != text
