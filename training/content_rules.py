"""Our own rules for the assistant's content, each failure naming the file and line to fix.

    python -m training.content_rules          # part of `make validate`

1. every topic (intent or FAQ topic) has at least 15 training examples,
2. and at least 5 held-out examples in tests/nlu/held_out.yml;
3. no example appears twice, or under two topics (held-out ones not in training);
4. every response offers 0800 650 654 and a victim advisor;
5. every response fits on a phone screen;
6. no response mentions a phone number that is not in the knowledge base;
7. no TODO left by `make topic`;
8. every FAQ topic has one question to offer as a button, and only FAQ topics do
   (actions/topic_questions.yml);
9. every reply that is unsure (not understood, out of scope, an error) says "If you are
   in danger, call 111", and the danger replies name 111 before any other number;
10. no crisis example (data/crisis/) appears twice, and none of the held-out crisis
   messages (tests/nlu/crisis_*.yml) is a crisis example or an NLU example of danger;
11. every FAQ answer is plain English: Flesch reading ease of at least 70 and no sentence
   over 25 words in its main text (training/readability.py).
"""
from __future__ import annotations

import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from training import readability

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT.parent / "shared" / "content" / "knowledge.md"
MIN_TRAINING = 15
MIN_HELD_OUT = 5
# About what a phone shows without scrolling in the chat panel.
MAX_RESPONSE_CHARS = 700
LINE = "0800 650 654"
QUESTIONS = Path("actions/topic_questions.yml")
ADVISOR = re.compile(r"advis[oe]r", re.I)
PHONE_NUMBER = re.compile(r"\b0800(?: \d{3}){2}\b|\b\d{3,4}\b")
# Replies for when the assistant is unsure, and the replies to danger.
UNSURE_REPLIES = {"utter_ask_rephrase", "utter_suggest_topics", "utter_misunderstood_twice",
                  "utter_default", "utter_out_of_scope", "utter_callback_not_saved",
                  "utter_conversation_not_deleted", "utter_stop_outside_form"}
SAFETY_NET = "If you are in danger, call 111"
DANGER_REPLIES = {"utter_crisis", "utter_check_safety", "utter_safety_note",
                  "utter_crisis_misread"}
EMERGENCY = "111"
_INTENT = re.compile(r"^- intent:\s*(\S+)\s*$")
_EXAMPLE = re.compile(r"^\s+- (.*)$")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        try:
            where = self.path.relative_to(ROOT)
        except ValueError:
            where = self.path
        return f"{where}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Example:
    text: str
    topic: str
    path: Path
    line: int


@dataclass(frozen=True)
class Response:
    name: str
    text: str
    path: Path
    line: int


def read_examples(paths: Iterable[Path]) -> List[Example]:
    """Examples as written in our NLU files (`- intent:` then `examples: |` lines)."""
    found = []
    for path in paths:
        topic, in_examples = None, False
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            header = _INTENT.match(line)
            if header:
                topic, in_examples = header.group(1), False
            elif topic and line.strip() == "examples: |":
                in_examples = True
            elif in_examples and _EXAMPLE.match(line):
                found.append(Example(_EXAMPLE.match(line).group(1).strip(), topic, path, number))
            elif line.strip() and not line.startswith("    "):
                in_examples = False
    return found


def topic_lines(paths: Iterable[Path]) -> Dict[str, Example]:
    """Where each topic's header is, as an Example with no text."""
    found = {}
    for path in paths:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            header = _INTENT.match(line)
            if header and header.group(1) not in found:
                found[header.group(1)] = Example("", header.group(1), path, number)
    return found


def read_responses(paths: Iterable[Path]) -> List[Response]:
    found = []
    for path in paths:
        data = YAML().load(path.read_text()) or {}
        responses = data.get("responses") or {}
        for name in responses:
            line = responses.lc.key(name)[0] + 1
            for variation in responses[name]:
                found.append(Response(name, str(variation.get("text", "")), path, line))
    return found


def normalise(text: str) -> str:
    return re.sub(r"[^\w ]", "", text.lower()).strip()


def check(root: Path = ROOT, knowledge: Path = KNOWLEDGE) -> List[Problem]:
    nlu_files = sorted((root / "data").rglob("*.yml"))
    held_out_file = root / "tests" / "nlu" / "held_out.yml"
    training = read_examples(nlu_files)
    held_out = read_examples([held_out_file]) if held_out_file.exists() else []
    responses = read_responses([root / "domain.yml"] + nlu_files)
    headers = topic_lines(nlu_files)
    problems: List[Problem] = []
    problems += enough_examples(training, headers)
    problems += enough_held_out(held_out, headers, held_out_file)
    problems += no_duplicates(training, held_out)
    problems += offers_line_and_advisor(responses)
    problems += fits_a_phone_screen(responses)
    problems += known_phone_numbers(responses, knowledge.read_text())
    problems += nothing_left_to_do(training + held_out, responses)
    problems += one_question_per_topic(root / QUESTIONS, headers)
    problems += safety_first(responses)
    problems += crisis_examples_held_out(root, training)
    problems += easy_to_read(responses)
    return problems


def per_topic(examples: List[Example]) -> Dict[str, int]:
    counts: Dict[str, int] = defaultdict(int)
    for example in examples:
        counts[example.topic] += 1
    return counts


def enough_examples(examples: List[Example], headers: Dict[str, Example]) -> List[Problem]:
    counts = per_topic(examples)
    return [Problem(header.path, header.line, f"{topic} has {counts[topic]} training "
                                              f"examples; it needs at least {MIN_TRAINING}")
            for topic, header in headers.items() if counts[topic] < MIN_TRAINING]


def enough_held_out(held_out: List[Example], headers: Dict[str, Example],
                    held_out_file: Path) -> List[Problem]:
    counts = per_topic(held_out)
    return [Problem(held_out_file, 1,
                    f"{topic} has {counts[topic]} held-out examples; add at least "
                    f"{MIN_HELD_OUT} (defined at {header.path.name}:{header.line})")
            for topic, header in headers.items() if counts[topic] < MIN_HELD_OUT]


def no_duplicates(training: List[Example], held_out: List[Example]) -> List[Problem]:
    problems, seen = [], {}
    for example in training:
        key = normalise(example.text)
        first: Optional[Example] = seen.get(key)
        if first is None:
            seen[key] = example
        elif first.topic == example.topic:
            problems.append(Problem(example.path, example.line,
                                    f"{example.text!r} appears twice (also line {first.line})"))
        else:
            problems.append(Problem(example.path, example.line,
                                    f"{example.text!r} is under {example.topic} and under "
                                    f"{first.topic} ({first.path.name}:{first.line})"))
    return problems + copied_into_training(held_out, seen)


def copied_into_training(held_out: List[Example], seen: Dict[str, Example]) -> List[Problem]:
    """Held-out examples found (normalised) among the training examples `seen`."""
    return [Problem(e.path, e.line, f"held-out {e.text!r} is also training data "
                                    f"({seen[normalise(e.text)].path.name}:"
                                    f"{seen[normalise(e.text)].line}); held-out examples "
                                    "must be new")
            for e in held_out if normalise(e.text) in seen]


def offers_line_and_advisor(responses: List[Response]) -> List[Problem]:
    return [Problem(r.path, r.line, f"{r.name} must offer {LINE} and a victim advisor")
            for r in responses if LINE not in r.text or not ADVISOR.search(r.text)]


def fits_a_phone_screen(responses: List[Response]) -> List[Problem]:
    return [Problem(r.path, r.line, f"{r.name} is {len(r.text)} characters; keep it under "
                                    f"{MAX_RESPONSE_CHARS} so it fits a phone screen")
            for r in responses if len(r.text) > MAX_RESPONSE_CHARS]


def known_phone_numbers(responses: List[Response], knowledge: str) -> List[Problem]:
    return [Problem(r.path, r.line, f"{r.name} mentions {number}, which is not in "
                                    "the knowledge base")
            for r in responses for number in PHONE_NUMBER.findall(r.text)
            if number not in knowledge]


def nothing_left_to_do(examples: List[Example], responses: List[Response]) -> List[Problem]:
    return ([Problem(e.path, e.line, f"replace the TODO with a real example: {e.text!r}")
             for e in examples if "TODO" in e.text]
            + [Problem(r.path, r.line, f"{r.name}: replace the TODO with the real answer")
               for r in responses if "TODO" in r.text])


def one_question_per_topic(path: Path, headers: Dict[str, Example]) -> List[Problem]:
    if not path.exists():
        return [Problem(path, 1, "the file of topic questions is missing")]
    try:
        questions = YAML().load(path.read_text()) or {}
    except YAMLError as error:
        return [Problem(path, 1, f"not valid YAML: {str(error).splitlines()[0]}")]
    if not isinstance(questions, dict):
        return [Problem(path, 1, "write one line per topic: `topic_name: The question?`")]
    problems = [Problem(header.path, header.line,
                        f"{topic} has no question in {QUESTIONS}, to offer as a button")
                for topic, header in headers.items()
                if topic.startswith("faq/") and topic[len("faq/"):] not in questions]
    for topic in questions:
        line = questions.lc.key(topic)[0] + 1
        question = str(questions[topic] or "")
        if f"faq/{topic}" not in headers:
            problems.append(Problem(path, line, f"{topic} is not an FAQ topic in data/"))
        elif "TODO" in question or not question.strip():
            problems.append(Problem(path, line, f"{topic}: replace the TODO with the "
                                                "question, as a person would tap it"))
    return problems


def safety_first(responses: List[Response]) -> List[Problem]:
    problems = [Problem(r.path, r.line, f"{r.name} is an unsure reply: say "
                                        f"\"{SAFETY_NET}.\" in it")
                for r in responses if r.name in UNSURE_REPLIES and SAFETY_NET not in r.text]
    for r in responses:
        numbers = PHONE_NUMBER.findall(r.text)
        if r.name in DANGER_REPLIES and (not numbers or numbers[0] != EMERGENCY):
            problems.append(Problem(r.path, r.line, f"{r.name} must name {EMERGENCY} "
                                                    "before any other number"))
    return problems


def easy_to_read(responses: List[Response]) -> List[Problem]:
    problems = []
    for r in responses:
        if not r.name.startswith("utter_faq/") or "TODO" in r.text:
            continue  # an answer still to write is named by the TODO rule
        ease = readability.reading_ease(r.text)
        if ease < readability.MIN_READING_EASE:
            problems.append(Problem(r.path, r.line, f"{r.name} scores {ease:.0f} for reading "
                                    f"ease; make it at least {readability.MIN_READING_EASE} "
                                    "(shorter sentences, shorter words)"))
        problems += [Problem(r.path, r.line, f"{r.name}: this sentence has "
                                             f"{len(s.split())} words, over "
                                             f"{readability.MAX_SENTENCE_WORDS}: {s!r}")
                     for s in readability.long_sentences(r.text)]
    return problems


def crisis_examples_held_out(root: Path, training: List[Example]) -> List[Problem]:
    """Crisis examples are unique, and held-out crisis messages are not training data."""
    def read(paths: Iterable[Path]) -> List[Example]:
        found = []
        for path in paths:
            data = YAML().load(path.read_text()) or {}
            for side in ("crisis", "calm"):
                groups = data.get(side) or {}
                if isinstance(groups, list):
                    groups = {side: groups}
                for category, texts in groups.items():
                    found += [Example(str(text), category, path, texts.lc.item(i)[0] + 1)
                              for i, text in enumerate(texts or [])]
        return found

    danger = [e for e in training if e.topic in ("crisis", "possible_danger")]
    problems, seen = [], {normalise(e.text): e for e in danger}
    for example in read(sorted((root / "data" / "crisis").glob("*.yml"))):
        first = seen.setdefault(normalise(example.text), example)
        if first is not example:
            problems.append(Problem(example.path, example.line, f"{example.text!r} is also "
                                    f"at {first.path.name}:{first.line}"))
    held_out = read(sorted((root / "tests" / "nlu").glob("crisis_*.yml")))
    return problems + copied_into_training(held_out, seen)


def main() -> int:
    problems = check()
    for problem in problems:
        print(problem)
    if problems:
        print(f"\n{len(problems)} problem{'s' if len(problems) > 1 else ''} to fix.")
        return 1
    print("All content rules pass.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
