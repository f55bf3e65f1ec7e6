"""The commit-ordered feed: every accepted report (and every backfill) gets a position.

Writers only append to ``feed_pending`` inside their own transaction. The sequencer moves
*committed* pending rows into ``feed`` with consecutive positions, under the row lock of
``feed_state`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has one writer), and the
positions commit with the sequencer's transaction. Two sequencer runs can never interleave,
so position n+1 becomes visible only after every position <= n has committed: a reader that
has seen position n never later finds a new row at a position <= n. A writer whose
transaction is still open when a sequencer runs simply gets a later position.

The sequencer runs at the end of every ingest batch (same transaction: the batch's reports
get their positions at commit) and before a recipient's page is read (own transaction,
only when something is pending).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.sql import ClauseElement

from tvaers.gateway.agreements import Agreement
from tvaers.gateway.database import Database
from tvaers.gateway.prepared import execute, insert_rows, insert_rows_of, table_columns
from tvaers.gateway.schema import feed, feed_pending, feed_state, population, reports

FEED_COLUMNS = table_columns(feed_pending, "id")
_TAKEN = ("id", *FEED_COLUMNS)


def _insert_pending(dialect: str, count: int | None) -> ClauseElement:
    return insert_rows_of(dialect, feed_pending, FEED_COLUMNS, count)


def enqueue(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append rows to the pending queue (inside the writer's transaction)."""
    insert_rows(conn, "feed.enqueue", _insert_pending, FEED_COLUMNS, rows)


def report_row(stored: Any) -> dict[str, Any]:
    """The pending row for an accepted report (broadcast: recipient filters at read time)."""
    return {
        "report_seq": stored.seq, "recipient_id": None, "kind": "report", "cpr": stored.cpr,
        "ig": stored.ig, "kommunekode": stored.kommunekode,
        "bundle_timestamp": stored.bundle_timestamp, "received_at": stored.received_at,
        "payload": None,
    }  # fmt: skip


def _lock_state(dialect: str) -> ClauseElement:
    return (
        select(feed_state.c.next_position)
        .where(feed_state.c.id == 1)
        .with_for_update(skip_locked=True)
    )


def _take_pending(dialect: str) -> ClauseElement:
    oldest = select(feed_pending.c.id).order_by(feed_pending.c.id).limit(bindparam("limit"))
    return (
        delete(feed_pending)
        .where(feed_pending.c.id.in_(oldest.scalar_subquery()))
        .returning(*(feed_pending.c[c] for c in _TAKEN))
    )


def _insert_feed(dialect: str, count: int | None) -> ClauseElement:
    return insert_rows_of(dialect, feed, ("position", *FEED_COLUMNS), count)


def _advance(dialect: str) -> ClauseElement:
    return (
        update(feed_state)
        .where(feed_state.c.id == 1)
        .values(next_position=bindparam("next_position"))
    )


def sequence(conn: Connection, limit: int = 5000) -> int:
    """Give committed pending rows the next positions; returns how many (0 if locked).

    The pending rows are taken (deleted and returned) by one statement, so on PostgreSQL
    exactly the rows it saw committed move, never one that commits meanwhile.
    """
    locked = execute(conn, "feed.lock_state", _lock_state, {}).fetchone()
    if locked is None:
        return 0  # another sequencer holds the lock; its commit publishes what it took
    next_position = int(locked[0])
    taken = execute(conn, "feed.take_pending", _take_pending, {"limit": limit}).fetchall()
    if not taken:
        return 0
    taken.sort(key=lambda row: row[0])  # RETURNING has no order; positions follow the ids
    rows = [
        {"position": next_position + n, **dict(zip(FEED_COLUMNS, row[1:], strict=True))}
        for n, row in enumerate(taken)
    ]
    insert_rows(conn, "feed.insert", _insert_feed, ("position", *FEED_COLUMNS), rows)
    execute(conn, "feed.advance", _advance, {"next_position": next_position + len(taken)})
    return len(taken)


def sequence_pending(db: Database) -> int:
    """Run the sequencer in its own transaction, if anything is pending."""
    with db.read() as conn:
        waiting = conn.execute(select(func.count()).select_from(feed_pending)).scalar_one()
    if not waiting:
        return 0
    done = 0
    with db.write() as conn:
        done = sequence(conn)
    return done


def head(conn: Connection) -> int:
    """The highest committed position (0 for an empty feed)."""
    return int(conn.execute(select(func.coalesce(func.max(feed.c.position), 0))).scalar_one())


def start_for(conn: Connection, since: str) -> int:
    """The cursor to start from for "everything received at or after ``since``"."""
    first = conn.execute(
        select(func.min(feed.c.position)).where(feed.c.received_at >= since)
    ).scalar()
    return int(first) - 1 if first is not None else head(conn)


def scope_condition(recipient_id: str, agreement: Agreement) -> Any:
    """SQL for "this feed row is for this recipient under this agreement"."""
    conditions = [
        or_(feed.c.recipient_id.is_(None), feed.c.recipient_id == recipient_id),
        feed.c.ig.in_(agreement.igs),
    ]
    if agreement.population == "list":
        members = select(population.c.cpr).where(population.c.recipient_id == recipient_id)
        conditions.append(feed.c.cpr.in_(members))
    if agreement.period_start:
        conditions.append(feed.c.bundle_timestamp >= agreement.period_start)
    if agreement.period_end:
        conditions.append(feed.c.bundle_timestamp < agreement.period_end)
    return and_(*conditions)


def first_after(
    conn: Connection, recipient_id: str, agreement: Agreement, ig: str, after: int, upto: int
) -> int | None:
    """The first position of ``ig`` for the recipient in (after, upto], or None."""
    found = conn.execute(
        select(func.min(feed.c.position)).where(
            feed.c.position > after, feed.c.position <= upto, feed.c.ig == ig,
            scope_condition(recipient_id, agreement),
        )
    ).scalar()  # fmt: skip
    return int(found) if found is not None else None


def rows_after(
    conn: Connection, recipient_id: str, agreement: Agreement, ig: str, after: int, upto: int,
    limit: int,
) -> list[Row[Any]]:  # fmt: skip
    """Feed rows of ``ig`` for the recipient in (after, upto], with the raw report if any."""
    query = (
        select(feed, reports.c.raw, reports.c.report_id)
        .select_from(feed.outerjoin(reports, reports.c.seq == feed.c.report_seq))
        .where(feed.c.position > after, feed.c.position <= upto, feed.c.ig == ig)
        .where(scope_condition(recipient_id, agreement))
        .order_by(feed.c.position)
        .limit(limit)
    )
    return list(conn.execute(query).all())


def count_after(conn: Connection, recipient_id: str, agreement: Agreement, after: int) -> int:
    """How many feed rows the recipient has not acknowledged (its backlog)."""
    query = (
        select(func.count())
        .select_from(feed)
        .where(feed.c.position > after, scope_condition(recipient_id, agreement))
    )
    return int(conn.execute(query).scalar_one())
