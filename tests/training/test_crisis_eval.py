"""The crisis report: held-out sets by kind with the messages missed, and cross-validation
on the training examples, which must keep the recall floor too."""
from tests.conftest import METRICS
from tests.training.test_evaluate import metrics
from training import crisis_eval, evaluate


def test_cross_validation_judges_every_training_example_and_keeps_the_floor():
    results = crisis_eval.cross_validate(folds=5)
    figures = crisis_eval.figures(results)
    assert figures.crisis >= 400 and figures.calm >= 400
    METRICS["crisis cross-validation"] = (
        f"caught {figures.caught}/{figures.crisis}; calm given the crisis reply "
        f"{figures.calm_crisis_reply}/{figures.calm}")
    assert figures.recall >= 0.98
    assert figures.crisis_reply_rate <= 0.03


def test_the_report_has_each_set_by_kind_with_the_messages_missed(agent):
    text, found = crisis_eval.report(agent, folds=0)
    for path in crisis_eval.HELD_OUT_SETS:
        assert f"### Held out: tests/nlu/{path.name}" in text
        assert found[path.stem]["crisis"] > 0
    assert "| crisis: suicide_passive |" in text and "| calm: idioms |" in text
    assert "missed" in text


def test_the_summary_shows_the_crisis_figures():
    figures = {"crisis_held_out": vars(crisis_eval.Figures(
        crisis=181, caught=180, crisis_reply=160, calm=169, false_alarms=30,
        calm_crisis_reply=2, only_crisis_reply=0))}
    text = evaluate.summary({**metrics(.9, .6, .8), "crisis": figures}, ["No change."])
    assert ("| Crisis, crisis held out | caught 180/181; calm given the crisis reply 2/169, "
            "asked \"are you in danger\" 28 (crisis.md) |") in text
