"""A fitted scikit-learn linear classifier kept as its arrays in numpy's .npz format,
read back without pickle (so a model file cannot run code, as with Rasa's skops files).

Rasa's LogisticRegressionClassifier keeps its model with skops, and reading a skops
file makes scikit-learn import every estimator it has (even pytest): 2.4 s and about
60 MB of the Rasa server's start-up, for two small arrays per classifier.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def save(classifier: Any, path: Path) -> None:
    np.savez(path, coef=classifier.coef_, intercept=classifier.intercept_,
             classes=np.asarray(classifier.classes_, dtype=str))


def load(classifier: Any, path: Path) -> Any:
    """`classifier` (unfitted, made with the same settings), fitted as it was saved."""
    with np.load(path, allow_pickle=False) as arrays:
        classifier.coef_ = arrays["coef"]
        classifier.intercept_ = arrays["intercept"]
        classifier.classes_ = arrays["classes"].astype(object)
    classifier.n_features_in_ = classifier.coef_.shape[1]
    return classifier
