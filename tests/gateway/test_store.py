"""The store on SQLite and PostgreSQL: append-only reports, idempotence, versions, rejects.

Every test here runs once per backend (the ``db_url`` fixture).
"""

from __future__ import annotations

import threading

import pytest
from gateway_factories import CPR_A, CPR_B, make_delivery_report, organisations, to_bytes
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from tvaers.fhir.references import ResourceKey
from tvaers.gateway.clients import Principal
from tvaers.gateway.intake import Accepted, Refused, examine
from tvaers.gateway.reports import Outcome, SearchFilter
from tvaers.gateway.schema import metadata, reports
from tvaers.gateway.store import GatewayStore
from tvaers.validation import ValidationOptions

VENDOR = Principal("vendor", "municipality", frozenset({"101", "316"}))
OBSERVATION = ResourceKey("Observation", "OpleverIkkeBegraensningerMedVaskeSig")


def accepted(**kwargs: object) -> Accepted:
    decision = examine(
        to_bytes(make_delivery_report(**kwargs)),  # type: ignore[arg-type]
        principal=VENDOR,
        organisations=organisations(),
        options=ValidationOptions(),
    )
    assert isinstance(decision, Accepted), decision
    return decision


def test_migrations_create_exactly_the_declared_schema(store: GatewayStore) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with store.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    assert store.db.revision() is not None


def test_accept_then_identical_then_conflict(store: GatewayStore) -> None:
    first = accepted(report_id="r-1")
    outcome, stored = store.reports.accept(first, "vendor")
    assert outcome is Outcome.CREATED
    again, same = store.reports.accept(accepted(report_id="r-1"), "vendor")
    assert again is Outcome.IDENTICAL and same.seq == stored.seq
    other, _ = store.reports.accept(
        accepted(report_id="r-1", timestamp="2024-02-01T00:00:00Z"), "vendor"
    )
    assert other is Outcome.CONFLICT
    assert store.reports.count() == 1
    loaded = store.reports.get("r-1", with_raw=True)
    assert loaded is not None and loaded.raw == first.raw
    assert loaded.kommunekode == "101" and loaded.cpr == CPR_A


def test_reports_are_append_only_on_disk(store: GatewayStore) -> None:
    """The raw bytes and hash of a stored report are what was received (no rewrite)."""
    decision = accepted(report_id="r-raw")
    store.reports.accept(decision, "vendor")
    with store.db.read() as conn:
        row = conn.execute(select(reports.c.raw, reports.c.content_hash)).one()
    assert bytes(row.raw) == decision.raw
    import hashlib

    import orjson

    canonical = orjson.dumps(orjson.loads(decision.raw), option=orjson.OPT_SORT_KEYS)
    assert row.content_hash == hashlib.sha256(canonical).hexdigest()


def test_current_state_follows_version_order_not_arrival(store: GatewayStore) -> None:
    newer = accepted(
        report_id="new", timestamp="2024-03-01T00:00:00Z", observation_status="amended"
    )
    late = accepted(report_id="late", timestamp="2024-02-01T00:00:00Z", observation_status="final")
    store.reports.accept(newer, "vendor")
    store.reports.accept(late, "vendor")
    invalidated, resource = store.reports.current_state(CPR_A)[OBSERVATION]
    assert resource["status"] == "amended" and not invalidated
    # Every version is kept: two reports x 15 resources.
    assert store.reports.version_count(CPR_A) == 30


def test_entered_in_error_invalidates_and_keeps(store: GatewayStore) -> None:
    store.reports.accept(accepted(report_id="a", timestamp="2024-01-01T00:00:00Z"), "vendor")
    store.reports.accept(
        accepted(
            report_id="b", timestamp="2024-01-02T00:00:00Z", observation_status="entered-in-error"
        ),
        "vendor",
    )
    state = store.reports.current_state(CPR_A)
    assert state[OBSERVATION][0] is True
    assert state[ResourceKey("Condition", "VaskeSigLetteBegraensninger")][0] is False
    assert store.reports.count() == 2


def test_last_updated_overrides_bundle_timestamp(store: GatewayStore) -> None:
    store.reports.accept(
        accepted(report_id="x", timestamp="2024-05-01T00:00:00Z", last_updated="2024-01-01T00:00:00Z",
                 observation_status="amended"),
        "vendor",
    )  # fmt: skip
    store.reports.accept(
        accepted(report_id="y", timestamp="2024-02-01T00:00:00Z", observation_status="final"),
        "vendor",
    )
    _, resource = store.reports.current_state(CPR_A)[OBSERVATION]
    assert resource["status"] == "final"


def test_citizens_are_kept_apart(store: GatewayStore) -> None:
    store.reports.accept(accepted(report_id="p", cpr=CPR_A, observation_status="final"), "vendor")
    store.reports.accept(
        accepted(report_id="q", cpr=CPR_B, observation_status="entered-in-error"), "vendor"
    )
    assert store.reports.current_state(CPR_A)[OBSERVATION][0] is False
    assert store.reports.current_state(CPR_B)[OBSERVATION][0] is True


def test_reject_record_holds_no_personal_data(store: GatewayStore) -> None:
    refused = Refused(422, {}, ["bundle:type", "cardinality:x:y"], "r-9", "101", "care")
    store.reports.reject(refused, "vendor")
    status = store.reports.client_status("vendor", "2000-01-01")
    assert status["rules"] == {"bundle:type": 1, "cardinality:x:y": 1}
    from tvaers.gateway.schema import rejects

    with store.db.read() as conn:
        row = conn.execute(select(rejects)).one()
    # bundle_timestamp (migration 0003) is the report's own time, not personal data
    assert set(row._mapping) == {
        "id", "received_at", "client_id", "status", "kommunekode", "ig", "report_id", "rule_keys",
        "bundle_timestamp",
    }  # fmt: skip


def test_search_scopes_by_municipality_and_pages(store: GatewayStore) -> None:
    from gateway_factories import SOR_HOLBAEK

    for n in range(5):
        store.reports.accept(accepted(report_id=f"k{n}"), "vendor")
    store.reports.accept(accepted(report_id="h0", sor=SOR_HOLBAEK, cpr=CPR_B), "vendor")
    kbh = store.reports.search(SearchFilter(frozenset({"101"})), 3)
    assert [r.report_id for r in kbh] == ["k0", "k1", "k2"]
    rest = store.reports.search(SearchFilter(frozenset({"101"}), after_seq=kbh[-1].seq), 10)
    assert [r.report_id for r in rest] == ["k3", "k4"]
    everyone = store.reports.search(SearchFilter(None), 10)
    assert len(everyone) == 6
    none = store.reports.search(SearchFilter(None, (("2999-01-01T00:00:00.000000Z", None),)), 10)
    assert none == []


def test_concurrent_writers_of_one_citizen_keep_the_newest(store: GatewayStore) -> None:
    """Threads race reports about one citizen; the current version is the newest by time."""
    decisions = [
        accepted(report_id=f"c{n}", timestamp=f"2024-01-{n + 1:02d}T00:00:00Z",
                 observation_status="final" if n < 7 else "amended")
        for n in range(8)
    ]  # fmt: skip
    errors: list[BaseException] = []

    def submit(decision: Accepted) -> None:
        try:
            store.reports.accept(decision, "vendor")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(d,)) for d in reversed(decisions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    _, resource = store.reports.current_state(CPR_A)[OBSERVATION]
    assert resource["status"] == "amended"
    assert store.reports.count() == 8


def test_clients_tokens_are_hashed_revocable_and_rotatable(store: GatewayStore) -> None:
    token = store.clients.add("eoj-a", "EOJ A", "municipality", ["101", "147"])
    principal = store.clients.authenticate(token)
    assert principal == Principal("eoj-a", "municipality", frozenset({"101", "147"}))
    from tvaers.gateway.schema import clients

    with store.db.read() as conn:
        stored = conn.execute(select(clients.c.token_hash)).scalar_one()
    assert token not in stored and len(stored) == 64
    new = store.clients.rotate("eoj-a")
    assert store.clients.authenticate(token) is None
    assert store.clients.authenticate(new) is not None
    store.clients.revoke("eoj-a")
    assert store.clients.authenticate(new) is None
    assert store.clients.all()[0].revoked_at is not None


def test_audit_answers_an_access_request_and_logs_the_question(store: GatewayStore) -> None:
    from tvaers.gateway.audit import AuditEvent

    store.audit.write([AuditEvent("kbh", "municipality", "read", CPR_A, "r1", "care follow-up")])
    store.audit.write([AuditEvent("kbh", "municipality", "read", CPR_B, "r2", "other")])
    events = store.audit.for_citizen(CPR_A, asked_by="cli:alice", purpose="access request")
    assert [(e.actor, e.report_id, e.purpose) for e in events] == [("kbh", "r1", "care follow-up")]
    again = store.audit.for_citizen(CPR_A, asked_by="cli:bob", purpose="check")
    assert [e.action for e in again] == ["read", "audit-query"]


def test_raw_reports_cannot_be_changed_silently(store: GatewayStore) -> None:
    """Guard: the report id is unique, so a second row can never shadow a stored report."""
    store.reports.accept(accepted(report_id="u1"), "vendor")
    with pytest.raises(DBAPIError), store.db.write() as conn:
        conn.execute(reports.insert().values(
            report_id="u1", content_hash="0" * 64, raw=b"{}", size=2, received_at="x",
            client_id="c", cpr=CPR_A, sor="s", kommunekode="101",
        ))  # fmt: skip
    assert store.reports.count() == 1
