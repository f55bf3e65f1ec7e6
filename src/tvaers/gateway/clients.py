"""API clients and their bearer tokens: municipality (EOJ vendor), recipient or operator.

Tokens are random (256 bits) and shown once; the store keeps only an HMAC-SHA256 of each
token under the server's ``token_pepper``, so a stolen database yields no usable token.
A municipality client is bound to one or more kommunekoder (a vendor hosting many
municipalities); a recipient client to one recipient; an operator to the whole gateway.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from sqlalchemy import Row, insert, select, update

from tvaers.errors import DefinitionError, InputError
from tvaers.gateway.database import Database
from tvaers.gateway.schema import clients
from tvaers.gateway.timeutil import now_text
from tvaers.terminology.geography import municipality_by_code

Role = Literal["municipality", "recipient", "operator"]
ROLES: tuple[Role, ...] = ("municipality", "recipient", "operator")
TOKEN_PREFIX = "tvgw_"
_CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request."""

    client_id: str
    role: Role
    kommunekoder: frozenset[str] = frozenset()
    recipient_id: str | None = None

    def covers(self, kommunekode: str) -> bool:
        """May this caller act for municipality ``kommunekode``?"""
        return self.role == "municipality" and kommunekode in self.kommunekoder


@dataclass(frozen=True, slots=True)
class Client:
    """A registered client as listed to operators (never with its token)."""

    client_id: str
    name: str
    role: Role
    kommunekoder: tuple[str, ...]
    recipient_id: str | None
    created_at: str
    rotated_at: str | None
    revoked_at: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def new_token() -> str:
    """A fresh bearer token (shown to the operator once, never stored)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str, pepper: str) -> str:
    """The stored form of a token: HMAC-SHA256 under the server pepper."""
    return hmac.new(pepper.encode(), token.encode(), hashlib.sha256).hexdigest()


def _client(row: Row[Any]) -> Client:
    codes = tuple(c for c in row.kommunekoder.split(",") if c)
    return Client(
        row.client_id,
        row.name,
        cast(Role, row.role),
        codes,
        row.recipient_id,
        row.created_at,
        row.rotated_at,
        row.revoked_at,
    )


def check_client(client_id: str, role: str, kommunekoder: Iterable[str]) -> tuple[str, ...]:
    """Validate a client definition; returns the sorted kommunekoder."""
    if not _CLIENT_ID.match(client_id):
        raise InputError(f"client id {client_id!r} must be 1-64 letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}")
    codes = tuple(sorted(set(kommunekoder)))
    known = municipality_by_code()
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InputError(
            f"unknown kommunekode(r) {', '.join(unknown)} for client {client_id!r}",
            hint="kommunekoder are three digits, e.g. 101 (København), 330 (Slagelse)",
        )
    if role == "municipality" and not codes:
        raise InputError(f"municipality client {client_id!r} needs at least one kommunekode")
    if role != "municipality" and codes:
        raise InputError(f"only municipality clients have kommunekoder ({client_id!r})")
    return codes


class ClientRegistry:
    """Client rows in the store: add, list, revoke, rotate, authenticate."""

    def __init__(self, db: Database, pepper: str, *, cache_seconds: float = 0.0):
        self._db = db
        self._pepper = pepper
        #: Seconds a successful token lookup is reused. Revoke/rotate in this process
        #: clear it at once; from another process (the CLI) they take effect within it.
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[Principal, float]] = {}

    def add(
        self,
        client_id: str,
        name: str,
        role: str,
        kommunekoder: Iterable[str] = (),
        recipient_id: str | None = None,
    ) -> str:
        """Register a client and return its token (the only time it is visible)."""
        codes = check_client(client_id, role, kommunekoder)
        if role == "recipient" and recipient_id is None:
            recipient_id = client_id
        token = new_token()
        with self._db.write() as conn:
            exists = conn.execute(
                select(clients.c.client_id).where(clients.c.client_id == client_id)
            ).first()
            if exists:
                raise InputError(
                    f"client {client_id!r} exists already",
                    hint="use `tvaers gateway clients rotate` for a new token",
                )
            conn.execute(
                insert(clients).values(
                    client_id=client_id,
                    name=name,
                    role=role,
                    kommunekoder=",".join(codes),
                    recipient_id=recipient_id if role == "recipient" else None,
                    token_hash=hash_token(token, self._pepper),
                    created_at=now_text(),
                )
            )
        return token

    def all(self) -> list[Client]:
        with self._db.read() as conn:
            rows = conn.execute(select(clients).order_by(clients.c.client_id)).all()
        return [_client(row) for row in rows]

    def get(self, client_id: str) -> Client | None:
        with self._db.read() as conn:
            row = conn.execute(select(clients).where(clients.c.client_id == client_id)).first()
        return _client(row) if row else None

    def revoke(self, client_id: str) -> None:
        """Revoke a client: its token stops working at once; the row stays for the audit."""
        with self._db.write() as conn:
            done = conn.execute(
                update(clients)
                .where(clients.c.client_id == client_id, clients.c.revoked_at.is_(None))
                .values(revoked_at=now_text(), token_hash=None)
            )
        self._cache.clear()
        if done.rowcount != 1:
            raise InputError(f"no active client {client_id!r}")

    def rotate(self, client_id: str) -> str:
        """Give an active client a new token; the old one stops working at once."""
        token = new_token()
        with self._db.write() as conn:
            done = conn.execute(
                update(clients)
                .where(clients.c.client_id == client_id, clients.c.revoked_at.is_(None))
                .values(rotated_at=now_text(), token_hash=hash_token(token, self._pepper))
            )
        self._cache.clear()
        if done.rowcount != 1:
            raise InputError(f"no active client {client_id!r}")
        return token

    def cached(self, token: str) -> Principal | None:
        """The principal from the lookup cache alone (no database), or None."""
        if self.cache_seconds <= 0 or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        hit = self._cache.get(hash_token(token, self._pepper))
        return hit[0] if hit is not None and hit[1] > time.monotonic() else None

    def authenticate(self, token: str) -> Principal | None:
        """The principal for a bearer token, or None (unknown, revoked or rotated away)."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = hash_token(token, self._pepper)
        cached = self._cache.get(digest)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        with self._db.read() as conn:
            row = conn.execute(
                select(clients).where(
                    clients.c.token_hash == digest, clients.c.revoked_at.is_(None)
                )
            ).first()
        if row is None:
            return None
        client = _client(row)
        principal = Principal(
            client.client_id, client.role, frozenset(client.kommunekoder), client.recipient_id
        )
        if self.cache_seconds > 0:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (principal, time.monotonic() + self.cache_seconds)
        return principal

    def import_toml(self, path: Path) -> list[tuple[Client, str]]:
        """Register every new client of a ``clients.toml``; returns (client, token) pairs.

        Clients that exist already are left alone (their tokens are not shown again).
        """
        created = []
        existing = {c.client_id for c in self.all()}
        for entry in read_clients_toml(path):
            if entry["client_id"] in existing:
                continue
            token = self.add(**entry)
            client = self.get(entry["client_id"])
            assert client is not None
            created.append((client, token))
        return created


def read_clients_toml(path: Path) -> list[dict[str, Any]]:
    """Client definitions from the synthetic generator's ``clients.toml``.

    Accepted shapes: an array of tables ``[[clients]]`` (or ``[[client]]``) with
    ``client_id`` (or ``id``), ``name`` and ``kommunekoder``, and optionally ``role`` and
    ``recipient_id``; or tables keyed by client id (``[clients.<id>]``).
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"clients file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(f"invalid TOML: {exc}", location=str(path)) from exc
    raw = data.get("clients", data.get("client"))
    if isinstance(raw, Mapping):
        raw = [{"client_id": key, **value} for key, value in raw.items()]
    if not isinstance(raw, list):
        raise DefinitionError(
            "expected [[clients]] tables with client_id, name, kommunekoder", location=str(path)
        )
    out = []
    for n, item in enumerate(raw):
        where = f"{path}: clients[{n}]"
        if not isinstance(item, Mapping):
            raise DefinitionError("entry is not a table", location=where)
        client_id = item.get("client_id", item.get("id"))
        if not isinstance(client_id, str):
            raise DefinitionError("missing client_id", location=where)
        codes = item.get("kommunekoder", item.get("municipalities", []))
        if isinstance(codes, str):
            codes = [c.strip() for c in codes.split(",") if c.strip()]
        role = str(item.get("role", "municipality"))
        out.append(
            {
                "client_id": client_id,
                "name": str(item.get("name", client_id)),
                "role": role,
                "kommunekoder": [str(c).zfill(3) for c in codes],
                "recipient_id": item.get("recipient_id"),
            }
        )
    return out
