"""Operations routes: ``GET /admin/status`` (JSON) and ``GET /metrics`` (Prometheus).

Both need an operator token; neither carries personal data.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from tvaers.gateway.api.context import context, require
from tvaers.gateway.clients import Principal
from tvaers.gateway.status import gateway_status

router = APIRouter(tags=["operations"])
operator = require("operator")


@router.get(
    "/admin/status", summary="Recipients' lag, backlog, dead letters; municipalities' throughput"
)
async def admin_status(request: Request, principal: Principal = Depends(operator)) -> Response:
    status = await run_in_threadpool(gateway_status, context(request).forwarder)
    return JSONResponse(status)


@router.get("/metrics", summary="Prometheus metrics")
async def metrics(request: Request, principal: Principal = Depends(operator)) -> Response:
    ctx = context(request)
    status = await run_in_threadpool(gateway_status, ctx.forwarder)
    gauges: list[tuple[str, str, tuple[tuple[str, str], ...], float]] = [
        (
            "tvaers_feed_head_position",
            "Highest committed feed position",
            (),
            float(status["feed"]["head"]),
        ),
        (
            "tvaers_feed_pending",
            "Reports waiting for a feed position",
            (),
            float(status["feed"]["pending"]),
        ),
        ("tvaers_reports_stored", "Reports in the store", (), float(status["reports"])),
    ]
    for r in status["recipients"]:
        labels = (("recipient", r["recipient_id"]),)
        gauges += [
            ("tvaers_recipient_backlog", "Feed rows not yet acknowledged", labels, float(r["backlog"])),
            ("tvaers_recipient_lag_seconds", "Age of the oldest unacknowledged row", labels, float(r["lag_seconds"])),
            ("tvaers_recipient_dead_letters", "Push deliveries given up", labels, float(r["dead_letters"])),
        ]  # fmt: skip
    metrics_registry = ctx.extensions["metrics"]
    return PlainTextResponse(
        metrics_registry.render(gauges), media_type="text/plain; version=0.0.4"
    )
