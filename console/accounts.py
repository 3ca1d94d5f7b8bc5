"""Advisors' accounts, their sign-in sessions, and the throttling of failed sign-ins.

Failed sign-ins slow down whoever makes them, never the account's owner elsewhere: after
a few free tries, each address must wait longer and longer (2 s, 4 s, 8 s ... up to 15
minutes) before trying that account again, and before trying any account once it has
failed many times. Nothing is locked, so wrong passwords sent from one place cannot
keep an advisor out from another.

Passwords are kept as scrypt hashes (memory-hard; Python's hashlib, from OpenSSL).
Session tokens are random and only their SHA-256 is stored, so a copy of the database
does not let anyone sign in as somebody else.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, List, Optional, Tuple

import sqlalchemy as sa

from records import database, schema
from records.database import now

# trainer: the messages not understood and the dashboard; no transcripts, no requests
ROLES = ("advisor", "admin", "trainer")
# A disabled account's password hash starts with this: it can no longer sign in.
DISABLED = "!"
SESSION_LIFETIME = timedelta(hours=8)
# Failed sign-ins allowed without a wait: for one account from one address, and from
# one address whatever the account. Failures older than the window are forgotten.
FREE_FAILURES_PER_ACCOUNT = 3
FREE_FAILURES_PER_ADDRESS = 10
FAILURE_WINDOW = timedelta(hours=1)
MAX_DELAY = timedelta(minutes=15)
MIN_PASSWORD = 12
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,49}$")
# scrypt: 16 MiB of memory per hash (n * r * 128 bytes).
_N, _R, _P = 2 ** 14, 8, 1

users = sa.Table(
    "console_users", database.metadata,
    sa.Column("username", sa.String(50), primary_key=True),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("password_hash", sa.String(300), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)
sessions = sa.Table(
    "console_sessions", database.metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(50), nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
)
failures = sa.Table(
    "console_login_failures", database.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(50), nullable=False, index=True),
    sa.Column("address", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
)


class AccountError(Exception):
    """Something about an account cannot be done; the message says why."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    disabled: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_trainer(self) -> bool:
        return self.role == "trainer"


@dataclass(frozen=True)
class Session:
    user: User
    csrf_token: str


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n),
                                   r=int(r), p=int(p), dklen=len(digest) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate.hex(), digest)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@lru_cache(maxsize=1)
def _no_user_hash() -> str:
    """A hash to check against when there is no such user, so a wrong username takes as
    long as a wrong password and does not reveal which usernames exist. Made on first
    use: the assistant's servers import this module but never sign anyone in."""
    return hash_password(secrets.token_hex(16))


class Accounts:
    def __init__(self, engine: Optional[sa.engine.Engine] = None):
        self.engine = engine or database.engine()
        schema.create(self.engine)

    # ---- accounts ----
    def add(self, username: str, role: str, password: str) -> User:
        username = username.strip().lower()
        if not _USERNAME.match(username):
            raise AccountError("A username is 2 to 50 lower-case letters, digits, '.', '_' "
                               "or '-', starting with a letter or digit.")
        if role not in ROLES:
            raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
        check_password_strength(password)
        try:
            with self.engine.begin() as connection:
                connection.execute(users.insert().values(
                    username=username, role=role, password_hash=hash_password(password),
                    created_at=now()))
        except sa.exc.IntegrityError:
            raise AccountError(f"There is already an account called {username!r}.") from None
        return User(username, role)

    def set_password(self, username: str, password: str) -> None:
        check_password_strength(password)
        with self.engine.begin() as connection:
            changed = connection.execute(users.update().where(users.c.username == username)
                                         .values(password_hash=hash_password(password))).rowcount
            connection.execute(sessions.delete().where(sessions.c.username == username))
        if not changed:
            raise AccountError(f"There is no account called {username!r}.")

    def list(self) -> List[User]:
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(users.c.username, users.c.role,
                                                users.c.password_hash)
                                      .order_by(users.c.username))
            return [User(r.username, r.role, r.password_hash.startswith(DISABLED))
                    for r in rows]

    def disable(self, username: str) -> None:
        """The account can no longer sign in, and is signed out everywhere."""
        self._keep_an_admin(username)
        self._set_hash(username, lambda column: DISABLED + column,
                       users.c.password_hash.notlike(DISABLED + "%"))

    def enable(self, username: str) -> None:
        self._set_hash(username, lambda column: sa.func.substr(column, len(DISABLED) + 1),
                       users.c.password_hash.like(DISABLED + "%"))

    def delete(self, username: str) -> None:
        self._keep_an_admin(username)
        with self.engine.begin() as connection:
            connection.execute(sessions.delete().where(sessions.c.username == username))
            deleted = connection.execute(users.delete().where(users.c.username == username))
        if not deleted.rowcount:
            raise AccountError(f"There is no account called {username!r}.")

    def _set_hash(self, username: str, change, only_if) -> None:
        with self.engine.begin() as connection:
            exists = connection.execute(sa.select(users.c.username).where(
                users.c.username == username)).first()
            if exists is None:
                raise AccountError(f"There is no account called {username!r}.")
            connection.execute(users.update().where((users.c.username == username) & only_if)
                               .values(password_hash=change(users.c.password_hash)))
            connection.execute(sessions.delete().where(sessions.c.username == username))

    def _keep_an_admin(self, username: str) -> None:
        admins = [u for u in self.list() if u.is_admin]
        others = [u for u in admins if not u.disabled and u.username != username]
        if any(u.username == username for u in admins) and not others:
            raise AccountError("That is the last admin account that can sign in: add or "
                               "enable another admin first.")

    def any_admin(self) -> bool:
        with self.engine.connect() as connection:
            return connection.execute(sa.select(users.c.username)
                                      .where(users.c.role == "admin")).first() is not None

    # ---- signing in and out ----
    def sign_in(self, username: str, password: str, address: str) -> Tuple[str, Session]:
        """A new session token for the right password; AccountError otherwise."""
        username = (username or "").strip().lower()[:50]
        address = (address or "unknown")[:64]
        wait = self.wait_before_trying(username, address)
        if wait:
            raise AccountError(f"Too many failed sign-ins from here. Wait {_in_words(wait)} "
                               "and try again.")
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users).where(users.c.username == username)).first()
        matches = password_matches(password or "", row.password_hash if row else _no_user_hash())
        if row is None or not matches or row.password_hash.startswith(DISABLED):
            with self.engine.begin() as connection:
                connection.execute(failures.insert().values(username=username, address=address,
                                                            at=now()))
            raise AccountError("That username and password do not match.")
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            connection.execute(failures.delete().where(
                (failures.c.username == username) & (failures.c.address == address)))
            connection.execute(failures.delete().where(failures.c.at < now() - FAILURE_WINDOW))
            connection.execute(sessions.delete().where(sessions.c.expires_at < now()))
            connection.execute(sessions.insert().values(
                token_hash=_token_hash(token), username=username, csrf_token=csrf,
                expires_at=now() + SESSION_LIFETIME))
        return token, Session(User(row.username, row.role), csrf)

    def wait_before_trying(self, username: str, address: str) -> int:
        """Seconds `address` must still wait before trying `username` again; 0 if none."""
        recent = sa.select(sa.func.count(), sa.func.max(failures.c.at)).where(
            failures.c.at > now() - FAILURE_WINDOW)
        with self.engine.connect() as connection:
            pair = connection.execute(recent.where((failures.c.username == username)
                                                   & (failures.c.address == address))).first()
            anywhere = connection.execute(recent.where(failures.c.address == address)).first()
        until = max(_free_again(pair, FREE_FAILURES_PER_ACCOUNT),
                    _free_again(anywhere, FREE_FAILURES_PER_ADDRESS))
        return max(0, math.ceil((until - now()).total_seconds()))

    def session(self, token: Optional[str]) -> Optional[Session]:
        if not token or len(token) > 100:
            return None
        query = (sa.select(users.c.username, users.c.role, sessions.c.csrf_token)
                 .select_from(sessions.join(users, sessions.c.username == users.c.username))
                 .where((sessions.c.token_hash == _token_hash(token))
                        & (sessions.c.expires_at > now())))
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return Session(User(row.username, row.role), row.csrf_token) if row else None

    def sign_out(self, token: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(sessions.delete().where(sessions.c.token_hash == _token_hash(token)))


def _free_again(row: Any, free: int) -> datetime:
    """When the next try is allowed, after `row`'s (count, latest) failures."""
    count, latest = row
    if not count or count < free:
        return datetime.min
    return latest + min(timedelta(seconds=2 ** (count - free + 1)), MAX_DELAY)


def _in_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"A password needs at least {MIN_PASSWORD} characters.")
