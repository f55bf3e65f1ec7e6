"""``create_app``: the dashboard as a FastAPI application (HTML pages only, no API).

Errors are HTML pages in Danish (``docs/contracts.md``, Roles and errors): 403, 404, 405,
413 and 500 render ``error.html``; a missing session on a GET redirects to the sign-in page.
Static files (the shipped stylesheet) are served from the package; nothing is fetched from
elsewhere, so the dashboard works offline.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from tvaers.publish.dashboard import auth_routes, pages
from tvaers.publish.dashboard.audit import AuditLog
from tvaers.publish.dashboard.data import DashboardData, DataSource
from tvaers.publish.dashboard.settings import DashboardSettings
from tvaers.publish.dashboard.users import Clock, UserStore, utcnow
from tvaers.publish.dashboard.web import (
    AppState,
    LoginRequired,
    PageError,
    redirect,
    render,
    security_headers,
)
from tvaers.publish.render import environment, stylesheet_text

logger = logging.getLogger("tvaers.dashboard")
ERROR_TITLES = {
    401: "Log ind",
    403: "Ingen adgang",
    404: "Siden findes ikke",
    405: "Metoden er ikke tilladt",
    413: "For stor forespørgsel",
    500: "Der opstod en fejl",
}


def _error_page(request: Request, status: int, message: str, title: str | None = None) -> Response:
    return render(
        request,
        "error.html",
        status,
        title=title or ERROR_TITLES.get(status, "Fejl"),
        error_status=status,
        message=message,
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PageError)
    async def page_error(request: Request, exc: PageError) -> Response:
        return _error_page(request, exc.status, exc.message, exc.title)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            from urllib.parse import quote

            return redirect(f"/login?next={quote(target, safe='')}")
        return _error_page(request, 403, "Du skal være logget ind.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "Siden findes ikke.", 405: "Siden kan ikke bruges på den måde."}
        return _error_page(
            request,
            exc.status_code,
            messages.get(exc.status_code, "Forespørgslen kunne ikke gennemføres."),
        )

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return _error_page(
            request, 500, "Der opstod en uventet fejl. Fejlen er registreret; prøv igen senere."
        )


def create_app(
    settings: DashboardSettings,
    *,
    data: DashboardData | None = None,
    users: UserStore | None = None,
    audit: AuditLog | None = None,
    clock: Clock = utcnow,
) -> FastAPI:
    """Build the dashboard. ``data``, ``users`` and ``audit`` default to the settings' paths."""
    users = users or UserStore(
        settings.state_file,
        lockout_threshold=settings.lockout_threshold,
        lockout_minutes=settings.lockout_minutes,
        session_minutes=settings.session_minutes,
        clock=clock,
    )
    loader = jinja2.PackageLoader("tvaers.publish.dashboard", "templates")
    state = AppState(
        settings=settings,
        users=users,
        audit=audit or AuditLog(settings.audit_log, clock),
        source=DataSource(None, data) if data else DataSource(Path(settings.results_dir)),
        templates=environment([loader]),
    )
    app = FastAPI(
        title="tvaers kvalitetsdatabaser", docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.dashboard = state
    app.include_router(auth_routes.router)
    app.include_router(pages.router)
    css = stylesheet_text()

    @app.get("/static/tvaers.css", include_in_schema=False)
    def stylesheet() -> Response:
        return PlainTextResponse(
            css, media_type="text/css", headers={"Cache-Control": "max-age=3600"}
        )

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        security_headers(response)
        return response

    _install_error_handlers(app)
    return app
