"""Authorization matrix: every role x route, wrong municipality, revoked and rotated tokens.

The matrix lists every route of the app; a test fails when a route is added without a row.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from gateway_factories import CPR_A, make_delivery_report, to_bytes
from gateway_support import ROLES, Gateway

REPORT = "authz-1"  # a København (101) report stored before each check
ALL = set(ROLES)
MUNI = {"kbh", "holbaek", "vendor"}
KBH_SCOPE = {"kbh", "vendor"}


def body_for(name: str) -> bytes:
    return to_bytes(make_delivery_report(report_id=name))


#: (method, path, body factory, roles that get 2xx). Other roles get 403; no token 401.
MATRIX: list[tuple[str, str, Callable[[str], bytes | None], set[str]]] = [
    ("PUT", "/fhir/Bundle/{new}", body_for, KBH_SCOPE),
    ("POST", "/fhir/Bundle", body_for, KBH_SCOPE),
    ("POST", "/fhir/Bundle/$validate", body_for, MUNI),
    ("GET", f"/fhir/Bundle/{REPORT}", lambda _: None, KBH_SCOPE | {"operator"}),
    ("GET", f"/fhir/Bundle/{REPORT}/_history/1", lambda _: None, KBH_SCOPE | {"operator"}),
    ("GET", f"/fhir/Bundle/{REPORT}/$raw", lambda _: None, KBH_SCOPE | {"operator"}),
    ("GET", "/fhir/Bundle", lambda _: None, MUNI | {"operator"}),
    ("GET", "/fhir/$status", lambda _: None, MUNI),
    ("GET", "/fhir/metadata", lambda _: None, ALL),
    ("GET", "/fhir/rules", lambda _: None, ALL),
    ("GET", "/admin/clients", lambda _: None, {"operator"}),
    ("POST", "/admin/audit", lambda _: json.dumps({"cpr": CPR_A}).encode(), {"operator"}),
    ("GET", "/admin/status", lambda _: None, {"operator"}),
    ("GET", "/metrics", lambda _: None, {"operator"}),
    ("GET", "/fhir/recipients/{rid}/incremental?_since=2000-01-01", lambda _: None, {"recipient"}),
    ("PUT", "/fhir/recipients/{rid}/population", lambda _: GROUP, {"recipient"}),
    ("GET", "/fhir/recipients/{rid}/coverage", lambda _: None, {"recipient", "operator"}),
]
GROUP = json.dumps({"resourceType": "Group", "type": "person", "actual": True, "member": [
    {"entity": {"identifier": {"system": "urn:oid:1.2.208.176.1.2", "value": CPR_A}}}
]}).encode()  # fmt: skip
TEMPLATES = {
    "/fhir/Bundle/{new}": "/fhir/Bundle/{report_id}",
    f"/fhir/Bundle/{REPORT}": "/fhir/Bundle/{report_id}",
    f"/fhir/Bundle/{REPORT}/_history/1": "/fhir/Bundle/{report_id}/_history/{version_id}",
    f"/fhir/Bundle/{REPORT}/$raw": "/fhir/Bundle/{report_id}/$raw",
    "/fhir/recipients/{rid}/incremental?_since=2000-01-01": "/fhir/recipients/{recipient_id}/incremental",
    "/fhir/recipients/{rid}/population": "/fhir/recipients/{recipient_id}/population",
    "/fhir/recipients/{rid}/coverage": "/fhir/recipients/{recipient_id}/coverage",
}
PUBLIC = {"/healthz", "/docs", "/docs/oauth2-redirect", "/openapi.json"}


def app_routes(gateway: Gateway) -> set[tuple[str, str]]:
    """Every (method, path) the app serves, from its OpenAPI document."""
    paths = gateway.app.openapi()["paths"]
    return {
        (method.upper(), path)
        for path, operations in paths.items()
        if path not in PUBLIC
        for method in operations
    }


def test_matrix_covers_every_route(sqlite_gateway: Gateway) -> None:
    covered = {(m, TEMPLATES.get(p, p)) for m, p, _, _ in MATRIX}
    assert covered == app_routes(sqlite_gateway)


def send(gw: Gateway, method: str, path: str, body: bytes | None, who: str | None, n: int) -> int:
    name = f"new-{who}-{n}"
    path = path.replace("{new}", name).replace("{rid}", gw.recipients["recipient"])
    content = body
    if body is not None and method in ("PUT", "POST") and path.startswith("/fhir/Bundle"):
        content = body_for(name)
    headers = {"Content-Type": "application/json"} if path.startswith("/admin") else {}
    return gw.request(method, path, who=who, body=content, headers=headers).status_code


@pytest.mark.parametrize("role", sorted(ALL))
def test_every_role_on_every_route(sqlite_gateway: Gateway, role: str) -> None:
    gw = sqlite_gateway
    assert gw.put(REPORT, body_for(REPORT), who="kbh").status_code == 201
    for n, (method, path, body, allowed) in enumerate(MATRIX):
        status = send(gw, method, path, body(path), role, n)
        if role in allowed:
            assert 200 <= status < 300, (role, method, path, status)
        else:
            assert status == 403, (role, method, path, status)


def test_no_token_and_bad_tokens_are_401_everywhere(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway
    for n, (method, path, body, _) in enumerate(MATRIX):
        assert send(gw, method, path, body(path), None, n) == 401
        assert send(gw, method, path, body(path), "tvgw_not-a-token", n) == 401
        assert send(gw, method, path, body(path), "garbage", n) == 401


def test_wrong_municipality_cannot_write_or_read(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway
    gw.put(REPORT, body_for(REPORT), who="kbh")
    assert gw.put("h-1", body_for("h-1"), who="holbaek").status_code == 403
    assert gw.get(f"/fhir/Bundle/{REPORT}", who="holbaek").status_code == 403
    assert gw.get(f"/fhir/Bundle/{REPORT}/$raw", who="holbaek").status_code == 403
    assert gw.get("/fhir/Bundle", who="holbaek").json()["entry"] == []
    # Refused reads leave no person-level audit trail of data that was not shown.
    events = gw.store.audit.for_citizen(CPR_A, asked_by="t", purpose="t")
    assert not any(e.actor.startswith("holbaek") for e in events)


def test_revoked_and_rotated_tokens(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway
    client_id = gw.store.clients.authenticate(gw.tokens["kbh"]).client_id  # type: ignore[union-attr]
    old = gw.tokens["kbh"]
    new = gw.store.clients.rotate(client_id)
    assert gw.get("/fhir/metadata", who=old).status_code == 401
    assert gw.get("/fhir/metadata", who=new).status_code == 200
    gw.store.clients.revoke(client_id)
    assert gw.get("/fhir/metadata", who=new).status_code == 401
    response = gw.put("r-1", body_for("r-1"), who=new)
    assert response.status_code == 401 and "www-authenticate" in response.headers
    assert gw.store.reports.count() == 0
