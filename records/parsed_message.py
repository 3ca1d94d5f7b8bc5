"""What Rasa made of one message: the one reader of its `parse_data`.

The tracker store, the console, and the actions that follow danger detection and
suggest topics all read the same dictionary; they read it here, so that a change in
what Rasa (or addons/crisis.py) puts in it is made in one place.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Tuple

FAQ = "faq"


@dataclass(frozen=True)
class Ranked:
    name: str
    confidence: float


@dataclass(frozen=True)
class CrisisDetection:
    """What addons/crisis.py decided, and what the other classifiers made of the
    message (`replaced`: the intent they predicted, e.g. `faq`, `greet`)."""
    probability: Optional[float] = None
    tier: Optional[str] = None
    kind: Optional[str] = None
    replaced: Optional[str] = None


@dataclass(frozen=True)
class ParsedMessage:
    text: str = ""
    intent: Optional[str] = None
    intent_confidence: Optional[float] = None
    intent_ranking: Tuple[Ranked, ...] = ()
    # The ResponseSelector's answer ("faq/cost"), whatever the intent
    faq_topic: Optional[str] = None
    faq_confidence: Optional[float] = None
    faq_ranking: Tuple[Ranked, ...] = ()
    crisis: Optional[CrisisDetection] = None

    @classmethod
    def of(cls, parse_data: Optional[Mapping[str, Any]],
           text: Optional[str] = None) -> "ParsedMessage":
        """From a parse_data dictionary; `text` (an event's own) instead of its text."""
        data = parse_data or {}
        intent = data.get("intent") or {}
        selected = (data.get("response_selector") or {}).get(FAQ) or {}
        answer = selected.get("response") or {}
        detection = data.get("crisis_detection")
        return cls(
            text=(data.get("text") if text is None else text) or "",
            intent=intent.get("name"),
            intent_confidence=intent.get("confidence"),
            intent_ranking=_ranking(data.get("intent_ranking"), "name"),
            faq_topic=answer.get("intent_response_key"),
            faq_confidence=answer.get("confidence"),
            faq_ranking=_ranking(selected.get("ranking"), "intent_response_key"),
            crisis=CrisisDetection(detection.get("probability"), detection.get("tier"),
                                   detection.get("kind"), detection.get("replaced"))
            if isinstance(detection, Mapping) else None,
        )

    @property
    def topic(self) -> Optional[str]:
        """The intent, or for an FAQ the full topic (`faq/cost`)."""
        if self.intent == FAQ:
            return self.faq_topic or self.intent
        return self.intent

    @property
    def confidence(self) -> Optional[float]:
        """How sure the bot was of what it answered: for an FAQ, of the answer chosen."""
        return self.faq_confidence if self.intent == FAQ else self.intent_confidence

    @property
    def clicked(self) -> bool:
        """A button's payload ("/request_advisor"), not typed."""
        return self.text.startswith("/")

    @property
    def replaced(self) -> Optional[str]:
        """What the other classifiers predicted before danger detection took the turn."""
        return self.crisis.replaced if self.crisis else None

    def ranked_confidence(self, intent: str) -> Optional[float]:
        """The confidence `intent` has in the intent ranking; None if it is not ranked."""
        return next((r.confidence for r in self.intent_ranking if r.name == intent), None)


def _ranking(entries: Any, key: str) -> Tuple[Ranked, ...]:
    return tuple(Ranked(entry[key], entry.get("confidence") or 0.0)
                 for entry in entries or () if entry.get(key) is not None)
