"""Rasa's LogisticRegressionClassifier, made safe for a message with nothing in it.

An empty or blank message has no features, and scikit-learn refuses a row without
features: the whole reply failed and the person heard nothing. Such a message now gets
no intent with confidence 0, so the fallback classifier treats it as "not understood".
"""
from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class IntentClassifier(LogisticRegressionClassifier):
    """Classifies what kind of message it is; an empty message is not understood."""

    def process(self, messages: List[Message]) -> List[Message]:
        with_features = [m for m in messages if has_features(m)]
        if with_features:
            super().process(with_features)
        for message in messages:
            if not has_features(message):
                nothing = {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}
                message.set(INTENT, nothing, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        return messages


def has_features(message: Message) -> bool:
    sparse = message.get_sparse_features(attribute=TEXT)[1]
    dense = message.get_dense_features(attribute=TEXT)[1]
    return any(f is not None and f.features.shape[-1] > 0 and f.features.shape[0] > 0
               for f in (sparse, dense))
