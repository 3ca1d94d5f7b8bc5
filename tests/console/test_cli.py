"""Console accounts and the retention purge from the command line."""
import subprocess
import sys

from tests.conftest import ROOT


def console(url, *args, **env):
    return subprocess.run([sys.executable, "-m", "console", *args], cwd=ROOT,
                          env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin", **env},
                          capture_output=True, text=True, timeout=120)


def test_accounts_from_the_command_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    added = console(url, "users", "add", "mere", "--role", "advisor", "--password-env", "PW",
                    PW="a-long-enough-password")
    assert added.returncode == 0 and "Created mere (advisor)" in added.stdout
    assert "mere" in console(url, "users", "list").stdout
    short = console(url, "users", "add", "tama", "--role", "admin", "--password-env", "PW",
                    PW="short")
    assert short.returncode == 1 and "at least 12 characters" in short.stderr
    missing = console(url, "users", "password", "mere", "--password-env", "NOPE")
    assert missing.returncode == 1 and "NOPE is not set" in missing.stderr
    bad_role = console(url, "users", "add", "x", "--role", "boss")
    assert bad_role.returncode == 2 and "invalid choice" in bad_role.stderr


def test_the_purge_from_the_command_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    result = console(url, "purge", "--days", "30")
    assert result.returncode == 0 and "Deleted 0 conversations, 0 closed callback requests and 0 unfinished drafts older than 30 days" in result.stdout
    refused = console(url, "purge", "--days", "0")
    assert refused.returncode == 1 and "at least one day" in refused.stderr
