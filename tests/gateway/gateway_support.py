"""Helpers for the gateway tests: settings, an in-process gateway, the error-shape check.

Kept out of conftest.py so that test modules can import them by a unique module name.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from gateway_factories import make_agreement, organisations

from tvaers.gateway.agreements import Agreement
from tvaers.gateway.app import create_app
from tvaers.gateway.faults import Faults
from tvaers.gateway.settings import GatewaySettings
from tvaers.gateway.store import GatewayStore

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
PEPPER = "test-pepper-" + "x" * 40


def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN):
            return True
    except Exception:
        return False


def fresh_pg_schema(url: str) -> None:
    import psycopg

    dsn = url.replace("postgresql://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def gateway_settings(db: str, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "environment": "test",
        "db": db,
        "token_pepper": PEPPER,
        "pseudonym_keys": "1:" + "k" * 64,
        "quota_per_second": 1000.0,
        "quota_burst": 1000,
        "outbox_worker": False,
    }
    values.update(overrides)
    return GatewaySettings(**values)


def check_error_shape(response: httpx.Response) -> None:
    """Every non-2xx is an OperationOutcome under /fhir and problem+json under /admin.

    Run on every response of every in-process test, so each error path any test reaches
    is checked against the error contract.
    """
    if 200 <= response.status_code < 300:
        return
    path = response.request.url.path
    media = response.headers.get("content-type", "")
    body = response.json()
    if path.startswith("/admin"):
        assert media.startswith("application/problem+json"), (path, media)
        assert body["status"] == response.status_code and body["title"] and body["type"]
        return
    assert media.startswith("application/fhir+json"), (path, media)
    assert body["resourceType"] == "OperationOutcome", body
    assert any(i["severity"] in ("error", "fatal") for i in body["issue"]), body
    for issue in body["issue"]:
        assert issue["details"]["coding"][0]["system"] == "urn:tvaers:validation-rule"


@dataclass
class Gateway:
    """An in-process gateway (httpx over ASGITransport) with one token per role."""

    store: GatewayStore
    settings: GatewaySettings
    client: httpx.AsyncClient
    portal: BlockingPortal
    tokens: dict[str, str] = field(default_factory=dict)
    app: Any = None
    recipients: dict[str, str] = field(default_factory=dict)  # role name -> recipient id

    def request(
        self, method: str, path: str, *, who: str | None = None, body: bytes | None = None,
        headers: dict[str, str] | None = None, **kwargs: Any,
    ) -> httpx.Response:  # fmt: skip
        sent = {"Content-Type": "application/fhir+json"} if body is not None else {}
        if who is not None:
            sent["Authorization"] = f"Bearer {self.tokens.get(who, who)}"
        sent.update(headers or {})
        response: httpx.Response = self.portal.call(
            lambda: self.client.request(method, path, content=body, headers=sent, **kwargs)
        )
        check_error_shape(response)
        return response

    def put(self, bundle_id: str, body: bytes, who: str = "kbh", **kw: Any) -> httpx.Response:
        return self.request("PUT", f"/fhir/Bundle/{bundle_id}", who=who, body=body, **kw)

    def get(self, path: str, who: str = "kbh", **kw: Any) -> httpx.Response:
        return self.request("GET", path, who=who, **kw)


ROLES: dict[str, tuple[str, list[str]]] = {
    "kbh": ("municipality", ["101"]),  # København
    "holbaek": ("municipality", ["316"]),
    "vendor": ("municipality", ["101", "316"]),  # hosts two municipalities
    "recipient": ("recipient", []),  # bound to a registered recipient (list population)
    "recipient2": ("recipient", []),  # another recipient: never reaches the first one's data
    "operator": ("operator", []),
}


@contextmanager
def open_gateway(store: GatewayStore, **overrides: Any) -> Iterator[Gateway]:
    """An app on ``store`` with a fresh client per role in :data:`ROLES`."""
    settings = gateway_settings(store.db.url, **overrides)
    app = create_app(settings, store, organisations=organisations(), faults=Faults())
    with start_blocking_portal() as portal:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")
        gw = Gateway(store, settings, client, portal, app=app)
        forwarder = app.state.ctx.forwarder
        for name, (role, codes) in ROLES.items():
            client_id = f"{name}-{uuid.uuid4().hex[:6]}"
            gw.tokens[name] = store.clients.add(client_id, name, role, codes)
            if role == "recipient":
                document = make_agreement(client_id, population="list")
                forwarder.recipients.add(Agreement.from_document(document))
                gw.recipients[name] = client_id
        yield gw
        portal.call(client.aclose)
