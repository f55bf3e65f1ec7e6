"""Core statements compiled once per dialect and run on the DB-API cursor (the hot path).

Ingest runs the same handful of statements for every report. Through
``Connection.execute`` each costs SQLAlchemy's cache-key walk, parameter processing and
result wrapping, several times the cost of the statement itself on SQLite (and a large
part of it on PostgreSQL). Here a statement is still built with SQLAlchemy Core from the
schema, but compiled once, with positional parameters, for the connection's dialect; the
SQL text and the parameter order are kept and executed directly on the driver's cursor
inside the caller's transaction (SAVEPOINTs and rollbacks stay SQLAlchemy's). psycopg
prepares a statement it has seen five times, so repeated texts also skip PostgreSQL's
planner.

Multi-row statements are compiled per row count (parameters ``<column>_<n>``, row after
row), so one round trip writes every version of a report.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

#: Builds a Core statement for a dialect name ("sqlite", "postgresql").
Builder = Callable[[str], ClauseElement]

#: Rows per multi-row statement; more are written in chunks of this size.
CHUNK = 100


@dataclass(frozen=True, slots=True)
class Compiled:
    """SQL text with positional parameters, and the parameter names in their order."""

    sql: str
    names: tuple[str, ...]
    constants: Mapping[str, Any]  # literals in the statement (``id == 1``)

    def params(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        if self.constants:
            values = {**self.constants, **values}
        return tuple(values[name] for name in self.names)


def rows_values(columns: Iterable[str], count: int, prefix: str = "") -> list[dict[str, Any]]:
    """The ``values`` of a multi-row insert: ``count`` rows of parameters ``<column>_<n>``.

    ``prefix`` keeps the parameters of several inserts in one statement apart.
    """
    columns = tuple(columns)
    return [{c: bindparam(f"{prefix}{c}_{n}") for c in columns} for n in range(count)]


def dialect_insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    """``INSERT`` with ``ON CONFLICT`` clauses for the dialect (SQLite or PostgreSQL)."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def table_columns(table: Table, *skip: str) -> tuple[str, ...]:
    return tuple(c.name for c in table.c if c.name not in skip)


class Statements:
    """Compiled statements of one dialect, built on first use and kept."""

    def __init__(self, dialect: Dialect):
        self.dialect_name = dialect.name
        self._dialect = _positional(dialect)
        self._cache: dict[Hashable, Compiled] = {}

    def get(
        self, key: Hashable, build: Builder, order: Callable[[], tuple[str, ...]] | None = None
    ) -> Compiled:
        """The compiled form of ``build(dialect name)``, cached under ``key``.

        ``order()``: the parameter order the caller relies on (checked when compiling).
        """
        found = self._cache.get(key)
        if found is None:
            compiled = build(self.dialect_name).compile(dialect=self._dialect)
            names = tuple(getattr(compiled, "positiontup", None) or ())
            if order is not None and names != order():
                raise AssertionError(f"{key!r} compiled to parameters {names}, not {order()}")
            binds = compiled.binds  # type: ignore[attr-defined]
            constants = {n: binds[n].value for n in names if not binds[n].required}
            found = Compiled(compiled.string, names, constants)
            self._cache[key] = found
        return found


_BY_DIALECT: dict[tuple[str, Any], Statements] = {}


def statements(conn: Connection) -> Statements:
    """The statement cache for ``conn``'s dialect (and server version)."""
    dialect = conn.dialect
    key = (dialect.name, dialect.server_version_info)
    found = _BY_DIALECT.get(key)
    if found is None:
        found = _BY_DIALECT.setdefault(key, Statements(dialect))
    return found


def _positional(dialect: Dialect) -> Dialect:
    """A copy of ``dialect`` that renders positional parameters (``?`` or ``%s``)."""
    if dialect.positional:
        return dialect
    positional = copy.copy(dialect)
    positional.paramstyle = "format"
    positional.positional = True
    return positional


def cursor(conn: Connection) -> Any:
    """A driver cursor on the connection's current transaction."""
    return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]


def execute(conn: Connection, key: Hashable, build: Builder, values: Mapping[str, Any]) -> Any:
    """Run the statement ``build(dialect)`` (compiled once per dialect, under ``key``).

    Returns the driver cursor: fetch RETURNING or SELECT rows from it (plain tuples).
    """
    statement = statements(conn).get(key, build)
    cur = cursor(conn)
    cur.execute(statement.sql, statement.params(values))
    return cur


#: One multi-row part of a statement: parameter prefix, columns, rows.
Part = tuple[str, Sequence[str], Sequence[Mapping[str, Any]]]


def execute_rows(
    conn: Connection, key: Hashable, build: Callable[[str, tuple[int, ...]], ClauseElement],
    parts: Sequence[Part],
) -> Any:  # fmt: skip
    """Run ``build(dialect, row counts)``, a statement writing the rows of every part.

    Compiled once per row counts; its parameters must be the parts' rows in order, row
    after row (checked when compiling), so they are bound without building names.
    """
    counts = tuple(len(rows) for _, _, rows in parts)

    def build_counts(dialect: str) -> ClauseElement:
        return build(dialect, counts)

    def order() -> tuple[str, ...]:
        return tuple(
            f"{prefix}{c}_{n}" for prefix, columns, rows in parts
            for n in range(len(rows)) for c in columns
        )  # fmt: skip

    statement = statements(conn).get((key, counts), build_counts, order)
    values = tuple(row[c] for _, columns, rows in parts for row in rows for c in columns)
    cur = cursor(conn)
    cur.execute(statement.sql, values)
    return cur


def insert_rows(
    conn: Connection, key: Hashable, build: Callable[[str, int], ClauseElement],
    columns: Sequence[str], rows: Sequence[Mapping[str, Any]],
) -> None:  # fmt: skip
    """Write ``rows`` by multi-row statements ``build(dialect, count)``, ``CHUNK`` at a time."""
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]

        def build_chunk(dialect: str, counts: tuple[int, ...]) -> ClauseElement:
            return build(dialect, counts[0])

        execute_rows(conn, key, build_chunk, [("", columns, chunk)])
