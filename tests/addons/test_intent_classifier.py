"""A message with nothing in it is "not understood", not an error and not silence."""
import pytest

from training import nlu_eval


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_an_empty_message_is_not_understood(agent, text):
    [prediction] = nlu_eval.predict(agent, [(text, "nlu_fallback")])
    assert prediction.predicted == "nlu_fallback"


def test_other_messages_are_still_classified(agent):
    [prediction] = nlu_eval.predict(agent, [("kia ora", "greet")])
    assert prediction.predicted == "greet"
