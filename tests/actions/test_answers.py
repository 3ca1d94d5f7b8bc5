"""Short answers to the forms' questions are read the way people type them."""
import pytest

from actions.answers import first_name, is_any_time, is_skip, yes_or_no


@pytest.mark.parametrize("text", ["yes", "Yes", "yeah", "yep", "ae", "āe", "sure", "ok",
                                  "Yes, delete it", "yes cancel it", "yes that's safe", "y"])
def test_yes(text):
    assert yes_or_no(text) == "yes"


@pytest.mark.parametrize("text", ["no", "No", "nah", "nope", "kao", "No, keep it",
                                  "it's not safe", "don't", "no it isn't safe", "not sure",
                                  "please don't", "never"])
def test_no(text):
    assert yes_or_no(text) == "no"


@pytest.mark.parametrize("text", ["", "maybe", "what?", "021 123 4567", "hmm"])
def test_neither(text):
    assert yes_or_no(text) is None


@pytest.mark.parametrize("text", ["skip", "Skip", "skip this", "pass", "rather not",
                                  "I'd rather not say", "prefer not to say", "no thanks"])
def test_skip(text):
    assert is_skip(text)


@pytest.mark.parametrize("text", ["Aroha", "after 5", "skipper Joe"])
def test_not_skip(text):
    assert not is_skip(text)


@pytest.mark.parametrize("text", ["Any time", "anytime", "whenever", "I don't mind"])
def test_any_time(text):
    assert is_any_time(text)


@pytest.mark.parametrize("text, name", [
    ("Aroha", "Aroha"), ("aroha", "Aroha"), ("my name is Mere", "Mere"),
    ("I'm Tama", "Tama"), ("Mary-Jane", "Mary-Jane"), ("Ngāio", "Ngāio"),
    ("O'Neill", "O'Neill"), ("it's Sam.", "Sam"),
])
def test_first_names(text, name):
    assert first_name(text) == (name, "")


@pytest.mark.parametrize("text", ["", "021 123 4567", "me@example.com", "R2D2",
                                  "I would really rather you just called me whatever",
                                  "<b>Sam</b>", "x" * 60])
def test_not_names(text):
    name, problem = first_name(text)
    assert name is None and problem
