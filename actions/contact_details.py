"""Reading a New Zealand phone number or an email address out of what someone typed.

Each reader returns the detail, tidied, or a kind sentence saying what is wrong with
it; the form says that sentence before asking again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import phonenumbers
from email_validator import EmailNotValidError, validate_email

PHONE, EMAIL = "phone", "email"
_EMAIL_LIKE = re.compile(r"\S*@\S*")
_EMAIL_WORDS = re.compile(r"\b(e-?mail|gmail|hotmail|outlook|yahoo|xtra)\b", re.I)
MAX_LENGTH = 320  # the longest an email address can be


@dataclass(frozen=True)
class Reading:
    method: Optional[str] = None   # PHONE or EMAIL when a detail was found
    detail: Optional[str] = None   # the number or address, tidied
    problem: str = ""              # why nothing could be used, in plain words

    @property
    def found(self) -> bool:
        return self.detail is not None


def read_contact(text: str, expected: str) -> Reading:
    """A phone number or an email address, whichever the text holds."""
    text = (text or "").strip()
    if not text:
        return Reading(problem="I didn't get anything there. ")
    if len(text) > MAX_LENGTH:
        return Reading(problem="That's longer than a phone number or email address. ")
    if "@" in text or (expected == EMAIL and _EMAIL_WORDS.search(text)):
        return read_email(text)
    if expected == EMAIL and not re.search(r"\d{5}", re.sub(r"[\s().-]", "", text)):
        return read_email(text)
    return read_phone(text)


def read_phone(text: str) -> Reading:
    matches = list(phonenumbers.PhoneNumberMatcher(text, "NZ",
                                                   leniency=phonenumbers.Leniency.VALID))
    in_nz = [m for m in matches if phonenumbers.region_code_for_number(m.number) == "NZ"]
    if len(in_nz) > 1:
        return Reading(problem="Please give just one number. ")
    if in_nz:
        number = phonenumbers.format_number(in_nz[0].number,
                                            phonenumbers.PhoneNumberFormat.NATIONAL)
        return Reading(PHONE, number)
    if matches:
        return Reading(problem="That looks like an overseas number. An advisor can only call "
                               "a New Zealand number, or you can choose email instead. ")
    digits = re.sub(r"\D", "", text)
    if not digits:
        return Reading(problem="That doesn't look like a phone number. Please type just the "
                               "digits. ")
    if len(digits) < 8:
        return Reading(problem="That number looks too short. Please include the whole number, "
                               "with the area code for a landline. ")
    if len(digits) > 12:
        return Reading(problem="That number looks too long. Please check it. ")
    return Reading(problem="That doesn't look like a New Zealand phone number. Please check "
                           "the digits, and include the area code for a landline. ")


def read_email(text: str) -> Reading:
    candidates = _EMAIL_LIKE.findall(text)
    if not candidates:
        return Reading(problem="An email address needs an @ in it. ")
    if len(candidates) > 1:
        return Reading(problem="Please give just one email address. ")
    address = candidates[0].strip(".,;:!?()<>\"'")
    local, _, domain = address.partition("@")
    if not local:
        return Reading(problem="That email address is missing the part before the @. ")
    if not domain:
        return Reading(problem="That email address is missing the part after the @ "
                               "(the domain, such as gmail.com). ")
    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return Reading(problem="That email address doesn't look quite right. Please check "
                               "it has a name, an @ and a domain such as gmail.com. ")
    return Reading(EMAIL, valid.normalized)
