"""How well is danger recognised? Crisis recall and calm false alarms, per kind.

    python -m training.crisis_eval [--folds 5] [--docs]   # also part of `make evaluate`

1. Each held-out set (tests/nlu/crisis_*.yml) through the trained model, as the
   assistant would treat each message: "crisis", the crisis reply (111 first); "ask",
   "are you in danger right now?" (111 in the question); or not treated as danger.
   Either danger reply is followed by the answer when the message also asked something
   the assistant understood (actions/safety_check.py). A crisis message is caught if it
   gets either; a calm message is a false alarm if it gets either, and the worst case is
   a calm message that gets only the crisis reply.
2. k-fold cross-validation of the crisis detector (rules and classifier) on its
   training examples (data/crisis/ and the NLU examples).
"""
from __future__ import annotations

import argparse
import asyncio
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
# The first 80 messages; a set written by kind before any tuning; a confirmation set
# written after the first tuning; and two fresh sets written after all tuning. Each by an
# author who saw neither the training data nor the other sets.
HELD_OUT_SETS = [ROOT / "tests" / "nlu" / name for name in
                 ("crisis_messages.yml", "crisis_held_out.yml", "crisis_confirm.yml",
                  "crisis_fresh.yml", "crisis_fresh2.yml", "crisis_fresh3.yml")]
CRISIS, ASK = "crisis", "ask"


@dataclass(frozen=True)
class Message:
    text: str
    side: str      # "crisis" or "calm"
    category: str  # the kind written in the set


@dataclass(frozen=True)
class Outcome:
    message: Message
    treatment: Optional[str]  # CRISIS, ASK or None
    answered: bool = False    # the reply came with an answer to the question asked
    offered_safe: bool = False  # the crisis reply came with "I'm safe" to carry on

    @property
    def flagged(self) -> bool:
        return self.treatment in (CRISIS, ASK)


def read_set(path: Path) -> List[Message]:
    from addons.crisis_model import read_groups

    return [Message(text, side, kind) for side, kind, text in read_groups(path)]


def treatment(parse: Dict) -> Tuple[Optional[str], bool, bool]:
    """(treatment, answered, offered "I'm safe"), as actions/safety_check.py follows up."""
    from actions.safety_check import MISREAD_OFFER, follow_up

    intent = (parse.get("intent") or {}).get("name")
    then = follow_up(parse)
    answered = then is not None and then != MISREAD_OFFER
    if intent == "crisis":
        return CRISIS, answered, then == MISREAD_OFFER
    if intent == "possible_danger":
        return ASK, answered, False
    return None, False, False


def outcomes(agent, messages: Sequence[Message]) -> List[Outcome]:
    async def run() -> List[Outcome]:
        found = []
        for message in messages:
            found.append(Outcome(message, *treatment(await agent.parse_message(message.text))))
        return found

    return asyncio.run(run())


@dataclass
class Figures:
    crisis: int = 0
    caught: int = 0
    crisis_reply: int = 0
    calm: int = 0
    false_alarms: int = 0      # asked or given the crisis reply
    calm_crisis_reply: int = 0
    only_crisis_reply: int = 0  # the crisis reply, without an answer
    dead_ends: int = 0          # ... and without "I'm safe" to carry on either
    crisis_offered_safe: int = 0  # crisis messages given the crisis reply, then "I'm safe"
    asked_and_answered: int = 0  # asked "are you in danger?", then given the answer

    @property
    def recall(self) -> float:
        return self.caught / self.crisis if self.crisis else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.calm if self.calm else 0.0

    @property
    def calm_asked(self) -> int:
        """Calm messages asked "are you in danger right now?"."""
        return self.false_alarms - self.calm_crisis_reply

    @property
    def crisis_reply_rate(self) -> float:
        """Calm messages given the crisis reply."""
        return self.calm_crisis_reply / self.calm if self.calm else 0.0


def figures(results: Sequence[Outcome]) -> Figures:
    f = Figures()
    for r in results:
        if r.message.side == "crisis":
            f.crisis += 1
            f.caught += r.flagged
            f.crisis_reply += r.treatment == CRISIS
            f.crisis_offered_safe += r.treatment == CRISIS and r.offered_safe
        else:
            f.calm += 1
            f.false_alarms += r.flagged
            f.calm_crisis_reply += r.treatment == CRISIS
            f.asked_and_answered += r.treatment == ASK and r.answered
            f.only_crisis_reply += r.treatment == CRISIS and not r.answered
            f.dead_ends += r.treatment == CRISIS and not r.answered and not r.offered_safe
    return f


def per_category(results: Sequence[Outcome]) -> Dict[Tuple[str, str], Tuple[int, int]]:
    """(side, category) -> (flagged, total)."""
    counts: Dict[Tuple[str, str], List[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        counts[(r.message.side, r.message.category)][0] += r.flagged
        counts[(r.message.side, r.message.category)][1] += 1
    return {key: (flagged, total) for key, (flagged, total) in sorted(counts.items())}


def cross_validate(folds: int = 5, seed: int = 42) -> List[Outcome]:
    """Every training example, judged by rules and a classifier trained without it."""
    import spacy
    from rasa.shared.nlu.training_data.loading import load_data
    from sklearn.model_selection import StratifiedKFold

    from addons.crisis import DANGER_INTENTS, CrisisDetector, decide
    from addons.crisis_model import CALM, CrisisModel, training_set
    from addons.crisis_rules import CrisisRules
    from training import build_spacy_model

    config = CrisisDetector.get_default_config()
    config.update(detector_config())
    nlp = spacy.load(build_spacy_model.ensure())
    rules = CrisisRules()
    examples = training_set(ROOT / config["examples"],
                            load_data(str(ROOT / "data" / "nlu")).intent_examples,
                            DANGER_INTENTS, lambda m: rules.kind_of(nlp(m.get("text").lower())))
    texts = [e.text for e in examples]
    labels = [e.label for e in examples]
    messages = [Message(e.text, "calm" if e.label == CALM else "crisis", e.category)
                for e in examples]
    docs = list(nlp.pipe(t.lower() for t in texts))
    verdicts = [rules.verdict(doc) for doc in docs]
    found: List[Optional[Outcome]] = [None] * len(texts)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(texts, labels):
        model = CrisisModel.train([texts[i] for i in train], [labels[i] for i in train],
                                  c=config["C"])
        scores = model.scores([texts[i] for i in test])
        for i, (probability, kind) in zip(test, scores, strict=True):
            decision = decide(verdicts[i], probability, kind, None,
                              config["sure_threshold"], config["ask_threshold"])
            found[i] = Outcome(messages[i], decision.tier)
    return [o for o in found if o is not None]


def detector_config() -> Dict:
    """The CrisisDetector's settings in config.yml."""
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    for step in config["pipeline"]:
        if step["name"].endswith("crisis.CrisisDetector"):
            return {k: v for k, v in step.items() if k != "name"}
    return {}


def describe(name: str, results: Sequence[Outcome], misses: bool = True) -> List[str]:
    f = figures(results)
    # cross-validation judges the detector alone: no reply, so no follow-up to count
    cross_validated = "cross-validation" in name
    lines = [f"### {name}", "",
             f"- Crisis messages caught: **{f.caught}/{f.crisis} ({f.recall:.1%})**; "
             f"{f.crisis_reply} got the crisis reply straight away"
             + ("" if cross_validated else f" ({f.crisis_offered_safe} of them then "
                                           f"offered \"I'm safe\")")
             + f", {f.caught - f.crisis_reply} were asked \"are you in danger right now?\"",
             f"- Calm messages given the crisis reply: **{f.calm_crisis_reply}/{f.calm} "
             f"({f.crisis_reply_rate:.1%})**, {f.only_crisis_reply} of them without an "
             f"answer to their question"
             + ("" if cross_validated else f" ({f.dead_ends} without \"I'm safe\" to carry "
                                           "on either)")
             + f"; asked \"are you in danger right now?\": "
             f"{f.calm_asked}, {f.asked_and_answered} of them then "
             f"given the answer ({f.false_alarm_rate:.1%} treated as danger in all)", "",
             "| Kind | Treated as danger | Of |", "|---|---:|---:|"]
    lines += [f"| {side}: {category} | {flagged} | {total} |"
              for (side, category), (flagged, total) in per_category(results).items()]
    if misses:
        missed = [r for r in results if r.message.side == "crisis" and not r.flagged]
        alarms = [r for r in results if r.message.side == "calm" and r.flagged]
        lines += ["", "Crisis messages missed:" if missed else "No crisis message missed."]
        lines += [f"- ({r.message.category}) {r.message.text}" for r in missed]
        lines += ["", "Calm messages treated as danger:" if alarms else
                  "No calm message treated as danger."]
        lines += [f"- ({r.message.category}, {r.treatment}"
                  f"{', with the answer' if r.answered else ''}) {r.message.text}"
                  for r in alarms]
    return lines + [""]


def measure(agent, folds: int) -> Dict[str, List[Outcome]]:
    """Outcomes per held-out set (by file stem), and of cross-validation."""
    found = {path.stem: outcomes(agent, read_set(path)) for path in HELD_OUT_SETS}
    if folds:
        found["cross_validation"] = cross_validate(folds)
    return found


def title(name: str, folds: int = 5) -> str:
    if name == "cross_validation":
        return (f"{folds}-fold cross-validation on the training examples (rules and "
                "classifier; without the intent classifier)")
    return f"Held out: tests/nlu/{name}.yml"


def report(agent, folds: int) -> Tuple[str, Dict]:
    """The full report (every miss) and the figures for metrics.json."""
    measured = measure(agent, folds)
    lines = ["# How well danger is recognised", ""]
    for name, results in measured.items():
        lines += describe(title(name, folds), results)
    return "\n".join(lines), {name: vars(figures(r)) for name, r in measured.items()}


def docs_section(measured: Dict[str, List[Outcome]], model_name: str) -> str:
    """The crisis section of docs/benchmarks.md: figures per set and recall per kind."""
    from datetime import datetime, timezone

    lines = ["## Crisis detection", "",
             f"Produced by `python -m training.crisis_eval --docs` on "
             f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC with `{model_name}`. "
             "A crisis message is caught when it gets the crisis reply or \"are you in "
             "danger right now?\" (both say 111 first). Held-out sets are never read by "
             "training; thresholds were chosen by cross-validation.", "",
             "| Set | Crisis caught | of which the crisis reply | Calm given the crisis "
             "reply | … without an answer to their question | … nor \"I'm safe\" to carry "
             "on | Calm asked \"are you in danger?\" | … then given their answer |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, results in measured.items():
        f = figures(results)
        # cross-validation judges the detector alone: no reply, so no follow-up to count
        dead_ends = "–" if name == "cross_validation" else f.dead_ends
        lines.append(f"| {name.replace('_', ' ')} | {f.caught}/{f.crisis} ({f.recall:.1%}) | "
                     f"{f.crisis_reply} | {f.calm_crisis_reply}/{f.calm} "
                     f"({f.crisis_reply_rate:.1%}) | {f.only_crisis_reply} | {dead_ends} | "
                     f"{f.calm_asked} ({f.calm_asked / max(f.calm, 1):.1%}) | "
                     f"{f.asked_and_answered} |")
    held_out = [r for name, rs in measured.items() if name != "cross_validation" for r in rs]
    lines += ["", "Per kind, all held-out sets together (treated as danger / messages):", "",
              "| Kind | Held out | Cross-validation |", "|---|---:|---:|"]
    cv = per_category(measured.get("cross_validation", []))
    for key, (flagged, total) in per_category(held_out).items():
        if key[1] == "all":
            continue
        cv_flagged, cv_total = cv.get(key, (0, 0))
        lines.append(f"| {key[0]}: {key[1]} | {flagged}/{total} | "
                     + (f"{cv_flagged}/{cv_total}" if cv_total else "–") + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    from training import model, nlu_eval

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5, help="0 skips cross-validation")
    parser.add_argument("--model", help="model file (default: current, trained if needed)")
    parser.add_argument("--docs", action="store_true",
                        help="also write the figures to docs/benchmarks.md")
    args = parser.parse_args()
    model_path = Path(args.model) if args.model else model.ensure()
    measured = measure(nlu_eval.load_agent(model_path), args.folds)
    for name, results in measured.items():
        print("\n".join(describe(title(name, args.folds), results)))
    if args.docs:
        from bench import report as bench_report

        bench_report.write_section(ROOT / "docs" / "benchmarks.md", "crisis",
                                   docs_section(measured, model_path.name))
        print("Written to docs/benchmarks.md")


if __name__ == "__main__":
    main()
