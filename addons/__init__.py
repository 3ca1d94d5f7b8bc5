"""Extensions loaded by the Rasa server: NLU components, the tracker store, the lock
store and the channels. Loading any of them also applies `action_responses`."""
from addons import action_responses  # noqa: F401 - patches Rasa when imported
