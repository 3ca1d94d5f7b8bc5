"""Console accounts: scrypt hashes, sessions, and limits on failed sign-ins."""
import pytest
import sqlalchemy as sa

from records import accounts as accounts_module
from records import audit, database
from records.accounts import AccountError, Accounts

PASSWORD = "a-long-enough-password"


@pytest.fixture(params=["sqlite", "postgres"])
def accounts(request, tmp_path):
    url = (request.getfixturevalue("postgres") if request.param == "postgres"
           else f"sqlite:///{tmp_path / 'a.db'}")
    engine = database.create_engine(url)
    store = Accounts(engine)
    yield store
    with engine.begin() as connection:
        for table in (accounts_module.sessions, accounts_module.failures):
            connection.execute(table.delete().where(table.c.username.like("t-%")))
        connection.execute(accounts_module.users.delete().where(
            accounts_module.users.c.username.like("t-%")))


def test_passwords_are_stored_as_scrypt_hashes(accounts):
    accounts.add("t-mere", "advisor", PASSWORD)
    with accounts.engine.connect() as connection:
        stored = connection.execute(sa.select(accounts_module.users.c.password_hash).where(
            accounts_module.users.c.username == "t-mere")).scalar()
    assert stored.startswith("scrypt$16384$8$1$") and PASSWORD not in stored
    assert accounts_module.password_matches(PASSWORD, stored)
    assert not accounts_module.password_matches(PASSWORD + "x", stored)


def test_sign_in_gives_a_session_and_sign_out_ends_it(accounts):
    accounts.add("t-tama", "admin", PASSWORD)
    token, session = accounts.sign_in("T-Tama ", PASSWORD, "127.0.0.1")
    assert session.user.is_admin and len(session.csrf_token) > 30
    assert accounts.session(token) == session
    with accounts.engine.connect() as connection:  # only a hash of the token is kept
        kept = connection.execute(sa.select(accounts_module.sessions.c.token_hash)).scalars().all()
    assert token not in kept
    accounts.sign_out(token)
    assert accounts.session(token) is None
    assert accounts.session("") is None and accounts.session("x" * 500) is None


def test_expired_sessions_are_refused(accounts, monkeypatch):
    accounts.add("t-old", "advisor", PASSWORD)
    token, _ = accounts.sign_in("t-old", PASSWORD, "a")
    later = accounts_module.now() + accounts_module.SESSION_LIFETIME
    monkeypatch.setattr(accounts_module, "now", lambda: later)
    assert accounts.session(token) is None


def test_failed_sign_ins_are_limited(accounts):
    accounts.add("t-aroha", "advisor", PASSWORD)
    for _ in range(accounts_module.MAX_FAILURES):
        with pytest.raises(AccountError, match="do not match"):
            accounts.sign_in("t-aroha", "wrong", "10.0.0.1")
    with pytest.raises(AccountError, match="Too many"):
        accounts.sign_in("t-aroha", PASSWORD, "10.0.0.2")
    with pytest.raises(AccountError, match="do not match"):  # unknown users look the same
        accounts.sign_in("t-nobody", PASSWORD, "10.0.0.3")


@pytest.mark.parametrize("username, role, password, problem", [
    ("T", "advisor", PASSWORD, "username"), ("t-a b", "advisor", PASSWORD, "username"),
    ("t-ok", "boss", PASSWORD, "role"), ("t-ok", "advisor", "short", "at least 12")])
def test_bad_accounts_are_refused(accounts, username, role, password, problem):
    with pytest.raises(AccountError, match=problem):
        accounts.add(username, role, password)


def test_duplicates_are_refused_and_a_new_password_signs_out(accounts):
    accounts.add("t-dup", "advisor", PASSWORD)
    with pytest.raises(AccountError, match="already"):
        accounts.add("t-dup", "admin", PASSWORD)
    token, _ = accounts.sign_in("t-dup", PASSWORD, "b")
    accounts.set_password("t-dup", PASSWORD + "2")
    assert accounts.session(token) is None
    with pytest.raises(AccountError, match="no account"):
        accounts.set_password("t-nobody", PASSWORD)


def test_the_audit_log_keeps_who_did_what(accounts):
    log = audit.AuditLog(accounts.engine)
    log.record("t-mere", "view conversation", "abc", "detail")
    entry = log.entries()[0]
    assert (entry.actor, entry.action, entry.target) == ("t-mere", "view conversation", "abc")
