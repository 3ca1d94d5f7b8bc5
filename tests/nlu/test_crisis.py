"""Every held-out crisis message is treated as a crisis; calm ones are not."""
from pathlib import Path

import pytest
import spacy
import yaml

from addons.crisis import CrisisDetector
from tests.conftest import METRICS
from tools import build_spacy_model, nlu_eval

MESSAGES = yaml.safe_load((Path(__file__).parent / "crisis_messages.yml").read_text())
MAX_CALM_TREATED_AS_CRISIS = 1


def treated_as_crisis(agent, texts):
    predictions = nlu_eval.predict(agent, [(text, "crisis") for text in texts])
    return [p.text for p in predictions if p.predicted == "crisis"]


def test_the_held_out_sets_are_big_enough():
    assert len(MESSAGES["crisis"]) >= 40 and len(MESSAGES["calm"]) >= 40


def test_every_crisis_message_is_treated_as_a_crisis(agent):
    caught = treated_as_crisis(agent, MESSAGES["crisis"])
    missed = sorted(set(MESSAGES["crisis"]) - set(caught))
    METRICS["crisis recall"] = f"{len(caught)}/{len(MESSAGES['crisis'])}"
    assert not missed


def test_calm_messages_about_safety_at_the_conference_are_not_crises(agent):
    flagged = treated_as_crisis(agent, MESSAGES["calm"])
    METRICS["calm messages treated as crisis"] = f"{len(flagged)}/{len(MESSAGES['calm'])}"
    assert len(flagged) <= MAX_CALM_TREATED_AS_CRISIS, flagged


@pytest.fixture(scope="module")
def nlp():
    return spacy.load(build_spacy_model.ensure())


@pytest.fixture(scope="module")
def rules(nlp):
    detector = CrisisDetector()
    return lambda text: detector.crisis_kind(nlp(text.lower()))


@pytest.mark.parametrize("text, kind", [
    ("he's at my door", "danger"),
    ("someone is following me", "danger"),
    ("he has a knife", "danger"),
    ("i want to kill myself", "suicide"),
    ("i don't want to live anymore", "suicide"),
    ("i was just raped", "sexual_harm"),
])
def test_the_rules_name_the_kind_of_crisis(rules, text, kind):
    assert rules(text) == kind


@pytest.mark.parametrize("text", [
    "he is not at my door",              # negated
    "what if he threatens me at the conference",  # about the conference
    "he threatened me last year",        # in the past
    "he hit me",                         # could be long ago: "just" would make it one
    "i was raped years ago, can i do rj",  # not just happened
    "will i be safe at the meeting",
])
def test_the_rules_leave_calm_messages_alone(rules, text):
    assert rules(text) is None


def test_a_calm_verdict_overrules_the_classifier_and_a_crisis_phrase_overrules_it_too(nlp):
    from rasa.shared.nlu.training_data.message import Message

    detector = CrisisDetector()

    def run(text, intent):
        message = Message(data={"text": text, "text_spacy_doc": nlp(text),
                                "intent": {"name": intent, "confidence": 0.9},
                                "intent_ranking": [{"name": intent, "confidence": 0.9}]})
        return detector.process([message])[0]

    calm = run("he is not at my door anymore", "crisis")
    assert calm.get("intent")["name"] == "nlu_fallback"
    danger = run("he is at my door", "faq")
    assert danger.get("intent") == {"name": "crisis", "confidence": 1.0}
    assert {"entity": "crisis_kind", "value": "danger"}.items() <= danger.get("entities")[0].items()
    unrelated = run("is it free", "faq")
    assert unrelated.get("intent")["name"] == "faq"
