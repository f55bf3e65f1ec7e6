"""FHIR interactions on delivery reports: update/create, $validate, read, vread, $raw.

Handlers are thin: read the body within the size limit, hand it to the intake and the
store in a worker thread, and turn the result into a FHIR response. A report is
acknowledged only after its transaction has committed.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from email.utils import format_datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tvaers.gateway.api.context import Context, context, purpose, require
from tvaers.gateway.api.errors import FHIR_JSON, ApiError, fhir_json
from tvaers.gateway.audit import AuditEvent
from tvaers.gateway.clients import Principal
from tvaers.gateway.intake import Accepted, Refused, examine
from tvaers.gateway.reports import Outcome, StoredReport
from tvaers.gateway.timeutil import fhir_instant, from_text

router = APIRouter(prefix="/fhir", tags=["delivery reports"])
log = logging.getLogger("tvaers.gateway")

FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
ACCEPTED_TYPES = ("application/fhir+json", "application/json", "")
writer = require("municipality")
reader = require("municipality", "operator")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing more than ``limit`` bytes (413) and non-JSON types (415)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ACCEPTED_TYPES:
        raise ApiError(415, f"content type {media!r} is not supported; send application/fhir+json")
    declared = request.headers.get("content-length", "")
    too_large = f"request body is larger than the limit of {limit} bytes"
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, too_large)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, too_large)
        chunks.append(chunk)
    return b"".join(chunks)


def check_id(report_id: str) -> None:
    if not FHIR_ID.match(report_id):
        raise ApiError(400, "the id in the URL is not a FHIR id ([A-Za-z0-9-.]{1,64})")


def prefer_return(request: Request) -> str:
    """``Prefer: return=minimal|representation|OperationOutcome`` (default OperationOutcome)."""
    for part in request.headers.get("prefer", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "return" and value.strip().strip('"') in (
            "minimal",
            "representation",
            "OperationOutcome",
        ):
            return value.strip().strip('"')
    return "OperationOutcome"


def with_server_meta(stored: StoredReport) -> dict[str, Any]:
    """The report as stored, plus server meta (versionId, lastUpdated = receipt time)."""
    bundle = stored.bundle()
    meta = dict(bundle.get("meta") or {})
    meta["versionId"] = "1"
    meta["lastUpdated"] = fhir_instant(stored.received_at)
    bundle["meta"] = meta
    return bundle


def version_headers(stored: StoredReport) -> dict[str, str]:
    return {
        "Location": f"/fhir/Bundle/{stored.report_id}/_history/1",
        "ETag": 'W/"1"',
        "Last-Modified": format_datetime(from_text(stored.received_at), usegmt=True),
    }


async def submit(request: Request, url_id: str | None) -> Response:
    """Authenticate, read, examine (a worker thread) and store (the writer) one report.

    No thread waits for the writer: the request awaits the commit of the batch holding
    its report, and only then is the report acknowledged.
    """
    principal = await writer(request)
    if url_id is not None:
        check_id(url_id)
    ctx = context(request)
    body = await read_body(request, ctx.settings.max_request_bytes)
    prefer = prefer_return(request)
    decision, validate_cpu = await run_in_threadpool(_examine, ctx, principal, body, url_id)
    if isinstance(decision, Refused):
        await _refuse(ctx, decision, principal)
        raise ApiError(decision.status, "report refused", outcome=decision.outcome)
    job = ctx.store.reports.submit(decision, principal.client_id)
    (outcome, stored), store_cpu = await asyncio.wrap_future(job)
    if outcome is Outcome.CONFLICT:
        refused = Refused(409, {}, ["gateway:conflict"], decision.report_id, decision.kommunekode)
        await asyncio.wrap_future(ctx.store.reports.submit_reject(refused, principal.client_id))
        raise ApiError(
            409,
            f"a different report with id {decision.report_id!r} was received before; "
            "a new delivery report needs a new id",
            text_da="En anden leveringsrapport med samme id er modtaget før; "
            "nye leveringsrapporter skal have et nyt id",
            expression="Bundle.id",
        )
    ctx.faults.hit("after_commit_before_response")
    ctx.extensions["metrics"].inc("tvaers_reports_total", outcome=outcome.value, status="2xx")
    log.info(
        "report accepted",
        extra={"report_id": stored.report_id, "client": principal.client_id,
               "kommunekode": stored.kommunekode, "identical": outcome is Outcome.IDENTICAL},
    )  # fmt: skip
    timing = _server_timing(validate_cpu, store_cpu)
    return _accepted_response(stored, decision, outcome, prefer, timing)


def _examine(
    ctx: Context, principal: Principal, body: bytes, url_id: str | None
) -> tuple[Accepted | Refused, float]:
    """The intake decision and the thread CPU seconds it took (runs in a worker thread)."""
    started = time.thread_time()
    decision = examine(
        body, principal=principal, organisations=ctx.organisations, options=ctx.options(),
        url_id=url_id,
    )  # fmt: skip
    return decision, time.thread_time() - started


async def _refuse(ctx: Context, decision: Refused, principal: Principal) -> None:
    """Keep the reject record (committed before the refusal is sent), count and log it."""
    await asyncio.wrap_future(ctx.store.reports.submit_reject(decision, principal.client_id))
    ctx.extensions["metrics"].inc("tvaers_reports_total", outcome="refused",
                                  status=str(decision.status))  # fmt: skip
    log.info(
        "report refused",
        extra={"status": decision.status, "rules": decision.rule_keys[:10],
               "client": principal.client_id, "kommunekode": decision.kommunekode},
    )  # fmt: skip


def _server_timing(validate_cpu: float, store_cpu: float) -> str:
    """CPU milliseconds spent in validation and in the store (read by bench/ingest.py)."""
    return f"validate-cpu;dur={validate_cpu * 1000:.3f}, db-cpu;dur={store_cpu * 1000:.3f}"


def _accepted_response(
    stored: StoredReport, decision: Accepted, outcome: Outcome, prefer: str, timing: str
) -> Response:
    status = 201 if outcome is Outcome.CREATED else 200
    headers = version_headers(stored)
    headers["Server-Timing"] = timing
    if prefer == "minimal":
        return Response(status_code=status, headers=headers)
    if prefer == "representation":
        full = StoredReport(**{**_fields(stored), "raw": decision.raw})
        return fhir_json(status, with_server_meta(full), headers)
    return fhir_json(status, decision.outcome(), headers)


def _fields(stored: StoredReport) -> dict[str, Any]:
    return {name: getattr(stored, name) for name in StoredReport.__slots__}


@router.put("/Bundle/{report_id}", summary="Submit a delivery report (update)")
async def put_bundle(report_id: str, request: Request) -> Response:
    return await submit(request, report_id)


@router.post("/Bundle", summary="Submit a delivery report (create; Bundle.id required)")
async def post_bundle(request: Request) -> Response:
    return await submit(request, None)


@router.post("/Bundle/$validate", summary="Test mode: validate and check, store nothing")
async def validate_bundle(
    request: Request, mode: str | None = None, principal: Principal = Depends(writer)
) -> Response:
    if mode not in (None, "strict"):
        raise ApiError(400, f"mode {mode!r} is not supported; use mode=strict or leave it out")
    ctx = context(request)
    body = await read_body(request, ctx.settings.max_request_bytes)
    decision = await run_in_threadpool(
        lambda: examine(body, principal=principal, organisations=ctx.organisations,
                        options=ctx.options(strict=mode == "strict"))
    )  # fmt: skip
    if isinstance(decision, Refused):
        if decision.status == 400:
            raise ApiError(400, "report refused", outcome=decision.outcome)
        return fhir_json(200, decision.outcome)
    return fhir_json(200, decision.outcome())


def read_report(
    ctx: Context, principal: Principal, report_id: str, action: str, why: str
) -> StoredReport:
    """Load a report the caller may see, and audit the read (404/403 otherwise)."""
    stored = ctx.store.reports.get(report_id, with_raw=True)
    if stored is None:
        raise ApiError(404, f"no delivery report with id {report_id!r}")
    if principal.role != "operator" and not principal.covers(stored.kommunekode):
        raise ApiError(403, "the report belongs to a municipality outside this client's scope")
    ctx.store.audit.write(
        [AuditEvent(principal.client_id, principal.role, action, stored.cpr, report_id, why)]
    )
    return stored


@router.get("/Bundle/{report_id}", summary="Read a delivery report (with server meta)")
async def get_bundle(
    report_id: str, request: Request, principal: Principal = Depends(reader)
) -> Response:
    check_id(report_id)
    ctx = context(request)
    stored = await run_in_threadpool(
        read_report, ctx, principal, report_id, "read", purpose(request)
    )
    return fhir_json(200, with_server_meta(stored), version_headers(stored))


@router.get("/Bundle/{report_id}/_history/{version_id}", summary="Read one version (vread)")
async def vread_bundle(
    report_id: str, version_id: str, request: Request, principal: Principal = Depends(reader)
) -> Response:
    check_id(report_id)
    if version_id != "1":
        raise ApiError(
            404, f"delivery reports have one version (1); there is no version {version_id!r}"
        )
    return await get_bundle(report_id, request, principal)


@router.get("/Bundle/{report_id}/$raw", summary="The exact bytes received (owner or operator)")
async def raw_bundle(
    report_id: str, request: Request, principal: Principal = Depends(reader)
) -> Response:
    check_id(report_id)
    ctx = context(request)
    stored = await run_in_threadpool(
        read_report, ctx, principal, report_id, "raw", purpose(request)
    )
    assert stored.raw is not None
    headers = version_headers(stored)
    headers["X-Canonical-SHA256"] = stored.content_hash
    return Response(stored.raw, status_code=200, headers=headers, media_type=FHIR_JSON)
