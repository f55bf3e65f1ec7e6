"""The statements of the accept transaction, one function per step (see ``reports``).

Each is a Core statement compiled once per dialect and run on the driver cursor
(:mod:`tvaers.gateway.prepared`); together they are five round trips for a report about
a new citizen and six otherwise:

1. append the report, ``ON CONFLICT (report_id) DO NOTHING RETURNING seq`` (no row: the
   id is taken, and :func:`find_report` reads the stored one);
2. upsert the citizen row (its row lock serialises writers of one citizen on PostgreSQL),
   ``RETURNING first_seq``: a citizen first seen in this report has no current state;
3. otherwise read the current versions of the resources the report touches;
4. write the report's resource versions, then 5. the changed current rows, each in one
   multi-row statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Select, bindparam, insert, select
from sqlalchemy.sql import ClauseElement

from tvaers.gateway.prepared import (
    CHUNK,
    dialect_insert,
    execute,
    insert_rows,
    rows_values,
    table_columns,
)
from tvaers.gateway.schema import (
    citizens,
    rejects,
    reports,
    resource_current,
    resource_versions,
)

#: Columns written when a report is appended, and read back (everything but ``raw``).
REPORT_COLUMNS = table_columns(reports, "seq")
READ_COLUMNS = table_columns(reports, "raw")
VERSION_COLUMNS = table_columns(resource_versions, "id")
CURRENT_COLUMNS = table_columns(resource_current)
REJECT_COLUMNS = table_columns(rejects, "id")
CURRENT_STATE_COLUMNS = table_columns(resource_current, "cpr", "resource")
_CURRENT_KEY = ("cpr", "resource_type", "resource_id")


def _insert_report(dialect: str) -> ClauseElement:
    statement = dialect_insert(dialect, reports).values({c: bindparam(c) for c in REPORT_COLUMNS})
    return statement.on_conflict_do_nothing(index_elements=[reports.c.report_id]).returning(
        reports.c.seq
    )


def insert_report(conn: Connection, values: Mapping[str, Any]) -> int | None:
    """Append a report; its ``seq``, or None when its id is taken (nothing written)."""
    row = execute(conn, "ingest.insert_report", _insert_report, values).fetchone()
    return None if row is None else int(row[0])


def _find_report(dialect: str) -> ClauseElement:
    return select(*(reports.c[c] for c in READ_COLUMNS)).where(
        reports.c.report_id == bindparam("report_id")
    )


def find_report(conn: Connection, report_id: str) -> dict[str, Any] | None:
    """The stored report row with this id (without ``raw``), or None."""
    row = execute(conn, "ingest.find_report", _find_report, {"report_id": report_id}).fetchone()
    return None if row is None else dict(zip(READ_COLUMNS, row, strict=True))


def _lock_citizen(dialect: str) -> ClauseElement:
    statement = dialect_insert(dialect, citizens).values(
        {c: bindparam(c) for c in ("cpr", "kommunekode", "first_seq", "last_seq")}
    )
    return statement.on_conflict_do_update(
        index_elements=[citizens.c.cpr],
        set_={
            "last_seq": statement.excluded.last_seq,
            "kommunekode": statement.excluded.kommunekode,
        },
    ).returning(citizens.c.first_seq)


def lock_citizen(conn: Connection, cpr: str, kommunekode: str, seq: int) -> bool:
    """Upsert the citizen row (taking its lock); True when this report is its first."""
    values = {"cpr": cpr, "kommunekode": kommunekode, "first_seq": seq, "last_seq": seq}
    first_seq = execute(conn, "ingest.lock_citizen", _lock_citizen, values).fetchone()[0]
    return int(first_seq) == seq


def current_versions(conn: Connection, cpr: str, ids: Sequence[str]) -> list[dict[str, Any]]:
    """The current rows (without the resource) of ``cpr``'s resources with these ids."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        count = len(chunk)

        def build(dialect: str, count: int = count) -> Select[Any]:
            return select(*(resource_current.c[c] for c in CURRENT_STATE_COLUMNS)).where(
                resource_current.c.cpr == bindparam("cpr"),
                resource_current.c.resource_id.in_([bindparam(f"id_{n}") for n in range(count)]),
            )

        values = {"cpr": cpr, **{f"id_{n}": rid for n, rid in enumerate(chunk)}}
        cur = execute(conn, ("ingest.current_versions", count), build, values)
        found += [dict(zip(CURRENT_STATE_COLUMNS, row, strict=True)) for row in cur.fetchall()]
    return found


def _insert_versions(dialect: str, count: int) -> ClauseElement:
    return insert(resource_versions).values(rows_values(VERSION_COLUMNS, count))


def insert_versions(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append resource versions (one row per resource of the report)."""
    insert_rows(conn, "ingest.insert_versions", _insert_versions, VERSION_COLUMNS, rows)


def _upsert_current(dialect: str, count: int) -> ClauseElement:
    statement = dialect_insert(dialect, resource_current).values(
        rows_values(CURRENT_COLUMNS, count)
    )
    return statement.on_conflict_do_update(
        index_elements=[resource_current.c[k] for k in _CURRENT_KEY],
        set_={c: statement.excluded[c] for c in CURRENT_COLUMNS if c not in _CURRENT_KEY},
    )


def upsert_current(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write changed current versions (keys are unique within ``rows``)."""
    insert_rows(conn, "ingest.upsert_current", _upsert_current, CURRENT_COLUMNS, rows)


def _insert_reject(dialect: str) -> ClauseElement:
    return insert(rejects).values({c: bindparam(c) for c in REJECT_COLUMNS})


def insert_reject(conn: Connection, values: Mapping[str, Any]) -> None:
    """Keep a reject record (no personal data)."""
    execute(conn, "ingest.insert_reject", _insert_reject, values)
