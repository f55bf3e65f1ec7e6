"""Request plumbing shared by the dashboard's routes: state, sessions, CSRF, HTML errors.

Cookies: ``tvaers_session`` (HttpOnly, SameSite=Strict, Secure outside development) holds a
random session token; ``tvaers_login_csrf`` holds the sign-in form's CSRF token (double
submit). Every state-changing request is a POST with the session's CSRF token in the form,
compared in constant time, and with an Origin header (when sent) naming this server.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tvaers.publish.dashboard.audit import AuditLog
from tvaers.publish.dashboard.data import DashboardData, DataSource
from tvaers.publish.dashboard.permissions import ROLE_LABELS, ScopeEntry, may_view
from tvaers.publish.dashboard.settings import DashboardSettings
from tvaers.publish.dashboard.users import Session, UserStore
from tvaers.terminology.geography import municipality_by_code, region_by_code

SESSION_COOKIE = "tvaers_session"
LOGIN_CSRF_COOKIE = "tvaers_login_csrf"
MAX_FORM_BYTES = 64 * 1024


@dataclass(slots=True)
class AppState:
    """Everything a request needs, built once by ``create_app``."""

    settings: DashboardSettings
    users: UserStore
    audit: AuditLog
    source: DataSource
    templates: jinja2.Environment

    @property
    def data(self) -> DashboardData:
        """The release being served (re-read when the registry writes new results)."""
        return self.source.get()


class PageError(Exception):
    """An error shown as an HTML page with a status code."""

    def __init__(self, status: int, title: str, message: str):
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


def state(request: Request) -> AppState:
    found: AppState = request.app.state.dashboard
    return found


def session_of(request: Request) -> Session | None:
    return state(request).users.session(request.cookies.get(SESSION_COOKIE))


class LoginRequired(Exception):
    """No valid session: GET requests go to the sign-in page."""


def require_session(request: Request, page: str | None = None) -> Session:
    """The caller's session, or an error: 303 to sign-in when absent, 403 when the role may not see ``page``."""
    session = session_of(request)
    if session is None:
        raise LoginRequired()
    if page is not None and not may_view(session.user.role, page):
        raise PageError(403, "Ingen adgang", "Din rolle giver ikke adgang til denne side.")
    return session


async def read_form(request: Request) -> dict[str, str]:
    """A URL-encoded form body (first value per field); oversized bodies are refused."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise PageError(413, "For stor forespørgsel", "Formularen er for stor.")
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}


def same_origin(request: Request) -> bool:
    """No Origin header (older clients), or one naming this server."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    parts = urlsplit(origin)
    return parts.netloc == request.headers.get("host", request.url.netloc)


def check_csrf(request: Request, expected: str | None, given: str | None) -> None:
    """Raise a 403 page unless the form's token equals the expected one and the origin is ours."""
    if (
        not expected
        or not given
        or not hmac.compare_digest(expected, given)
        or not same_origin(request)
    ):
        raise PageError(
            403,
            "Forespørgslen blev afvist",
            "Sikkerhedsnøglen (CSRF) mangler eller er forkert. Genindlæs siden og prøv igen.",
        )


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a dashboard page (the signed-in user, if any, fills the header)."""
    app = state(request)
    session = session_of(request)
    base = {
        "asset_base": "/static/",
        "publisher": app.settings.publisher,
        "session": session,
        "role_label": ROLE_LABELS.get(session.user.role, "") if session else "",
        "scope_label": scope_label(session.user.scope) if session else "",
        "may_view": (lambda page: may_view(session.user.role, page))
        if session
        else (lambda page: False),
        "current_path": request.url.path,
    }
    html = app.templates.get_template(template).render({**base, **context})
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def scope_label(scope: tuple[ScopeEntry, ...]) -> str:
    """ "Frederiksberg Kommune, Region Hovedstaden" for a user's scope."""
    names = []
    for entry in scope:
        if entry.kind == "national":
            names.append("Hele landet")
        elif entry.kind == "region":
            names.append(region_by_code()[entry.code].name)
        else:
            names.append(f"{municipality_by_code()[entry.code].name} Kommune")
    return ", ".join(names)


def security_headers(response: Any) -> None:
    """Headers on every response: no framing, no sniffing, only our own resources."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None) -> str:
    """Only local paths are followed after sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
