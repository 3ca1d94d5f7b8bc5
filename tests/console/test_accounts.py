"""Console accounts: scrypt hashes, sessions, and limits on failed sign-ins."""
import pytest
import sqlalchemy as sa

from console import accounts as accounts_module
from console import audit
from console.accounts import AccountError, Accounts
from records import database

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


def fail(accounts, username, address, times):
    for _ in range(times):
        with pytest.raises(AccountError, match="do not match"):
            accounts.sign_in(username, "wrong", address)


def test_an_attack_from_elsewhere_does_not_keep_the_owner_out(accounts):
    accounts.add("t-aroha", "advisor", PASSWORD)
    fail(accounts, "t-aroha", "10.0.0.1", accounts_module.FREE_FAILURES_PER_ACCOUNT)
    with pytest.raises(AccountError, match="Too many failed sign-ins from here"):
        accounts.sign_in("t-aroha", PASSWORD, "10.0.0.1")  # even the right password waits
    token, session = accounts.sign_in("t-aroha", PASSWORD, "10.0.0.2")  # the owner, at work
    assert token and session.user.username == "t-aroha"
    with pytest.raises(AccountError, match="do not match"):  # unknown users look the same
        accounts.sign_in("t-nobody", PASSWORD, "10.0.0.3")


def test_the_wait_grows_with_each_failure_and_then_passes(accounts, monkeypatch):
    accounts.add("t-hemi", "advisor", PASSWORD)
    clock = [accounts_module.now()]
    monkeypatch.setattr(accounts_module, "now", lambda: clock[0])
    waits = []
    for _ in range(6):
        fail(accounts, "t-hemi", "10.0.1.1", 1)
        waits.append(accounts.wait_before_trying("t-hemi", "10.0.1.1"))
        clock[0] += accounts_module.timedelta(seconds=waits[-1])  # wait it out
    assert waits == [0, 0, 2, 4, 8, 16]
    assert accounts.sign_in("t-hemi", PASSWORD, "10.0.1.1")[0]
    assert accounts.wait_before_trying("t-hemi", "10.0.1.1") == 0  # success forgives


def test_the_wait_never_exceeds_fifteen_minutes(accounts, monkeypatch):
    accounts.add("t-rangi", "advisor", PASSWORD)
    clock = [accounts_module.now()]
    monkeypatch.setattr(accounts_module, "now", lambda: clock[0])
    for _ in range(30):
        fail(accounts, "t-rangi", "10.0.2.1", 1)
        clock[0] += accounts_module.timedelta(
            seconds=accounts.wait_before_trying("t-rangi", "10.0.2.1"))
    clock[0] -= accounts_module.timedelta(seconds=1)
    assert 0 < accounts.wait_before_trying("t-rangi", "10.0.2.1") <= 15 * 60


def test_one_address_trying_many_accounts_is_slowed_too(accounts):
    for number in range(accounts_module.FREE_FAILURES_PER_ADDRESS):
        fail(accounts, f"t-guess{number}", "10.0.3.1", 1)
    assert accounts.wait_before_trying("t-anyone", "10.0.3.1") > 0
    assert accounts.wait_before_trying("t-anyone", "10.0.3.2") == 0


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


def test_a_disabled_account_cannot_sign_in_until_enabled(accounts):
    accounts.add("t-tama", "advisor", PASSWORD)
    token, _ = accounts.sign_in("t-tama", PASSWORD, "10.1.0.1")
    accounts.disable("t-tama")
    assert accounts.session(token) is None  # signed out everywhere
    with pytest.raises(AccountError, match="do not match"):
        accounts.sign_in("t-tama", PASSWORD, "10.1.0.2")
    assert [u.disabled for u in accounts.list() if u.username == "t-tama"] == [True]
    accounts.enable("t-tama")
    assert accounts.sign_in("t-tama", PASSWORD, "10.1.0.3")[0]


def test_a_deleted_account_is_gone_but_the_last_admin_stays(accounts):
    accounts.add("t-gone", "trainer", PASSWORD)
    accounts.delete("t-gone")
    assert "t-gone" not in [u.username for u in accounts.list()]
    with pytest.raises(AccountError, match="no account"):
        accounts.delete("t-gone")
    admins = [u.username for u in accounts.list() if u.is_admin and not u.disabled]
    for name in admins[1:]:
        accounts.disable(name)
    if admins:
        with pytest.raises(AccountError, match="last admin"):
            accounts.delete(admins[0])
        with pytest.raises(AccountError, match="last admin"):
            accounts.disable(admins[0])
    for name in admins[1:]:
        accounts.enable(name)
