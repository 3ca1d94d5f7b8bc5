"""What the assistant covers and how plainly it answers, now and at an earlier commit.

    python -m training.content_report [--before REF --before-model FILE] [--docs]

For each side: FAQ topics, their training examples, held-out accuracy on today's
tests/nlu/held_out.yml (so both models face the same questions), and the answers' mean
and worst Flesch reading ease (training/readability.py). The earlier side reads its data
from git at REF and takes a model trained from it. --docs writes the table to the
content section of docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional

import yaml

from training import readability

ROOT = Path(__file__).resolve().parent.parent
NLU_FILES = ["data/nlu/faq.yml"]
ANSWERS = "data/responses/faq.yml"


@dataclass
class Figures:
    label: str
    topics: int
    examples: int
    accuracy: Optional[float]
    held_out: int
    mean_ease: float
    worst_ease: float
    worst_topic: str
    long_sentences: int


def figures(label: str, read: Callable[[str], str], model: Optional[Path]) -> Figures:
    topics, examples = 0, 0
    for name in NLU_FILES:
        faq = [b for b in yaml.safe_load(read(name))["nlu"] if b["intent"].startswith("faq/")]
        topics += len(faq)
        examples += sum(1 for b in faq for line in b["examples"].splitlines() if line.strip())
    answers = {name: variations[0]["text"]
               for name, variations in yaml.safe_load(read(ANSWERS))["responses"].items()}
    ease = {name: readability.reading_ease(text) for name, text in answers.items()}
    worst = min(ease, key=ease.get)
    accuracy, held_out = None, 0
    if model:
        from training import nlu_eval

        predictions = nlu_eval.predict(nlu_eval.load_agent(model),
                                       nlu_eval.labelled_examples())
        accuracy, held_out = nlu_eval.accuracy(predictions), len(predictions)
    return Figures(label, topics, examples, accuracy, held_out,
                   sum(ease.values()) / len(ease), ease[worst],
                   worst.replace("utter_faq/", ""),
                   sum(len(readability.long_sentences(t)) for t in answers.values()))


def at_commit(ref: str) -> Callable[[str], str]:
    return lambda path: subprocess.run(["git", "show", f"{ref}:{path}"], cwd=ROOT,
                                       check=True, capture_output=True, text=True).stdout


def table(rows: List[Figures]) -> str:
    lines = ["| | FAQ topics | Training examples | Held-out accuracy | Reading ease: mean | "
             "worst | Sentences over 25 words |", "|---|---:|---:|---:|---:|---:|---:|"]
    for f in rows:
        accuracy = f"{f.accuracy:.1%} of {f.held_out}" if f.accuracy is not None else "–"
        lines.append(f"| {f.label} | {f.topics} | {f.examples} | {accuracy} | "
                     f"{f.mean_ease:.1f} | {f.worst_ease:.1f} ({f.worst_topic}) | "
                     f"{f.long_sentences} |")
    return "\n".join(lines)


def main() -> None:
    from training import model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="git commit to compare with")
    parser.add_argument("--before-model", help="a model trained from that commit")
    parser.add_argument("--docs", action="store_true",
                        help="write the table to docs/benchmarks.md")
    args = parser.parse_args()
    rows = []
    if args.before:
        rows.append(figures(f"before ({args.before[:10]})", at_commit(args.before),
                            Path(args.before_model) if args.before_model else None))
    rows.append(figures("now", lambda path: (ROOT / path).read_text(), model.ensure()))
    text = table(rows)
    print(text)
    if args.docs:
        from datetime import datetime, timezone

        from bench import report

        report.write_section(ROOT / "docs" / "benchmarks.md", "content", "\n".join([
            "## Content: topics, understanding, plain English", "",
            f"Produced by `python -m training.content_report` on "
            f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. Both models answer today's "
            "held-out questions (tests/nlu/held_out.yml, never trained on), including those "
            "of topics the earlier one did not have. Reading ease is Flesch's (textstat), "
            "on each answer without its closing offer of the line; 70 or more reads at "
            "about age 12, the aim in the knowledge base.", "", text]))
        print("Written to docs/benchmarks.md")


if __name__ == "__main__":
    main()
