"""Forwarding: the pull feed, scoping to the agreement, backfill, pseudonyms, coverage.

Runs on SQLite and PostgreSQL (``store`` fixture). The reports come from the factory
(København, care) and from KL's §140 examples (Holbæk, rehab).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from gateway_factories import (
    CPR_A,
    CPR_B,
    SOR_HOLBAEK,
    example_bundles,
    make_agreement,
    make_delivery_report,
    organisations,
    to_bytes,
)

from tvaers.errors import DefinitionError, InputError
from tvaers.gateway.agreements import Agreement, load_agreement
from tvaers.gateway.clients import Principal
from tvaers.gateway.forwarding.filtering import pseudonym
from tvaers.gateway.forwarding.service import Forwarder
from tvaers.gateway.intake import Accepted, examine
from tvaers.gateway.store import GatewayStore
from tvaers.validation import ValidationOptions, validate_report

VENDOR = Principal("vendor", "municipality", frozenset({"101", "316"}))
OPTIONS = ValidationOptions()
KEYS = {1: "k" * 64}


def submit(store: GatewayStore, raw: bytes) -> Accepted:
    decision = examine(raw, principal=VENDOR, organisations=organisations(), options=OPTIONS)
    assert isinstance(decision, Accepted), decision
    store.reports.accept(decision, "vendor")
    return decision


def care(store: GatewayStore, report_id: str, **kwargs: Any) -> Accepted:
    return submit(store, to_bytes(make_delivery_report(report_id=report_id, **kwargs)))


def rehab(store: GatewayStore, ig: str = "rehab") -> list[str]:
    ids = []
    for path in example_bundles(ig):
        bundle = json.loads(path.read_bytes())
        if any(e["resource"]["resourceType"] == "Patient" for e in bundle["entry"]):
            submit(store, path.read_bytes())
            ids.append(bundle["id"])
    return ids


def register(store: GatewayStore, keys: dict[int, str] | None = None, **kwargs: Any) -> Forwarder:
    forwarder = Forwarder(store, keys or KEYS, OPTIONS, page_size=3)
    forwarder.recipients.add(Agreement.from_document(make_agreement("dhrd", **kwargs)))
    return forwarder


def pull_all(forwarder: Forwarder, since: str = "2000-01-01T00:00:00.000000Z",
             count: int | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Every page until an empty one; checks each page is one IG and validates."""
    pages, pulled = [], forwarder.pull("t", "dhrd", since=since, cursor=None, count=count)
    while True:
        pages.append(pulled.page.bundle)
        if pulled.page.count == 0 and pulled.page.withheld == 0:
            return pages
        pulled = forwarder.pull("t", "dhrd", since=None, cursor=pulled.cursor, count=count)


def reports_in(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e["resource"] for page in pages for e in page.get("entry", [])]


def test_pull_pages_one_ig_at_a_time_in_order_and_every_page_validates(store: GatewayStore) -> None:
    ids = [care(store, f"c{n}", cpr=CPR_A if n % 2 else CPR_B).report_id for n in range(4)]
    rehab_ids = rehab(store)
    ids.append(care(store, "c-last").report_id)
    forwarder = register(store, igs=("care", "rehab"))
    pages = pull_all(forwarder)
    got = reports_in(pages)
    by_ig = {"care": [], "rehab": []}  # type: dict[str, list[str]]
    for report in got:
        by_ig["rehab" if "rehab" in report["meta"]["profile"][0] else "care"].append(report["id"])
    assert by_ig == {"care": ids, "rehab": rehab_ids}  # each IG in commit order, once
    assert all(r["meta"]["versionId"] == "1" and r["meta"]["lastUpdated"] for r in got)
    for page in pages:
        profiles = {e["resource"]["meta"]["profile"][0] for e in page.get("entry", [])}
        assert len(profiles) <= 1  # one IG per page
        assert "link" not in page
        result = validate_report(page, OPTIONS)
        assert result.valid, [(i.rule, i.expression) for i in result.issues if i.is_error][:3]
    assert forwarder.recipients.cursor("dhrd").acknowledged > 0  # the last cursor sent is stored


def test_prevention_pages_use_the_tvaers_profile_and_their_reports_validate(
    store: GatewayStore,
) -> None:
    ids = rehab(store, "prevention")
    forwarder = register(store, igs=("prevention",))
    pages = [p for p in pull_all(forwarder) if p.get("entry")]
    assert {p["meta"]["profile"][0] for p in pages} == {
        "https://tvaers.dk/fhir/StructureDefinition/tvaers-119-incremental-delivery"
    }
    received = reports_in(pages)
    assert [r["id"] for r in received] == ids
    for report in received:
        assert validate_report(report, OPTIONS).valid


def test_a_recipient_never_receives_another_ig_citizen_or_period(store: GatewayStore) -> None:
    care(store, "in", cpr=CPR_A, timestamp="2024-06-01T00:00:00Z")
    care(store, "early", cpr=CPR_A, timestamp="2023-06-01T00:00:00Z")
    care(store, "other-citizen", cpr=CPR_B, timestamp="2024-06-01T00:00:00Z")
    rehab(store)
    forwarder = register(store, population="list", period=("2024-01-01", "2025-01-01"))
    forwarder.recipients.set_population("dhrd", [CPR_A], actor="test")
    received = reports_in(pull_all(forwarder))
    assert received[0]["id"] == "in"
    assert len(received) == 2  # and the backfill of A's current state (A was added)
    assert {r["entry"][0]["resource"]["identifier"][0]["value"] for r in received} == {CPR_A}
    assert "early" not in {r["id"] for r in received}


def test_code_filter_drops_resources_and_those_that_reference_them(store: GatewayStore) -> None:
    care(store, "coded")
    bundle = make_delivery_report(report_id="x")
    conditions = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Condition"
    ]
    kept = conditions[0]["code"]["coding"][0]
    forwarder = register(store, codes=(f"{kept['system']}|{kept['code']}",))
    (report,) = reports_in(pull_all(forwarder))
    types = [(e["resource"]["resourceType"], e["resource"]["id"]) for e in report["entry"]]
    assert ("Condition", conditions[0]["id"]) in types
    assert ("Condition", conditions[1]["id"]) not in types
    assert len(types) < len(bundle["entry"])
    assert validate_report(report, OPTIONS).valid
    refs = json.dumps(report)
    assert f"Condition/{conditions[1]['id']}" not in refs  # nothing points at a dropped one


def test_backfill_after_widening_is_queued_once(store: GatewayStore) -> None:
    care(store, "a1", cpr=CPR_A)
    care(store, "b1", cpr=CPR_B, observation_status="amended")
    forwarder = register(store, population="list")
    assert forwarder.recipients.set_population("dhrd", [CPR_A], actor="t") == (1, 0, 1)
    first = reports_in(pull_all(forwarder))
    # A is covered: its report from the feed and a backfill of its current state.
    assert {r["entry"][0]["resource"]["identifier"][0]["value"] for r in first} == {CPR_A}
    pulled = forwarder.pull("t", "dhrd", since="2999-01-01T00:00:00.000000Z", cursor=None)
    assert forwarder.recipients.set_population("dhrd", [CPR_A, CPR_B], actor="t") == (1, 0, 1)
    assert forwarder.recipients.set_population("dhrd", [CPR_A, CPR_B], actor="t") == (0, 0, 0)
    after = forwarder.pull("t", "dhrd", since=None, cursor=pulled.cursor).page.bundle
    backfilled = reports_in([after])
    assert len(backfilled) == 1
    citizen = backfilled[0]["entry"][0]["resource"]
    assert citizen["identifier"][0]["value"] == CPR_B
    statuses = {e["resource"]["id"]: e["resource"].get("status") for e in backfilled[0]["entry"]}
    assert statuses["OpleverIkkeBegraensningerMedVaskeSig"] == "amended"  # current state
    assert all("lastUpdated" in e["resource"]["meta"] for e in backfilled[0]["entry"])
    assert validate_report(backfilled[0], OPTIONS).valid
    events = store.audit.for_citizen(CPR_B, asked_by="t", purpose="t")
    assert [e.action for e in events].count("backfill") == 1


def test_widening_the_igs_backfills_only_the_new_units(store: GatewayStore) -> None:
    care(store, "a1", cpr=CPR_A)
    rehab(store)
    forwarder = register(store)
    document = make_agreement("dhrd", igs=("care", "rehab"))
    assert forwarder.recipients.update(Agreement.from_document(document), actor="t") == 1
    assert forwarder.recipients.update(Agreement.from_document(document), actor="t") == 0


def test_pseudonyms_are_stable_and_key_versions_are_kept(store: GatewayStore) -> None:
    care(store, "p1", cpr=CPR_A)
    care(store, "p2", cpr=CPR_A, timestamp="2024-02-01T00:00:00Z")
    forwarder = register(store, identity="pseudonym")
    received = reports_in(pull_all(forwarder))
    identifiers = [r["entry"][0]["resource"]["identifier"][0] for r in received]
    assert CPR_A not in json.dumps(received)
    assert {i["value"] for i in identifiers} == {pseudonym(CPR_A, KEYS[1])}
    assert {i["system"] for i in identifiers} == {"urn:tvaers:pseudonym:v1"}
    # A second key arrives: the recipient keeps version 1 until it is rekeyed.
    keys = {1: KEYS[1], 2: "q" * 64}
    rotated = Forwarder(store, keys, OPTIONS, page_size=3)
    again = reports_in(pull_all(rotated))
    assert {r["entry"][0]["resource"]["identifier"][0]["system"] for r in again} == {
        "urn:tvaers:pseudonym:v1"
    }
    assert rotated.recipients.rekey("dhrd", actor="t") == 1
    latest = reports_in(pull_all(rotated))
    assert {r["entry"][0]["resource"]["identifier"][0]["value"] for r in latest} == {
        pseudonym(CPR_A, keys[2])
    }


def test_coverage_counts_accepted_and_rejected_per_municipality_ig_month(
    store: GatewayStore,
) -> None:
    from tvaers.gateway.intake import Refused

    care(store, "c1")
    care(store, "c2", cpr=CPR_B)
    rehab(store)
    store.reports.reject(
        Refused(422, {}, ["x"], "r", "101", "care", "2024-01-02T23:30:00+01:00"), "vendor"
    )
    forwarder = register(store, igs=("care",))
    cells = forwarder.coverage("dhrd")
    assert [(c["kommunekode"], c["ig"], c["accepted"], c["rejected"]) for c in cells] == [
        ("101", "care", 2, 1)
    ]
    assert all(len(c["month"]) == 7 for c in cells)


def test_coverage_counts_a_late_report_in_the_month_it_covers(store: GatewayStore) -> None:
    # received today, about last November: the local date of Bundle.timestamp decides
    care(store, "late", timestamp="2023-11-30T23:30:00+01:00")
    care(store, "new", cpr=CPR_B, timestamp="2024-01-01T00:10:00+01:00")
    forwarder = register(store, igs=("care",))
    assert [(c["month"], c["accepted"]) for c in forwarder.coverage("dhrd")] == [
        ("2023-11", 1),
        ("2024-01", 1),
    ]


def test_agreement_files_are_checked_against_the_schema(tmp_path: Any) -> None:
    import tomli_w

    good = tmp_path / "dhrd.toml"
    good.write_text(
        tomli_w.dumps(make_agreement("dhrd", delivery="push", url="https://x.example/in"))
    )
    assert load_agreement(good).push_url == "https://x.example/in"
    bad = make_agreement("dhrd", delivery="push")
    (tmp_path / "bad.toml").write_text(tomli_w.dumps(bad))
    with pytest.raises(DefinitionError, match="url"):
        load_agreement(tmp_path / "bad.toml")
    wrong = make_agreement("dhrd", igs=("homecare",))
    (tmp_path / "ig.toml").write_text(tomli_w.dumps(wrong))
    with pytest.raises(DefinitionError, match=r"scope\.igs"):
        load_agreement(tmp_path / "ig.toml")


def test_cursors_belong_to_their_recipient(store: GatewayStore) -> None:
    forwarder = register(store)
    with pytest.raises(InputError, match="population list"):
        forwarder.recipients.set_population("dhrd", [CPR_A], actor="t")
    forwarder.recipients.add(Agreement.from_document(make_agreement("flis")))
    mine = forwarder.pull("t", "flis", since="2000-01-01", cursor=None).cursor
    with pytest.raises(InputError, match="cursor"):
        forwarder.pull("t", "dhrd", since=None, cursor=mine)


def test_holbaek_reports_reach_a_rehab_recipient(store: GatewayStore) -> None:
    rehab_ids = rehab(store)
    care(store, "kbh-care")
    forwarder = register(store, igs=("rehab",))
    received = reports_in(pull_all(forwarder))
    assert [r["id"] for r in received] == rehab_ids
    assert {
        r["entry"][0]["resource"]["managingOrganization"]["identifier"]["value"] for r in received
    } == {SOR_HOLBAEK}
    assert CPR_A not in json.dumps(received)
