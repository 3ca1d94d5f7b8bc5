"""A classifier read back from its file answers exactly as it did when it was saved, and
the file holds arrays only: reading it runs no code (no pickle)."""
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from addons import linear_model_file

FEATURES = np.array([[1, 0, 2], [0, 1, 0], [2, 1, 0], [0, 0, 3], [1, 1, 1], [0, 2, 0]])
LABELS = np.array(["faq/cost", "faq/who_attends", "faq/cost", "faq/safety",
                   "faq/safety", "faq/who_attends"], dtype=object)


@pytest.mark.parametrize("make", [
    lambda: LogisticRegression(class_weight="balanced", max_iter=1000),
    lambda: LinearSVC(random_state=42),
])
def test_a_saved_classifier_answers_as_before(tmp_path, make):
    fitted = make().fit(FEATURES, LABELS)
    linear_model_file.save(fitted, tmp_path / "model.npz")
    loaded = linear_model_file.load(make(), tmp_path / "model.npz")
    assert list(loaded.predict(FEATURES)) == list(fitted.predict(FEATURES))
    assert np.allclose(loaded.decision_function(FEATURES), fitted.decision_function(FEATURES))
    assert list(loaded.classes_) == list(fitted.classes_)
    if hasattr(fitted, "predict_proba"):
        assert np.allclose(loaded.predict_proba(FEATURES), fitted.predict_proba(FEATURES))


def test_the_file_holds_arrays_only(tmp_path):
    linear_model_file.save(LinearSVC().fit(FEATURES, LABELS), tmp_path / "model.npz")
    with np.load(tmp_path / "model.npz", allow_pickle=False) as arrays:
        assert sorted(arrays.files) == ["classes", "coef", "intercept"]
        assert all(arrays[name].dtype != object for name in arrays.files)
