"""Gateway fixtures: a store on SQLite or PostgreSQL, an in-process app, clients per role.

PostgreSQL tests use a fresh database per test session (``tvaers_test_<random>``, dropped
at the end) and a fresh schema per test; they are marked ``postgres`` and, under CI, fail
instead of skipping when the server is missing. Helpers live in ``gateway_support``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from gateway_factories import REFERENCE, require
from gateway_support import PEPPER, PG_ADMIN, Gateway, fresh_pg_schema, open_gateway, pg_available

from tvaers.gateway.store import GatewayStore


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database of our own for this test session; dropped afterwards."""
    require(pg_available(), "PostgreSQL is not reachable on 127.0.0.1:5432")
    import psycopg

    name = f"tvaers_test_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL on each backend (the store suite runs on both)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gateway.db'}"
    url: str = request.getfixturevalue("pg_database")
    fresh_pg_schema(url)
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[GatewayStore]:
    gateway_store = GatewayStore.open(db_url, token_pepper=PEPPER)
    yield gateway_store
    gateway_store.close()


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    require((REFERENCE / "kl").is_dir(), f"KL reference data not found at {REFERENCE}")
    return REFERENCE / "kl"


@pytest.fixture
def gateway(store: GatewayStore, examples_dir: Path) -> Iterator[Gateway]:
    with open_gateway(store) as gw:
        yield gw


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[GatewayStore]:
    """A store on SQLite only (HTTP-level tests that are not about storage)."""
    gateway_store = GatewayStore.open(f"sqlite:///{tmp_path / 'gw.db'}", token_pepper=PEPPER)
    yield gateway_store
    gateway_store.close()


@pytest.fixture
def sqlite_gateway(sqlite_store: GatewayStore, examples_dir: Path) -> Iterator[Gateway]:
    """An in-process gateway on SQLite only."""
    with open_gateway(sqlite_store) as gw:
        yield gw
