"""Add a new FAQ topic in every place it belongs, for a trainer to fill in.

    python -m training.topic support_dogs         # make topic NAME=support_dogs

Adds, each marked TODO:
- a section of 15 example questions to data/nlu/faq.yml,
- the answer to data/responses/faq.yml, already ending with 0800 650 654 and a victim
  advisor and carrying the two buttons,
- 5 held-out questions to tests/nlu/held_out.yml,
- a test story to tests/stories/test_stories.yml,
- the question offered as a button when a message may be about it, to
  actions/topic_questions.yml.
`make validate` fails until every TODO is replaced with real words.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import List, Optional

from training.content_rules import topic_lines

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"^[a-z][a-z0-9_]{2,39}$")
FILES = {
    "examples": Path("data/nlu/faq.yml"),
    "answer": Path("data/responses/faq.yml"),
    "held_out": Path("tests/nlu/held_out.yml"),
    "story": Path("tests/stories/test_stories.yml"),
    "question": Path("actions/topic_questions.yml"),
}


class TopicError(Exception):
    """The topic cannot be added; the message says why."""


def existing_topics(root: Path) -> List[str]:
    headers = topic_lines([root / FILES["examples"]])
    return [topic[len("faq/"):] for topic in headers if topic.startswith("faq/")]


def check_name(name: str, root: Path) -> str:
    name = (name or "").strip()
    if not NAME.match(name):
        raise TopicError(
            f"{name!r} is not a usable topic name: use 3 to 40 lower-case letters, digits "
            "and underscores, starting with a letter (for example support_dogs).")
    if name in existing_topics(root):
        raise TopicError(f"There is already a topic called {name!r} in {FILES['examples']}.")
    return name


def add_topic(name: str, root: Path = ROOT) -> List[Path]:
    name = check_name(name, root)
    words = name.replace("_", " ")
    sections = {
        "examples": f"\n- intent: faq/{name}\n  examples: |\n" + "".join(
            f"    - TODO question {i} people ask about {words}\n" for i in range(1, 16)),
        "answer": (f"\n  utter_faq/{name}:\n  - text: |-\n"
                   f"      TODO: the answer about {words}, in your own words, every fact "
                   "from shared/content/knowledge.md.\n\n"
                   "      Call 0800 650 654 (free, 24/7) or talk to a victim advisor.\n"
                   "    buttons: *help_buttons\n"),
        "held_out": f"\n- intent: faq/{name}\n  examples: |\n" + "".join(
            f"    - TODO held-out question {i} about {words}, worded differently\n"
            for i in range(1, 6)),
        "story": (f"\n- story: {words}\n  steps:\n  - user: |\n"
                  f"      TODO a question about {words}\n"
                  f"    intent: faq/{name}\n  - action: utter_faq\n"),
        "question": f"{name}: TODO the question about {words}, as a person would tap it\n",
    }
    changed = []
    for part, relative in FILES.items():
        path = root / relative
        path.write_text(path.read_text().rstrip("\n") + "\n" + sections[part])
        changed.append(relative)
    return changed


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("Usage: make topic NAME=support_dogs", file=sys.stderr)
        return 2
    try:
        changed = add_topic(args[0])
    except TopicError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Added faq/{args[0]}. Replace every TODO in:")
    for path in changed:
        print(f"  {path}")
    print("then run `make validate`, and `make evaluate` to see how well it is understood.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
