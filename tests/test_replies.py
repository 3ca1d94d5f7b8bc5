"""Every reply the assistant can send offers 0800 650 654 and a victim advisor."""
import re

import pytest
from rasa.shared.importers.importer import TrainingDataImporter

from tests.conftest import ADVISOR, LINE, ROOT, SHARED

KNOWLEDGE = SHARED / "content" / "knowledge.md"


def all_responses():
    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data")]
    )
    responses = importer.get_domain().responses
    return [(name, i, variation) for name, variations in sorted(responses.items())
            for i, variation in enumerate(variations)]


RESPONSES = all_responses()
IDS = [f"{name}[{i}]" for name, i, _ in RESPONSES]


def test_the_domain_has_every_faq_answer():
    names = {name for name, _, _ in RESPONSES}
    assert len([n for n in names if n.startswith("utter_faq/")]) >= 20


@pytest.mark.parametrize("name, index, response", RESPONSES, ids=IDS)
def test_text_offers_the_line_and_an_advisor(name, index, response):
    text = response.get("text", "")
    assert LINE in text, f"{name} does not give {LINE}"
    assert ADVISOR.search(text), f"{name} does not offer a victim advisor"


@pytest.mark.parametrize("name, index, response", RESPONSES, ids=IDS)
def test_buttons_call_the_line(name, index, response):
    buttons = {b["title"]: b["payload"] for b in response.get("buttons", [])}
    assert buttons.get(f"Call {LINE}") == "tel:0800650654"


@pytest.mark.parametrize("name, index, response", RESPONSES, ids=IDS)
def test_phone_numbers_come_from_the_knowledge_base(name, index, response):
    knowledge = KNOWLEDGE.read_text()
    for number in re.findall(r"\b0800(?: \d{3}){2}\b|\b\d{3,4}\b", response.get("text", "")):
        assert number in knowledge, f"{name} mentions {number}, not in knowledge.md"


def test_advisor_button_is_offered_wherever_the_reply_is_not_the_advisor_offer():
    # The advisor offer itself, and the questions of the forms that reach an advisor or
    # delete the chat, say how to reach one in their text and offer the Call button.
    for name, _, response in RESPONSES:
        titles = [b["title"] for b in response.get("buttons", [])]
        if name != "utter_advisor" and not name.startswith("utter_ask_"):
            assert "Talk to a victim advisor" in titles, name


@pytest.mark.parametrize("name, index, response", RESPONSES, ids=IDS)
def test_form_questions_can_be_stopped(name, index, response):
    if name.startswith("utter_ask_") and name != "utter_ask_rephrase":
        titles = [b["title"] for b in response.get("buttons", [])]
        says_how = '"stop"' in response["text"]
        assert says_how or any(title.startswith("No,") for title in titles), name
