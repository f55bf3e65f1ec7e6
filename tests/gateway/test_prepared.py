"""Statements compiled once and run on the driver cursor: parameters, literals, chunks.

The accept transaction and the feed sequencer run through this layer, so a wrong
parameter order or a lost chunk would corrupt stored reports; these tests pin it on both
backends (arrays on PostgreSQL, multi-row VALUES on SQLite), with a chunk size small
enough to cross chunk boundaries.
"""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.sql import ClauseElement

from tvaers.fhir.references import ResourceKey
from tvaers.gateway import ingest_sql, prepared
from tvaers.gateway.schema import (
    audit,
    citizens,
    feed_pending,
    feed_state,
    resource_current,
    resource_versions,
)
from tvaers.gateway.store import GatewayStore

AUDIT_COLUMNS = ("at", "actor", "role", "action", "cpr", "report_id", "purpose", "detail")


def _insert_audit(dialect: str, count: int | None) -> ClauseElement:
    return prepared.insert_rows_of(dialect, audit, AUDIT_COLUMNS, count)


def audit_row(n: int) -> dict[str, object]:
    return {"at": f"t{n:03d}", "actor": f"a{n}", "role": "r", "action": "x", "cpr": None,
            "report_id": f"r{n}", "purpose": "p", "detail": None}  # fmt: skip


def test_multi_row_inserts_write_every_row_across_chunks(
    store: GatewayStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prepared, "CHUNK", 4)
    rows = [audit_row(n) for n in range(11)]  # chunks of 4, 4 and 3
    with store.db.write() as conn:
        prepared.insert_rows(conn, "test.audit", _insert_audit, AUDIT_COLUMNS, rows)
    with store.db.read() as conn:
        stored = conn.execute(select(audit.c.at, audit.c.actor).order_by(audit.c.at)).all()
    assert [tuple(r) for r in stored] == [(f"t{n:03d}", f"a{n}") for n in range(11)]


def test_named_parameters_and_literals_are_bound_in_order(store: GatewayStore) -> None:
    def build(dialect: str) -> ClauseElement:
        return select(feed_state.c.next_position, bindparam("label")).where(feed_state.c.id == 1)

    with store.db.read() as conn:
        row = prepared.execute(conn, "test.literal", build, {"label": "x"}).fetchone()
    assert row[1] == "x" and int(row[0]) >= 1


def test_a_parameter_order_other_than_the_callers_is_refused(store: GatewayStore) -> None:
    cache = prepared.Statements(store.db.engine.dialect)
    with pytest.raises(AssertionError, match="compiled to parameters"):
        cache.get("test.order", lambda d: _insert_audit(d, 1), lambda: ("actor_0", "at_0"))


def test_current_versions_reads_more_ids_than_one_chunk(
    store: GatewayStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest_sql, "CHUNK", 3)
    monkeypatch.setattr(prepared, "CHUNK", 3)
    rows = [
        {"cpr": "0101570001", "resource_type": "Observation", "resource_id": f"o{n}",
         "report_seq": 1, "report_id": "r", "instant": "2024-01-01T00:00:00.000000Z",
         "entry_index": n, "invalidates": n == 2, "resource": "{}"}
        for n in range(8)
    ]  # fmt: skip
    with store.db.write() as conn:
        ingest_sql.upsert_current(conn, rows)
        found = ingest_sql.current_versions(conn, "0101570001", [f"o{n}" for n in range(10)])
    keys = {ResourceKey(r["resource_type"], r["resource_id"]) for r in found}
    assert keys == {ResourceKey("Observation", f"o{n}") for n in range(8)}
    assert [bool(r["invalidates"]) for r in sorted(found, key=lambda r: r["entry_index"])] == [
        n == 2 for n in range(8)
    ]


def report_values(report_id: str) -> dict[str, object]:
    return {"report_id": report_id, "content_hash": "0" * 64, "raw": b"{}", "size": 2,
            "received_at": "2024-01-01T00:00:00.000000Z", "client_id": "c", "cpr": "0101570001",
            "sor": "s", "kommunekode": "101", "ig": "care", "profile": None,
            "bundle_timestamp": None}  # fmt: skip


def test_append_report_locks_the_citizen_and_tells_its_first_report(store: GatewayStore) -> None:
    with store.db.write() as conn:
        first = ingest_sql.append_report(conn, report_values("r1"))
        taken = ingest_sql.append_report(conn, report_values("r1"))
        second = ingest_sql.append_report(conn, report_values("r2"))
    assert first is not None and first[1] is True
    assert taken is None  # the id is taken: nothing written
    assert second is not None and second[1] is False and second[0] > first[0]
    with store.db.read() as conn:
        assert conn.execute(select(citizens.c.first_seq, citizens.c.last_seq)).one() == (
            first[0],
            second[0],
        )


@pytest.mark.parametrize("chunk", [100, 1], ids=["one-statement", "statement-per-table"])
def test_write_state_writes_versions_current_rows_and_the_feed_row(
    store: GatewayStore, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """PostgreSQL writes all three in one statement unless a part exceeds a chunk."""
    monkeypatch.setattr(ingest_sql, "CHUNK", chunk)
    monkeypatch.setattr(prepared, "CHUNK", chunk)
    with store.db.write() as conn:
        appended = ingest_sql.append_report(conn, report_values("r"))
    assert appended is not None
    seq = appended[0]
    versions = [
        {"report_seq": seq, "cpr": "0101570001", "resource_type": "Observation",
         "resource_id": f"o{n}", "instant": "2024-01-01T00:00:00.000000Z", "entry_index": n,
         "invalidates": False}
        for n in range(2)
    ]  # fmt: skip
    current = [{**versions[1], "report_id": "r", "resource": '{"id": "o1"}'}]
    pending = [{"report_seq": seq, "recipient_id": None, "kind": "report", "cpr": "0101570001",
                "ig": "care", "kommunekode": "101", "bundle_timestamp": None,
                "received_at": "2024-01-01T00:00:00.000000Z", "payload": None}]  # fmt: skip
    with store.db.write() as conn:
        ingest_sql.write_state(conn, versions, current, pending)
    with store.db.read() as conn:
        stored_versions = conn.execute(select(resource_versions.c.resource_id)).scalars().all()
        stored_current = conn.execute(select(resource_current.c.resource)).scalars().all()
        stored_pending = conn.execute(select(feed_pending.c.ig)).scalars().all()
    assert sorted(stored_versions) == ["o0", "o1"]
    assert stored_current == ['{"id": "o1"}']
    assert stored_pending == ["care"]


def test_bytes_and_nulls_survive_a_row_set(store: GatewayStore) -> None:
    """On PostgreSQL row sets travel as JSON: bytes as bytea hex, None as NULL."""
    from tvaers.gateway.forwarding import feed

    payload = bytes(range(256)) + "æøå".encode()
    row = {"report_seq": None, "recipient_id": "r", "kind": "backfill", "cpr": "0101570001",
           "ig": None, "kommunekode": "101", "bundle_timestamp": None,
           "received_at": "2024-01-01T00:00:00.000000Z", "payload": payload}  # fmt: skip
    with store.db.write() as conn:
        feed.enqueue(conn, [row, {**row, "payload": None}])
    with store.db.read() as conn:
        stored = conn.execute(select(feed_pending.c.payload).order_by(feed_pending.c.id)).all()
    assert [None if p is None else bytes(p) for (p,) in stored] == [payload, None]
