"""Build the spaCy pipeline the assistant's NLU uses, from installed packages only.

A blank English pipeline plus a lookup lemmatiser whose tables come from the
spacy-lookups-data package. Pretrained spaCy models cannot be downloaded here, and the
assistant needs tokens and lemmas, not word vectors.

    python -m training.build_spacy_model [DIR]
"""
import sys
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "build" / "spacy" / "en_lookup"


def build(target: Path = DEFAULT_DIR) -> Path:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.meta.update(
        name="lookup",
        version="1.0.0",
        description="Blank English pipeline with lookup lemmas, for the RJ assistant",
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    return target


def ensure(target: Path = DEFAULT_DIR) -> Path:
    """Build the pipeline unless it is already there."""
    if (target / "meta.json").exists():
        return target
    return build(target)


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR))
