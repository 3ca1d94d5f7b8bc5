"""Rasa's LogisticRegressionClassifier, made safe for a message with nothing in it, and
quicker to load (its model kept as plain arrays: addons/linear_model_file.py).

An empty or blank message has no tokens and so no features, and scikit-learn refuses a
row without features: the whole reply failed and the person heard nothing. Such a
message now gets no intent with confidence 0, so the fallback classifier treats it as
"not understood". (Checking the tokens, not the features: combining a message's
features costs as much as classifying it.)
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from addons import linear_model_file

MODEL_FILE = "classifier.npz"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class IntentClassifier(LogisticRegressionClassifier):
    """Classifies what kind of message it is; an empty message is not understood."""

    def process(self, messages: List[Message]) -> List[Message]:
        with_tokens = [m for m in messages if has_tokens(m)]
        if with_tokens:
            super().process(with_tokens)
        for message in messages:
            if not has_tokens(message):
                nothing = {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}
                message.set(INTENT, nothing, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        return messages

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as model_dir:
            linear_model_file.save(self.clf, model_dir / MODEL_FILE)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "IntentClassifier":
        component = cls(config, execution_context.node_name, model_storage, resource)
        try:
            with model_storage.read_from(resource) as model_dir:
                if not (model_dir / MODEL_FILE).exists():  # a model trained before: skops
                    return super().load(config, model_storage, resource, execution_context,
                                        **kwargs)
                linear_model_file.load(component.clf, model_dir / MODEL_FILE)
        except ValueError:  # nothing was trained (no intents), as with Rasa's classifier
            pass
        return component


def has_tokens(message: Message) -> bool:
    return bool(message.get(TOKENS_NAMES[TEXT]))
