"""The report store: append-only raw reports, per-citizen current state, rejects.

:meth:`ReportStore.accept` runs in one transaction: append the raw bytes with their hash
unless the id is taken (then the stored copy decides: identical or conflict), take the
citizen's row lock, apply :func:`tvaers.fhir.state.apply_report` to the citizen's current
versions, write every new version and the changed current rows, and queue the report for
forwarding (``feed_pending``; the batch's sequencer step gives it its feed position). The
HTTP layer answers only after that commit. The statements are in
:mod:`tvaers.gateway.ingest_sql`.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Select, func, select

from tvaers.errors import ServiceError
from tvaers.fhir.jsonio import canonical_json, parse_json
from tvaers.fhir.references import ResourceKey
from tvaers.fhir.state import (
    CitizenState,
    Report,
    ResourceState,
    Version,
    apply_report,
    changed_keys,
)
from tvaers.gateway import ingest_sql
from tvaers.gateway.database import Database
from tvaers.gateway.faults import Faults
from tvaers.gateway.forwarding import feed
from tvaers.gateway.intake import Accepted, Refused
from tvaers.gateway.schema import rejects, reports, resource_current, resource_versions
from tvaers.gateway.timeutil import from_text, now_text, to_text
from tvaers.gateway.writer import BatchWriter

#: What an accept job returns: the outcome and the stored report (new or existing).
Accept = tuple["Outcome", "StoredReport"]

#: Hooks run inside the accept transaction after the report is stored (forwarding queue).
AcceptHook = Callable[[Connection, "StoredReport"], None]


class Outcome(enum.Enum):
    CREATED = "created"
    IDENTICAL = "identical"  # same id, same canonical content: idempotent resubmission
    CONFLICT = "conflict"  # same id, different content


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A report row (``raw`` only when asked for)."""

    seq: int
    report_id: str
    content_hash: str
    received_at: str
    client_id: str
    cpr: str
    sor: str
    kommunekode: str
    ig: str | None
    profile: str | None
    bundle_timestamp: str | None
    size: int
    raw: bytes | None = None

    def bundle(self) -> dict[str, Any]:
        """The parsed report (needs ``raw``)."""
        assert self.raw is not None, "load the report with its raw bytes"
        value: dict[str, Any] = parse_json(self.raw)
        return value


_COLUMNS = [c for c in reports.c if c.name != "raw"]


def _stored(row: Row[Any], with_raw: bool) -> StoredReport:
    return StoredReport(
        row.seq, row.report_id, row.content_hash, row.received_at, row.client_id, row.cpr,
        row.sor, row.kommunekode, row.ig, row.profile, row.bundle_timestamp, row.size,
        bytes(row.raw) if with_raw else None,
    )  # fmt: skip


def _select(with_raw: bool) -> Select[Any]:
    return select(*_COLUMNS, reports.c.raw) if with_raw else select(*_COLUMNS)


@dataclass(frozen=True, slots=True)
class SearchFilter:
    """Search criteria; ``kommunekoder`` None means every municipality (operator)."""

    kommunekoder: frozenset[str] | None
    received_ranges: tuple[tuple[str | None, str | None], ...] = ()  # [low, high)
    profile: str | None = None
    after_seq: int = 0


class ReportStore:
    """Reports, resource versions, current state and rejects."""

    def __init__(self, db: Database, faults: Faults | None = None):
        self._db = db
        self.faults = faults or Faults()
        self.accept_hooks: list[AcceptHook] = []
        self._writer = BatchWriter(db, before_commit=self._before_commit)

    def _before_commit(self, conn: Connection) -> None:
        """End of every ingest batch: give the batch's reports their feed positions."""
        feed.sequence(conn)
        self.faults.hit("before_commit")

    def close(self) -> None:
        """Stop the writer thread (after its current batch)."""
        self._writer.close()

    def accept(self, report: Accepted, client_id: str) -> tuple[Outcome, StoredReport]:
        """Store a report atomically (see the module docstring); returns after the commit."""
        (outcome, stored), _ = self.submit(report, client_id).result()
        return outcome, stored

    def submit(self, report: Accepted, client_id: str) -> Future[tuple[Accept, float]]:
        """Queue a report for the writer's next batch (group commit).

        The future resolves once that batch has committed, to the outcome and stored row
        and the writer CPU seconds the report cost (the HTTP layer awaits it).
        """
        return self._writer.submit(lambda conn: self._accept_in(conn, report, client_id))

    def _accept_in(
        self, conn: Connection, report: Accepted, client_id: str
    ) -> tuple[Outcome, StoredReport]:
        values: dict[str, Any] = {
            "report_id": report.report_id,
            "content_hash": report.content_hash,
            "raw": report.raw,
            "size": len(report.raw),
            "received_at": now_text(),
            "client_id": client_id,
            "cpr": report.cpr,
            "sor": report.sor,
            "kommunekode": report.kommunekode,
            "ig": report.ig,
            "profile": report.profile,
            "bundle_timestamp": report.timestamp,
        }
        appended = ingest_sql.append_report(conn, values)
        if appended is None:  # the id is taken: an identical resubmission or a conflict
            existing = ingest_sql.find_report(conn, report.report_id)
            if existing is None:  # pragma: no cover - the conflicting row was rolled back
                raise ServiceError(f"report id {report.report_id!r} is being written; retry")
            stored = StoredReport(**existing)
            same = stored.content_hash == report.content_hash
            return (Outcome.IDENTICAL if same else Outcome.CONFLICT), stored
        seq, first = appended
        stored = StoredReport(seq=seq, **{k: v for k, v in values.items() if k != "raw"})
        # transactional outbox: feed_pending is written with the report's state
        self._apply(conn, report, seq, first, [feed.report_row(stored)])
        for hook in self.accept_hooks:
            hook(conn, stored)
        return Outcome.CREATED, stored

    def _apply(
        self, conn: Connection, report: Accepted, seq: int, first: bool,
        pending: list[dict[str, Any]],
    ) -> None:  # fmt: skip
        """apply_report on the touched resources; write new versions, changed currents and
        the ``pending`` feed rows.

        ``first``: the citizen's first report, so there is no current state to read.
        """
        state = CitizenState(report.cpr, {}) if first else self._partial_state(conn, report)
        new = apply_report(state, Report(report.report_id, seq, report.bundle))
        versions = []
        for key, resource_state in new.resources.items():
            for version in resource_state.history:
                if version.report_id == report.report_id:
                    versions.append(
                        {
                            "report_seq": seq,
                            "cpr": report.cpr,
                            "resource_type": key.resource_type,
                            "resource_id": key.id,
                            "instant": to_text(version.instant),
                            "entry_index": version.entry_index,
                            "invalidates": version.invalidates,
                        }
                    )
        current = [
            _current_row(report.cpr, key, new.resources[key].current)
            for key in changed_keys(state, new)
        ]
        ingest_sql.write_state(conn, versions, current, pending)

    def _partial_state(self, conn: Connection, report: Accepted) -> CitizenState:
        """The citizen's state restricted to the resources this report touches."""
        ids = {
            entry["resource"].get("id")
            for entry in report.bundle.get("entry", [])
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)
        }
        ids.discard(None)
        resources = {}
        for row in ingest_sql.current_versions(conn, report.cpr, sorted(ids)):
            key = ResourceKey(row["resource_type"], row["resource_id"])
            version = Version(
                row["report_id"], row["report_seq"], from_text(row["instant"]),
                row["entry_index"], {}, bool(row["invalidates"]),
            )  # fmt: skip
            resources[key] = ResourceState(key, (version,))
        return CitizenState(report.cpr, resources)

    def reject(self, refused: Refused, client_id: str) -> None:
        """Keep a reject record: rule keys, municipality, client, time; no personal data."""
        self.submit_reject(refused, client_id).result()

    def submit_reject(self, refused: Refused, client_id: str) -> Future[tuple[None, float]]:
        """Queue a reject record for the writer's next batch (see :meth:`submit`)."""
        values = {
            "received_at": now_text(),
            "client_id": client_id,
            "status": refused.status,
            "kommunekode": refused.kommunekode,
            "ig": refused.ig,
            "report_id": refused.report_id,
            "rule_keys": " ".join(sorted(set(refused.rule_keys))) or "-",
            "bundle_timestamp": refused.bundle_timestamp,
        }
        return self._writer.submit(lambda conn: ingest_sql.insert_reject(conn, values))

    def get(self, report_id: str, *, with_raw: bool = False) -> StoredReport | None:
        with self._db.read() as conn:
            row = conn.execute(_select(with_raw).where(reports.c.report_id == report_id)).first()
        return _stored(row, with_raw) if row else None

    def search(self, criteria: SearchFilter, limit: int) -> list[StoredReport]:
        """Reports matching ``criteria`` in receipt order, at most ``limit`` (with raw)."""
        query = _select(True).where(reports.c.seq > criteria.after_seq)
        if criteria.kommunekoder is not None:
            query = query.where(reports.c.kommunekode.in_(sorted(criteria.kommunekoder)))
        for low, high in criteria.received_ranges:
            if low is not None:
                query = query.where(reports.c.received_at >= low)
            if high is not None:
                query = query.where(reports.c.received_at < high)
        if criteria.profile is not None:
            query = query.where(reports.c.profile == criteria.profile)
        with self._db.read() as conn:
            rows = conn.execute(query.order_by(reports.c.seq).limit(limit)).all()
        return [_stored(row, True) for row in rows]

    def current_state(self, cpr: str) -> dict[ResourceKey, tuple[bool, dict[str, Any]]]:
        """The current version of each of a citizen's resources: (invalidated, resource)."""
        with self._db.read() as conn:
            rows = conn.execute(select(resource_current).where(resource_current.c.cpr == cpr)).all()
        return {
            ResourceKey(r.resource_type, r.resource_id): (r.invalidates, parse_json(r.resource))
            for r in rows
        }

    def version_count(self, cpr: str) -> int:
        with self._db.read() as conn:
            return int(
                conn.execute(
                    select(func.count()).where(resource_versions.c.cpr == cpr)
                ).scalar_one()
            )

    def count(self) -> int:
        with self._db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(reports)).scalar_one())

    def client_status(self, client_id: str, since_day: str) -> dict[str, Any]:
        """Submissions by day, rejects by rule key and last success for one client."""
        day = func.substr(reports.c.received_at, 1, 10)
        rday = func.substr(rejects.c.received_at, 1, 10)
        with self._db.read() as conn:
            accepted = conn.execute(
                select(day, func.count())
                .where(reports.c.client_id == client_id, reports.c.received_at >= since_day)
                .group_by(day)
            ).all()
            refused = conn.execute(
                select(rday, rejects.c.rule_keys).where(
                    rejects.c.client_id == client_id, rejects.c.received_at >= since_day
                )
            ).all()
            last = conn.execute(
                select(func.max(reports.c.received_at)).where(reports.c.client_id == client_id)
            ).scalar_one()
        days: dict[str, list[int]] = {}
        for d, n in accepted:
            days.setdefault(d, [0, 0])[0] = int(n)
        rules: Counter[str] = Counter()
        for d, keys in refused:
            days.setdefault(d, [0, 0])[1] += 1
            rules.update(k for k in keys.split() if k != "-")
        return {
            "days": dict(sorted(days.items())),
            "rules": dict(rules.most_common()),
            "last": last,
        }


def _current_row(cpr: str, key: ResourceKey, version: Version) -> dict[str, Any]:
    return {
        "cpr": cpr,
        "resource_type": key.resource_type,
        "resource_id": key.id,
        "report_seq": version.sequence,
        "report_id": version.report_id,
        "instant": to_text(version.instant),
        "entry_index": version.entry_index,
        "invalidates": version.invalidates,
        "resource": canonical_json(version.resource).decode(),
    }


def count_rows(conn: Connection, table: Any, where: Iterable[Any] = ()) -> int:
    """Row count helper for status pages."""
    return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())
