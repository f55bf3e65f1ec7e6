"""Dashboard sign-in, sessions, cookies, CSRF, lockout, disabling, headers and HTML errors."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dashboard_support import (
    FAST_HASHER,
    PASSWORD,
    Dashboard,
    client,
    csrf_from,
    login,
    make_dashboard,
)
from html_helpers import parse_text

from tvaers.publish.dashboard.permissions import parse_scope
from tvaers.publish.dashboard.users import UserStore
from tvaers.publish.dashboard.web import safe_next


@pytest.fixture
def dash(small_release: Path, tmp_path: Path) -> Dashboard:
    return make_dashboard(small_release, tmp_path)


def test_pages_need_a_session(dash: Dashboard) -> None:
    c = client(dash)
    response = c.get("/indikatorer/drkol/K1?periode=2024")
    assert response.status_code == 303
    assert (
        response.headers["location"] == "/login?next=%2Findikatorer%2Fdrkol%2FK1%3Fperiode%3D2024"
    )
    assert c.post("/logout").status_code == 403


def test_sign_in_sets_a_strict_session_cookie(dash: Dashboard) -> None:
    c = client(dash)
    assert login(c, "kbh") == 303
    cookie = next(h for h in c.cookies.jar if h.name == "tvaers_session")
    assert cookie.secure
    raw = [v for k, v in c.get("/").request.headers.items() if k == "cookie"]
    assert raw and "tvaers_session" in raw[0]
    # The Set-Cookie header carries HttpOnly and SameSite=Strict.
    c2 = client(dash)
    token = csrf_from(c2.get("/login").text)
    response = c2.post(
        "/login", data={"username": "kbh", "password": PASSWORD, "csrf_token": token}
    )
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header and "secure" in header
    # Only a hash of the token is stored.
    with sqlite3.connect(dash.settings.state_file) as db:
        stored = [row[0] for row in db.execute("SELECT token_hash FROM sessions")]
    assert cookie.value not in stored and len(stored) == 2


def test_passwords_are_argon2id(dash: Dashboard) -> None:
    with sqlite3.connect(dash.settings.state_file) as db:
        hashes = [row[0] for row in db.execute("SELECT password_hash FROM users")]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert all(PASSWORD not in h for h in hashes)


def test_failed_sign_in_reveals_nothing(dash: Dashboard) -> None:
    c = client(dash)
    wrong = c.post(
        "/login",
        data={
            "username": "kbh",
            "password": "forkert-forkert",
            "csrf_token": csrf_from(c.get("/login").text),
        },
    )
    unknown = c.post(
        "/login",
        data={
            "username": "ingen",
            "password": "forkert-forkert",
            "csrf_token": csrf_from(c.get("/login").text),
        },
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "Forkert brugernavn eller adgangskode" in wrong.text
    assert wrong.text.replace("kbh", "ingen").count("Forkert") == unknown.text.count("Forkert")
    events = [e for e in dash.audit.events() if e["action"] == "login"]
    assert [e["outcome"] for e in events] == ["denied", "denied"]


def test_lockout_after_failed_sign_ins(small_release: Path, tmp_path: Path) -> None:
    now = [datetime(2025, 3, 15, 12, 0, tzinfo=UTC)]
    store = UserStore(
        tmp_path / "users.sqlite",
        lockout_threshold=3,
        lockout_minutes=15,
        clock=lambda: now[0],
        hasher=FAST_HASHER,
    )
    store.add("kbh", PASSWORD, "municipality", (parse_scope("municipality:101"),))
    for _ in range(3):
        assert store.authenticate("kbh", "forkert-forkert") is None
    assert store.authenticate("kbh", PASSWORD) is None  # locked, even with the right password
    now[0] += timedelta(minutes=14)
    assert store.authenticate("kbh", PASSWORD) is None
    now[0] += timedelta(minutes=2)
    assert store.authenticate("kbh", PASSWORD) is not None
    # A success resets the count: two failures do not lock.
    for _ in range(2):
        store.authenticate("kbh", "forkert-forkert")
    assert store.authenticate("kbh", PASSWORD) is not None


def test_lockout_through_the_form(dash: Dashboard) -> None:
    c = client(dash)
    for _ in range(3):
        assert login(c, "frederiksberg", "forkert-forkert") == 401
    assert login(c, "frederiksberg") == 401
    user = dash.users.get("frederiksberg")
    assert user is not None and user.locked_until is not None


@pytest.mark.parametrize(
    ("token", "origin"),
    [(None, None), ("forkert", None), ("RIGHT", "https://evil.example")],
)
def test_sign_in_needs_csrf(dash: Dashboard, token: str | None, origin: str | None) -> None:
    c = client(dash)
    right = csrf_from(c.get("/login").text)
    data = {"username": "kbh", "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = right if token == "RIGHT" else token
    headers = {"origin": origin} if origin else {}
    response = c.post("/login", data=data, headers=headers)
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert "tvaers_session" not in c.cookies


def test_sign_out_needs_csrf(dash: Dashboard) -> None:
    c = client(dash)
    login(c, "kbh")
    page = c.get("/").text
    assert c.post("/logout", data={"csrf_token": "forkert"}).status_code == 403
    assert c.get("/").status_code == 200  # still signed in
    assert c.post("/logout", data={"csrf_token": csrf_from(page)}).status_code == 303
    assert c.get("/").status_code == 303  # signed out


def test_operator_disables_a_user_and_ends_its_sessions(dash: Dashboard) -> None:
    victim = client(dash)
    login(victim, "frederiksberg")
    assert victim.get("/").status_code == 200
    operator = client(dash)
    login(operator, "drift")
    page = operator.get("/admin/brugere")
    assert page.status_code == 200
    url = "/admin/brugere/frederiksberg/deaktiver"
    assert operator.post(url, data={"csrf_token": "forkert"}).status_code == 403
    assert operator.post(url, data={"csrf_token": csrf_from(page.text)}).status_code == 303
    assert victim.get("/").status_code == 303
    assert login(client(dash), "frederiksberg") == 401
    assert (
        operator.post(
            "/admin/brugere/ingen/deaktiver", data={"csrf_token": csrf_from(page.text)}
        ).status_code
        == 404
    )


def test_error_pages_are_danish_html(dash: Dashboard) -> None:
    c = client(dash)
    login(c, "kbh")
    for method, url, status in (
        ("GET", "/findes-ikke", 404),
        ("DELETE", "/", 405),
        ("GET", "/indikatorer/drkol/K1?periode=1999", 404),
        ("GET", "/admin/brugere", 403),
    ):
        response = c.request(method, url)
        assert response.status_code == status, url
        assert response.headers["content-type"].startswith("text/html")
        root = parse_text(response.text)
        assert root.get("lang") == "da"
        assert f"Fejlkode {status}" in response.text


def test_security_headers(dash: Dashboard) -> None:
    response = client(dash).get("/login")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_next_is_local_only() -> None:
    assert safe_next("/indikatorer/drkol/K1") == "/indikatorer/drkol/K1"
    for bad in ("//evil.example/x", "https://evil.example", "/\\evil", None, ""):
        assert safe_next(bad) == "/"
