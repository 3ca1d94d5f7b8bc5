"""Every reply offers the line and an advisor as buttons too. (That every reply's text
does, and mentions only known numbers, is a content rule: tests/training/test_content_rules.py.)"""
import pytest
from rasa.shared.importers.importer import TrainingDataImporter

from tests.conftest import LINE, ROOT


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
def test_buttons_call_the_line(name, index, response):
    buttons = {b["title"]: b["payload"] for b in response.get("buttons", [])}
    assert buttons.get(f"Call {LINE}") == "tel:0800650654"


# The advisor offers themselves, and the replies while the person waits for or chats
# with an advisor: they offer the chat, a callback or the way out of the chat instead.
ADVISOR_OFFERS = {"utter_advisor", "utter_advisor_live", "utter_live_chat_unavailable",
                  "utter_live_chat_waiting", "utter_live_chat_already",
                  "utter_live_chat_joined"}


def test_advisor_button_is_offered_wherever_the_reply_is_not_the_advisor_offer():
    # The questions of the forms that reach an advisor or delete the chat say how to
    # reach one in their text and offer the Call button.
    for name, _, response in RESPONSES:
        titles = [b["title"] for b in response.get("buttons", [])]
        if name not in ADVISOR_OFFERS and not name.startswith("utter_ask_"):
            assert "Talk to a victim advisor" in titles, name


def test_the_advisor_offers_reach_an_advisor_another_way():
    ways = {"Chat with an advisor now", "Ask an advisor to contact me", "End chat",
            "Leave the queue"}
    for name, _, response in RESPONSES:
        if name in ADVISOR_OFFERS:
            assert ways & {b["title"] for b in response.get("buttons", [])}, name


@pytest.mark.parametrize("name, index, response", RESPONSES, ids=IDS)
def test_form_questions_can_be_stopped(name, index, response):
    if name.startswith("utter_ask_") and name != "utter_ask_rephrase":
        titles = [b["title"] for b in response.get("buttons", [])]
        says_how = '"stop"' in response["text"]
        assert says_how or any(title.startswith("No,") for title in titles), name
