"""Train the assistant only when no model matches the current data and config.

The model's file name carries a fingerprint of everything that shapes it (config,
domain, training data, our NLU components, the spaCy builder and the pinned packages),
so an unchanged project reuses its model and a changed one always gets a new model.

    python -m training.model         # print the model path, training first if needed
    python -m training.model --force # train even if a matching model exists
"""
import argparse
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import yaml

from training import build_spacy_model

ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = ROOT / "models"
PREFIX = "rj-"
KEEP_MODELS = 3
FINGERPRINTED = ["config.yml", "domain.yml", "requirements.lock", "data",
                 "training/build_spacy_model.py"]


_OWN_IMPORT = re.compile(r"^\s*from (addons\.\w+) import|^\s*import (addons\.\w+)", re.M)


def component_files(root: Path, config: str):
    """Our own modules the config names as pipeline components or policies, and the
    modules of ours they import (the channels and stores in addons/ don't shape the
    model, so changing them needs no training)."""
    steps = yaml.safe_load((root / config).read_text()) or {}
    for step in (steps.get("pipeline") or []) + (steps.get("policies") or []):
        module = str(step.get("name", "")).rpartition(".")[0]
        path = root / (module.replace(".", "/") + ".py")
        if module and path.exists():
            yield path.relative_to(root).as_posix()
            for imported in _OWN_IMPORT.findall(path.read_text()):
                name = "".join(imported).replace(".", "/") + ".py"
                if (root / name).exists():
                    yield name


def fingerprinted_files(root: Path = ROOT, config: str = "config.yml"):
    names = [config] + [n for n in FINGERPRINTED if n != "config.yml"]
    names += sorted(set(component_files(root, config)))
    for name in names:
        path = root / name
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*")
                              if p.is_file() and p.suffix in {".yml", ".yaml", ".py"})
        elif path.exists():
            yield path


def fingerprint(root: Path = ROOT, config: str = "config.yml") -> str:
    digest = hashlib.sha256()
    for path in fingerprinted_files(root, config):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def model_path(config: str = "config.yml", prefix: str = PREFIX) -> Path:
    return MODELS_DIR / f"{prefix}{fingerprint(config=config)}.tar.gz"


def train(config: str = "config.yml", prefix: str = PREFIX, out: Path = MODELS_DIR) -> Path:
    """Train with `rasa train`; returns the model file."""
    build_spacy_model.ensure()
    name = f"{prefix}{fingerprint(config=config)}"
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--config", config,
         "--domain", "domain.yml", "--data", "data", "--out", str(out),
         "--fixed-model-name", name],
        # Rasa's output on stderr: stdout is only the model's path (make run reads it).
        cwd=ROOT, check=True, stdout=sys.stderr,
    )
    return out / f"{name}.tar.gz"


def ensure(config: str = "config.yml", prefix: str = PREFIX, force: bool = False) -> Path:
    """The model for the current project, trained first if there is none."""
    build_spacy_model.ensure()
    path = model_path(config, prefix)
    if force or not path.exists():
        print(f"Training {path.name} (data or config changed) ...", file=sys.stderr)
        path = train(config, prefix)
        _prune(prefix, keep=path)
    return path


def _prune(prefix: str, keep: Path) -> None:
    old = sorted((p for p in MODELS_DIR.glob(f"{prefix}*.tar.gz") if p != keep),
                 key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in old[KEEP_MODELS - 1:]:
        stale.unlink()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="train even if up to date")
    args = parser.parse_args()
    print(ensure(force=args.force).relative_to(ROOT))
