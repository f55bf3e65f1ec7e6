"""Sign-in, sign-out and the operator's user page."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tvaers.publish.dashboard.permissions import ROLE_LABELS
from tvaers.publish.dashboard.web import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    PageError,
    check_csrf,
    read_form,
    redirect,
    render,
    require_session,
    safe_next,
    session_of,
    state,
)

router = APIRouter()
LOGIN_FAILED = (
    "Forkert brugernavn eller adgangskode, eller kontoen er deaktiveret eller midlertidigt låst."
)


def _login_page(
    request: Request, status: int = 200, error: str | None = None, next_url: str = "/"
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        status,
        title="Log ind",
        csrf_token=token,
        error=error,
        next_url=next_url,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=state(request).settings.secure_cookies,
        path="/login",
        max_age=3600,
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    if session_of(request) is not None:
        return redirect(safe_next(next))
    return _login_page(request, next_url=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    app = state(request)
    form = await read_form(request)
    check_csrf(request, request.cookies.get(LOGIN_CSRF_COOKIE), form.get("csrf_token"))
    username = form.get("username", "").strip()
    user = app.users.authenticate(username, form.get("password", ""))
    next_url = safe_next(form.get("next"))
    if user is None:
        app.audit.record("login", username or None, "denied")
        return _login_page(request, 401, LOGIN_FAILED, next_url)
    session = app.users.start_session(user)
    app.audit.record("login", user.username, "allowed", role=user.role)
    response = redirect(next_url)
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        httponly=True,
        samesite="strict",
        secure=app.settings.secure_cookies,
        path="/",
        max_age=app.settings.session_minutes * 60,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    session = require_session(request)
    form = await read_form(request)
    check_csrf(request, session.csrf, form.get("csrf_token"))
    state(request).users.end_session(session.token)
    state(request).audit.record("logout", session.user.username, "allowed")
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/admin/brugere", response_class=HTMLResponse)
def users_page(request: Request) -> Response:
    session = require_session(request, "admin")
    users = state(request).users.list()
    return render(
        request,
        "users.html",
        title="Brugere",
        users=users,
        role_labels=ROLE_LABELS,
        csrf_token=session.csrf,
    )


@router.post("/admin/brugere/{username}/deaktiver")
async def disable_user(request: Request, username: str) -> Response:
    session = require_session(request, "admin")
    form = await read_form(request)
    check_csrf(request, session.csrf, form.get("csrf_token"))
    app = state(request)
    if app.users.get(username) is None:
        raise PageError(404, "Siden findes ikke", "Brugeren findes ikke.")
    app.users.disable(username)
    app.audit.record("user.disable", session.user.username, "allowed", target=username)
    return redirect("/admin/brugere")
