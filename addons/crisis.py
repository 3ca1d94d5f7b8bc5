"""Danger comes first: the crisis detector, after every other NLU component.

Two judges look at every typed message: the rules (addons/crisis_rules.py) and a
classifier trained on data/crisis/ (addons/crisis_model.py). Either one seeing a clear
crisis makes it one, except where the rules see a calm context (negation, the
conference, harm in the past). Between clear and calm is a middle tier: the classifier
moderately sure, danger words with nothing saying it is happening now, or the intent
classifier guessing "crisis" where the others do not. There the assistant asks "are you
in danger right now?" (intent `possible_danger`) instead of saying it did not understand.

The detector sets the intent (`crisis` or `possible_danger`) and a `crisis_kind` entity
(danger, suicide or sexual_harm: the reply fits the kind; "unclear" when not known), keeps
the intents the other classifiers ranked below it, and records what it saw, and the
intent it replaced, under `crisis_detection`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons import crisis_model
from addons.crisis_model import CrisisModel, example_files, training_set
from addons.crisis_rules import CrisisRules, RuleVerdict

CRISIS_INTENT = "crisis"
POSSIBLE_DANGER_INTENT = "possible_danger"
DANGER_INTENTS = (CRISIS_INTENT, POSSIBLE_DANGER_INTENT)
KIND_ENTITY = "crisis_kind"
DETECTION_KEY = "crisis_detection"
ROOT = Path(__file__).resolve().parent.parent
MODEL_FILE = "crisis_model.joblib"

SURE, ASK = "crisis", "ask"
UNCLEAR = "unclear"  # a kind of danger not known: the crisis reply names every line


@dataclass(frozen=True)
class Decision:
    tier: Optional[str]   # SURE, ASK or None
    kind: Optional[str]   # danger, suicide, sexual_harm or unclear
    calm: bool = False    # the rules saw a calm context


def decide(rules: RuleVerdict, probability: float, model_kind: str,
           intent: Optional[str], sure: float, ask: float) -> Decision:
    """Combine the rules, the crisis classifier and the intent classifier."""
    if rules.doubt:
        # "if I ever feel suicidal again", "I used to self-harm but not for years": danger
        # words, maybe even a confident classifier, but the words say it is not now.
        kind = rules.kind or rules.unclear_kind
        if kind or probability >= ask or intent in DANGER_INTENTS:
            return Decision(ASK, kind or UNCLEAR, calm=rules.calm)
        return Decision(None, None, calm=True)
    if rules.kind and rules.strong:
        return Decision(SURE, rules.kind)
    if rules.calm and rules.kind:
        # A strong phrase in a calm context ("if he turns up at my house after the
        # meeting"): the crisis reply only if the classifier is sure.
        return Decision(SURE if probability >= sure else ASK, rules.kind, calm=True)
    if rules.calm:
        # The rules see a calm context (negation, the conference, the past), which a
        # crisis can still mention ("my conference is next week but he just broke in"):
        # never the crisis reply on the classifier's word alone, but ask.
        return Decision(ASK, UNCLEAR, calm=True) if probability >= ask else \
            Decision(None, None, calm=True)
    if probability >= sure:
        return Decision(SURE, model_kind)
    if rules.kind:
        # Danger said as happening, in words that idioms use too ("he'll kill me", "my
        # boss will kill me"), or with a "just" that may belong to something else ("the
        # trial just finished"): the crisis reply if the classifier leans that way at all.
        return Decision(SURE, rules.kind) if probability >= ask else Decision(ASK, rules.kind)
    if rules.unclear_kind:
        return Decision(ASK, rules.unclear_kind)
    if probability >= ask or intent in DANGER_INTENTS:
        # The classifier's guess of the kind means little when it is unsure: a "yes"
        # gets the crisis reply that names every line.
        return Decision(ASK, UNCLEAR)
    return Decision(None, None)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class CrisisDetector(GraphComponent, IntentClassifier):
    """Sets the intent to `crisis` or `possible_danger` when a message signals danger."""

    @classmethod
    def required_components(cls) -> List[type]:
        # It must come after the intent classifiers in config.yml, but say so here and
        # Rasa would refuse to train it, as its training needs nothing from them.
        return []

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn", "spacy"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # crisis and calm examples, by kind (read together with the NLU examples:
            # those of `crisis` as crisis, every other but `possible_danger` as calm)
            "examples": "data/crisis",
            # probability of crisis from which the reply is the crisis reply ...
            "sure_threshold": 0.8,
            # ... and from which the assistant asks whether the person is in danger
            "ask_threshold": 0.17,
            # inverse regularisation strength of the classifier
            "C": 10.0,
        }

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The examples and the classifier's features live outside this class, so Rasa
        must be told when they change, or it would reuse a cached model."""
        digest = hashlib.sha256(Path(crisis_model.__file__).read_bytes())
        folder = {**cls.get_default_config(), **config}["examples"]
        for path in example_files(ROOT / folder):
            digest.update(path.read_bytes())
        return digest.hexdigest()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "CrisisDetector":
        return cls(config, model_storage, resource)

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage,
                 resource: Resource, model: Optional[CrisisModel] = None) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.model = model
        self.rules = CrisisRules()

    def train(self, training_data: TrainingData) -> Resource:
        examples = training_set(ROOT / self.config["examples"], training_data.intent_examples,
                                DANGER_INTENTS, lambda m: self.rules.kind_of(
                                    m.get(SPACY_DOCS[TEXT])))
        self.model = CrisisModel.train([e.text for e in examples], [e.label for e in examples],
                                       c=self.config["C"])
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self.model.pipeline, directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage,
             resource: Resource, execution_context: ExecutionContext,
             **kwargs: Any) -> "CrisisDetector":
        with model_storage.read_from(resource) as directory:
            model = CrisisModel(joblib.load(directory / MODEL_FILE))
        return cls(config, model_storage, resource, model)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        typed = [m for m in messages if m.get(SPACY_DOCS[TEXT]) is not None]
        if not typed or self.model is None:
            return messages
        scores = self.model.scores([m.get(TEXT) for m in typed])
        for message, (probability, model_kind) in zip(typed, scores, strict=True):
            decision = self.decision(message, probability, model_kind)
            # "replaced": what the other classifiers made of it, so that a question the
            # message also asked can still be answered (actions/safety_check.py)
            message.set(DETECTION_KEY, {"probability": round(probability, 3),
                                        "tier": decision.tier, "kind": decision.kind,
                                        "replaced": predicted_intent(message)},
                        add_to_output=True)
            if decision.tier == SURE:
                mark(message, CRISIS_INTENT, decision.kind)
            elif decision.tier == ASK:
                mark(message, POSSIBLE_DANGER_INTENT, decision.kind)
            elif decision.calm and predicted_intent(message) in DANGER_INTENTS:
                unmark(message)
        return messages

    def decision(self, message: Message, probability: float, model_kind: str) -> Decision:
        return decide(self.rules.verdict(message.get(SPACY_DOCS[TEXT])), probability,
                      model_kind, predicted_intent(message),
                      self.config["sure_threshold"], self.config["ask_threshold"])


def predicted_intent(message: Message) -> Optional[str]:
    return (message.get(INTENT) or {}).get(INTENT_NAME_KEY)


def unmark(message: Message) -> None:
    """Not a crisis after all: say "not sure I understood" rather than guess."""
    not_sure = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, not_sure, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [not_sure] + (message.get(INTENT_RANKING_KEY) or []),
                add_to_output=True)


def mark(message: Message, intent: str, kind: Optional[str]) -> None:
    """Set the intent, keeping what the other classifiers ranked below it."""
    top = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
               if r.get(INTENT_NAME_KEY) not in DANGER_INTENTS]
    message.set(INTENT, top, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [top] + ranking, add_to_output=True)
    if kind:  # always, for a crisis: the reply must not fit the kind of an earlier one
        entities = message.get(ENTITIES) or []
        entities.append({"entity": KIND_ENTITY, "value": kind, "start": 0,
                         "end": len(message.get(TEXT) or ""), "extractor": "CrisisDetector"})
        message.set(ENTITIES, entities, add_to_output=True)
