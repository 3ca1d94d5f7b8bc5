"""Console accounts and the retention purge from the command line."""
import subprocess
import sys

from console.accounts import Accounts
from records import database
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
    assert result.returncode == 0
    assert ("Deleted 0 conversations and 0 closed callback requests older than 30 days, "
            "and 0 forms left unfinished for over a day.") in result.stdout
    refused = console(url, "purge", "--days", "0")
    assert refused.returncode == 1 and "at least one day" in refused.stderr


def test_a_generated_admin_password_goes_to_a_private_file_not_the_output(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    where = tmp_path / "admin-password.txt"
    server = subprocess.Popen(
        [sys.executable, "-m", "console", "serve", "--port", "8097"], cwd=ROOT,
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin",
             "CONSOLE_ADMIN_PASSWORD_FILE": str(where)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = server.stdout.readline()
        while "first console account" not in line:
            assert line, "the console stopped before creating the account"
            line = server.stdout.readline()
        output = line + server.stdout.readline() + server.stdout.readline()
    finally:
        server.terminate()
        server.wait(30)
    password = where.read_text().strip()
    assert str(where) in output and password not in output
    assert where.stat().st_mode & 0o777 == 0o600
    assert Accounts(database.create_engine(url)).sign_in("admin", password, "127.0.0.1")


def test_the_sqlite_file_is_private_and_deletes_for_good(tmp_path):
    path = tmp_path / "runtime" / "c.db"
    engine = database.create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        connection.exec_driver_sql("CREATE TABLE t (x)")
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_accounts_are_disabled_enabled_and_deleted_from_the_command_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    console(url, "users", "add", "hine", "--role", "trainer", "--password-env", "PW",
            PW="a-long-enough-password")
    assert console(url, "users", "disable", "hine").returncode == 0
    listed = console(url, "users", "list").stdout
    assert "hine                           trainer  (disabled)" in listed
    assert console(url, "users", "enable", "hine").returncode == 0
    assert "(disabled)" not in console(url, "users", "list").stdout
    assert console(url, "users", "delete", "hine").returncode == 0
    assert "hine" not in console(url, "users", "list").stdout
    missing = console(url, "users", "delete", "hine")
    assert missing.returncode == 1 and "no account" in missing.stderr
