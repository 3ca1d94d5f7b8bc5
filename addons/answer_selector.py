"""Which FAQ answer fits: a logistic regression on the word and character features,
giving exactly what Rasa's ResponseSelector gives (`response_selector` in the parse data:
the answer, its confidence and the ranking), without TensorFlow.

The answer-aware fallback (addons/answer_fallback.py), topic suggestions, transcripts and
`make evaluate` read that output as before. Trained on the examples of the retrieval
intent (`faq/<topic>`), with the answers' responses kept beside the model, as
ResponseSelector keeps them.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Text, Tuple

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from scipy.sparse import csr_matrix

from addons.intent_classifier import has_tokens

RETRIEVAL_INTENT = "retrieval_intent"
RESPONSES_FILE = "responses.json"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class AnswerSelector(LogisticRegressionClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**LogisticRegressionClassifier.get_default_config(),
                RETRIEVAL_INTENT: "faq", "max_iter": 1000, RANKING_LENGTH: 10}

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage,
                 resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.retrieval_intent = self.config[RETRIEVAL_INTENT]
        self.responses: Dict[Text, List[Dict[Text, Any]]] = {}

    def _create_training_matrix(self, training_data: TrainingData
                                ) -> Tuple[csr_matrix, List[str]]:
        examples = [e for e in training_data.intent_examples
                    if e.get(INTENT) == self.retrieval_intent and e.get(INTENT_RESPONSE_KEY)
                    and e.get(TEXT)]
        return self._create_X(examples), [e.get(INTENT_RESPONSE_KEY) for e in examples]

    def train(self, training_data: TrainingData) -> Resource:
        prefix = f"utter_{self.retrieval_intent}/"
        self.responses = {name: variations for name, variations
                          in training_data.responses.items() if name.startswith(prefix)}
        return super().train(training_data)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data  # nothing later in the pipeline trains on answers

    def process(self, messages: List[Message]) -> List[Message]:
        """Each message with its likeliest answer; one with no words gets none."""
        with_tokens = [m for m in messages if has_tokens(m)]
        if not with_tokens or not hasattr(self.clf, "classes_"):
            return messages
        probabilities = self.clf.predict_proba(self._create_X(with_tokens))
        for message, row in zip(with_tokens, probabilities, strict=True):
            ranking = sorted(({INTENT_RESPONSE_KEY: key, PREDICTED_CONFIDENCE_KEY: float(p)}
                              for key, p in zip(self.clf.classes_, row, strict=True)),
                             key=lambda ranked: -ranked[PREDICTED_CONFIDENCE_KEY])
            self._set(message, ranking[: self.config[RANKING_LENGTH]])
        return messages

    def _set(self, message: Message, ranking: List[Dict[Text, Any]]) -> None:
        best = ranking[0]
        utter_action = f"utter_{best[INTENT_RESPONSE_KEY]}"
        selected = message.get(RESPONSE_SELECTOR_PROPERTY_NAME, {})
        selected[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = [self.retrieval_intent]
        selected[self.retrieval_intent] = {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY: self.responses.get(utter_action, []),
                PREDICTED_CONFIDENCE_KEY: best[PREDICTED_CONFIDENCE_KEY],
                INTENT_RESPONSE_KEY: best[INTENT_RESPONSE_KEY],
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter_action,
            },
            RESPONSE_SELECTOR_RANKING_KEY: ranking,
        }
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selected, add_to_output=True)

    def persist(self) -> None:
        super().persist()
        with self._model_storage.write_to(self._resource) as model_dir:
            (model_dir / RESPONSES_FILE).write_text(json.dumps(self.responses))

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "AnswerSelector":
        selector = super().load(config, model_storage, resource, execution_context,
                                **kwargs)
        with model_storage.read_from(resource) as model_dir:
            selector.responses = json.loads((model_dir / RESPONSES_FILE).read_text())
        return selector
