"""Phone numbers and email addresses are read the way New Zealanders write them, and
anything else gets a kind explanation instead of a crash."""
import pytest

from actions.contact_details import EMAIL, PHONE, read_contact

GOOD_PHONES = {
    "021 123 4567": "021 123 4567",
    "0211234567": "021 123 4567",
    "021-123-4567": "021 123 4567",
    "+64 21 123 4567": "021 123 4567",
    "+6421 123 4567": "021 123 4567",
    "0064 21 123 4567": "021 123 4567",
    "027 765 4321": "027 765 4321",
    "022 123 45678": "022 1234 5678",
    "(09) 379 1234": "09 379 1234",
    "09 379 1234": "09 379 1234",
    "04-471 1234": "04 471 1234",
    "03 366 1234": "03 366 1234",
    "+64 7 838 1234": "07 838 1234",
    "my number is 021 123 4567 thanks": "021 123 4567",
    "ring me on 027.765.4321": "027 765 4321",
}

GOOD_EMAILS = {
    "aroha@example.com": "aroha@example.com",
    "Mere.Smith@Example.co.nz": "Mere.Smith@example.co.nz",
    "my email is tama_k+rj@xtra.co.nz.": "tama_k+rj@xtra.co.nz",
    "  someone@gmail.com  ": "someone@gmail.com",
}

BAD_PHONES = [
    "",                                   # an empty message
    "   ",
    "abc",                                # letters
    "my phone",
    "o21 one two three",
    "021",                                # too short
    "021 12",
    "1234567",
    "0211 23",
    "021 123 4567 8901 234",              # too long
    "12345678901234567890",
    "+1 415 555 0100",                    # foreign formats
    "+44 20 7946 0958",
    "+61 412 345 678",
    "001 415 555 0100",
    "09 123 4567",                        # not a number in use in New Zealand
    "021 123 4567 or 027 765 4321",       # two numbers
    "I would like someone to call me in the evening please",  # a whole sentence
    "call me tomorrow",
    "x" * 400,                            # far too long
    "💬📞",
    "<script>alert(1)</script>",
    "'; DROP TABLE callback_requests; --",
]

BAD_EMAILS = [
    "aroha@",                             # without a domain
    "aroha@gmail",
    "@gmail.com",                         # without a name
    "aroha.gmail.com",                    # no @ at all
    "aroha at gmail dot com",
    "aroha@@gmail.com",
    "aroha@-example-.com",
    "one@example.com two@example.com",    # two addresses
    "my email is",
    "",
]


@pytest.mark.parametrize("text, expected", GOOD_PHONES.items())
def test_nz_phone_numbers_in_their_usual_forms(text, expected):
    reading = read_contact(text, expected=PHONE)
    assert (reading.method, reading.detail, reading.problem) == (PHONE, expected, "")


@pytest.mark.parametrize("text, expected", GOOD_EMAILS.items())
def test_email_addresses(text, expected):
    reading = read_contact(text, expected=EMAIL)
    assert (reading.method, reading.detail, reading.problem) == (EMAIL, expected, "")


def test_an_email_given_where_a_number_was_asked_for_is_taken():
    assert read_contact("aroha@example.com", expected=PHONE).method == EMAIL


@pytest.mark.parametrize("text", BAD_PHONES)
def test_bad_phone_numbers_are_explained(text):
    reading = read_contact(text, expected=PHONE)
    assert not reading.found
    assert reading.problem.strip().endswith(".")
    assert len(reading.problem) < 160


@pytest.mark.parametrize("text", BAD_EMAILS)
def test_bad_email_addresses_are_explained(text):
    reading = read_contact(text, expected=EMAIL)
    assert not reading.found
    assert reading.problem.strip().endswith(".")


def test_at_least_25_bad_inputs_are_covered():
    assert len(BAD_PHONES) + len(BAD_EMAILS) >= 25


@pytest.mark.parametrize("text, problem", [
    ("021", "too short"),
    ("021 123 4567 8901 234", "too long"),
    ("+44 20 7946 0958", "overseas"),
    ("abc", "doesn't look like a phone number"),
    ("021 123 4567 or 027 765 4321", "just one number"),
])
def test_the_explanation_says_what_is_wrong(text, problem):
    assert problem in read_contact(text, expected=PHONE).problem


@pytest.mark.parametrize("text, problem", [
    ("aroha@", "after the @"),
    ("@gmail.com", "before the @"),
    ("aroha.gmail.com", "needs an @"),
])
def test_the_explanation_says_what_is_wrong_with_an_email(text, problem):
    assert problem in read_contact(text, expected=EMAIL).problem


def test_explanations_never_contain_contact_details_that_would_be_masked():
    from records.masking import contains_contact_details

    for text in BAD_PHONES + BAD_EMAILS:
        for expected in (PHONE, EMAIL):
            assert not contains_contact_details(read_contact(text, expected).problem)
