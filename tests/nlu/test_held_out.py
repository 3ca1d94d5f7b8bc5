"""How well the trained model understands paraphrases it never saw in training, guarded
against regressions: held-out accuracy may not drop more than 2 points below the
committed baseline (tests/nlu/baseline.json; `make evaluate ARGS=--update-baseline`
moves it after a deliberate change)."""
import json

from tests.conftest import METRICS, RESULTS, ROOT
from training import nlu_eval

BASELINE = json.loads((ROOT / "tests" / "nlu" / "baseline.json").read_text())
ALLOWED_DROP = 0.02


def test_held_out_accuracy_has_not_regressed(agent):
    predictions = nlu_eval.predict(agent, nlu_eval.labelled_examples())
    report = nlu_eval.report(predictions)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "held_out.txt").write_text(report + "\n")
    accuracy = nlu_eval.accuracy(predictions)
    baseline = BASELINE["held_out_accuracy"]
    METRICS["held-out NLU accuracy"] = (f"{accuracy:.1%} of {len(predictions)}, baseline "
                                        f"{baseline:.1%} (results/held_out.txt)")
    assert accuracy >= baseline - ALLOWED_DROP, (
        f"Held-out accuracy {accuracy:.1%} is more than {ALLOWED_DROP:.0%} below the "
        f"baseline {baseline:.1%}.\n{report}")
