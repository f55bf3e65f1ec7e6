"""Database connections for the gateway store: SQLite (default) or PostgreSQL.

SQLite runs in WAL mode with ``synchronous = FULL`` (a commit survives power loss) and
writers take the lock up front (``BEGIN IMMEDIATE``) behind one in-process lock, so
threads queue in Python instead of spinning on SQLite's busy handler. PostgreSQL uses
psycopg 3 and its own row locks. Schema changes go through Alembic (:meth:`migrate`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from tvaers.errors import ConfigError, ServiceError

MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept ``sqlite:///path``, a bare file path, or ``postgresql://`` (psycopg 3)."""
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("sqlite", "postgresql+psycopg")):
        return url
    raise ConfigError(
        f"unsupported database URL scheme in {make_url(url).render_as_string(hide_password=True)}",
        hint="use sqlite:///PATH or postgresql://USER@HOST:PORT/DB",
    )


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=8,
        max_overflow=8,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("tvaers_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """An engine plus read and write transactions suited to its dialect."""

    def __init__(self, url: str):
        self.url = normalise_url(url)
        if self.url.startswith("sqlite"):
            self.engine = _sqlite_engine(self.url)
        else:
            self.engine = create_engine(self.url, pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.dialect = self.engine.dialect.name
        self._write_lock = threading.Lock() if self.dialect == "sqlite" else None

    @property
    def display_url(self) -> str:
        """The URL without its password (safe to print and log)."""
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction; commits on success, rolls back on error."""
        with self._write_lock or nullcontext():
            try:
                conn = self.engine.connect().execution_options(tvaers_write=True)
            except Exception as exc:
                raise ServiceError(f"database unreachable: {self.display_url}") from exc
            with conn, conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot on both engines)."""
        try:
            conn = self.engine.connect()
        except Exception as exc:
            raise ServiceError(f"database unreachable: {self.display_url}") from exc
        with conn, conn.begin():
            yield conn

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.connect() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            conn.commit()

    def revision(self) -> str | None:
        """The schema revision the database is at (None before the first migration)."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            rev: str | None = MigrationContext.configure(conn).get_current_revision()
            return rev

    def dispose(self) -> None:
        self.engine.dispose()
