"""Close the loop: turn messages the bot did not understand into labelled training data.

    python -m training.review import to_label.yml     # make review FILE=to_label.yml
    python -m training.review merge reports/review/review-2026-11-24.csv   # make merge SHEET=...

`import` reads the console's export (Rasa NLU YAML) or a text file with one message per
line, and writes a review sheet (CSV, opens in any spreadsheet) with the model's
suggestion for each message. The trainer fills in `label` (a topic such as `faq/cost`
or an intent such as `greet`; empty or `skip` to leave a message out) and may set
`held_out` to `yes` for a message to test with instead of train on.

`merge` checks every row first (known label, not already an example, no contact details)
and writes nothing if any row is wrong, saying which rows; otherwise it adds each
example under its topic in data/nlu/ or tests/nlu/held_out.yml.
"""
from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from records.masking import contains_contact_details
from training.content_rules import normalise, read_examples, topic_lines

ROOT = Path(__file__).resolve().parent.parent
REVIEWS = ROOT / "reports" / "review"
COLUMNS = ["message", "suggested", "confidence", "label", "held_out", "note"]


class ReviewError(Exception):
    """The file cannot be used; the message says why and where."""


def read_messages(path: Path) -> List[str]:
    if not path.exists():
        raise ReviewError(f"{path} does not exist.")
    text = path.read_text(errors="replace")
    messages: List[str] = []
    if path.suffix in (".yml", ".yaml"):
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as error:
            raise ReviewError(f"{path} is not valid YAML: {error}") from None
        for block in data.get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    messages.append(line.strip()[2:].strip())
    else:
        messages = [line.strip() for line in text.splitlines()]
    seen, unique = set(), []
    for message in messages:
        key = normalise(message)
        if key and key not in seen:
            seen.add(key)
            unique.append(message)
    if not unique:
        raise ReviewError(f"{path} has no messages in it.")
    return unique


def suggest(messages: List[str]) -> List[Tuple[str, float]]:
    from training import model, nlu_eval

    agent = nlu_eval.load_agent(model.ensure())
    predictions = nlu_eval.predict(agent, [(m, "") for m in messages])
    return [(p.predicted, max(p.intent_confidence, p.answer_confidence)) for p in predictions]


def import_file(path: Path, with_suggestions: bool = True,
                out_dir: Path = REVIEWS) -> Path:
    messages = read_messages(path)
    suggestions = suggest(messages) if with_suggestions else [("", 0.0)] * len(messages)
    out_dir.mkdir(parents=True, exist_ok=True)
    sheet = out_dir / f"review-{date.today().isoformat()}.csv"
    number = 2
    while sheet.exists():
        sheet = out_dir / f"review-{date.today().isoformat()}-{number}.csv"
        number += 1
    with open(sheet, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for message, (suggested, confidence) in zip(messages, suggestions, strict=True):
            writer.writerow([message, suggested, f"{confidence:.2f}" if suggested else "",
                             "", "no", ""])
    return sheet


@dataclass
class Row:
    number: int
    message: str
    label: str
    held_out: bool


def known_topics(root: Path) -> Dict[str, Path]:
    """Each topic and the data file its examples live in."""
    headers = topic_lines(sorted((root / "data" / "nlu").glob("*.yml")))
    return {topic: header.path for topic, header in headers.items()}


def read_sheet(sheet: Path, root: Path) -> List[Row]:
    if not sheet.exists():
        raise ReviewError(f"{sheet} does not exist.")
    with open(sheet, newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"message", "label"} - set(reader.fieldnames or [])
        if missing:
            raise ReviewError(f"{sheet} has no {', '.join(sorted(missing))} column.")
        rows = list(reader)
    topics = known_topics(root)
    existing = {normalise(e.text): e for e in read_examples(
        sorted((root / "data" / "nlu").glob("*.yml")) + [root / "tests/nlu/held_out.yml"])}
    chosen, problems, seen = [], [], {}
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        message = " ".join((row.get("message") or "").split())
        label = (row.get("label") or "").strip()
        if not label or label.lower() == "skip" or not message:
            continue
        key = normalise(message)
        if label not in topics:
            problems.append(f"row {number}: {label!r} is not a topic or intent "
                            f"(for example {', '.join(list(topics)[:3])})")
        elif contains_contact_details(message):
            problems.append(f"row {number}: the message has a phone number or email in it; "
                            "remove it or skip the row")
        elif key in existing:
            e = existing[key]
            problems.append(f"row {number}: {message!r} is already an example of {e.topic} "
                            f"({e.path.name}:{e.line})")
        elif key in seen:
            problems.append(f"row {number}: {message!r} is also in row {seen[key]}")
        else:
            seen[key] = number
            chosen.append(Row(number, message, label,
                              (row.get("held_out") or "").strip().lower() in ("yes", "y")))
    if problems:
        raise ReviewError("Nothing was merged. Fix these rows and run merge again:\n  "
                          + "\n  ".join(problems))
    return chosen


def add_example(path: Path, topic: str, text: str) -> None:
    """Add `text` as the last example of `topic` in `path` (a new section if none)."""
    lines = path.read_text().splitlines()
    header = topic_lines([path]).get(topic)
    if header is None:
        lines += ["", f"- intent: {topic}", "  examples: |", f"    - {text}"]
    else:
        end = header.line  # the line after the header, counting from 0
        while end < len(lines) and (lines[end].startswith("  ") or not lines[end].strip()):
            end += 1
        while not lines[end - 1].strip():
            end -= 1
        lines.insert(end, f"    - {text}")
    path.write_text("\n".join(lines) + "\n")


def merge(sheet: Path, root: Path = ROOT) -> Tuple[int, int]:
    rows = read_sheet(sheet, root)
    topics = known_topics(root)
    for row in rows:
        target = root / "tests" / "nlu" / "held_out.yml" if row.held_out else topics[row.label]
        add_example(target, row.label, row.message)
    held_out = sum(row.held_out for row in rows)
    return len(rows) - held_out, held_out


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in ("import", "merge"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        if args[0] == "import":
            sheet = import_file(Path(args[1]))
            print(f"Review sheet: {sheet.relative_to(ROOT)}\nFill in the label column, "
                  f"then: make merge SHEET={sheet.relative_to(ROOT)}")
        else:
            trained, held_out = merge(Path(args[1]))
            print(f"Added {trained} training and {held_out} held-out examples. Next: "
                  "make validate, then make evaluate.")
    except ReviewError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
