"""The action server's responses are checked by the same rules, with the schema
checked once."""
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import addons  # noqa: F401 - applies the patch, as the Rasa server does
from addons import action_responses


def test_rasa_uses_the_validator_built_once():
    assert RemoteAction._validate_action_result is action_responses.validate_action_result


def test_good_responses_pass():
    action = RemoteAction("validate_callback_form", None)
    assert action._validate_action_result(
        {"events": [{"event": "slot", "name": "first_name", "value": "Aroha"}],
         "responses": [{"response": "utter_ask_first_name"}]})
    assert action._validate_action_result({"events": [], "responses": []})


@pytest.mark.parametrize("bad", [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},  # a slot event without its name
    {"responses": ["not an object"]},
    [],
])
def test_bad_responses_are_refused_as_before(bad):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        RemoteAction("validate_callback_form", None)._validate_action_result(bad)
