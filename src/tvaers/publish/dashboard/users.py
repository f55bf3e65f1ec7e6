"""Users and sessions of the dashboard, in one SQLite file.

Passwords are argon2id hashes (argon2-cffi defaults). A sign-in fails the same way for an
unknown user, a wrong password, a disabled or a locked account (and takes about as long), so
the form reveals nothing; ``lockout_threshold`` consecutive failures lock the account for
``lockout_minutes``. Sessions are random tokens; only their SHA-256 is stored, with the
session's CSRF token. Disabling a user ends its sessions.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tvaers.errors import InputError
from tvaers.publish.dashboard.permissions import ScopeEntry, check_role_scope, parse_scope

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
  username TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  scope TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until TEXT,
  created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash TEXT PRIMARY KEY,
  username TEXT NOT NULL REFERENCES users(username),
  csrf TEXT NOT NULL,
  expires TEXT NOT NULL
);
"""
MIN_PASSWORD = 12
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class User:
    username: str
    role: str
    scope: tuple[ScopeEntry, ...]
    disabled: bool
    failed_logins: int
    locked_until: datetime | None

    @property
    def scope_text(self) -> str:
        return ", ".join(str(s) for s in self.scope)


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    user: User
    csrf: str


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UserStore:
    """Users, sign-in with lockout, and sessions."""

    def __init__(
        self,
        path: Path,
        *,
        lockout_threshold: int = 5,
        lockout_minutes: int = 15,
        session_minutes: int = 480,
        clock: Clock = utcnow,
        hasher: PasswordHasher | None = None,
    ):
        self.path = path
        self.lockout_threshold = lockout_threshold
        self.lockout = timedelta(minutes=lockout_minutes)
        self.session_length = timedelta(minutes=session_minutes)
        self.clock = clock
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=10)
        try:
            with connection:
                yield connection
        finally:
            connection.close()

    @staticmethod
    def _user(row: tuple[str, str, str, int, int, str | None]) -> User:
        username, role, scope, disabled, failed, locked = row
        return User(
            username,
            role,
            tuple(parse_scope(s) for s in scope.split(",") if s),
            bool(disabled),
            failed,
            datetime.fromisoformat(locked) if locked else None,
        )

    def get(self, username: str) -> User | None:
        with self._db() as db:
            row = db.execute(
                "SELECT username, role, scope, disabled, failed_logins, locked_until FROM users WHERE username = ?",
                (username,),
            ).fetchone()
        return self._user(row) if row else None

    def list(self) -> list[User]:
        with self._db() as db:
            rows = db.execute(
                "SELECT username, role, scope, disabled, failed_logins, locked_until FROM users ORDER BY username"
            ).fetchall()
        return [self._user(r) for r in rows]

    def add(self, username: str, password: str, role: str, scope: tuple[ScopeEntry, ...]) -> User:
        """Create a user; refuses duplicates, short passwords and scopes the role cannot hold."""
        if (
            not username
            or not username.replace(".", "").replace("-", "").replace("_", "").isalnum()
        ):
            raise InputError(
                f"invalid username {username!r}", hint="use letters, digits, '.', '-' and '_'"
            )
        if len(password) < MIN_PASSWORD:
            raise InputError(f"the password must have at least {MIN_PASSWORD} characters")
        check_role_scope(role, scope)
        if self.get(username) is not None:
            raise InputError(f"user {username!r} exists already")
        with self._db() as db:
            db.execute(
                "INSERT INTO users (username, password_hash, role, scope, created) VALUES (?, ?, ?, ?, ?)",
                (
                    username,
                    self.hasher.hash(password),
                    role,
                    ",".join(str(s) for s in scope),
                    self.clock().isoformat(),
                ),
            )
        user = self.get(username)
        assert user is not None
        return user

    def disable(self, username: str) -> None:
        """Disable a user and end its sessions."""
        if self.get(username) is None:
            raise InputError(f"no user {username!r}")
        with self._db() as db:
            db.execute("UPDATE users SET disabled = 1 WHERE username = ?", (username,))
            db.execute("DELETE FROM sessions WHERE username = ?", (username,))

    def authenticate(self, username: str, password: str) -> User | None:
        """The user if the password is right and the account usable; counts failures."""
        now = self.clock()
        with self._db() as db:
            row = db.execute(
                "SELECT password_hash FROM users WHERE username = ?", (username,)
            ).fetchone()
        user = self.get(username)
        if row is None or user is None:
            # Spend the same work as a real check, so timing does not reveal unknown users.
            self._dummy_hash = self._dummy_hash or self.hasher.hash(secrets.token_hex(16))
            self._verify(self._dummy_hash, password)
            return None
        locked = user.locked_until is not None and user.locked_until > now
        if not self._verify(row[0], password) or locked or user.disabled:
            if not locked:
                self._record_failure(user, now)
            return None
        with self._db() as db:
            db.execute(
                "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE username = ?",
                (username,),
            )
        return self.get(username)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _record_failure(self, user: User, now: datetime) -> None:
        failed = user.failed_logins + 1
        locked_until = None
        if failed >= self.lockout_threshold:
            locked_until, failed = (now + self.lockout).isoformat(), 0
        with self._db() as db:
            db.execute(
                "UPDATE users SET failed_logins = ?, locked_until = ? WHERE username = ?",
                (failed, locked_until, user.username),
            )

    def start_session(self, user: User) -> Session:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = self.clock() + self.session_length
        with self._db() as db:
            db.execute(
                "INSERT INTO sessions (token_hash, username, csrf, expires) VALUES (?, ?, ?, ?)",
                (_hash_token(token), user.username, csrf, expires.isoformat()),
            )
        return Session(token, user, csrf)

    def session(self, token: str | None) -> Session | None:
        """The live session for a cookie value (None when unknown, expired or disabled)."""
        if not token:
            return None
        with self._db() as db:
            row = db.execute(
                "SELECT username, csrf, expires FROM sessions WHERE token_hash = ?",
                (_hash_token(token),),
            ).fetchone()
        if row is None or datetime.fromisoformat(row[2]) <= self.clock():
            return None
        user = self.get(row[0])
        if user is None or user.disabled:
            return None
        return Session(token, user, row[1])

    def end_session(self, token: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE token_hash = ?", (_hash_token(token),))
