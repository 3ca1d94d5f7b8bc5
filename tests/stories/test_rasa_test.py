"""The test stories pass under `rasa test`, with no prediction errors allowed."""
import subprocess
import sys

from tests.conftest import RESULTS, ROOT


def test_rasa_test_stories_have_no_prediction_errors(model_path):
    out = RESULTS / "stories"
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "test", "core", "--model", str(model_path),
         "--stories", "tests/stories/test_stories.yml", "--out", str(out),
         "--fail-on-prediction-errors"],
        cwd=ROOT, capture_output=True, text=True,
    )
    failed = out / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:] + details
