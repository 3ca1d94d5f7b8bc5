"""When a message is not understood, offer the topics it most likely meant.

The ResponseSelector still ranks the FAQ topics for a message the assistant was too
unsure to answer. Rather than only asking the person to rephrase, offer the likeliest
topics (at most two, each with a fair chance) as buttons: one tap sends that topic's
question (actions/topic_questions.yml). With no likely topic, the usual request to
rephrase, with the general topics, is sent instead.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Mapping, Text

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from records.parsed_message import FAQ, ParsedMessage

QUESTIONS_FILE = Path(__file__).with_name("topic_questions.yml")
MOST = 2
# Below this, a topic is a guess rather than a likely meaning. The answer itself needs
# 0.3 (config.yml), so what is offered here is what the assistant would not answer.
LEAST_CONFIDENCE = 0.15
# Also needed: the message must look like a question about restorative justice at all.
LEAST_FAQ_CONFIDENCE = 0.2


def load_questions(path: Path = QUESTIONS_FILE) -> Dict[str, str]:
    questions = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {f"faq/{topic}": question for topic, question in questions.items()}


def likely_topics(parse_data: Mapping[str, Any], questions: Mapping[str, str]) -> List[str]:
    """The FAQ topics the message most likely meant, best first, that have a question."""
    message = ParsedMessage.of(parse_data)
    faq = message.ranked_confidence(FAQ)
    if faq is None or faq < LEAST_FAQ_CONFIDENCE:
        return []
    topics = [r.name for r in message.faq_ranking
              if r.confidence >= LEAST_CONFIDENCE and r.name in questions]
    return topics[:MOST]


class ActionSuggestTopics(Action):
    def __init__(self) -> None:
        self.questions = load_questions()

    def name(self) -> Text:
        return "action_suggest_topics"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        topics = likely_topics(tracker.latest_message, self.questions)
        if not topics:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        # The template's text and buttons (the line and an advisor) come from the
        # domain; the suggestions go first, where a thumb finds them.
        template = domain["responses"]["utter_suggest_topics"][0]
        suggestions = [{"title": self.questions[t], "payload": self.questions[t]}
                       for t in topics]
        dispatcher.utter_message(text=template["text"],
                                 buttons=suggestions + template.get("buttons", []))
        return []
