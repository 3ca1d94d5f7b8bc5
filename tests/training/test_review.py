"""Messages not understood become a review sheet, and labelled rows go back into the data."""
import csv
import shutil

import pytest

from console.exports import as_nlu_yaml
from tests.conftest import ROOT
from training import content_rules, review


@pytest.fixture
def repo(tmp_path):
    for part in ["data", "tests/nlu/held_out.yml"]:
        source, target = ROOT / part, tmp_path / part
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    return tmp_path


def write_sheet(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(review.COLUMNS)
        for row in rows:
            writer.writerow(row)
    return path


def test_the_consoles_export_becomes_a_review_sheet(tmp_path):
    export = tmp_path / "to_label.yml"
    export.write_text(as_nlu_yaml(["can my dog come", "can my dog come", "wot about parking"]))
    sheet = review.import_file(export, with_suggestions=False, out_dir=tmp_path / "out")
    rows = list(csv.DictReader(open(sheet)))
    assert [r["message"] for r in rows] == ["can my dog come", "wot about parking"]
    assert list(rows[0]) == review.COLUMNS
    lines = tmp_path / "messages.txt"
    lines.write_text("one message\n\nanother one\n")
    assert len(list(csv.DictReader(open(review.import_file(
        lines, with_suggestions=False, out_dir=tmp_path / "out"))))) == 2


@pytest.mark.parametrize("content, problem", [
    ("nlu: [unclosed", "not valid YAML"), ("", "no messages")])
def test_unusable_files_are_explained(tmp_path, content, problem):
    path = tmp_path / "bad.yml"
    path.write_text(content)
    with pytest.raises(review.ReviewError, match=problem):
        review.import_file(path, with_suggestions=False, out_dir=tmp_path)


def test_labelled_rows_are_merged_under_their_topics(repo, tmp_path):
    sheet = write_sheet(tmp_path / "s.csv", [
        ["is there parking at the venue", "faq/practical_details", "0.4",
         "faq/practical_details", "no", ""],
        ["do they pay for the taxi there", "", "", "faq/practical_details", "yes", ""],
        ["morena koutou katoa e hoa ma", "greet", "0.9", "greet", "no", ""],
        ["asdf", "", "", "skip", "no", ""],
        ["not labelled", "", "", "", "no", ""],
    ])
    assert review.merge(sheet, repo) == (2, 1)
    training = {e.text: e.topic for e in content_rules.read_examples(
        sorted((repo / "data" / "nlu").glob("*.yml")))}
    assert training["is there parking at the venue"] == "faq/practical_details"
    assert training["morena koutou katoa e hoa ma"] == "greet"
    held_out = {e.text: e.topic for e in content_rules.read_examples(
        [repo / "tests/nlu/held_out.yml"])}
    assert held_out["do they pay for the taxi there"] == "faq/practical_details"
    assert "asdf" not in training and "not labelled" not in training


def test_any_bad_row_stops_the_merge_and_says_which(repo, tmp_path):
    before = {p: p.read_text() for p in (repo / "data" / "nlu").glob("*.yml")}
    sheet = write_sheet(tmp_path / "s.csv", [
        ["a fine new question about parking", "", "", "faq/practical_details", "no", ""],
        ["what about dogs", "", "", "faq/dogs", "no", ""],
        ["kia ora", "", "", "greet", "no", ""],
        ["ring me on 021 123 4567", "", "", "request_callback", "no", ""],
        ["same twice", "", "", "greet", "no", ""],
        ["Same twice!", "", "", "greet", "no", ""],
    ])
    with pytest.raises(review.ReviewError) as error:
        review.merge(sheet, repo)
    message = str(error.value)
    assert "Nothing was merged" in message
    assert "row 3: 'faq/dogs' is not a topic" in message
    assert "row 4: 'kia ora' is already an example of greet" in message
    assert "row 5: the message has a phone number or email" in message
    assert "row 7: 'Same twice!' is also in row 6" in message
    assert before == {p: p.read_text() for p in (repo / "data" / "nlu").glob("*.yml")}


def test_a_sheet_without_the_columns_is_refused(repo, tmp_path):
    sheet = tmp_path / "s.csv"
    sheet.write_text("text,intent\nhello,greet\n")
    with pytest.raises(review.ReviewError, match="no label, message column"):
        review.merge(sheet, repo)
