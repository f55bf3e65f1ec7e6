"""The statements of the accept transaction, one function per step (see ``reports``).

Each is a Core statement compiled once per dialect and run on the driver cursor
(:mod:`tvaers.gateway.prepared`):

1. :func:`append_report`: append the report, ``ON CONFLICT (report_id) DO NOTHING``
   (nothing back: the id is taken, and :func:`find_report` reads the stored one), and
   upsert the citizen's row, which takes its lock (writers of one citizen serialise on
   PostgreSQL) and tells by ``first_seq`` whether this is the citizen's first report;
2. unless it is, :func:`current_versions` reads the current versions of the resources the
   report touches;
3. :func:`write_state`: the report's resource versions, the changed current rows and its
   ``feed_pending`` row, each as one multi-row insert.

On PostgreSQL, whose ``WITH`` takes data-modifying statements, steps 1 and 3 are one
statement each, so a report costs two round trips (three for a known citizen); SQLite
runs in process and takes them one by one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.sql import ClauseElement

from tvaers.gateway.forwarding import feed
from tvaers.gateway.prepared import (
    CHUNK,
    as_json,
    dialect_insert,
    execute,
    execute_rows,
    insert_rows,
    insert_rows_of,
    one_of,
    table_columns,
)
from tvaers.gateway.schema import (
    citizens,
    feed_pending,
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


def _insert_report(dialect: str) -> Any:
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


def _upsert_citizen(statement: Any) -> ClauseElement:
    upsert: ClauseElement = statement.on_conflict_do_update(
        index_elements=[citizens.c.cpr],
        set_={
            "last_seq": statement.excluded.last_seq,
            "kommunekode": statement.excluded.kommunekode,
        },
    ).returning(citizens.c.first_seq, citizens.c.last_seq)
    return upsert


def _lock_citizen(dialect: str) -> ClauseElement:
    values: dict[str, Any] = {
        c: bindparam(c) for c in ("cpr", "kommunekode", "first_seq", "last_seq")
    }
    return _upsert_citizen(dialect_insert(dialect, citizens).values(values))


def _append_and_lock(dialect: str) -> ClauseElement:
    appended = _insert_report(dialect).cte("appended")
    row = select(bindparam("cpr"), bindparam("kommunekode"), appended.c.seq, appended.c.seq)
    statement = dialect_insert(dialect, citizens).from_select(
        ["cpr", "kommunekode", "first_seq", "last_seq"], row
    )
    return _upsert_citizen(statement)


def append_report(conn: Connection, values: Mapping[str, Any]) -> tuple[int, bool] | None:
    """Append a report and lock its citizen: ``(seq, first report of the citizen)``.

    None when the report id is taken (nothing written).
    """
    if _dml_ctes(conn):
        row = execute(conn, "ingest.append_and_lock", _append_and_lock, values).fetchone()
        return None if row is None else (int(row[1]), int(row[0]) == int(row[1]))
    seq = insert_report(conn, values)
    if seq is None:
        return None
    citizen = {"cpr": values["cpr"], "kommunekode": values["kommunekode"], "first_seq": seq,
               "last_seq": seq}  # fmt: skip
    first_seq = execute(conn, "ingest.lock_citizen", _lock_citizen, citizen).fetchone()[0]
    return seq, int(first_seq) == seq


def _dml_ctes(conn: Connection) -> bool:
    """Whether the dialect runs INSERTs inside ``WITH`` (PostgreSQL; not SQLite)."""
    return conn.dialect.name == "postgresql"


def current_versions(conn: Connection, cpr: str, ids: Sequence[str]) -> list[dict[str, Any]]:
    """The current rows (without the resource) of ``cpr``'s resources with these ids."""
    document = as_json(conn.dialect.name)
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), len(ids) if document else CHUNK):
        chunk = ids[start : len(ids) if document else start + CHUNK]
        count = None if document else len(chunk)

        def build(dialect: str, count: int | None = count) -> ClauseElement:
            return select(*(resource_current.c[c] for c in CURRENT_STATE_COLUMNS)).where(
                resource_current.c.cpr == bindparam("cpr"),
                one_of(resource_current.c.resource_id, "ids", count),
            )

        values: dict[str, Any] = {"cpr": cpr}
        if document:
            values["ids"] = orjson.dumps(list(chunk)).decode()
        else:
            values.update((f"ids_{n}", rid) for n, rid in enumerate(chunk))
        cur = execute(conn, ("ingest.current_versions", count), build, values)
        found += [dict(zip(CURRENT_STATE_COLUMNS, row, strict=True)) for row in cur.fetchall()]
    return found


def _insert_versions(dialect: str, count: int | None, prefix: str = "") -> Any:
    return insert_rows_of(dialect, resource_versions, VERSION_COLUMNS, count, prefix)


def _upsert_current(dialect: str, count: int | None, prefix: str = "") -> Any:
    statement = insert_rows_of(dialect, resource_current, CURRENT_COLUMNS, count, prefix)
    return statement.on_conflict_do_update(
        index_elements=[resource_current.c[k] for k in _CURRENT_KEY],
        set_={c: statement.excluded[c] for c in CURRENT_COLUMNS if c not in _CURRENT_KEY},
    )


def upsert_current(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write current versions (keys are unique within ``rows``)."""
    insert_rows(conn, "ingest.upsert_current", _upsert_current, CURRENT_COLUMNS, rows)


def _write_state(dialect: str, counts: tuple[int, ...] | None) -> ClauseElement:
    versions, current, pending = counts or (None, None, None)
    statement = insert_rows_of(dialect, feed_pending, feed.FEED_COLUMNS, pending, "f_")
    if versions != 0:
        statement = statement.add_cte(_insert_versions(dialect, versions, "v_").cte("versions"))
    if current != 0:
        statement = statement.add_cte(_upsert_current(dialect, current, "c_").cte("current"))
    return statement


def write_state(
    conn: Connection, versions: Sequence[Mapping[str, Any]],
    current: Sequence[Mapping[str, Any]], pending: Sequence[Mapping[str, Any]],
) -> None:  # fmt: skip
    """Write new versions, changed current rows (unique keys) and feed_pending rows."""
    if _dml_ctes(conn):
        parts = [("v_", VERSION_COLUMNS, versions), ("c_", CURRENT_COLUMNS, current),
                 ("f_", feed.FEED_COLUMNS, pending)]  # fmt: skip
        execute_rows(conn, "ingest.write_state", _write_state, parts)
        return
    insert_rows(conn, "ingest.insert_versions", _insert_versions, VERSION_COLUMNS, versions)
    upsert_current(conn, current)
    feed.enqueue(conn, pending)


def _insert_reject(dialect: str) -> ClauseElement:
    return insert(rejects).values({c: bindparam(c) for c in REJECT_COLUMNS})


def insert_reject(conn: Connection, values: Mapping[str, Any]) -> None:
    """Keep a reject record (no personal data)."""
    execute(conn, "ingest.insert_reject", _insert_reject, values)
