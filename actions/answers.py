"""Reading the short answers people give to the forms' questions."""
from __future__ import annotations

import re
from typing import Optional

SKIPPED = "skipped"

_WORDS = re.compile(r"[a-zāēīōū']+")
_NO = {"no", "nah", "nope", "kao", "not", "don't", "dont", "never", "n", "keep", "unsafe",
       "nay", "negative"}
_YES = {"yes", "yeah", "yep", "yup", "ya", "ae", "āe", "sure", "ok", "okay", "fine", "safe",
        "y", "please", "go", "delete", "cancel", "correct", "definitely", "absolutely", "aye",
        "yea", "k"}
_SKIP = re.compile(r"^(skip|pass|next|rather not|prefer not|no comment|not saying|"
                   r"i'?d rather not|i'?d prefer not|don'?t want to (say|answer)|"
                   r"no thanks|none|n/?a)\b", re.I)
_ANY_TIME = re.compile(r"^(any ?time|whenever|any time is (fine|ok|okay)|i don'?t mind|"
                       r"doesn'?t matter)\b", re.I)
_NAME_LEAD = re.compile(r"^(my name is|my name's|name is|i am|i'm|im|it's|its|this is|"
                        r"call me|just|ko)\s+", re.I)
_NAME = re.compile(r"^[^\W\d_]+(?:[ '’-][^\W\d_]+){0,2}$")
MAX_NAME = 40
MAX_TIME = 200


def yes_or_no(text: str) -> Optional[str]:
    """"yes", "no", or None when the answer says neither."""
    words = set(_WORDS.findall((text or "").lower()))
    if words & _NO:
        return "no"
    if words & _YES:
        return "yes"
    return None


def is_skip(text: str) -> bool:
    return bool(_SKIP.match((text or "").strip()))


def is_any_time(text: str) -> bool:
    return bool(_ANY_TIME.match((text or "").strip()))


def first_name(text: str) -> tuple:
    """(name, problem): the name as typed with a capital letter, or why it can't be used."""
    text = _NAME_LEAD.sub("", (text or "").strip()).strip(" .!,")
    if not text:
        return None, "I didn't get a name there. "
    if any(ch.isdigit() for ch in text) or "@" in text:
        return None, "That doesn't look like a name. "
    if len(text) > MAX_NAME or not _NAME.match(text):
        return None, "Please type just a first name, or say skip. "
    return text[0].upper() + text[1:], ""
