"""Rasa's SpacyNLP, loading a spaCy pipeline once per process.

Rasa's predict graph has two SpacyNLP nodes (one gives the pipeline to the tokenizer,
one processes each message), and each loaded the pipeline from disk: 0.6 s of the
server's start-up and a second copy of the vocabulary. Here both share one. The class
keeps Rasa's name, because the recipe finds the node that gives SpacyTokenizer its
pipeline by that name (`model_from="SpacyNLP"`).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.utils import spacy_utils
from rasa.nlu.utils.spacy_utils import SpacyModel


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MODEL_LOADER,
     DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER],
    is_trainable=False,
    model_from="SpacyNLP",
)
class SpacyNLP(spacy_utils.SpacyNLP):
    @staticmethod
    def load_model(spacy_model_name: Text) -> SpacyModel:
        return _load(spacy_model_name, _changed_at(spacy_model_name))


@lru_cache(maxsize=None)
def _load(spacy_model_name: Text, changed_at: float) -> SpacyModel:
    return spacy_utils.SpacyNLP.load_model(spacy_model_name)


def _changed_at(spacy_model_name: Text) -> float:
    """When a pipeline folder was last rebuilt (a model loaded later reads the new one);
    0 for an installed package."""
    meta = Path(spacy_model_name) / "meta.json"
    return meta.stat().st_mtime if meta.exists() else 0.0
