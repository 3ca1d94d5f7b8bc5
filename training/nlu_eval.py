"""Score a trained model's understanding on labelled examples (e.g. the held-out set).

    python -m training.nlu_eval [tests/nlu/held_out.yml] [--model models/rj-....tar.gz]

A prediction is the full label a person would see answered: `faq/<topic>` for FAQ
questions (the answer selector's choice), otherwise the intent. `nlu_fallback` counts
as wrong, since the person gets "please rephrase" instead of the answer, except for an
out-of-scope message, where "I'm not sure I understood" is as honest a reply as "I can't
help with that here". For each message not understood, the report also says which
topics the person is offered as buttons instead (actions/topic_suggestions.py).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

from actions.safety_check import held_answer
from actions.topic_suggestions import likely_topics, load_questions

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = ROOT / "tests" / "nlu" / "held_out.yml"


@dataclass
class Prediction:
    text: str
    expected: str
    predicted: str
    intent_confidence: float
    answer_confidence: float
    offered: Tuple[str, ...] = ()

    @property
    def correct(self) -> bool:
        return self.predicted == self.expected or (
            self.expected == "out_of_scope" and self.predicted == "nlu_fallback"
        )


def labelled_examples(path: Path = HELD_OUT) -> List[Tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent_response_key") or m.get("intent"))
            for m in data.intent_examples]


def full_label(parse: Dict) -> Tuple[str, float, float]:
    """(label, intent confidence, answer confidence) from Rasa's parse result. A question
    answered after the crisis reply or "are you in danger right now?" counts as answered
    (actions/safety_check.py)."""
    intent = parse["intent"]
    name, confidence = intent["name"], intent.get("confidence", 0.0)
    if held_answer(parse):
        name = parse["crisis_detection"]["replaced"]
        confidence = next((i.get("confidence", 0.0) for i in parse["intent_ranking"]
                           if i.get("name") == name), 0.0)
    selectors = parse.get("response_selector") or {}
    if name in selectors.get("all_retrieval_intents", []):
        selector = selectors.get(name) or selectors.get("default") or {}
        response = selector.get("response") or {}
        return (response.get("intent_response_key") or name, confidence,
                response.get("confidence", 0.0))
    return name, confidence, 0.0


def load_agent(model_path: Path):
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)

    return Agent.load(str(model_path))


def predict(agent, examples: List[Tuple[str, str]]) -> List[Prediction]:
    questions = load_questions()

    async def run() -> List[Prediction]:
        results = []
        for text, expected in examples:
            parse = await agent.parse_message(text)
            label, intent_conf, answer_conf = full_label(parse)
            offered = tuple(likely_topics(parse, questions)) if label == "nlu_fallback" else ()
            results.append(Prediction(text, expected, label, intent_conf, answer_conf,
                                      offered))
        return results

    return asyncio.run(run())


def accuracy(predictions: List[Prediction]) -> float:
    return sum(p.correct for p in predictions) / len(predictions)


def not_understood_counts(predictions: List[Prediction]) -> Tuple[int, int]:
    """(messages not understood when they should have been, how many of those were
    offered the right topic as a button)."""
    missed = [p for p in predictions if not p.correct and p.predicted == "nlu_fallback"]
    return len(missed), sum(p.expected in p.offered for p in missed)


def report(predictions: List[Prediction]) -> str:
    lines = [f"{accuracy(predictions):.1%} of {len(predictions)} examples right"]
    wrong = [p for p in predictions if not p.correct]
    misses = Counter(p.expected for p in wrong)
    for p in wrong:
        offered = f", offered {', '.join(p.offered)}" if p.offered else ""
        lines.append(f"  {p.text!r}: expected {p.expected}, got {p.predicted} "
                     f"(intent {p.intent_confidence:.2f}, answer {p.answer_confidence:.2f}"
                     f"{offered})")
    not_understood, offered_right = not_understood_counts(predictions)
    if not_understood:
        lines.append(f"Not understood: {not_understood}; of those, {offered_right} were "
                     "offered the right topic as a button")
    if misses:
        lines.append("Most missed: " + ", ".join(f"{k} ({v})" for k, v in misses.most_common(5)))
    return "\n".join(lines)


def main() -> None:
    from training import model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("examples", nargs="?", default=str(HELD_OUT))
    parser.add_argument("--model", help="model file (default: current, trained if needed)")
    args = parser.parse_args()
    model_path = Path(args.model) if args.model else model.ensure()
    print(report(predict(load_agent(model_path), labelled_examples(Path(args.examples)))))


if __name__ == "__main__":
    main()
