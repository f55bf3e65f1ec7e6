"""Recipient routes: the pull feed, the population list and coverage.

``GET /fhir/recipients/{id}/incremental?_since=…`` starts a feed; every response carries
``Link: <…?_cursor=…>; rel="next"`` (never a link inside the Bundle, which the profiles
forbid) and the next call sends that cursor, which acknowledges everything before it.
A recipient client reaches only its own recipient id.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tvaers.errors import InputError
from tvaers.fhir.jsonio import parse_json
from tvaers.fhir.outcome import operation_outcome
from tvaers.gateway.api.bundles import read_body
from tvaers.gateway.api.context import Context, context, purpose, require
from tvaers.gateway.api.errors import ApiError, fhir_json
from tvaers.gateway.clients import Principal
from tvaers.gateway.forwarding.service import since_text
from tvaers.terminology.cpr import CPR_SYSTEM, cpr_problem

router = APIRouter(prefix="/fhir/recipients", tags=["recipients"])
FEED_PARAMS = ("_since", "_cursor", "_count")


def own(principal: Principal, recipient_id: str) -> None:
    if principal.role == "recipient" and principal.recipient_id == recipient_id:
        return
    raise ApiError(403, f"client {principal.client_id!r} may not use recipient {recipient_id!r}")


def _recipient_or_404(ctx: Context, recipient_id: str) -> None:
    try:
        ctx.forwarder.active(recipient_id)
    except LookupError as exc:
        raise ApiError(404, f"no active recipient {recipient_id!r}") from exc


@router.get("/{recipient_id}/incremental", summary="Incremental delivery (pull feed)")
async def incremental(
    recipient_id: str, request: Request, principal: Principal = Depends(require("recipient"))
) -> Response:
    own(principal, recipient_id)
    ctx = context(request)
    params = request.query_params
    unknown = sorted(set(params) - set(FEED_PARAMS))
    if unknown:
        raise ApiError(
            400, f"unsupported parameter(s) {', '.join(unknown)}; use {', '.join(FEED_PARAMS)}"
        )
    count = params.get("_count")
    if count is not None and (not count.isdigit() or not 1 <= int(count) <= 1000):
        raise ApiError(400, "_count must be 1..1000")

    def pull() -> Any:
        _recipient_or_404(ctx, recipient_id)
        try:
            since = since_text(params["_since"]) if "_since" in params else None
            return ctx.forwarder.pull(
                principal.client_id, recipient_id, since=since, cursor=params.get("_cursor"),
                count=int(count) if count else None, purpose=purpose(request),
            )  # fmt: skip
        except InputError as exc:
            raise ApiError(400, exc.message) from exc

    pulled = await run_in_threadpool(pull)
    base = str(request.base_url).rstrip("/")
    link = (
        f'<{base}/fhir/recipients/{recipient_id}/incremental?_cursor={pulled.cursor}>; rel="next"'
    )
    headers = {"Link": link, "X-Feed-Count": str(pulled.page.count)}
    return fhir_json(200, pulled.page.bundle, headers)


def population_cprs(body: bytes) -> list[str]:
    """CPR numbers from a FHIR Group (member.entity.identifier, CPR system)."""
    try:
        group = parse_json(body, source="request body")
    except InputError as exc:
        raise ApiError(400, exc.message) from exc
    if not isinstance(group, dict) or group.get("resourceType") != "Group":
        raise ApiError(400, "send a FHIR Group whose members carry CPR identifiers")
    cprs = []
    for n, member in enumerate(group.get("member") or ()):
        identifier = ((member or {}).get("entity") or {}).get("identifier") or {}
        value = identifier.get("value")
        where = f"Group.member[{n}].entity.identifier"
        if identifier.get("system") != CPR_SYSTEM or not isinstance(value, str):
            raise ApiError(400, f"{where} is not a CPR identifier ({CPR_SYSTEM})", expression=where)
        if cpr_problem(value, "synthetic") is not None:
            raise ApiError(400, f"{where}.value is not a 10-digit CPR number", expression=where)
        cprs.append(value)
    return cprs


@router.put("/{recipient_id}/population", summary="Replace the population list (FHIR Group)")
async def put_population(
    recipient_id: str, request: Request, principal: Principal = Depends(require("recipient"))
) -> Response:
    own(principal, recipient_id)
    ctx = context(request)
    cprs = population_cprs(await read_body(request, ctx.settings.max_request_bytes))

    def replace() -> tuple[int, int, int]:
        _recipient_or_404(ctx, recipient_id)
        if ctx.forwarder.active(recipient_id).agreement.population != "list":
            raise ApiError(409, "this recipient's agreement covers all citizens, not a list",
                           rule="gateway:population-all")  # fmt: skip
        return ctx.forwarder.recipients.set_population(
            recipient_id, cprs, actor=principal.client_id
        )

    added, removed, backfilled = await run_in_threadpool(replace)
    text = f"population: {len(set(cprs))} citizens; {added} added, {removed} removed; {backfilled} backfill reports queued"
    return fhir_json(200, operation_outcome([], ok_text=text))


@router.get(
    "/{recipient_id}/coverage", summary="Accepted/rejected counts per municipality x IG x month"
)
async def coverage(
    recipient_id: str, request: Request,
    principal: Principal = Depends(require("recipient", "operator")),
) -> Response:  # fmt: skip
    if principal.role != "operator":
        own(principal, recipient_id)
    ctx = context(request)

    def cells() -> list[dict[str, Any]]:
        _recipient_or_404(ctx, recipient_id)
        return ctx.forwarder.coverage(recipient_id)

    rows = await run_in_threadpool(cells)
    parameters = [
        {"name": "cell", "part": [
            {"name": "kommunekode", "valueCode": r["kommunekode"]},
            {"name": "ig", "valueCode": r["ig"]},
            {"name": "month", "valueString": r["month"]},
            {"name": "accepted", "valueInteger": r["accepted"]},
            {"name": "rejected", "valueInteger": r["rejected"]},
        ]}
        for r in rows
    ]  # fmt: skip
    return fhir_json(200, {"resourceType": "Parameters", "parameter": parameters})
