"""The audit log: who read whose data, when, what, and why.

Every person-level read (a report, its raw bytes, a search hit, a feed page, a backfill)
writes one row per citizen inside the same transaction as the read's bookkeeping, so a
read that is served is a read that is logged. ``tvaers gateway audit --cpr`` answers a
citizen's access request from these rows (and logs that query too).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select

from tvaers.gateway.database import Database
from tvaers.gateway.schema import audit
from tvaers.gateway.timeutil import now_text


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One audited access."""

    actor: str
    role: str
    action: str
    cpr: str | None
    report_id: str | None
    purpose: str
    detail: str | None = None
    at: str = ""


def record(conn: Connection, events: Iterable[AuditEvent]) -> None:
    """Write events within the caller's transaction."""
    at = now_text()
    rows = [
        {
            "at": e.at or at,
            "actor": e.actor,
            "role": e.role,
            "action": e.action,
            "cpr": e.cpr,
            "report_id": e.report_id,
            "purpose": e.purpose[:200],
            "detail": e.detail,
        }
        for e in events
    ]
    if rows:
        conn.execute(insert(audit), rows)


class AuditLog:
    """Audit rows in the store."""

    def __init__(self, db: Database):
        self._db = db

    def write(self, events: Iterable[AuditEvent]) -> None:
        with self._db.write() as conn:
            record(conn, events)

    def for_citizen(self, cpr: str, *, asked_by: str, purpose: str) -> list[AuditEvent]:
        """Every access to ``cpr``'s data, oldest first; the question itself is logged."""
        with self._db.write() as conn:
            rows = conn.execute(select(audit).where(audit.c.cpr == cpr).order_by(audit.c.id)).all()
            record(
                conn,
                [AuditEvent(asked_by, "operator", "audit-query", cpr, None, purpose)],
            )
        return [
            AuditEvent(r.actor, r.role, r.action, r.cpr, r.report_id, r.purpose, r.detail, r.at)
            for r in rows
        ]

    def count(self) -> int:
        with self._db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(audit)).scalar_one())
