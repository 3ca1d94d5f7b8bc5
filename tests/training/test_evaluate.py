"""The evaluation report: per-topic figures, confusion matrix, misclassified examples, and
a comparison that points out regressions."""
import csv
import json

from training import evaluate


def metrics(accuracy, cost_f1, cv_f1):
    return {"created": "2026-11-24 10:00 UTC", "model": "rj-x.tar.gz", "folds": 5,
            "held_out": {"accuracy": accuracy, "examples": 200, "wrong": 20, "not_understood": 12,
                         "offered_the_right_topic": 7, "per_topic": {
                "faq/cost": {"precision": 1.0, "recall": cost_f1, "f1": cost_f1, "support": 5},
                "greet": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 5}}},
            "cross_validation": {"intents": {"accuracy": .9, "weighted_f1": cv_f1},
                                 "faq_answers": {"accuracy": .8, "weighted_f1": .8}},
            "stories": {"stories": 40, "failed": 0, "ok": True},
            "dev_set": {"passed": 30, "failed": 0}}


def test_regressions_are_pointed_out():
    lines = evaluate.compare(metrics(.85, .6, .80), metrics(.90, .9, .81))
    assert any("Held-out accuracy: 90.0% → 85.0% (-5.0%) **REGRESSION**" in line for line in lines)
    assert any("faq/cost: F1 0.90 → 0.60 **REGRESSION**" in line for line in lines)
    # -1 point is noise
    assert not any("intents" in line and "REGRESSION" in line for line in lines)
    assert evaluate.compare(metrics(.9, .9, .8), None) == ["No previous report to compare with."]


def test_the_summary_has_every_measure_and_the_weakest_topics():
    text = evaluate.summary(metrics(.9, .6, .8), ["No change."])
    for expected in ["Held-out accuracy | 90.0% of 200", "5-fold cross-validation, intents",
                     "FAQ answer selection", "Test stories | 40 of 40 pass",
                     "Dev question set | 30 passed, 0 failed", "| faq/cost | 1.00 | 0.60 | 0.60",
                     "offered the right topic as a button | 7 of 12"]:
        assert expected in text


def test_held_out_writes_per_topic_figures_a_confusion_matrix_and_the_misses(model_path,
                                                                             tmp_path):
    found = evaluate.held_out(model_path, tmp_path)
    assert 0.5 < found["accuracy"] <= 1 and found["examples"] >= 200
    rows = list(csv.DictReader(open(tmp_path / "per_topic.csv")))
    assert {"faq/cost", "greet", "crisis"} <= {r["topic"] for r in rows}
    assert (tmp_path / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"
    misses = (tmp_path / "misclassified.md").read_text()
    assert misses.count("\n| ") == found["wrong"] + 1  # a header row and one per miss
    assert "| Offered |" in misses
    assert 0 <= found["offered_the_right_topic"] <= found["not_understood"] <= found["wrong"]
    json.dumps(found)  # the figures go into metrics.json
