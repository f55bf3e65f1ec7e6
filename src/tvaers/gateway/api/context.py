"""What every request handler needs, built once by ``create_app`` and kept on ``app.state``.

Also the authentication dependency: a bearer token becomes a :class:`Principal`, then
the client's quota is charged. Role checks are explicit per route (:func:`require`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from tvaers.gateway.api.errors import ApiError
from tvaers.gateway.clients import Principal, Role
from tvaers.gateway.faults import Faults
from tvaers.gateway.forwarding.service import Forwarder
from tvaers.gateway.quota import Quotas
from tvaers.gateway.settings import GatewaySettings
from tvaers.gateway.store import GatewayStore
from tvaers.terminology.organisations import OrganisationTable
from tvaers.validation import ValidationOptions


@dataclass
class Context:
    """Settings, store, organisation table, quotas and fault points of one app."""

    settings: GatewaySettings
    store: GatewayStore
    organisations: OrganisationTable
    quotas: Quotas
    faults: Faults
    forwarder: Forwarder
    extensions: dict[str, Any]  # parts added by later layers (metrics)

    def options(self, *, strict: bool = False) -> ValidationOptions:
        return ValidationOptions(cpr_mode=self.settings.cpr_mode, strict=strict)


def context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "missing bearer token (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": 'Bearer realm="tvaers-gateway"'},
        )
    return token.strip()


async def authenticate(request: Request) -> Principal:
    """The caller's principal; 401 for a missing/unknown/revoked token, 429 over quota."""
    ctx = context(request)
    token = bearer_token(request)
    principal = ctx.store.clients.cached(token) or await run_in_threadpool(
        ctx.store.clients.authenticate, token
    )
    if principal is None:
        raise ApiError(
            401,
            "unknown, revoked or rotated bearer token",
            headers={"WWW-Authenticate": 'Bearer realm="tvaers-gateway", error="invalid_token"'},
        )
    wait = ctx.quotas.take(principal.client_id)
    if wait is not None:
        raise ApiError(
            429,
            f"quota exceeded for client {principal.client_id!r}; retry later",
            headers={"Retry-After": Quotas.retry_after(wait)},
        )
    request.state.principal = principal
    return principal


def require(*roles: Role) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    """A dependency that authenticates and admits only ``roles``."""

    async def dependency(request: Request) -> Principal:
        principal = await authenticate(request)
        if principal.role not in roles:
            raise ApiError(
                403,
                f"role {principal.role!r} may not use this endpoint; allowed: {', '.join(roles)}",
            )
        return principal

    return dependency


def purpose(request: Request) -> str:
    """Why the caller reads person-level data (header ``X-Purpose``), for the audit log."""
    return request.headers.get("x-purpose", "").strip()[:200] or "not stated"
