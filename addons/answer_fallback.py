"""Fall back when the intent is clear but the answer to it is not.

Rasa's FallbackClassifier only looks at the intent confidence. For a retrieval intent
such as `faq`, that says "this is a question about restorative justice", not which
answer fits: a confident `faq` with an unsure `faq/<topic>` would give a wrong answer.
This classifier does everything FallbackClassifier does, and also predicts
`nlu_fallback` when the answer selector's top answer (Rasa's `response_selector` output,
addons/answer_selector.py) is below `answer_threshold`, or too close to the runner-up
(`answer_ambiguity_threshold`). It must come after the answer selector in the pipeline.

Classifiers are confident about text they have never seen anything like: keyboard
mashing such as "xqzv plof" can come out as a confident "ok". With `known_words_from`
set to the alias of a word-level featurizer, a message with none of the words or word
pairs seen in training is treated as not understood, whatever the classifiers say.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_DEFAULT_INTENT,
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

logger = logging.getLogger(__name__)

ANSWER_THRESHOLD_KEY = "answer_threshold"
ANSWER_AMBIGUITY_THRESHOLD_KEY = "answer_ambiguity_threshold"
KNOWN_WORDS_FROM_KEY = "known_words_from"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class AnswerAwareFallbackClassifier(FallbackClassifier):
    """FallbackClassifier that also checks the answer selector's confidence."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **FallbackClassifier.get_default_config(),
            ANSWER_THRESHOLD_KEY: 0.5,
            ANSWER_AMBIGUITY_THRESHOLD_KEY: 0.1,
            KNOWN_WORDS_FROM_KEY: None,
        }

    def _should_fallback(self, message: Message) -> bool:
        if super()._should_fallback(message):
            return True
        featurizer = self.component_config[KNOWN_WORDS_FROM_KEY]
        if featurizer and not has_known_words(message, featurizer):
            logger.debug("None of the words in the message were seen in training.")
            return True
        answer = selected_answer(message)
        if answer is None:
            return False
        top, runner_up = answer
        if top < self.component_config[ANSWER_THRESHOLD_KEY]:
            logger.debug(f"Answer confidence {top:.2f} is below the threshold.")
            return True
        if top - runner_up < self.component_config[ANSWER_AMBIGUITY_THRESHOLD_KEY]:
            logger.debug(f"Top two answers are too close ({top:.2f}, {runner_up:.2f}).")
            return True
        return False


def has_known_words(message: Message, featurizer: Text) -> bool:
    """Whether the word-level featurizer `featurizer` found any known word."""
    _, sentence = message.get_sparse_features(TEXT, [featurizer])
    return sentence is None or sentence.features.nnz > 0


def selected_answer(message: Message) -> Optional[Tuple[float, float]]:
    """Confidence of the selected answer and of the runner-up, for a retrieval intent.

    None when the predicted intent is not a retrieval intent.
    """
    selectors = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
    intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
    if intent not in selectors.get(RESPONSE_SELECTOR_RETRIEVAL_INTENTS, []):
        return None
    selector = selectors.get(intent) or selectors.get(RESPONSE_SELECTOR_DEFAULT_INTENT)
    if not selector:
        return None
    top = selector[RESPONSE_SELECTOR_PREDICTION_KEY][PREDICTED_CONFIDENCE_KEY]
    ranking = selector.get(RESPONSE_SELECTOR_RANKING_KEY) or []
    runner_up = ranking[1][PREDICTED_CONFIDENCE_KEY] if len(ranking) > 1 else 0.0
    return top, runner_up
