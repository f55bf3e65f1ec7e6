"""apply_report: version order, late reports, entered-in-error, idempotence, order independence."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tvaers.fhir.references import ResourceKey
from tvaers.fhir.state import (
    EMPTY,
    CitizenMismatch,
    Report,
    apply_report,
    changed_keys,
    citizen_cpr,
    fold,
    managing_sor,
    parse_instant,
)

CPR = "0101570001"


def make_resource(
    rtype: str, rid: str, *, last_updated: str | None = None, **fields: Any
) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": rtype, "id": rid, **fields}
    if last_updated:
        resource["meta"] = {"lastUpdated": last_updated}
    return resource


def make_delivery_report(
    report_id: str,
    resources: list[dict[str, Any]],
    *,
    timestamp: str | None = "2024-01-01T00:00:00Z",
    cpr: str = CPR,
    sor: str = "123456789012345",
    active: bool | None = None,
) -> dict[str, Any]:
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": f"patient-{cpr}",
        "identifier": [{"system": "urn:oid:1.2.208.176.1.2", "value": cpr}],
        "managingOrganization": {"identifier": {"system": "urn:oid:1.2.208.176.1.1", "value": sor}},
    }
    if active is not None:
        patient["active"] = active
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": report_id,
        "type": "collection",
        "entry": [{"resource": r} for r in [patient, *resources]],
    }
    if timestamp:
        bundle["timestamp"] = timestamp
    return bundle


def test_citizen_identity_is_read_from_patient() -> None:
    bundle = make_delivery_report("r1", [], sor="451000016003")
    assert citizen_cpr(bundle) == CPR
    assert managing_sor(bundle) == "451000016003"
    assert citizen_cpr({"resourceType": "Bundle", "entry": []}) is None


def test_newer_version_replaces_and_late_version_enters_history_only() -> None:
    key = ResourceKey("Observation", "o1")
    newer = make_delivery_report(
        "new",
        [make_resource("Observation", "o1", status="final", valueString="new")],
        timestamp="2024-03-01T00:00:00Z",
    )
    late = make_delivery_report(
        "late",
        [make_resource("Observation", "o1", status="final", valueString="old")],
        timestamp="2024-02-01T00:00:00Z",
    )
    # The late report arrives second (higher receipt sequence) but is older by timestamp.
    state = apply_report(apply_report(EMPTY, Report.of(newer, 1)), Report.of(late, 2))
    resource = state.get(key)
    assert resource is not None
    assert resource.current.resource["valueString"] == "new"
    assert [v.report_id for v in resource.history] == ["late", "new"]


def test_last_updated_beats_bundle_timestamp_and_zones_are_compared_in_utc() -> None:
    # 10:00+02:00 is 08:00Z, earlier than 09:00Z although the text sorts later.
    first = make_delivery_report(
        "a",
        [make_resource("Goal", "g", last_updated="2024-01-01T10:00:00+02:00", note="a")],
        timestamp="2024-06-01T00:00:00Z",
    )
    second = make_delivery_report(
        "b",
        [make_resource("Goal", "g", last_updated="2024-01-01T09:00:00Z", note="b")],
        timestamp="2023-01-01T00:00:00Z",
    )
    state = fold([Report.of(first, 2), Report.of(second, 1)])
    current = state.get(ResourceKey("Goal", "g"))
    assert current is not None and current.current.resource["note"] == "b"


def test_equal_instants_fall_back_to_receipt_sequence() -> None:
    reports = [
        Report.of(make_delivery_report(rid, [make_resource("Encounter", "e", tag=rid)]), seq)
        for rid, seq in (("x", 7), ("y", 3))
    ]
    state = fold(reports)
    current = state.get(ResourceKey("Encounter", "e"))
    assert current is not None and current.current.resource["tag"] == "x"


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "entered-in-error"},
        {"lifecycleStatus": "entered-in-error"},
        {"verificationStatus": {"coding": [{"code": "entered-in-error"}]}},
    ],
    ids=["status", "lifecycleStatus", "verificationStatus"],
)
def test_entered_in_error_invalidates_without_deleting(fields: dict[str, Any]) -> None:
    key = ResourceKey("CarePlan", "c")
    ok = make_delivery_report(
        "1", [make_resource("CarePlan", "c", status="active")], timestamp="2024-01-01T00:00:00Z"
    )
    error = make_delivery_report(
        "2", [make_resource("CarePlan", "c", **fields)], timestamp="2024-01-02T00:00:00Z"
    )
    again = make_delivery_report(
        "3", [make_resource("CarePlan", "c", status="completed")], timestamp="2024-01-03T00:00:00Z"
    )
    state = fold([Report.of(ok, 1), Report.of(error, 2)])
    resource = state.get(key)
    assert resource is not None and resource.invalidated
    assert len(resource.history) == 2
    assert list(state.current()) == [
        state.get(ResourceKey("Patient", f"patient-{CPR}")).current.resource
    ]  # type: ignore[union-attr]
    revived = apply_report(state, Report.of(again, 3)).get(key)
    assert revived is not None and not revived.invalidated and len(revived.history) == 3


def test_patient_active_false_invalidates_the_citizen() -> None:
    state = fold(
        [
            Report.of(make_delivery_report("1", [], timestamp="2024-01-01T00:00:00Z"), 1),
            Report.of(
                make_delivery_report("2", [], timestamp="2024-01-02T00:00:00Z", active=False), 2
            ),
        ]
    )
    assert not state.active
    assert state.get(ResourceKey("Patient", f"patient-{CPR}")) is not None


def test_report_about_another_citizen_is_refused() -> None:
    state = apply_report(EMPTY, Report.of(make_delivery_report("1", []), 1))
    with pytest.raises(CitizenMismatch):
        apply_report(state, Report.of(make_delivery_report("2", [], cpr="0202570002"), 2))


def test_parse_instant() -> None:
    assert parse_instant("2024-01-01") == datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_instant("2024-01-01T01:00:00+01:00") == datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_instant("not a date") is None
    assert parse_instant(None) is None


# --- properties -------------------------------------------------------------------------

KEYS = [("Condition", "c1"), ("Condition", "c2"), ("CarePlan", "p1"), ("Goal", "g1")]
INSTANTS = [None, "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "2024-01-01T12:00:00+05:00"]


@st.composite
def report_sets(draw: st.DrawFn) -> list[Report]:
    count = draw(st.integers(min_value=1, max_value=7))
    sequences = draw(st.permutations(range(1, count + 1)))
    reports = []
    for n in range(count):
        chosen = draw(st.lists(st.sampled_from(KEYS), max_size=4, unique=True))
        resources = [
            make_resource(
                rtype,
                rid,
                last_updated=draw(st.sampled_from(INSTANTS)),
                status=draw(st.sampled_from(["active", "entered-in-error"])),
                marker=f"r{n}",
            )
            for rtype, rid in chosen
        ]
        timestamp = draw(st.sampled_from(INSTANTS[1:]))
        reports.append(
            Report.of(make_delivery_report(f"r{n}", resources, timestamp=timestamp), sequences[n])
        )
    return reports


def oracle_current(reports: list[Report]) -> dict[tuple[str, str], str]:
    """Brute force: for each key, the marker of the greatest (instant, sequence) version."""
    best: dict[tuple[str, str], tuple[datetime, int, str]] = {}
    for report in reports:
        stamp = datetime.fromisoformat(report.bundle["timestamp"])
        for entry in report.bundle["entry"][1:]:
            resource = entry["resource"]
            meta = resource.get("meta")
            instant = datetime.fromisoformat(meta["lastUpdated"]) if meta else stamp
            candidate = (instant, report.sequence, resource["marker"])
            key = (resource["resourceType"], resource["id"])
            if key not in best or candidate[:2] > best[key][:2]:
                best[key] = candidate
    return {key: value[2] for key, value in best.items()}


@given(report_sets(), st.randoms())
def test_order_of_arrival_does_not_matter(reports: list[Report], rnd: Any) -> None:
    shuffled = list(reports)
    rnd.shuffle(shuffled)
    assert fold(shuffled) == fold(reports)


@given(report_sets())
def test_applying_again_changes_nothing(reports: list[Report]) -> None:
    once = fold(reports)
    assert fold(reports, once) == once
    assert apply_report(once, reports[0]) is once


@given(report_sets())
def test_current_is_the_greatest_version_and_nothing_is_lost(reports: list[Report]) -> None:
    state = fold(reports)
    expected = oracle_current(reports)
    got = {
        (key.resource_type, key.id): rs.current.resource["marker"]
        for key, rs in state.resources.items()
        if key.resource_type != "Patient"
    }
    assert got == expected
    total = sum(len(r.bundle["entry"]) for r in reports)
    assert sum(len(rs.history) for rs in state.resources.values()) == total
    for rs in state.resources.values():
        assert rs.invalidated == (rs.current.resource.get("status") == "entered-in-error")


@given(report_sets())
def test_changed_keys_lists_exactly_the_resources_whose_current_moved(
    reports: list[Report],
) -> None:
    before = fold(reports[:-1])
    after = apply_report(before, reports[-1])
    moved = {
        key
        for key, rs in after.resources.items()
        if key not in before.resources or before.resources[key].current is not rs.current
    }
    assert set(changed_keys(before, after)) == moved


def test_kl_care_examples_in_any_order(reference_dir: Path) -> None:
    """The care IG's reports about citizen 0101570001, applied oldest-first or newest-first."""
    bundles = []
    for path in sorted((reference_dir / "kl" / "care" / "examples").glob("Bundle-*.json")):
        bundle = json.loads(path.read_text(encoding="utf-8"))
        if citizen_cpr(bundle) == "0101570001":
            bundles.append(bundle)
    assert len(bundles) >= 5
    by_time = sorted(bundles, key=lambda b: (b["timestamp"], b["id"]))
    reports = [Report.of(b, n) for n, b in enumerate(by_time, start=1)]
    forward = fold(reports)
    assert fold(reversed(reports)) == forward
    assert forward.cpr == "0101570001"
    assert forward.reports == {b["id"] for b in bundles}


def test_identifier_systems_agree_with_terminology() -> None:
    from tvaers.fhir import state
    from tvaers.terminology.cpr import CPR_SYSTEM
    from tvaers.terminology.sor import SOR_SYSTEM

    assert (state.CPR_SYSTEM, state.SOR_SYSTEM) == (CPR_SYSTEM, SOR_SYSTEM)
