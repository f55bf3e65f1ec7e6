"""The dashboard in real headless Chromium: sign-in, navigation, funnel plot, person lists,
CSRF, console, axe-core; screenshots under test-artifacts/.

The server is uvicorn on 127.0.0.1, port 0, in a thread of the test process; it is stopped
when the module's tests end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import uvicorn
from browser_support import chromium, describe, run_axe, screenshot
from dashboard_support import PASSWORD, make_dashboard

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(full_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    dash = make_dashboard(full_release, tmp_path_factory.mktemp("browser-state"), secure=False)
    config = uvicorn.Config(dash.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    live = uvicorn.Server(config)
    thread = threading.Thread(target=live.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not live.started:
        assert time.monotonic() < deadline, "dashboard did not start"
        time.sleep(0.05)
    port = live.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    live.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # bypass_csp lets axe-core be injected; the app's own pages run no script at all.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.console_messages = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.console_messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.console_messages.append(f"pageerror: {e}"))
    yield page
    context.close()


def sign_in(page: Any, server: str, username: str) -> None:
    page.goto(f"{server}/")
    assert page.url.startswith(f"{server}/login")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{server}/")


def console_errors(page: Any) -> list[str]:
    # The browser logs the status of pages we expect to fail (403) as a resource error.
    return [
        m
        for m in page.console_messages
        if not m.startswith(
            "error: Failed to load resource: the server responded with a status of 403"
        )
    ]


def test_sign_in_and_navigate_to_a_funnel_plot(page: Any, server: str, full_release: Path) -> None:
    sign_in(page, server, "kbh")
    assert page.get_by_text("Logget ind som").is_visible()
    page.get_by_role("link", name="K1: Genindlæggelse", exact=False).click()
    page.wait_for_url(f"{server}/indikatorer/drkol/K1")
    funnel = page.locator("svg.funnel").first
    assert funnel.is_visible()
    box = funnel.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150
    shown = [
        r
        for r in pq.read_table(full_release / "results.parquet").to_pylist()
        if (r["indicator"], r["period"], r["unit_type"]) == ("K1", "2024", "municipality")
        and not r["suppressed"]
    ]
    # kbh sees its own municipality unsuppressed; every other shown unit is a point as well.
    assert page.locator("svg.funnel").first.locator(".point").count() >= len(shown)
    assert page.locator("svg.funnel path.highlight").count() == 1
    screenshot(page, "dashboard-indicator-k1")
    page.get_by_role("link", name="København").first.click()
    page.wait_for_url("**/municipality/101?periode=2024")
    assert page.get_by_role("heading", name="K1: København").is_visible()
    page.get_by_role("link", name="Vis personlisten for København").click()
    page.wait_for_url("**/municipality/101/personer?periode=2024")
    assert page.locator("#personer-tabel tbody tr").count() > 10
    assert page.get_by_text("Personer vises med CPR-nummer").is_visible()
    screenshot(page, "dashboard-persons-101")
    assert console_errors(page) == []


def test_person_list_refused_to_another_municipality(page: Any, server: str) -> None:
    sign_in(page, server, "frederiksberg")
    page.goto(f"{server}/indikatorer/drkol/K1/municipality/101?periode=2024")
    assert page.get_by_text(
        "Personlisten kan kun ses for enheder i din egen kommune eller region"
    ).is_visible()
    assert page.get_by_role("link", name="Vis personlisten").count() == 0
    response = page.goto(f"{server}/indikatorer/drkol/K1/municipality/101/personer?periode=2024")
    assert response is not None and response.status == 403
    assert page.get_by_role("heading", name="Ingen adgang").is_visible()
    assert page.locator("#personer-tabel").count() == 0
    screenshot(page, "dashboard-persons-refused")
    assert console_errors(page) == []


def test_csrf_enforced_in_the_browser(page: Any, server: str) -> None:
    sign_in(page, server, "kbh")
    # A tampered token: the sign-out form is refused and the session survives.
    page.locator("form[action='/logout'] input[name='csrf_token']").evaluate(
        "e => e.value = 'forfalsket'"
    )
    page.get_by_role("button", name="Log ud").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Forespørgslen blev afvist").is_visible()
    page.goto(f"{server}/")
    assert page.url == f"{server}/"
    # A POST with the session cookie but without a token is refused too.
    response = page.request.post(f"{server}/logout", form={"x": "1"}, max_redirects=0)
    assert response.status == 403
    # The genuine form signs out.
    page.get_by_role("button", name="Log ud").click()
    page.wait_for_url(f"{server}/login")


def test_keyboard_sign_in_and_skip_link(page: Any, server: str) -> None:
    page.goto(f"{server}/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Gå til indhold"
    page.get_by_label("Brugernavn").focus()
    page.keyboard.type("region.hovedstaden")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/")
    assert page.get_by_role("navigation", name="Hovedmenu").is_visible()


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("kbh", "/"),
        ("kbh", "/indikatorer/drkol/K1"),
        ("kbh", "/indikatorer/drkol/K1/municipality/101?periode=2024"),
        ("kbh", "/indikatorer/drkol/K1/municipality/101/personer?periode=2024"),
        ("region.hovedstaden", "/population"),
        ("region.hovedstaden", "/datakvalitet"),
        ("region.hovedstaden", "/datakvalitet/101"),
        ("drift", "/admin/brugere"),
        (None, "/login"),
    ],
)
def test_dashboard_pages_pass_axe(page: Any, server: str, user: str | None, path: str) -> None:
    if user:
        sign_in(page, server, user)
    page.goto(f"{server}{path}")
    violations = run_axe(page)
    assert not violations, f"{path}:\n{describe(violations)}"
    assert console_errors(page) == []
