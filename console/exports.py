"""Conversations as CSV or JSON, and messages not understood as Rasa NLU YAML."""
from __future__ import annotations

import csv
import io
import json
from typing import Dict, Iterable, List

from console.queries import Turn

CSV_FIELDS = ["conversation", "at", "speaker", "advisor", "text", "topic", "confidence",
              "crisis", "not_understood", "clicked", "buttons"]


def rows(conversations: Dict[str, List[Turn]]) -> Iterable[dict]:
    for conversation, turns in conversations.items():
        for turn in turns:
            yield {"conversation": conversation, "at": turn.at.isoformat(),
                   "speaker": turn.speaker, "advisor": turn.advisor or "",
                   "text": turn.text, "topic": turn.topic or "",
                   "confidence": "" if turn.confidence is None else round(turn.confidence, 3),
                   "crisis": turn.crisis, "not_understood": turn.not_understood,
                   "clicked": turn.clicked, "buttons": " | ".join(turn.buttons)}


def safe_cell(value: object) -> object:
    # A cell starting with = + - @ is run as a formula by spreadsheet programs.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def as_csv(conversations: Dict[str, List[Turn]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for row in rows(conversations):
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return out.getvalue()


def as_json(conversations: Dict[str, List[Turn]]) -> str:
    return json.dumps([{"conversation": c, "turns": [
        {k: v for k, v in row.items() if k != "conversation"}
        for row in rows({c: turns})]} for c, turns in conversations.items()],
        ensure_ascii=False, indent=2)


def as_nlu_yaml(texts: List[str]) -> str:
    lines = ['version: "3.1"',
             "# Messages the assistant did not understand, or answered with low confidence.",
             "# Move each example under the intent or FAQ topic it belongs to (see",
             "# docs/TRAINING.md); delete any that contain personal details.",
             "nlu:", "- intent: to_label", "  examples: |"]
    for text in texts:
        one_line = " ".join(text.split())
        if one_line:
            lines.append(f"    - {one_line}")
    return "\n".join(lines) + "\n"
