"""Screenshots for the README from a finished ``make demo`` run.

Takes the annual report from the demo's release and the dashboard (started here on a free
port, signed in with a user created for the purpose) in Debian's headless Chromium:

    .venv/bin/python tools/screenshots.py [demo-output] [docs/images]

Needs the ``browser`` extra (playwright) and ``/usr/bin/chromium``.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def start_dashboard(demo: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "tvaers.cli.main", "registry", "serve",
               "--results", str(demo / "registry" / "results"), "--port", "0"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    return process, process.stdout.readline().strip().rstrip("/")


def main(demo: Path, images: Path) -> int:
    from playwright.sync_api import sync_playwright

    images.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "TVAERS_DASHBOARD_STATE_FILE": str(demo / "dashboard" / "users.sqlite"),
        "TVAERS_DASHBOARD_AUDIT_LOG": str(demo / "dashboard" / "audit.jsonl"),
    }
    user, password = f"skaermbillede-{secrets.token_hex(3)}", secrets.token_urlsafe(12)
    subprocess.run(
        [sys.executable, "-m", "tvaers.cli.main", "registry", "users", "add", user,
         "--role", "region", "--scope", "region:1084", "--password-stdin"],
        input=password + "\n", text=True, env=env, check=True,
    )  # fmt: skip
    process, url = start_dashboard(demo, env)
    annual = sorted((demo / "release" / "aarsrapport").glob("heart-*.html"))[-1]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(annual.resolve().as_uri())
            page.screenshot(path=str(images / "annual-report.png"))
            page.goto(f"{url}/login")
            page.fill("input[name=username]", user)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            links = page.locator("main a[href*='/indikator']")
            if links.count():
                links.first.click()
                page.wait_for_load_state("networkidle")
            page.screenshot(path=str(images / "dashboard.png"), full_page=False)
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    print(f"wrote {images / 'annual-report.png'} and {images / 'dashboard.png'}")
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(
        main(
            Path(args[0] if args else "demo-output"),
            Path(args[1] if len(args) > 1 else "docs/images"),
        )
    )
