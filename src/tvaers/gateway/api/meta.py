"""Discovery: ``GET /fhir/metadata``, ``GET /fhir/rules`` and a vendor's ``GET /fhir/$status``.

The CapabilityStatement is built from :data:`ROUTES`, the one list of what the FHIR
surface implements; a test checks that list against the app's real routes both ways, so
the statement can only say what is true.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

import tvaers
import tvaers.validation
from tvaers.fhir.jsonio import dumps
from tvaers.fhir.outcome import RULE_SYSTEM
from tvaers.gateway.api.context import authenticate, context, require
from tvaers.gateway.api.errors import fhir_json
from tvaers.gateway.clients import Principal
from tvaers.gateway.rules import GATEWAY_RULES
from tvaers.gateway.timeutil import fhir_instant

router = APIRouter(prefix="/fhir", tags=["discovery"])

#: (method, path, kind, name): kind is "interaction" (on Bundle), "operation" (on Bundle),
#: "system" (a system-level operation) or "document" (plain JSON outside FHIR's model).
ROUTES: list[tuple[str, str, str, str]] = [
    ("PUT", "/fhir/Bundle/{report_id}", "interaction", "update"),
    ("POST", "/fhir/Bundle", "interaction", "create"),
    ("GET", "/fhir/Bundle/{report_id}", "interaction", "read"),
    ("GET", "/fhir/Bundle/{report_id}/_history/{version_id}", "interaction", "vread"),
    ("GET", "/fhir/Bundle", "interaction", "search-type"),
    ("POST", "/fhir/Bundle/$validate", "operation", "validate"),
    ("GET", "/fhir/Bundle/{report_id}/$raw", "operation", "raw"),
    ("GET", "/fhir/$status", "system", "status"),
    ("GET", "/fhir/metadata", "system", "capabilities"),
    ("GET", "/fhir/rules", "document", "rules"),
    ("GET", "/fhir/recipients/{recipient_id}/incremental", "system", "incremental"),
    ("PUT", "/fhir/recipients/{recipient_id}/population", "system", "population"),
    ("GET", "/fhir/recipients/{recipient_id}/coverage", "system", "coverage"),
]

DELIVERY_REPORT_PROFILES = [
    "http://fhir.kl.dk/gateway/StructureDefinition/klgateway-care-delivery-report",
    "http://fhir.kl.dk/rehab/StructureDefinition/klgateway-140-delivery-report",
    "http://fhir.kl.dk/prevention/StructureDefinition/klgateway-119-delivery-report",
]

SEARCH_PARAMS = [
    {"name": "_lastUpdated", "type": "date",
     "documentation": "Receipt time at the gateway (prefixes eq, gt, ge, lt, le)"},
    {"name": "_profile", "type": "uri", "documentation": "The report's Bundle.meta.profile"},
    {"name": "_count", "type": "number", "documentation": "Page size (1..search_max_count)"},
]  # fmt: skip


def operation_definition(name: str) -> str:
    if name == "validate":
        return "http://hl7.org/fhir/OperationDefinition/Resource-validate"
    return f"urn:tvaers:operation:{name}"


def capability_statement(extra: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    """The CapabilityStatement for :data:`ROUTES` plus routes added by later layers."""
    routes = ROUTES + extra
    interactions = [{"code": name} for _, _, kind, name in routes if kind == "interaction"]
    bundle_ops = [
        {"name": name, "definition": operation_definition(name)}
        for _, _, kind, name in routes
        if kind == "operation"
    ]
    system_ops = [
        {"name": name, "definition": operation_definition(name)}
        for _, _, kind, name in routes
        if kind == "system" and name != "capabilities"
    ]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": datetime.now(UTC).date().isoformat(),
        "kind": "instance",
        "software": {"name": "tvaers gateway", "version": tvaers.__version__},
        "implementation": {"description": "tvaers: common municipal gateway (KL Gateway IGs)"},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Every request needs Authorization: Bearer <token>; "
                    "clients are bound to municipalities, a recipient, or the operator."
                },
                "resource": [
                    {
                        "type": "Bundle",
                        "supportedProfile": DELIVERY_REPORT_PROFILES,
                        "interaction": interactions,
                        "versioning": "versioned",
                        "readHistory": False,
                        "updateCreate": True,
                        "searchParam": SEARCH_PARAMS,
                        "operation": bundle_ops,
                    }
                ],
                "operation": system_ops,
            }
        ],
    }


@router.get("/metadata", summary="CapabilityStatement (what this server implements)")
async def metadata(request: Request, principal: Principal = Depends(authenticate)) -> Response:
    extra = context(request).extensions.get("routes", [])
    return fhir_json(200, capability_statement(extra))


def rule_catalogue() -> list[dict[str, Any]]:
    """The validator's rules (when its catalogue exists) followed by the gateway's own."""
    rules: list[dict[str, Any]] = []
    provider = getattr(tvaers.validation, "rule_catalogue", None)
    if callable(provider):
        for rule in provider():
            rules.append(_as_dict(rule))
    return rules + [rule.as_dict() for rule in GATEWAY_RULES]


def _as_dict(rule: Any) -> dict[str, Any]:
    if isinstance(rule, dict):
        return rule
    for method in ("as_dict", "to_dict"):
        if callable(getattr(rule, method, None)):
            value: dict[str, Any] = getattr(rule, method)()
            return value
    from dataclasses import asdict, is_dataclass

    if is_dataclass(rule) and not isinstance(rule, type):
        return asdict(rule)
    return {"key": str(rule)}


@functools.cache
def rule_catalogue_json() -> bytes:
    """The catalogue document, built once per process (it only changes with the code)."""
    catalogue = rule_catalogue()
    return dumps({"system": RULE_SYSTEM, "count": len(catalogue), "rules": catalogue})


@router.get("/rules", summary="Rule catalogue: every rule key the gateway can report")
async def rules(principal: Principal = Depends(authenticate)) -> Response:
    body = await run_in_threadpool(rule_catalogue_json)
    return Response(body, media_type="application/json")


def status_parameters(principal: Principal, status: dict[str, Any]) -> dict[str, Any]:
    """A vendor's status as a FHIR Parameters resource."""
    params: list[dict[str, Any]] = [{"name": "client", "valueString": principal.client_id}]
    if status["last"]:
        params.append({"name": "lastSuccess", "valueInstant": fhir_instant(status["last"])})
    for day, (accepted, rejected) in status["days"].items():
        params.append(
            {
                "name": "day",
                "part": [
                    {"name": "date", "valueDate": day},
                    {"name": "accepted", "valueInteger": accepted},
                    {"name": "rejected", "valueInteger": rejected},
                ],
            }
        )
    for rule, count in status["rules"].items():
        params.append(
            {
                "name": "rejectedByRule",
                "part": [
                    {"name": "rule", "valueCode": rule},
                    {"name": "count", "valueInteger": count},
                ],
            }
        )
    return {"resourceType": "Parameters", "parameter": params}


@router.get("/$status", summary="A vendor's own submissions: by day, rejects by rule key")
async def vendor_status(
    request: Request, principal: Principal = Depends(require("municipality"))
) -> Response:
    ctx = context(request)
    since = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
    status = await run_in_threadpool(ctx.store.reports.client_status, principal.client_id, since)
    return fhir_json(200, status_parameters(principal, status))
