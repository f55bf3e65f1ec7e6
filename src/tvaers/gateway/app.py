"""``create_app(settings, store=None, ...)``: the gateway's FastAPI application factory.

Nothing happens at import time. The factory opens (and migrates) the store unless one is
given, loads the organisation table the settings name, arms fault points from
``TVAERS_FAULT`` and mounts the routers. Start it with ``tvaers gateway serve`` or any
ASGI server::

    from tvaers.gateway.app import create_app
    from tvaers.gateway.settings import load_gateway_settings
    app = create_app(load_gateway_settings())
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from tvaers.errors import ConfigError
from tvaers.gateway.api import admin, bundles, meta, ops, recipients, search
from tvaers.gateway.api.context import Context
from tvaers.gateway.api.errors import install as install_errors
from tvaers.gateway.faults import Faults
from tvaers.gateway.forwarding.outbox import Outbox
from tvaers.gateway.forwarding.service import Forwarder
from tvaers.gateway.metrics import Metrics, RequestMetrics
from tvaers.gateway.quota import Quotas
from tvaers.gateway.settings import GatewaySettings, check_settings, parse_pseudonym_keys
from tvaers.gateway.store import GatewayStore
from tvaers.gateway.worker import OutboxThread
from tvaers.terminology.organisations import OrganisationTable, read_organisations
from tvaers.validation import ValidationOptions

log = logging.getLogger("tvaers.gateway")


def load_organisations(settings: GatewaySettings) -> OrganisationTable:
    """The organisation table named by the settings (required outside development)."""
    if settings.organisations is not None:
        return read_organisations(settings.organisations)
    if settings.environment != "development":
        raise ConfigError(
            "setting 'organisations' is required outside development",
            hint="point TVAERS_GATEWAY_ORGANISATIONS at organisations.parquet",
        )
    warnings.warn(
        "no organisation table configured: every SOR code is unknown and every report is "
        "refused (set TVAERS_GATEWAY_ORGANISATIONS)",
        stacklevel=2,
    )
    return OrganisationTable([])


def create_app(
    settings: GatewaySettings,
    store: GatewayStore | None = None,
    *,
    organisations: OrganisationTable | None = None,
    faults: Faults | None = None,
) -> FastAPI:
    """Build the gateway app. A store passed in stays open when the app shuts down."""
    check_settings(settings)
    faults = faults or Faults.from_environ()
    owns_store = store is None
    if store is None:
        store = GatewayStore.open(
            settings.db, token_pepper=settings.token_pepper, migrate=settings.auto_migrate,
            faults=faults,
        )  # fmt: skip
    else:
        store.arm(faults)
    store.clients.cache_seconds = settings.auth_cache_seconds
    forwarder = Forwarder(
        store, dict(parse_pseudonym_keys(settings.pseudonym_keys)),
        ValidationOptions(cpr_mode=settings.cpr_mode), settings.feed_page_size,
    )  # fmt: skip
    metrics = Metrics()
    ctx = Context(
        settings=settings,
        store=store,
        organisations=organisations if organisations is not None else load_organisations(settings),
        quotas=Quotas(settings.quota_per_second, settings.quota_burst),
        faults=faults,
        forwarder=forwarder,
        extensions={"metrics": metrics},
    )
    worker = None
    if settings.outbox_worker:
        outbox = Outbox(forwarder, faults=faults, max_attempts=settings.outbox_max_attempts)
        worker = OutboxThread(outbox, settings.outbox_interval)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if worker is not None:
            worker.start()
        yield
        if worker is not None:
            worker.stop()
        if owns_store:
            ctx.store.close()

    app = FastAPI(
        title="tvaers gateway",
        summary="Common municipal gateway: KL delivery reports over FHIR R4",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if settings.public_docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.public_docs else None,
    )
    app.state.ctx = ctx
    install_errors(app)
    app.include_router(bundles.router)
    app.include_router(search.router)
    app.include_router(meta.router)
    app.include_router(recipients.router)
    app.include_router(admin.router)
    app.include_router(ops.router)
    app.add_middleware(RequestMetrics, metrics=metrics)
    return app
