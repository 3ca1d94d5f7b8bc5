"""A model is trained only when none matches the current data and config."""
import shutil

import pytest

from training import model


@pytest.fixture
def project(tmp_path):
    for name in ["config.yml", "domain.yml", "requirements.lock"]:
        shutil.copy(model.ROOT / name, tmp_path / name)
    shutil.copytree(model.ROOT / "data", tmp_path / "data")
    return tmp_path


def test_the_fingerprint_is_stable(project):
    assert model.fingerprint(project) == model.fingerprint(project)


@pytest.mark.parametrize("changed", ["config.yml", "domain.yml", "data/nlu/faq.yml"])
def test_changing_data_or_config_changes_the_fingerprint(project, changed):
    before = model.fingerprint(project)
    with open(project / changed, "a") as f:
        f.write("\n# a change\n")
    assert model.fingerprint(project) != before


def test_an_existing_matching_model_is_reused_without_training(monkeypatch, tmp_path):
    monkeypatch.setattr(model, "MODELS_DIR", tmp_path)
    monkeypatch.setattr(model.build_spacy_model, "ensure", lambda: None)
    monkeypatch.setattr(model, "train", lambda *a, **k: pytest.fail("trained again"))
    expected = model.model_path()
    expected.write_bytes(b"a model")
    assert model.ensure() == expected


def test_a_missing_model_is_trained_and_old_ones_pruned(monkeypatch, tmp_path):
    monkeypatch.setattr(model, "MODELS_DIR", tmp_path)
    monkeypatch.setattr(model.build_spacy_model, "ensure", lambda: None)
    old = [tmp_path / f"rj-old{i}.tar.gz" for i in range(4)]
    for path in old:
        path.write_bytes(b"old")

    def fake_train(config, prefix):
        path = model.model_path(config, prefix)
        path.write_bytes(b"new")
        return path

    monkeypatch.setattr(model, "train", fake_train)
    path = model.ensure()
    assert path.exists()
    assert len(list(tmp_path.glob("rj-*.tar.gz"))) == model.KEEP_MODELS


def test_our_components_shape_the_model_but_channels_and_stores_do_not(project):
    shutil.copytree(model.ROOT / "addons", project / "addons")
    before = model.fingerprint(project)
    with open(project / "addons" / "channels.py", "a") as f:
        f.write("\n# a change\n")
    assert model.fingerprint(project) == before
    with open(project / "addons" / "crisis.py", "a") as f:
        f.write("\n# a change\n")
    assert model.fingerprint(project) != before
