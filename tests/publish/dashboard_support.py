"""Dashboard test support: users of every role, an app on a fixture release, signing in."""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tvaers.publish.dashboard.app import create_app
from tvaers.publish.dashboard.audit import AuditLog
from tvaers.publish.dashboard.permissions import parse_scope
from tvaers.publish.dashboard.settings import DashboardSettings
from tvaers.publish.dashboard.users import UserStore

PASSWORD = "korrekt-hest-batteri-klips"
#: username -> (role, scope)
USERS = {
    "drift": ("operator", ("national",)),
    "analytiker": ("analyst", ("national",)),
    "analytiker.kbh": ("analyst", ("municipality:101",)),
    "region.hovedstaden": ("region", ("region:1084",)),
    "region.nordjylland": ("region", ("region:1081",)),
    "kbh": ("municipality", ("municipality:101",)),
    "frederiksberg": ("municipality", ("municipality:147",)),
}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Dashboard:
    app: FastAPI
    users: UserStore
    audit: AuditLog
    settings: DashboardSettings


#: argon2id with small costs: the algorithm under test, at a price the test suite can pay.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@cache
def _template_db(release: str) -> Path:
    """A users database with every test user, built once per release and copied per test."""
    folder = tempfile.mkdtemp(prefix="tvaers-users-")
    atexit.register(shutil.rmtree, folder, True)
    path = Path(folder) / "users-template.sqlite"
    store = UserStore(path, hasher=FAST_HASHER)
    for name, (role, scope) in USERS.items():
        store.add(name, PASSWORD, role, tuple(parse_scope(s) for s in scope))
    return path


def make_dashboard(
    release: Path, state: Path, *, secure: bool = True, users: UserStore | None = None
) -> Dashboard:
    settings = DashboardSettings(
        environment="test",
        results_dir=release,
        state_file=state / "users.sqlite",
        audit_log=state / "audit.jsonl",
        cookie_secure=secure,
    )
    if users is None:
        state.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_template_db(str(release)), settings.state_file)
    store = users or UserStore(
        settings.state_file, lockout_threshold=3, lockout_minutes=15, hasher=FAST_HASHER
    )
    audit = AuditLog(settings.audit_log)
    return Dashboard(create_app(settings, users=store, audit=audit), store, audit, settings)


def client(dashboard: Dashboard) -> TestClient:
    return TestClient(dashboard.app, base_url="https://testserver", follow_redirects=False)


def csrf_from(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def login(c: TestClient, username: str, password: str = PASSWORD) -> int:
    """Sign in through the form; returns the status of the POST (303 on success)."""
    token = csrf_from(c.get("/login").text)
    response = c.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
    )
    return response.status_code
