"""How easy an answer is to read: Flesch reading ease and sentence length (textstat).

Measured on an answer's main text: without its last paragraph, the offer of 0800 650 654
and a victim advisor that every answer ends with. Each line counts as a sentence of its
own, so a bulleted list is read as the separate points it is.
"""
from __future__ import annotations

import re
from typing import List

import textstat

MIN_READING_EASE = 70  # plain English: about a reading age of 12 (knowledge base)
MAX_SENTENCE_WORDS = 25
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_BULLET = re.compile(r"^\s*[•*-]\s*")


def main_text(answer: str) -> str:
    paragraphs = [p for p in answer.strip().split("\n\n") if p.strip()]
    if len(paragraphs) > 1 and "0800 650 654" in paragraphs[-1]:
        paragraphs = paragraphs[:-1]
    lines = []
    for paragraph in paragraphs:
        for line in paragraph.splitlines():
            line = _BULLET.sub("", line).strip()
            if line:
                lines.append(line if line[-1] in ".!?:" else line + ".")
    return "\n".join(lines)


def sentences(text: str) -> List[str]:
    return [s for line in text.splitlines() for s in _SENTENCE_END.split(line) if s.strip()]


def reading_ease(answer: str) -> float:
    return textstat.flesch_reading_ease(" ".join(main_text(answer).splitlines()))


def long_sentences(answer: str) -> List[str]:
    return [s for s in sentences(main_text(answer)) if len(s.split()) > MAX_SENTENCE_WORDS]
