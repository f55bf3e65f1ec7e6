"""The error contract, swept over every route: OperationOutcome under /fhir, problem+json
under /admin; plus metadata that is true to the routes, and no CPR in URLs or logs.

(Every response of every in-process test is also checked by ``check_error_shape``.)
"""

from __future__ import annotations

import io
import logging
import re

import httpx
import pytest
from gateway_factories import (
    CPR_A,
    CPR_B,
    SOR_HOLBAEK,
    make_delivery_report,
    organisations,
    to_bytes,
)
from gateway_support import PEPPER, Gateway, check_error_shape, gateway_settings

from tvaers.errors import ConfigError
from tvaers.gateway import logs
from tvaers.gateway.api.meta import ROUTES
from tvaers.gateway.app import create_app
from tvaers.gateway.rules import GATEWAY_RULES
from tvaers.gateway.settings import load_gateway_settings
from tvaers.gateway.store import GatewayStore

PUBLIC = {"/healthz", "/openapi.json", "/docs", "/docs/oauth2-redirect"}
METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH")


def served(gw: Gateway) -> dict[str, set[str]]:
    paths = gw.app.openapi()["paths"]
    return {path: {m.upper() for m in ops} for path, ops in paths.items()}


def concrete(path: str) -> str:
    return path.replace("{report_id}", "no-such-report").replace("{version_id}", "1")


def test_sweep_every_route_and_method(sqlite_gateway: Gateway) -> None:
    """No token, wrong methods and unknown paths, on every route: the right error shape."""
    gw = sqlite_gateway
    seen = 0
    for path, methods in served(gw).items():
        if path in PUBLIC:
            continue
        for method in METHODS:
            response = gw.request(method, concrete(path), body=b"{}" if method != "GET" else None)
            # A method the path lacks is 405, unless another template takes the path
            # (GET /fhir/Bundle/$validate is a read of a report with that id: 401).
            expected = {401} if method in methods else {401, 405}
            assert response.status_code in expected, (method, path, response.status_code)
            seen += 1
            with_token = gw.request(method, concrete(path), who="kbh",
                                    body=b"{}" if method != "GET" else None)  # fmt: skip
            assert with_token.status_code != 500
    assert seen >= 40
    for path in ("/fhir/Patient/1", "/admin/nothing", "/fhir/Bundle/a/b/c"):
        assert gw.get(path).status_code == 404


def test_internal_errors_are_outcomes_without_detail(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail 0101570001")

    gw.store.reports.get = broken  # type: ignore[method-assign]
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=gw.app, raise_app_exceptions=False), base_url="http://gw"
    )
    response = gw.portal.call(
        lambda: client.get(
            "/fhir/Bundle/x", headers={"Authorization": f"Bearer {gw.tokens['kbh']}"}
        )
    )
    check_error_shape(response)
    assert response.status_code == 500 and "secret" not in response.text


def test_bad_request_bodies_on_admin_are_problem_json(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway
    response = gw.request("POST", "/admin/audit", who="operator", body=b"{nope",
                          headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 400
    response = gw.request("POST", "/admin/audit", who="operator", body=b'{"cpr": "12"}',
                          headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 400


def test_metadata_is_true_to_the_routes(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway
    declared = {(method, path) for method, path, _, _ in ROUTES}
    actual = {
        (method, path)
        for path, methods in served(gw).items()
        if path.startswith("/fhir")
        for method in methods
    }
    assert declared == actual
    statement = gw.get("/fhir/metadata").json()
    resource = statement["rest"][0]["resource"][0]
    assert {i["code"] for i in resource["interaction"]} == {
        "update", "create", "read", "vread", "search-type"
    }  # fmt: skip
    assert {op["name"] for op in resource["operation"]} == {"validate", "raw"}
    assert {p["name"] for p in resource["searchParam"]} == {"_lastUpdated", "_profile", "_count"}


def test_rule_catalogue_lists_every_rule_key_the_gateway_emits(sqlite_gateway: Gateway) -> None:
    import tvaers.gateway
    import tvaers.validation

    catalogue = sqlite_gateway.get("/fhir/rules").json()
    keys = {rule["key"] for rule in catalogue["rules"]}
    assert {r.key for r in GATEWAY_RULES} <= keys
    assert catalogue["count"] == len(catalogue["rules"])
    validator = getattr(tvaers.validation, "rule_catalogue", None)
    if validator is not None:  # the validator's own keys come first, unchanged
        assert {r.key for r in validator()} <= keys
        assert all(rule["message_da"] for rule in catalogue["rules"])
    source = "\n".join(
        p.read_text()
        for p in __import__("pathlib").Path(tvaers.gateway.__file__).parent.rglob("*.py")
    )
    emitted = set(re.findall(r'"((?:gateway|http):[a-z-]+)"', source))
    assert emitted - keys == set()


def test_no_cpr_in_routes_or_logs(sqlite_gateway: Gateway) -> None:
    gw = sqlite_gateway
    for path in served(gw):
        assert "cpr" not in path.lower()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("tvaers")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        gw.put("l1", to_bytes(make_delivery_report(report_id="l1", cpr=CPR_A)))
        gw.put("l2", to_bytes(make_delivery_report(report_id="l2", cpr=CPR_B, sor=SOR_HOLBAEK)))
        gw.put("l3", to_bytes({**make_delivery_report(report_id="l3", cpr=CPR_B), "type": "x"}))
        gw.get("/fhir/Bundle/l1")
        gw.get("/fhir/Bundle")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    text = stream.getvalue()
    assert text.count("\n") >= 3  # accepted, refused (scope), refused (invalid)
    assert CPR_A not in text and CPR_B not in text


def test_production_refuses_synthetic_mode_and_placeholder_secrets() -> None:
    with pytest.raises(ConfigError, match="synthetic"):
        load_gateway_settings(environ={
            "TVAERS_GATEWAY_ENVIRONMENT": "production", "TVAERS_GATEWAY_CPR_MODE": "synthetic",
            "TVAERS_GATEWAY_TOKEN_PEPPER": PEPPER, "TVAERS_GATEWAY_PSEUDONYM_KEYS": "1:" + "k" * 64,
        })  # fmt: skip
    with pytest.raises(ConfigError, match="placeholder"):
        load_gateway_settings(environ={"TVAERS_GATEWAY_ENVIRONMENT": "production"})
    settings = load_gateway_settings(
        environ={"TVAERS_GATEWAY_PORT": "9"}, overrides={"port": 10, "db": None}
    )
    assert settings.port == 10 and settings.environment == "development"


def test_a_production_gateway_rejects_every_synthetic_report(sqlite_store: GatewayStore) -> None:
    from gateway_support import open_gateway

    with open_gateway(sqlite_store, environment="production") as gw:
        for day in range(61, 92):
            cpr = f"{day:02d}01570001"[:10]
            report = make_delivery_report(report_id=f"syn-{day}", cpr=cpr)
            assert gw.put(f"syn-{day}", to_bytes(report)).status_code == 422, cpr
        assert gw.store.reports.count() == 0


def test_production_needs_an_organisation_table(tmp_path: object) -> None:
    settings = gateway_settings("sqlite:///" + str(tmp_path) + "/p.db", environment="production")
    with pytest.raises(ConfigError, match="organisations"):
        create_app(settings)
    assert create_app(settings, organisations=organisations()) is not None
