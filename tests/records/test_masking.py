"""Anything that looks like a phone number or an email address is masked."""
import pytest

from records.masking import mask


@pytest.mark.parametrize("text, masked", [
    ("call me on 021 123 4567", "call me on [phone]"),
    ("0211234567", "[phone]"),
    ("+64 21 123 4567 after 5", "[phone] after 5"),
    ("(09) 379-1234", "[phone]"),
    ("my cousin's number is +1 (415) 555-0100", "my cousin's number is [phone]"),
    ("mere.smith@example.co.nz", "[email]"),
    ("email me: tama+rj@xtra.co.nz, or ring 027 765 4321",
     "email me: [email], or ring [phone]"),
    # shapes the callback form accepts, seen stored raw before
    ("021 - 555 - 0193", "[phone]"),
    ("021/555/0192 after 5", "[phone] after 5"),
    ("021   555   0190", "[phone]"),
    ("jane at gmail dot com", "[email]"),
    ("jane @ gmail.com", "[email]"),
    ("write to jane(at)xtra(dot)co(dot)nz please", "write to [email] please"),
])
def test_contact_details_are_masked(text, masked):
    assert mask(text) == masked


@pytest.mark.parametrize("text", [
    "is 0800 650 654 free?",           # public service numbers are not personal
    "I called 111 and 1737",
    "Safe to talk is 0800 044 334",
    "it happened in 2023",             # years, times, short numbers
    "after 5pm on the 12th",
    "my case number is 123",
    "what is restorative justice",
    "on 12/05/2023 at 3pm",            # a date, not a number
    "I paid 25000 dollars for the car",  # amounts and room numbers are not phone numbers
    "room 40123 at the court",
    "my code is kiwifruit26687d",
    "I'll be at court. Then home",     # "at" without an address
])
def test_other_text_is_left_alone(text):
    assert mask(text) == text


def test_things_that_are_not_text_are_left_alone():
    assert mask(None) is None and mask(42) == 42 and mask(["021 123 4567"]) == ["021 123 4567"]
