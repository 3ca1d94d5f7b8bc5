"""Crisis detection that does not rest on the intent classifier alone.

A spaCy rule layer (Matcher patterns on lemmas and lower-cased words) recognises the
clear cases of danger now, suicide or self-harm, and sexual harm that has just happened,
and sets the intent to `crisis` whatever the classifiers said. It adds a `crisis_kind`
entity, so the stored conversation marks the turn and says what kind it was. The
classifier's own `crisis` predictions stand, so it catches what the rules do not know,
except where the rules have seen the message is calm: a crisis phrase negated or about
the past, or a message about the conference with no crisis phrase in it. Those become
"not sure I understood" rather than a crisis reply.

Not crises, and left alone:
- a pattern with a negation just before it ("he is not at my door");
- fear about the conference itself ("what if he threatens me at the meeting"), and
  harm in the past ("he threatened me last year"), for the patterns that need present
  danger; an explicit present danger ("he's outside my house") counts regardless.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

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
from spacy.matcher import Matcher

CRISIS_INTENT = "crisis"
CRISIS_KINDS = {"danger", "suicide", "sexual_harm"}
CALM = "calm"
KIND_ENTITY = "crisis_kind"
NEGATIONS = {"not", "n't", "never", "no", "nobody"}
CONFERENCE_WORDS = {"conference", "meeting", "facilitator", "restorative", "rj", "fgc"}
PAST_WORDS = {"ago", "last", "used", "past", "before", "previously", "once"}
RECENT_WORDS = {"just", "tonight", "now", "today"}

ME = {"IN": ["me", "us", "my", "mum", "mom", "kids", "children", "son", "daughter"]}
HARM_NOW = ["hitting", "hurting", "attacking", "beating", "choking", "strangling",
            "punching", "kicking", "stabbing", "raping", "touching", "threatening"]

# (kind, strength, patterns). "strong": counts unless negated. "present": also needs
# no conference and no past context. "recent": needs a word saying it just happened.
RULES = [
    ("suicide", "strong", [
        [{"LEMMA": "kill"}, {"LOWER": {"IN": ["myself", "meself", "myslef"]}}],
        [{"LEMMA": "end"}, {"LOWER": "my"}, {"LOWER": "life"}],
        [{"LEMMA": "end"}, {"LOWER": "it"}, {"LOWER": "all"}],
        [{"LOWER": {"IN": ["suicide", "suicidal", "overdose"]}}],
        [{"LEMMA": {"IN": ["hurt", "harm", "cut", "kill"]}}, {"LOWER": "myself"}],
        [{"LOWER": "self"}, {"LOWER": "-", "OP": "?"}, {"LOWER": "harm"}],
        [{"LEMMA": "want"}, {"LOWER": "to"}, {"LOWER": "die"}],
        [{"LOWER": "wanna"}, {"LOWER": "die"}],
        [{"LOWER": "better"}, {"LOWER": "off"}, {"OP": "*", "IS_ALPHA": True},
         {"LOWER": {"IN": ["dead", "gone"]}}],
        [{"LOWER": "better"}, {"LOWER": "off"}, {"LOWER": "without"}, {"LOWER": "me"}],
        [{"LOWER": {"IN": ["n't", "not", "dont"]}}, {"LEMMA": "want"}, {"LOWER": "to"},
         {"LOWER": {"IN": ["live", "be"]}}, {"LOWER": {"IN": ["alive", "here"]}, "OP": "?"}],
        [{"LOWER": "no"}, {"LOWER": "reason"}, {"LOWER": "to"}, {"LOWER": "live"}],
    ]),
    ("sexual_harm", "recent", [
        [{"LEMMA": "rape"}],
        [{"LOWER": {"IN": ["sexually", "sexual"]}}, {"LEMMA": {"IN": ["assault", "abuse"]}}],
    ]),
    ("danger", "strong", [
        [{"LOWER": {"IN": ["at", "outside", "by"]}}, {"LOWER": {"IN": ["my", "the", "our"]}},
         {"LOWER": {"IN": ["door", "house", "window", "gate", "flat", "place"]}}],
        [{"LOWER": {"IN": ["breaking", "trying", "banging", "kicking"]}},
         {"LOWER": {"IN": ["in", "into", "down", "to", "on"]}},
         {"LOWER": {"IN": ["my", "the", "our", "get"]}, "OP": "?"},
         {"LOWER": {"IN": ["door", "house", "in", "window"]}, "OP": "?"}],
        [{"LOWER": {"IN": ["scared", "afraid", "fear"]}}, {"LOWER": "for"}, {"LOWER": "my"},
         {"LOWER": "life"}],
        [{"LOWER": {"IN": HARM_NOW}}, {"LOWER": ME}],
        [{"LOWER": "being"}, {"LEMMA": {"IN": ["follow", "attack", "hurt", "hit", "stalk",
                                               "threaten", "chase"]}}],
        [{"LOWER": {"IN": ["following", "stalking", "chasing", "watching"]}},
         {"LOWER": ME}],
        [{"LOWER": "in"}, {"LOWER": "danger"}],
        [{"LOWER": "not"}, {"LOWER": "safe"}, {"LOWER": {"IN": ["here", "now"]}}],
        [{"LOWER": "not"}, {"LOWER": "safe"}, {"LOWER": "at"}, {"LOWER": "home"}],
        [{"LOWER": "unsafe"}, {"LOWER": {"IN": ["here", "now"]}}],
        [{"LOWER": {"IN": ["call", "ring", "get"]}}, {"LOWER": {"IN": ["the", "911"]}, "OP": "?"},
         {"LOWER": {"IN": ["police", "cops", "111", "ambulance"]}}],
    ]),
    ("danger", "present", [
        [{"LEMMA": "break"}, {"LOWER": {"IN": ["in", "into"]}}],
        [{"LEMMA": {"IN": ["go", "gon"]}}, {"LOWER": {"IN": ["to", "na"]}, "OP": "?"},
         {"LEMMA": {"IN": ["kill", "hurt", "attack", "stab", "shoot", "rape", "hit"]}},
         {"LOWER": ME}],
        [{"LEMMA": "threaten"}, {"LOWER": {"IN": ["me", "us", "to", "my"]}}],
        [{"LOWER": {"IN": ["threat", "threats"]}}],
        [{"LEMMA": {"IN": ["have", "get", "hold", "with"]}}, {"LOWER": {"IN": ["a", "his", "her"]}, "OP": "?"},
         {"LOWER": {"IN": ["knife", "gun", "weapon", "machete", "bat", "axe"]}}],
        [{"LOWER": "not"}, {"LOWER": "safe"}],
        [{"LOWER": "unsafe"}],
        [{"LEMMA": "kill"}, {"LOWER": ME}],
        [{"LEMMA": {"IN": ["hit", "hurt", "attack", "stab", "punch", "choke", "strangle",
                           "beat"]}}, {"LOWER": ME}],
        [{"LEMMA": "follow"}, {"LOWER": ME}],
    ]),
]
# A present-danger pattern needs a word like "now" when it is about something done to
# the person (so "he hit me" said of last year is not read as happening now).
NEEDS_RECENCY = {"hit", "hurt", "attack", "stab", "punch", "choke", "strangle", "beat",
                 "follow"}


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class CrisisDetector(GraphComponent, IntentClassifier):
    """Sets the intent to `crisis` when a message clearly signals danger."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [IntentClassifier]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CrisisDetector":
        return cls()

    def __init__(self) -> None:
        self._matcher: Optional[Matcher] = None

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None:
                continue
            verdict = self.verdict(doc)
            if verdict in CRISIS_KINDS:
                mark_crisis(message, verdict)
            elif verdict == CALM and predicted_intent(message) == CRISIS_INTENT:
                unmark_crisis(message)
        return messages

    def crisis_kind(self, doc: Any) -> Optional[str]:
        """The kind of crisis the rules find in a spaCy doc, or None."""
        verdict = self.verdict(doc)
        return verdict if verdict in CRISIS_KINDS else None

    def verdict(self, doc: Any) -> Optional[str]:
        """A kind of crisis; CALM when the rules can tell it is not one; else None."""
        if self._matcher is None or self._matcher.vocab is not doc.vocab:
            self._matcher = build_matcher(doc.vocab)
        words = {token.lower_ for token in doc}
        conference = bool(words & CONFERENCE_WORDS)
        past = bool(words & PAST_WORDS)
        recent = bool(words & RECENT_WORDS) or "right now" in doc.text.lower()
        calm = conference
        for match_id, start, end in self._matcher(doc):
            kind, strength = doc.vocab.strings[match_id].split(":")
            if negated(doc, start):
                calm = True
                continue
            if strength == "recent" and not recent:
                calm = True
                continue
            if strength == "present":
                if conference or (past and not recent):
                    calm = True
                    continue
                if doc[start].lemma_ in NEEDS_RECENCY and not recent:
                    calm = True
                    continue
            return kind
        return CALM if calm else None


def build_matcher(vocab: Any) -> Matcher:
    matcher = Matcher(vocab)
    for kind, strength, patterns in RULES:
        matcher.add(f"{kind}:{strength}", patterns)
    return matcher


def negated(doc: Any, start: int) -> bool:
    """A negation in the three words before the match ("he is not at my door")."""
    if doc[start].lower_ in NEGATIONS:  # the pattern itself starts with the negation
        return False
    return any(token.lower_ in NEGATIONS for token in doc[max(0, start - 3):start])


def predicted_intent(message: Message) -> Optional[str]:
    return (message.get(INTENT) or {}).get(INTENT_NAME_KEY)


def unmark_crisis(message: Message) -> None:
    not_sure = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, not_sure, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [not_sure] + (message.get(INTENT_RANKING_KEY) or []),
                add_to_output=True)


def mark_crisis(message: Message, kind: str) -> None:
    crisis = {INTENT_NAME_KEY: CRISIS_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
               if r.get(INTENT_NAME_KEY) != CRISIS_INTENT]
    message.set(INTENT, crisis, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [crisis] + ranking, add_to_output=True)
    entities = message.get(ENTITIES) or []
    entities.append({"entity": KIND_ENTITY, "value": kind, "start": 0,
                     "end": len(message.get(TEXT) or ""), "extractor": "CrisisDetector"})
    message.set(ENTITIES, entities, add_to_output=True)
