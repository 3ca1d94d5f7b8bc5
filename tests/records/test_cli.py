"""Advisors list, show and mark callback requests from the command line."""
import os
import subprocess
import sys

import pytest

from records import callbacks, database
from records.advisor_ids import shown_id
from records.callbacks import CallbackRequests
from tests.conftest import ROOT


@pytest.fixture(params=["sqlite", "postgres"])
def url(request, tmp_path):
    return (request.getfixturevalue("postgres") if request.param == "postgres"
            else f"sqlite:///{tmp_path / 'records.db'}")


def cli(url, *args):
    return subprocess.run([sys.executable, "-m", "records", "handoffs", *args], cwd=ROOT,
                          env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin",
                               "CONSOLE_ID_SECRET": os.environ["CONSOLE_ID_SECRET"]},
                          capture_output=True, text=True, timeout=120)


def test_list_show_and_mark_contacted(url, tmp_path):
    store = CallbackRequests(database.create_engine(url))
    conversation = f"test-cli-{tmp_path.name}"
    store.save_draft(conversation, "phone", "021 123 4567")
    reference = store.submit(conversation, "weekday mornings", False, "Aroha")
    try:
        listed = cli(url, "list", "--status", "new")
        assert listed.returncode == 0, listed.stderr
        row = next(line for line in listed.stdout.splitlines() if reference in line)
        assert "new" in row and "phone" in row and "Aroha" in row
        assert "021" not in listed.stdout  # details only when one request is opened

        shown = cli(url, "show", reference.lower())
        assert shown.returncode == 0, shown.stderr
        for expected in ["021 123 4567", "weekday mornings", "Aroha", shown_id(conversation),
                         "NO - do not leave a message"]:
            assert expected in shown.stdout
        assert conversation not in shown.stdout  # the person's own id is never shown

        marked = cli(url, "mark-contacted", reference, "--by", "Mere")
        assert marked.returncode == 0 and "marked contacted by Mere" in marked.stdout
        again = cli(url, "mark-contacted", reference, "--by", "Mere")
        assert again.returncode == 1 and "already contacted by Mere" in again.stderr
    finally:
        with store.engine.begin() as connection:
            connection.execute(callbacks.table.delete().where(
                callbacks.table.c.conversation_id == conversation))


def test_clear_messages_for_mistakes(tmp_path):
    url = f"sqlite:///{tmp_path / 'records.db'}"
    missing = cli(url, "show", "RJ-ABCDEF")
    assert missing.returncode == 1 and "No callback request has the reference" in missing.stderr
    no_name = cli(url, "mark-contacted", "RJ-ABCDEF")
    assert no_name.returncode == 2 and "--by" in no_name.stderr
    assert "No callback requests." in cli(url, "list").stdout
