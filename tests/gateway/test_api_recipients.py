"""Recipients over HTTP: the pull feed with its Link cursor, population, coverage, status,
metrics."""

from __future__ import annotations

import json
import re

from gateway_factories import CPR_A, CPR_B, make_delivery_report, to_bytes
from gateway_support import Gateway

from tvaers.terminology.cpr import CPR_SYSTEM


def group(*cprs: str) -> bytes:
    members = [{"entity": {"identifier": {"system": CPR_SYSTEM, "value": c}}} for c in cprs]
    return json.dumps({"resourceType": "Group", "type": "person", "actual": True,
                       "member": members}).encode()  # fmt: skip


def next_url(response: object) -> str:
    link = response.headers["link"]  # type: ignore[attr-defined]
    match = re.fullmatch(r'<http://gw(/fhir/recipients/[^>]+)>; rel="next"', link)
    assert match, link
    return match.group(1)


def test_pull_over_http_follows_the_link_header(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway
    rid = gw.recipients["recipient"]
    for n, cpr in enumerate([CPR_A, CPR_B, CPR_A]):
        assert (
            gw.put(f"r{n}", to_bytes(make_delivery_report(report_id=f"r{n}", cpr=cpr))).status_code
            == 201
        )
    put = gw.request(
        "PUT", f"/fhir/recipients/{rid}/population", who="recipient", body=group(CPR_A)
    )
    assert put.status_code == 200, put.text
    first = gw.get(f"/fhir/recipients/{rid}/incremental?_since=2000-01-01", who="recipient")
    assert first.status_code == 200
    received = [e["resource"] for e in first.json().get("entry", [])]
    url = next_url(first)
    while True:
        page = gw.get(url, who="recipient")
        if not page.json().get("entry"):
            break
        received += [e["resource"] for e in page.json()["entry"]]
        url = next_url(page)
    cprs = {r["entry"][0]["resource"]["identifier"][0]["value"] for r in received}
    assert cprs == {CPR_A}
    assert {"r0", "r2"} <= {r["id"] for r in received}
    assert "link" not in first.json()
    # Others' feeds, and nonsense, are refused.
    assert gw.get(url, who="recipient2").status_code == 403
    assert gw.get(f"/fhir/recipients/{rid}/incremental", who="recipient").status_code == 400
    assert (
        gw.get(f"/fhir/recipients/{rid}/incremental?_cursor=bogus", who="recipient").status_code
        == 400
    )
    assert (
        gw.get(f"/fhir/recipients/{rid}/incremental?_since=yesterday", who="recipient").status_code
        == 400
    )
    other = gw.recipients["recipient2"]
    stolen = url.replace(rid, other)
    assert gw.get(stolen, who="recipient2").status_code == 400  # a cursor is per recipient


def test_population_body_is_checked(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway
    rid = gw.recipients["recipient"]
    path = f"/fhir/recipients/{rid}/population"
    assert (
        gw.request("PUT", path, who="recipient", body=b'{"resourceType": "Patient"}').status_code
        == 400
    )
    bad = group("12345")
    assert gw.request("PUT", path, who="recipient", body=bad).status_code == 400


def test_coverage_status_and_metrics(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway
    rid = gw.recipients["recipient"]
    gw.put("c1", to_bytes(make_delivery_report(report_id="c1")))
    gw.put("c2", to_bytes({**make_delivery_report(report_id="c2"), "type": "batch"}))
    cells = gw.get(f"/fhir/recipients/{rid}/coverage", who="recipient").json()["parameter"]
    parts = {
        p["name"]: next(v for k, v in p.items() if k.startswith("value")) for p in cells[0]["part"]
    }
    assert parts["kommunekode"] == "101" and parts["accepted"] == 1 and parts["rejected"] == 1
    assert gw.get(f"/fhir/recipients/{rid}/coverage", who="operator").status_code == 200
    status = gw.get("/admin/status", who="operator").json()
    assert status["reports"] == 1
    (kbh,) = status["municipalities"]
    assert kbh["accepted_24h"] == 1 and kbh["rejected_24h"] == 1
    assert kbh["rejects_by_rule"]  # the validator's rule key for the bad Bundle.type
    assert {r["recipient_id"] for r in status["recipients"]} == set(gw.recipients.values())
    metrics = gw.get("/metrics", who="operator")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'tvaers_reports_total{outcome="created",status="2xx"} 1' in metrics.text
    assert "tvaers_recipient_backlog" in metrics.text
    assert CPR_A not in metrics.text and CPR_A not in json.dumps(status)
    assert gw.request("GET", "/healthz").json() == {"status": "ok"}
