"""Running the gateway: one process, or several worker processes sharing one socket.

``run`` binds the socket first (port 0 picks a free port; ``announce`` gets the URL), then
serves. With ``workers > 1`` the parent migrates the schema once, exports the settings to
the environment and spawns uvicorn workers that each build the app with
:func:`app_from_environment`; the push worker then runs in the parent only, so one process
owns the outbox (two would race for the same recipient's next page). Each worker has its
own quotas and token cache.
"""

from __future__ import annotations

import dataclasses
import os
import socket
from collections.abc import Callable

from fastapi import FastAPI

from tvaers.gateway import logs
from tvaers.gateway.settings import ENV_PREFIX, GatewaySettings, load_gateway_settings


def bind(settings: GatewaySettings) -> socket.socket:
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    sock.listen(2048)
    return sock


def export(settings: GatewaySettings, **changes: object) -> None:
    """Put every setting into this process's environment (for spawned workers)."""
    for field in dataclasses.fields(settings):
        value = changes.get(field.name, getattr(settings, field.name))
        os.environ[f"{ENV_PREFIX}{field.name.upper()}"] = "" if value is None else str(value)


def app_from_environment() -> FastAPI:
    """The app factory of a worker process (settings come from the environment)."""
    from tvaers.gateway.app import create_app

    settings = load_gateway_settings()
    logs.configure(settings.log_format, settings.log_level)
    return create_app(settings)


def run(settings: GatewaySettings, announce: Callable[[str], None]) -> None:
    """Serve until stopped (SIGINT/SIGTERM)."""
    import uvicorn

    from tvaers.gateway.app import create_app

    logs.configure(settings.log_format, settings.log_level)
    sock = bind(settings)
    announce(f"http://{settings.host}:{sock.getsockname()[1]}")
    if settings.workers <= 1:
        config = uvicorn.Config(
            create_app(settings), log_config=None, access_log=False, lifespan="on"
        )
        uvicorn.Server(config).run(sockets=[sock])
        return
    _run_workers(settings, sock)


def _run_workers(settings: GatewaySettings, sock: socket.socket) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from tvaers.gateway.forwarding.outbox import Outbox
    from tvaers.gateway.forwarding.service import Forwarder
    from tvaers.gateway.settings import parse_pseudonym_keys
    from tvaers.gateway.store import GatewayStore
    from tvaers.gateway.worker import OutboxThread
    from tvaers.validation import ValidationOptions

    store = GatewayStore.open(
        settings.db, token_pepper=settings.token_pepper, migrate=settings.auto_migrate
    )
    export(settings, auto_migrate=False, outbox_worker=False, workers=1)
    worker = None
    if settings.outbox_worker:
        forwarder = Forwarder(
            store, dict(parse_pseudonym_keys(settings.pseudonym_keys)),
            ValidationOptions(cpr_mode=settings.cpr_mode), settings.feed_page_size,
        )  # fmt: skip
        worker = OutboxThread(
            Outbox(forwarder, max_attempts=settings.outbox_max_attempts), settings.outbox_interval
        )
        worker.start()
    config = uvicorn.Config(
        "tvaers.gateway.server:app_from_environment", factory=True, workers=settings.workers,
        log_config=None, access_log=False, lifespan="on",
    )  # fmt: skip
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        if worker is not None:
            worker.stop()
        store.close()
