"""Core statements compiled once per dialect and run on the DB-API cursor (the hot path).

Ingest runs the same handful of statements for every report. Through
``Connection.execute`` each costs SQLAlchemy's cache-key walk, parameter processing and
result wrapping, several times the cost of the statement itself on SQLite (and a large
part of it on PostgreSQL). Here a statement is still built with SQLAlchemy Core from the
schema, but compiled once, with positional parameters, for the connection's dialect; the
SQL text and the parameter order are kept and executed directly on the driver's cursor
inside the caller's transaction (SAVEPOINTs and rollbacks stay SQLAlchemy's).

Many rows go in one statement, bound the way each engine does best:

- PostgreSQL: one JSON document per row set, ``INSERT ... SELECT ... FROM
  jsonb_to_recordset(%s)`` (bytes as ``\\x`` hex, bytea's text form). The text is the same
  for any row count, so psycopg converts it once and prepares it (after five uses), the
  server plans it once, and the client serialises rows with orjson instead of quoting
  each value (multi-row ``VALUES`` or arrays cost three to six times the client CPU).
- SQLite: multi-row ``VALUES``, compiled per row count (parameters ``<column>_<n>``, row
  after row), at most :data:`CHUNK` rows per statement. SQLite runs in process, so it is
  the number of statements, not their text, that costs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Column, Connection, Table, bindparam, cast, column, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement, ColumnElement

#: Builds a Core statement for a dialect name ("sqlite", "postgresql").
Builder = Callable[[str], ClauseElement]

#: Builds a statement writing several row sets: the row counts, or None when row sets
#: are bound as JSON documents (then the statement must not depend on the counts).
RowsBuilder = Callable[[str, "tuple[int, ...] | None"], ClauseElement]

#: One set of rows for a statement: parameter prefix, columns, rows.
Part = tuple[str, Sequence[str], Sequence[Mapping[str, Any]]]

#: Rows per multi-row statement on SQLite; more are written in chunks of this size.
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


def as_json(dialect: str) -> bool:
    """Whether row sets are bound as one JSON document each (PostgreSQL)."""
    return dialect == "postgresql"


def json_rows(rows: Sequence[Mapping[str, Any]]) -> str:
    """A row set as the JSON document :func:`insert_rows_of` reads (bytes as ``\\x`` hex)."""
    return orjson.dumps(rows, default=_bytea).decode()


def _bytea(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    raise TypeError(f"cannot bind {type(value).__name__} in a JSON row set")


def dialect_insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    """``INSERT`` with ``ON CONFLICT`` clauses for the dialect (SQLite or PostgreSQL)."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def insert_rows_of(
    dialect: str, table: Table, columns: Sequence[str], count: int | None, prefix: str = ""
) -> postgresql.Insert | sqlite.Insert:
    """``INSERT INTO table (columns)`` of a row set: a JSON document, or ``count`` rows.

    Parameters are ``<prefix>rows`` (JSON) or ``<prefix><column>_<n>`` (rows).
    """
    if count is None:
        document = cast(bindparam(f"{prefix}rows"), postgresql.JSONB)
        typed = (column(c, table.c[c].type) for c in columns)
        rows = func.jsonb_to_recordset(document).table_valued(*typed)
        rows = rows.render_derived(with_types=True)
        source = select(*(rows.c[c] for c in columns))
        return dialect_insert(dialect, table).from_select(list(columns), source)
    values: list[dict[str, Any]] = [
        {c: bindparam(f"{prefix}{c}_{n}") for c in columns} for n in range(count)
    ]
    return dialect_insert(dialect, table).values(values)


def one_of(target: Column[Any], name: str, count: int | None) -> ColumnElement[bool]:
    """``target`` is one of the values of parameter ``name``: a JSON array of strings, or
    ``count`` parameters ``<name>_<n>``."""
    if count is None:
        document = cast(bindparam(name), postgresql.JSONB)
        return target.in_(select(func.jsonb_array_elements_text(document)))
    return target.in_([bindparam(f"{name}_{n}") for n in range(count)])


def table_columns(table: Table, *skip: str) -> tuple[str, ...]:
    return tuple(str(c.name) for c in table.c if c.name not in skip)  # plain str: JSON keys


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


def execute_rows(conn: Connection, key: Hashable, build: RowsBuilder, parts: Sequence[Part]) -> Any:
    """Run ``build(dialect, counts)``, a statement writing the rows of every part.

    The parameters are bound without building names: one JSON document per part, or the
    parts' rows row after row (the order is checked when compiling).
    """
    cache = statements(conn)
    documents = as_json(cache.dialect_name)
    counts = None if documents else tuple(len(rows) for _, _, rows in parts)

    def build_counts(dialect: str) -> ClauseElement:
        return build(dialect, counts)

    def order() -> tuple[str, ...]:
        if documents:
            names = [f"{prefix}rows" for prefix, _, _ in parts]
        else:
            names = [
                f"{prefix}{c}_{n}" for prefix, columns, rows in parts
                for n in range(len(rows)) for c in columns
            ]  # fmt: skip
        return tuple(names)

    statement = cache.get((key, counts), build_counts, order)
    if documents:
        bound = [json_rows(rows) for _, _, rows in parts]
    else:
        bound = [row[c] for _, columns, rows in parts for row in rows for c in columns]
    cur = cursor(conn)
    cur.execute(statement.sql, bound)
    return cur


def insert_rows(
    conn: Connection, key: Hashable, build: Callable[[str, int | None], ClauseElement],
    columns: Sequence[str], rows: Sequence[Mapping[str, Any]],
) -> None:  # fmt: skip
    """Write ``rows`` by ``build(dialect, count)``: one statement reading a JSON document,
    or multi-row statements of at most :data:`CHUNK` rows."""
    if not rows:
        return
    step = len(rows) if as_json(conn.dialect.name) else CHUNK
    for start in range(0, len(rows), step):

        def build_part(dialect: str, counts: tuple[int, ...] | None) -> ClauseElement:
            return build(dialect, None if counts is None else counts[0])

        execute_rows(conn, key, build_part, [("", columns, rows[start : start + step])])
