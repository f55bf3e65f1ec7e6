"""Operator routes under ``/admin`` (problem+json errors) and the unauthenticated ``/healthz``.

A citizen's access request is answered with ``POST /admin/audit`` (the CPR number goes in
the body, never in the URL); the query itself is audit-logged.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from tvaers.gateway.api.context import context, require
from tvaers.gateway.api.errors import ApiError
from tvaers.gateway.clients import Principal
from tvaers.terminology.cpr import cpr_problem

router = APIRouter(tags=["operations"])
operator = require("operator")


class AuditQuery(BaseModel):
    cpr: str = Field(description="The citizen's CPR number (10 digits)")
    purpose: str = Field(default="access request", max_length=200)


@router.get("/admin/clients", summary="Registered clients (never their tokens)")
async def list_clients(request: Request, principal: Principal = Depends(operator)) -> Response:
    clients = await run_in_threadpool(context(request).store.clients.all)
    return JSONResponse({"clients": [asdict(c) for c in clients]})


@router.post("/admin/audit", summary="Every access to one citizen's data (access request)")
async def audit_query(
    query: AuditQuery, request: Request, principal: Principal = Depends(operator)
) -> Response:
    ctx = context(request)
    if cpr_problem(query.cpr, "synthetic") is not None:
        raise ApiError(400, "cpr is not a 10-digit CPR number")
    events = await run_in_threadpool(
        lambda: ctx.store.audit.for_citizen(
            query.cpr, asked_by=principal.client_id, purpose=query.purpose
        )
    )
    rows: list[dict[str, Any]] = [asdict(e) for e in events]
    return JSONResponse({"count": len(rows), "events": rows})


@router.get("/healthz", summary="Liveness and database reachability (no token needed)")
async def healthz(request: Request) -> Response:
    ctx = context(request)

    def ping() -> bool:
        try:
            with ctx.store.db.read() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    ok = await run_in_threadpool(ping)
    return JSONResponse(
        {"status": "ok" if ok else "database unreachable"}, status_code=200 if ok else 503
    )
