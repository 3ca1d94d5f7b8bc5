"""How well does the assistant understand? Everything measured, in one report.

    python -m training.evaluate [--folds 5] [--update-baseline]     # make evaluate

Trains if needed, then measures:
1. held-out accuracy, with precision, recall and F1 per topic, a confusion matrix and
   every misclassified example (tests/nlu/held_out.yml);
2. 5-fold cross-validation of the intents and of the FAQ answer selection (rasa test nlu);
3. the test stories (rasa test core);
4. the dev question set, through the running assistant's REST channel;
5. crisis detection: recall and calm false alarms per kind on the held-out crisis sets,
   and cross-validated on its training examples (training/crisis_eval.py);
6. the answer selector config.yml uses (addons/answer_selector.py, without TensorFlow)
   side by side with Rasa's TensorFlow ResponseSelector as it was configured before:
   held-out accuracy, time to load the model and per message (trains a model with
   config.yml's answer selector swapped for it).
Writes reports/latest/ (summary.md, metrics.json, per_topic.csv, confusion_matrix.png,
misclassified.md, crisis.md) after moving the last report to reports/previous/, and
compares the two, pointing out regressions. --update-baseline makes this held-out
accuracy the one the regression guard in `make test` compares against (tests/nlu/baseline.json).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from devtools import processes
from serving.settings import settings
from training import crisis_eval, model, nlu_eval

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
BASELINE = ROOT / "tests" / "nlu" / "baseline.json"
SHARED = ROOT.parent / "shared"
REGRESSION = 0.02  # a drop of more than this is called a regression
QUIET_ENV = {**os.environ, **processes.QUIET_ENV}


def step(number: int, total: int, text: str) -> None:
    print(f"[{number}/{total}] {text}", flush=True)


def held_out(model_path: Path, out: Path) -> Dict:
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    agent = nlu_eval.load_agent(model_path)
    predictions = nlu_eval.predict(agent, nlu_eval.labelled_examples())
    expected = [p.expected for p in predictions]
    # "not sure" for an out-of-scope message is right (see training/nlu_eval.py)
    predicted = [p.expected if p.correct else p.predicted for p in predictions]
    labels = sorted(set(expected) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=labels, zero_division=0)
    per_topic = {label: {"precision": round(float(p), 3), "recall": round(float(r), 3),
                         "f1": round(float(f), 3), "support": int(s)}
                 for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)}
    with open(out / "per_topic.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["topic", "precision", "recall", "f1", "held-out examples"])
        for label, m in per_topic.items():
            writer.writerow([label, m["precision"], m["recall"], m["f1"], m["support"]])
    draw_confusion_matrix(confusion_matrix(expected, predicted, labels=labels), labels,
                          out / "confusion_matrix.png")
    wrong = [p for p in predictions if not p.correct]
    (out / "misclassified.md").write_text(
        "# Held-out examples the assistant got wrong\n\n\"Offered\" is what a message not "
        "understood was offered as buttons instead.\n\n| Example | Expected | Got | "
        "Intent confidence | Answer confidence | Offered |\n|---|---|---|---:|---:|---|\n"
        + "".join(f"| {p.text.replace('|', '/')} | {p.expected} | {p.predicted} | "
                  f"{p.intent_confidence:.2f} | {p.answer_confidence:.2f} | "
                  f"{', '.join(p.offered)} |\n" for p in wrong))
    not_understood, offered_right = nlu_eval.not_understood_counts(predictions)
    return {"accuracy": nlu_eval.accuracy(predictions), "examples": len(predictions),
            "wrong": len(wrong), "per_topic": per_topic,
            "not_understood": not_understood, "offered_the_right_topic": offered_right}


def draw_confusion_matrix(matrix, labels: List[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    size = max(8, len(labels) * 0.32)
    figure, axes = plt.subplots(figsize=(size, size))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    axes.set_yticks(range(len(labels)), labels, fontsize=7)
    axes.set_xlabel("predicted")
    axes.set_ylabel("expected")
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                axes.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=6,
                          color="white" if i == j else "black")
    axes.set_title("Held-out examples: expected against predicted")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def cross_validation(folds: int, out: Path) -> Dict:
    target = out / "cross_validation"
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "test", "nlu", "--nlu", "data", "--config",
         "config.yml", "--cross-validation", "--folds", str(folds), "--out", str(target)],
        cwd=ROOT, capture_output=True, text=True, env=QUIET_ENV)
    if result.returncode != 0:
        raise RuntimeError("Cross-validation failed:\n" + result.stderr[-2000:])
    found = {}
    for name, key in [("intent_report.json", "intents"),
                      ("response_selection_report.json", "faq_answers")]:
        path = target / name
        if path.exists():
            report = json.loads(path.read_text())
            found[key] = {"accuracy": report.get("accuracy"),
                          "weighted_f1": report["weighted avg"]["f1-score"]}
    return found


def test_stories(model_path: Path, out: Path) -> Dict:
    target = out / "stories"
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "test", "core", "--model", str(model_path),
         "--stories", "tests/stories/test_stories.yml", "--out", str(target)],
        cwd=ROOT, capture_output=True, text=True, env=QUIET_ENV)
    failed_file = target / "failed_test_stories.yml"
    failed = failed_file.read_text().count("- story:") if failed_file.exists() else 0
    total = (ROOT / "tests/stories/test_stories.yml").read_text().count("- story:")
    return {"stories": total, "failed": failed, "ok": result.returncode == 0 and not failed}


def dev_set(model_path: Path) -> Dict:
    stack = processes.development(model_path, REPORTS / "logs" / "make-run.log", env={
        "DATABASE_URL": f"sqlite:///{tempfile.mkdtemp()}/evaluate.db"})
    try:
        with stack:
            result = subprocess.run(
                [sys.executable, str(SHARED / "eval" / "run_eval.py"),
                 str(SHARED / "eval" / "dev_questions.yml"), "--url", settings().rest_url],
                cwd=ROOT, capture_output=True, text=True)
    except processes.StartError as error:
        return {"skipped": str(error)}
    found = re.search(r"(\d+) passed, (\d+) failed", result.stdout)
    if not found:
        return {"skipped": "run_eval.py printed no score: " + result.stdout[-500:]}
    return {"passed": int(found.group(1)), "failed": int(found.group(2))}


SELECTOR_VARIANT = ROOT / "build" / "config-response-selector.yml"
IN_USE = "addons.answer_selector.AnswerSelector"
# Rasa's ResponseSelector as config.yml had it before AnswerSelector replaced it.
RESPONSE_SELECTOR = {"name": "ResponseSelector", "epochs": 200,
                     "constrain_similarities": True, "random_seed": 42,
                     "dense_dimension": {"text": 128, "label": 20}}


def response_selector_config() -> Path:
    """config.yml with its answer selector swapped for Rasa's ResponseSelector, made
    afresh each time so that nothing else can differ."""
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    config["pipeline"] = [
        {**RESPONSE_SELECTOR, "retrieval_intent": step.get("retrieval_intent", "faq")}
        if step["name"] == IN_USE else step for step in config["pipeline"]]
    SELECTOR_VARIANT.parent.mkdir(exist_ok=True)
    SELECTOR_VARIANT.write_text(yaml.safe_dump(config, sort_keys=False))
    return SELECTOR_VARIANT


def selector_figures(model_path: Path) -> Dict:
    started = time.monotonic()
    agent = nlu_eval.load_agent(model_path)
    loaded = time.monotonic() - started
    examples = nlu_eval.labelled_examples()
    started = time.monotonic()
    predictions = nlu_eval.predict(agent, examples)
    per_message = (time.monotonic() - started) / len(examples)
    return {"model": model_path.name, "accuracy": nlu_eval.accuracy(predictions),
            "load_seconds": round(loaded, 2), "ms_per_message": round(1000 * per_message, 1)}


def answer_selectors(model_path: Path) -> Dict:
    variant = model.ensure(config=str(response_selector_config()),
                           prefix="response-selector-")
    return {"AnswerSelector (scikit-learn, in use)": selector_figures(model_path),
            "ResponseSelector (TensorFlow)": selector_figures(variant)}


def compare(latest: Dict, previous: Optional[Dict]) -> List[str]:
    """Lines saying what changed since the previous report; regressions marked."""
    if not previous:
        return ["No previous report to compare with."]
    lines = []

    def change(name: str, now: Optional[float], before: Optional[float]) -> None:
        if now is None or before is None:
            return
        mark = " **REGRESSION**" if now < before - REGRESSION else ""
        lines.append(f"- {name}: {before:.1%} → {now:.1%} ({now - before:+.1%}){mark}")

    change("Held-out accuracy", latest["held_out"]["accuracy"],
           previous.get("held_out", {}).get("accuracy"))
    for key, name in [("intents", "Cross-validation, intents (weighted F1)"),
                      ("faq_answers", "Cross-validation, FAQ answers (weighted F1)")]:
        change(name, latest.get("cross_validation", {}).get(key, {}).get("weighted_f1"),
               previous.get("cross_validation", {}).get(key, {}).get("weighted_f1"))
    before_topics = previous.get("held_out", {}).get("per_topic", {})
    for topic, m in latest["held_out"]["per_topic"].items():
        if topic in before_topics and m["f1"] < before_topics[topic]["f1"] - 0.1:
            lines.append(f"- {topic}: F1 {before_topics[topic]['f1']:.2f} → {m['f1']:.2f} "
                         "**REGRESSION**")
    return lines or ["No change."]


def summary(metrics: Dict, comparison: List[str]) -> str:
    h = metrics["held_out"]
    cv = metrics.get("cross_validation", {})
    stories, dev = metrics["stories"], metrics["dev_set"]
    weakest = sorted(((t, m) for t, m in h["per_topic"].items() if m["support"]),
                     key=lambda item: item[1]["f1"])[:8]
    lines = [
        "# How well the assistant understands", "",
        f"{metrics['created']} · model `{metrics['model']}`", "",
        "| Measure | Result |", "|---|---|",
        f"| Held-out accuracy | {h['accuracy']:.1%} of {h['examples']} "
        f"({h['wrong']} wrong: misclassified.md) |",
    ]
    if "not_understood" in h:
        lines.append(f"| Held-out not understood, offered the right topic as a button | "
                     f"{h['offered_the_right_topic']} of {h['not_understood']} |")
    for key, name in [("intents", "intents"), ("faq_answers", "FAQ answer selection")]:
        if key in cv:
            lines.append(f"| {metrics['folds']}-fold cross-validation, {name} | weighted F1 "
                         f"{cv[key]['weighted_f1']:.1%}, accuracy {cv[key]['accuracy']:.1%} |")
    lines.append(f"| Test stories | {stories['stories'] - stories['failed']} of "
                 f"{stories['stories']} pass |")
    lines.append("| Dev question set | " + (f"{dev['passed']} passed, {dev['failed']} failed"
                                            if "passed" in dev else f"skipped: {dev['skipped']}")
                 + " |")
    for name, f in metrics.get("crisis", {}).items():
        lines.append(f"| Crisis, {name.replace('_', ' ')} | caught {f['caught']}/"
                     f"{f['crisis']}; calm given the crisis reply {f['calm_crisis_reply']}/"
                     f"{f['calm']}, asked \"are you in danger\" "
                     f"{f['false_alarms'] - f['calm_crisis_reply']} (crisis.md) |")
    selectors = metrics.get("answer_selectors", {})
    if selectors:
        lines += ["", "## Answer selectors side by side (held-out set)", "",
                  "| Selector | Held-out accuracy | Model load | Per message |",
                  "|---|---:|---:|---:|"]
        lines += [f"| {name} | {f['accuracy']:.1%} | {f['load_seconds']:.1f} s | "
                  f"{f['ms_per_message']:.1f} ms |" for name, f in selectors.items()]
    lines += ["", "## Since the previous report", "", *comparison, "",
              "## Weakest topics (held-out F1)", "", "| Topic | Precision | Recall | F1 | n |",
              "|---|---:|---:|---:|---:|"]
    lines += [f"| {t} | {m['precision']:.2f} | {m['recall']:.2f} | {m['f1']:.2f} | "
              f"{m['support']} |" for t, m in weakest]
    lines += ["", "Every topic: per_topic.csv. Confusion matrix: confusion_matrix.png."]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--update-baseline", action="store_true")
    args = parser.parse_args()
    started = time.monotonic()
    total = 7
    step(1, total, "Training, unless a model matches the data ...")
    model_path = model.ensure()
    latest, previous = REPORTS / "latest", REPORTS / "previous"
    previous_metrics = None
    if (latest / "metrics.json").exists():
        previous_metrics = json.loads((latest / "metrics.json").read_text())
        shutil.rmtree(previous, ignore_errors=True)
        latest.rename(previous)
    latest.mkdir(parents=True, exist_ok=True)
    metrics: Dict = {"created": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
                     "model": model_path.name, "folds": args.folds}
    step(2, total, "Held-out examples ...")
    metrics["held_out"] = held_out(model_path, latest)
    step(3, total, f"{args.folds}-fold cross-validation (trains {args.folds} times; a few "
                   "minutes) ...")
    metrics["cross_validation"] = cross_validation(args.folds, latest)
    step(4, total, "Test stories ...")
    metrics["stories"] = test_stories(model_path, latest)
    step(5, total, "Dev question set through the running assistant ...")
    metrics["dev_set"] = dev_set(model_path)
    step(6, total, f"Crisis detection: held-out sets and {args.folds}-fold cross-validation ...")
    crisis_report, metrics["crisis"] = crisis_eval.report(nlu_eval.load_agent(model_path),
                                                          args.folds)
    (latest / "crisis.md").write_text(crisis_report)
    step(7, total, "Answer selectors side by side (trains the TensorFlow one) ...")
    metrics["answer_selectors"] = answer_selectors(model_path)
    comparison = compare(metrics, previous_metrics)
    (latest / "metrics.json").write_text(json.dumps(metrics, indent=2))
    (latest / "summary.md").write_text(summary(metrics, comparison))
    print("\n" + (latest / "summary.md").read_text())
    print(f"Report: {latest.relative_to(ROOT)}/summary.md ({time.monotonic() - started:.0f} s)")
    if args.update_baseline:
        BASELINE.write_text(json.dumps({"held_out_accuracy":
                                        round(metrics["held_out"]["accuracy"], 4)}) + "\n")
        print(f"Baseline updated: {BASELINE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
