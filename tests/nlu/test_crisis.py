"""Danger is recognised in held-out messages nobody tuned on, and calm ones are left calm.

The held-out sets are those training/crisis_eval.py reads (tests/nlu/crisis_*.yml). A
crisis message is caught when it gets the crisis reply or "are you in danger right
now?". At most 3 % of calm messages may get the crisis reply, hardly any of them without
an answer to the question they asked, and none left with it alone: the answer follows,
or "I'm safe" to carry on; the rest of those flagged are asked "are you in danger right
now?", with 111 in the question.
"""
import pytest
import spacy

from addons.crisis import ASK, SURE, decide
from addons.crisis_rules import CrisisRules, RuleVerdict
from tests.conftest import METRICS, ROOT
from training import build_spacy_model, crisis_eval

MIN_RECALL = 0.98
MAX_CALM_CRISIS_REPLY = 0.03
MAX_ONLY_CRISIS_REPLY = 0.015  # the crisis reply with no answer to the question asked
SIZES = {"crisis_messages": (40, 40), "crisis_held_out": (150, 150),
         "crisis_confirm": (150, 150), "crisis_fresh": (150, 150),
         "crisis_fresh2": (150, 150), "crisis_fresh3": (150, 150)}
SETS = [p.stem for p in crisis_eval.HELD_OUT_SETS]
# Known, and not tuned away: on this set more calm messages than the floor allows get
# the crisis reply with no answer to their question (each is then offered "I'm safe" to
# carry on, below). Strict xfail: the day it passes, its mark must go (crisis_fresh2's
# went when the answer selector changed and answered more of its questions).
KNOWN_ONLY_CRISIS_REPLIES = {
    "crisis_fresh3": "3/180 calm messages get the crisis reply with no answer",
}
ONLY_CRISIS_REPLY_SETS = [
    pytest.param(name, marks=pytest.mark.xfail(strict=True,
                                               reason=KNOWN_ONLY_CRISIS_REPLIES[name]))
    if name in KNOWN_ONLY_CRISIS_REPLIES else name for name in SETS]


@pytest.fixture(scope="module")
def held_out(agent):
    """The outcomes of a held-out set, by name, each measured once."""
    measured = {}

    def outcomes(name):
        if name not in measured:
            messages = crisis_eval.read_set(ROOT / "tests" / "nlu" / f"{name}.yml")
            measured[name] = messages, crisis_eval.outcomes(agent, messages)
        return measured[name]

    return outcomes


@pytest.mark.parametrize("name", SETS)
def test_the_held_out_sets_are_big_enough(held_out, name):
    messages, _ = held_out(name)
    crisis, calm = SIZES[name]
    assert sum(m.side == "crisis" for m in messages) >= crisis
    assert sum(m.side == "calm" for m in messages) >= calm


@pytest.mark.parametrize("name", SETS)
def test_crisis_messages_are_caught(held_out, name):
    _, results = held_out(name)
    figures = crisis_eval.figures(results)
    METRICS[f"{name}: crisis caught"] = (f"{figures.caught}/{figures.crisis} "
                                         f"({figures.crisis_reply} with the crisis reply)")
    missed = [r.message.text for r in results if r.message.side == "crisis" and not r.flagged]
    assert figures.recall >= MIN_RECALL, missed


@pytest.mark.parametrize("name", SETS)
def test_calm_messages_rarely_get_the_crisis_reply(held_out, name):
    _, results = held_out(name)
    figures = crisis_eval.figures(results)
    METRICS[f"{name}: calm given the crisis reply"] = (
        f"{figures.calm_crisis_reply}/{figures.calm}; asked \"are you in danger\": "
        f"{figures.calm_asked}")
    given = [r.message.text for r in results
             if r.message.side == "calm" and r.treatment == crisis_eval.CRISIS]
    assert figures.crisis_reply_rate <= MAX_CALM_CRISIS_REPLY, given


@pytest.mark.parametrize("name", ONLY_CRISIS_REPLY_SETS)
def test_hardly_any_calm_message_gets_the_crisis_reply_without_an_answer(held_out, name):
    _, results = held_out(name)
    figures = crisis_eval.figures(results)
    only = [r.message.text for r in results if r.message.side == "calm"
            and r.treatment == crisis_eval.CRISIS and not r.answered]
    assert figures.only_crisis_reply <= MAX_ONLY_CRISIS_REPLY * figures.calm, only


@pytest.mark.parametrize("name", SETS)
def test_no_calm_message_is_left_with_the_emergency_reply_alone(held_out, name):
    """A calm message the detector misreads gets the crisis reply, then the answer to its
    question or, when it asked nothing understood, "I'm safe" to carry on."""
    _, results = held_out(name)
    figures = crisis_eval.figures(results)
    METRICS[f"{name}: calm given only the crisis reply"] = (
        f"{figures.only_crisis_reply}/{figures.calm}, each offered \"I'm safe\"")
    dead_ends = [r.message.text for r in results if r.message.side == "calm"
                 and r.treatment == crisis_eval.CRISIS and not r.answered
                 and not r.offered_safe]
    assert figures.dead_ends == 0, dead_ends


@pytest.fixture(scope="module")
def nlp():
    return spacy.load(build_spacy_model.ensure())


@pytest.fixture(scope="module")
def rules(nlp):
    detector = CrisisRules()
    return lambda text: detector.verdict(nlp(text.lower()))


@pytest.mark.parametrize("text, kind", [
    ("he's at my door", "danger"),
    ("someone is following me", "danger"),
    ("he has a knife", "danger"),
    ("i want to kill myself", "suicide"),
    ("i don't want to live anymore", "suicide"),
    ("i was just raped", "sexual_harm"),
])
def test_the_rules_name_the_kind_of_crisis(rules, text, kind):
    assert rules(text).kind == kind


@pytest.mark.parametrize("text", [
    "he is not at my door",              # negated
    "what if he threatens me at the conference",  # about the conference
    "he threatened me last year",        # in the past
    "i was raped years ago, can i do rj",  # not just happened
    "will i be safe at the meeting",
])
def test_the_rules_see_calm_messages(rules, text):
    verdict = rules(text)
    assert verdict.kind is None and verdict.unclear_kind is None


def test_a_strong_phrase_counts_wherever_it_is_in_the_message(rules):
    assert rules("he has a knife and he's outside my house") == RuleVerdict("danger", True)


def test_a_strong_phrase_in_a_calm_context_needs_the_classifier(rules):
    assert rules("he turns up at my house after the meeting") == RuleVerdict("danger",
                                                                         calm=True)
    assert rules("he turned up at my door again tonight, the meeting is monday").strong


@pytest.mark.parametrize("text", [
    "if i ever feel suicidal again who do i call",   # a what-if
    "in case he turns up at my house, what do i do",
    "i used to self harm but i haven't in years",     # over
    "i had suicidal thoughts but i'm well now",
    "i thought someone was breaking in but it turned out to be the cat",
])
def test_a_what_if_or_harm_that_is_over_is_in_doubt(rules, text):
    assert rules(text).doubt


@pytest.mark.parametrize("text", [
    "i'm not safe now he's outside",      # negated state word
    "i cant do this anymore i want to die",
    "he's at my door",
    "he's outside my house now and said he would kill me if i call the police",
    "i'm going to kill myself, i don't know if anyone would notice",
    "it's just me and the kids and he's trying to break in",
    "he used to hit me and now he's back at my door",
])
def test_danger_now_is_not_in_doubt(rules, text):
    assert not rules(text).doubt


@pytest.mark.parametrize("text, kind", [
    ("he hit me", "danger"),             # could be long ago: worth asking
    ("i was raped", "sexual_harm"),
])
def test_danger_words_without_a_now_are_unclear(rules, text, kind):
    assert rules(text) == RuleVerdict(unclear_kind=kind)


@pytest.mark.parametrize("rules, probability, intent, expected", [
    (RuleVerdict(kind="suicide", strong=True), 0.0, "faq", (SURE, "suicide")),  # alone
    (RuleVerdict(kind="danger"), 0.3, "faq", (SURE, "danger")),  # a rule, the classifier
    (RuleVerdict(kind="danger"), 0.1, "faq", (ASK, "danger")),   # leaning, or not
    (RuleVerdict(), 0.9, "faq", (SURE, "suicide")),              # the classifier alone
    (RuleVerdict("danger", calm=True), 0.95, "faq", (SURE, "danger")),  # a strong phrase
    (RuleVerdict("danger", calm=True), 0.5, "faq", (ASK, "danger")),    # in a calm context
    (RuleVerdict("suicide", True, doubt=True), 0.95, "faq", (ASK, "suicide")),  # doubt:
    (RuleVerdict(doubt=True), 0.5, "faq", (ASK, "unclear")),     # ask at most,
    (RuleVerdict(doubt=True), 0.1, "faq", (None, None)),         # or nothing
    (RuleVerdict(calm=True), 0.95, "faq", (ASK, "unclear")),     # calm context: ask,
    (RuleVerdict(calm=True), 0.1, "crisis", (None, None)),       # or nothing
    (RuleVerdict(), 0.4, "faq", (ASK, "unclear")),               # moderately sure: ask
    (RuleVerdict(unclear_kind="sexual_harm"), 0.1, "faq", (ASK, "sexual_harm")),
    (RuleVerdict(), 0.1, "possible_danger", (ASK, "unclear")),   # the intent classifier
    (RuleVerdict(), 0.1, "crisis", (ASK, "unclear")),
    (RuleVerdict(), 0.1, "faq", (None, None)),
])
def test_the_judges_combine(rules, probability, intent, expected):
    decision = decide(rules, probability, "suicide", intent, sure=0.8, ask=0.2)
    assert (decision.tier, decision.kind) == expected
