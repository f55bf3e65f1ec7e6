"""Submitting and reading delivery reports over HTTP (in process, httpx.ASGITransport)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from gateway_factories import (
    CPR_A,
    SOR_HOLBAEK,
    SOR_UNKNOWN,
    SYNTHETIC_CPR,
    bundle_id,
    example_bundles,
    make_delivery_report,
    to_bytes,
)
from gateway_support import Gateway, open_gateway

from tvaers.fhir.state import citizen_cpr
from tvaers.gateway.store import GatewayStore
from tvaers.validation import ValidationOptions, validate_bytes

EXAMPLES = example_bundles()


def rule_keys(response: Any) -> list[str]:
    return [i["details"]["coding"][0]["code"] for i in response.json()["issue"]]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_kl_example_is_stored_and_read_back_or_refused_like_the_validator(
    sqlite_gateway: Gateway, path: Path
) -> None:
    gw = sqlite_gateway
    raw = path.read_bytes()
    report_id = bundle_id(path)
    response = gw.put(report_id, raw, who="vendor")
    verdict = validate_bytes(raw, ValidationOptions())
    if not verdict.valid:
        assert response.status_code == 422
        assert response.json() == verdict.outcome()
        return
    if citizen_cpr(json.loads(raw)) is None:  # an incremental delivery, not a report
        assert response.status_code == 422 and "gateway:citizen" in rule_keys(response)
        return
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/fhir/Bundle/{report_id}/_history/1"
    assert response.headers["etag"] == 'W/"1"'
    assert gw.get(f"/fhir/Bundle/{report_id}/$raw", who="vendor").content == raw
    read = gw.get(f"/fhir/Bundle/{report_id}", who="vendor").json()
    original = json.loads(raw)
    assert read["meta"]["versionId"] == "1" and read["meta"]["lastUpdated"]
    assert read["meta"]["profile"] == original["meta"]["profile"]
    read.pop("meta"), original.pop("meta")
    assert read == original


def test_all_examples_on_each_backend(gateway: Gateway) -> None:
    """The same round trip once per storage backend (SQLite and PostgreSQL)."""
    stored = 0
    for path in EXAMPLES:
        raw = path.read_bytes()
        response = gateway.put(bundle_id(path), raw, who="vendor")
        if response.status_code == 201:
            stored += 1
            assert (
                gateway.get(f"/fhir/Bundle/{bundle_id(path)}/$raw", who="operator").content == raw
            )
    assert stored == gateway.store.reports.count() >= 20


def mutations() -> list[tuple[str, bytes]]:
    """Broken reports an EOJ system could send, each derived from a valid one."""
    good = make_delivery_report(report_id="bad-1")

    def changed(change: Any) -> bytes:
        bundle = json.loads(json.dumps(good))
        change(bundle)
        return to_bytes(bundle)

    return [
        ("not-json", b'{"resourceType": "Bundle", '),
        ("bom", b"\xef\xbb\xbf" + to_bytes(good)),
        ("not-utf8", to_bytes(good).replace(b"Bundle", b"B\xffndle", 1)),
        ("array", b"[1, 2, 3]"),
        ("deep", b"[" * 200 + b"]" * 200),
        ("batch", changed(lambda b: b.update(type="batch"))),
        ("no-timestamp", changed(lambda b: b.pop("timestamp"))),
        ("unknown-element", changed(lambda b: b.update(colour="blue"))),
        ("cpr-with-hyphen", changed(lambda b: b["entry"][0]["resource"]["identifier"][0].update(value="010157-0001"))),
        ("identifier-on-bundle", changed(lambda b: b.update(identifier={"value": "x"}))),
        ("no-entries", changed(lambda b: b.update(entry=[]))),
    ]  # fmt: skip


@pytest.mark.parametrize(("name", "raw"), mutations(), ids=[m[0] for m in mutations()])
def test_invalid_report_gets_the_validators_outcome_and_nothing_is_stored(
    sqlite_gateway: Gateway, name: str, raw: bytes
) -> None:
    gw = sqlite_gateway
    verdict = validate_bytes(raw, ValidationOptions())
    response = gw.put("bad-1", raw, who="vendor")
    if verdict.resource is None:
        assert response.status_code == 400
        assert response.json() == verdict.outcome()
    elif not verdict.valid:
        assert response.status_code == 422
        assert response.json() == verdict.outcome()
    else:  # the validator accepts it today; the gateway's own checks decide
        assert response.status_code in (201, 422), response.text
    if response.status_code != 201:
        assert gw.store.reports.count() == 0
        status = gw.get("/fhir/$status", who="vendor").json()
        rejected = [p for p in status["parameter"] if p["name"] == "day"]
        assert rejected[0]["part"][2]["valueInteger"] == 1


def test_identical_resubmission_is_200_and_a_changed_one_409(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway
    report = make_delivery_report(report_id="same")
    first = gw.put("same", to_bytes(report))
    # Same content in another byte layout is the identical report (canonical hash).
    again = gw.put("same", orjson.dumps(report))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["location"] == first.headers["location"]
    report["timestamp"] = "2024-06-01T00:00:00Z"
    conflict = gw.put("same", to_bytes(report))
    assert conflict.status_code == 409 and rule_keys(conflict) == ["gateway:conflict"]
    assert gw.store.reports.count() == 1
    assert gw.get("/fhir/Bundle/same/$raw").content == to_bytes(
        make_delivery_report(report_id="same")
    )


def test_post_needs_an_id_and_put_ids_must_match(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway
    report = make_delivery_report(report_id="posted")
    created = gw.request("POST", "/fhir/Bundle", who="kbh", body=to_bytes(report))
    assert created.status_code == 201
    assert created.headers["location"] == "/fhir/Bundle/posted/_history/1"
    report.pop("id")
    missing = gw.request("POST", "/fhir/Bundle", who="kbh", body=to_bytes(report))
    assert missing.status_code == 400 and rule_keys(missing) == ["gateway:bundle-id"]
    other = make_delivery_report(report_id="one")
    mismatch = gw.put("two", to_bytes(other))
    assert mismatch.status_code == 400 and rule_keys(mismatch) == ["gateway:bundle-id-mismatch"]
    bad_id = gw.put("x" * 65, to_bytes(other))
    assert bad_id.status_code == 400


def test_prefer_return(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway
    minimal = gw.put("m1", to_bytes(make_delivery_report(report_id="m1")),
                     headers={"Prefer": "return=minimal"})  # fmt: skip
    assert minimal.status_code == 201 and minimal.content == b""
    full = gw.put("m2", to_bytes(make_delivery_report(report_id="m2")),
                  headers={"Prefer": "return=representation"})  # fmt: skip
    assert full.json()["resourceType"] == "Bundle" and full.json()["meta"]["versionId"] == "1"
    outcome = gw.put("m3", to_bytes(make_delivery_report(report_id="m3")),
                     headers={"Prefer": "return=OperationOutcome"})  # fmt: skip
    assert outcome.json()["resourceType"] == "OperationOutcome"
    assert outcome.json()["issue"][0]["severity"] in ("information", "warning")


def test_vread_and_unknown_versions(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway
    gw.put("v1", to_bytes(make_delivery_report(report_id="v1")))
    assert gw.get("/fhir/Bundle/v1/_history/1").status_code == 200
    assert gw.get("/fhir/Bundle/v1/_history/2").status_code == 404
    assert gw.get("/fhir/Bundle/nope").status_code == 404


def test_size_limit_413_and_media_type_415(sqlite_store: GatewayStore) -> None:
    with open_gateway(sqlite_store, max_request_bytes=4096) as gw:
        big = to_bytes(make_delivery_report(report_id="big"))
        assert len(big) > 4096
        assert gw.put("big", big).status_code == 413

        async def chunks() -> Any:  # no Content-Length: the limit holds while streaming
            for start in range(0, len(big), 1000):
                yield big[start : start + 1000]

        streamed = gw.portal.call(
            lambda: gw.client.put(
                "/fhir/Bundle/big", content=chunks(),
                headers={"Authorization": f"Bearer {gw.tokens['kbh']}"},
            )
        )  # fmt: skip
        assert streamed.status_code == 413
        xml = gw.put("x", b"<Bundle/>", headers={"Content-Type": "application/fhir+xml"})
        assert xml.status_code == 415
        assert gw.store.reports.count() == 0


def test_quota_429_with_retry_after(sqlite_store: GatewayStore) -> None:
    with open_gateway(sqlite_store, quota_per_second=0.01, quota_burst=2) as gw:
        codes = [gw.get("/fhir/metadata").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        limited = gw.get("/fhir/metadata")
        assert int(limited.headers["retry-after"]) >= 1
        assert gw.get("/fhir/metadata", who="holbaek").status_code == 200  # per client


def test_validate_operation_stores_nothing(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway
    good = to_bytes(make_delivery_report(report_id="t1"))
    ok = gw.request("POST", "/fhir/Bundle/$validate", who="kbh", body=good)
    assert ok.status_code == 200 and ok.json()["resourceType"] == "OperationOutcome"
    bad = to_bytes({**make_delivery_report(report_id="t2"), "type": "batch"})
    verdict = validate_bytes(bad, ValidationOptions())
    checked = gw.request("POST", "/fhir/Bundle/$validate", who="kbh", body=bad)
    assert checked.status_code == 200 and checked.json() == verdict.outcome()
    strict = gw.request("POST", "/fhir/Bundle/$validate?mode=strict", who="kbh", body=good)
    assert strict.status_code == 200
    scope = gw.request("POST", "/fhir/Bundle/$validate", who="holbaek", body=good)
    assert "gateway:sor-scope" in rule_keys(scope)
    assert (
        gw.request("POST", "/fhir/Bundle/$validate?mode=x", who="kbh", body=good).status_code == 400
    )
    assert gw.store.reports.count() == 0


def test_scope_refusals_are_403_with_reject_records(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway
    foreign = gw.put("f1", to_bytes(make_delivery_report(report_id="f1", sor=SOR_HOLBAEK)))
    assert foreign.status_code == 403 and rule_keys(foreign) == ["gateway:sor-scope"]
    unknown = gw.put("f2", to_bytes(make_delivery_report(report_id="f2", sor=SOR_UNKNOWN)))
    assert unknown.status_code == 403 and rule_keys(unknown) == ["gateway:sor-unknown"]
    status = gw.get("/fhir/$status").json()
    by_rule = {
        p["part"][0]["valueCode"]: p["part"][1]["valueInteger"]
        for p in status["parameter"]
        if p["name"] == "rejectedByRule"
    }
    assert by_rule == {"gateway:sor-scope": 1, "gateway:sor-unknown": 1}
    assert gw.store.reports.count() == 0


def test_synthetic_cpr_refused_in_dk_core_mode(sqlite_gateway: Gateway) -> None:
    response = sqlite_gateway.put(
        "s1", to_bytes(make_delivery_report(report_id="s1", cpr=SYNTHETIC_CPR))
    )
    assert response.status_code == 422


def test_synthetic_cpr_accepted_in_synthetic_mode(sqlite_store: GatewayStore) -> None:
    with open_gateway(sqlite_store, cpr_mode="synthetic") as gw:
        response = gw.put("s2", to_bytes(make_delivery_report(report_id="s2", cpr=SYNTHETIC_CPR)))
        assert response.status_code == 201, response.text


def test_search_pages_through_the_callers_reports_and_audits_each(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway
    for n in range(5):
        gw.put(f"s{n}", to_bytes(make_delivery_report(report_id=f"s{n}")))
    gw.put("h", to_bytes(make_delivery_report(report_id="h", sor=SOR_HOLBAEK)), who="vendor")
    seen: list[str] = []
    url = "/fhir/Bundle?_count=2&_lastUpdated=ge2020-01-01"
    pages = 0
    while url:
        page = gw.get(url).json()
        pages += 1
        assert page["type"] == "searchset"
        seen += [e["resource"]["id"] for e in page["entry"]]
        nexts = [link["url"] for link in page["link"] if link["relation"] == "next"]
        url = nexts[0].replace("http://gw", "") if nexts else ""
    assert seen == ["s0", "s1", "s2", "s3", "s4"] and pages == 3
    events = gw.store.audit.for_citizen(CPR_A, asked_by="t", purpose="t")
    assert sum(e.action == "search" for e in events) == 5
    assert len(gw.get("/fhir/Bundle", who="operator").json()["entry"]) == 6
    assert gw.get("/fhir/Bundle?_lastUpdated=gt2999").json()["entry"] == []
    profile = "http://fhir.kl.dk/gateway/StructureDefinition/klgateway-care-delivery-report"
    assert len(gw.get(f"/fhir/Bundle?_profile={profile}&_count=50").json()["entry"]) == 5
    for bad in ("identifier=0101570001", "_count=0", "_cursor=zzz", "_lastUpdated=yesterday"):
        response = gw.get(f"/fhir/Bundle?{bad}")
        assert response.status_code == 400, bad
        assert "0101570001" not in response.text


def test_reads_are_audited_with_purpose(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway
    gw.put("a1", to_bytes(make_delivery_report(report_id="a1")))
    gw.get("/fhir/Bundle/a1", headers={"X-Purpose": "care follow-up"})
    gw.get("/fhir/Bundle/a1/$raw", who="operator")
    events = gw.store.audit.for_citizen(CPR_A, asked_by="t", purpose="t")
    assert [(e.action, e.purpose) for e in events] == [
        ("read", "care follow-up"),
        ("raw", "not stated"),
    ]


def _validation_cases() -> list[Any]:
    """The validation issues' hand-written invalid reports (tests/validation/invalid_reports.py)."""
    import importlib.util
    import sys

    path = Path(__file__).parents[1] / "validation" / "invalid_reports.py"
    name = "tvaers_tests_validation_invalid_reports"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            return []
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    cases: list[Any] = sys.modules[name].CASES
    return [c for c in cases if not c.strict and c.severity == "error"]


INVALID_CASES = _validation_cases()


def test_the_validation_suites_invalid_reports_exist() -> None:
    assert len(INVALID_CASES) >= 20


@pytest.mark.parametrize("case", INVALID_CASES, ids=lambda c: c.name)
def test_validation_suites_invalid_report_is_refused_with_the_validators_outcome(
    sqlite_store: GatewayStore, case: Any
) -> None:
    raw = to_bytes(case.report())
    verdict = validate_bytes(raw, ValidationOptions(cpr_mode="synthetic"))
    assert not verdict.valid
    with open_gateway(sqlite_store, cpr_mode="synthetic") as gw:
        response = gw.put(json.loads(raw)["id"], raw, who="vendor")
        assert response.status_code in (400, 422)
        assert response.json() == verdict.outcome()
        assert case.rule in rule_keys(response)
        assert gw.store.reports.count() == 0
