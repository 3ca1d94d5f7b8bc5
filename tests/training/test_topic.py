"""`make topic` adds a topic everywhere it belongs; the trainer only fills in words."""
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from training import content_rules, topic


@pytest.fixture
def repo(tmp_path):
    for part in ["data", "tests/nlu/held_out.yml", "tests/stories/test_stories.yml",
                 "actions/topic_questions.yml", "domain.yml", "config.yml"]:
        source, target = ROOT / part, tmp_path / part
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    return tmp_path


def test_a_new_topic_goes_everywhere_and_validation_asks_for_the_words(repo):
    changed = topic.add_topic("support_dogs", repo)
    assert len(changed) == 5
    todo = [str(p) for p in content_rules.check(repo)]
    assert len(todo) == 15 + 5 + 1 + 1 and all("TODO" in p for p in todo)
    assert any("utter_faq/support_dogs: replace the TODO" in p for p in todo)
    assert any("support_dogs: replace the TODO with the question" in p for p in todo)

    for relative in topic.FILES.values():  # the trainer fills in the words
        path = repo / relative
        text = path.read_text()
        for i in range(1, 16):
            text = text.replace(f"TODO question {i} people ask about support dogs",
                                f"can my support dog come along, asked way {i}")
            text = text.replace(f"TODO held-out question {i} about support dogs, worded "
                                "differently", f"is a support animal allowed, version {i}")
        text = text.replace("TODO: the answer about support dogs, in your own words, every "
                            "fact from shared/content/knowledge.md.",
                            "Ask if your dog can come with you.")
        text = text.replace("TODO a question about support dogs", "can i bring my dog")
        text = text.replace("TODO the question about support dogs, as a person would tap "
                            "it", "Can I bring my support dog?")
        path.write_text(text)
    assert [str(p) for p in content_rules.check(repo)] == []
    result = subprocess.run([sys.executable, "-m", "rasa", "data", "validate"], cwd=repo,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.mark.parametrize("name, problem", [
    ("Support Dogs", "not a usable topic name"), ("ab", "not a usable topic name"),
    ("9lives", "not a usable topic name"), ("dogs;rm", "not a usable topic name"),
    ("cost", "already a topic called 'cost'")])
def test_bad_names_and_duplicates_are_refused(repo, name, problem):
    before = {p: (repo / p).read_text() for p in topic.FILES.values()}
    with pytest.raises(topic.TopicError, match=problem):
        topic.add_topic(name, repo)
    assert before == {p: (repo / p).read_text() for p in topic.FILES.values()}


def test_the_command_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "training.topic", "Bad Name"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 1 and "not a usable topic name" in result.stderr
