"""Real headless Chromium for publish and dashboard tests: launch, axe-core, screenshots.

Debian's ``chromium`` is driven by Playwright with ``executable_path`` (never a downloaded
browser). axe-core comes from the npm registry, installed on first use into the gitignored
``test-artifacts/node`` (pinned version). Missing pieces skip locally and fail under CI=true.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from publish_factories import require

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
AXE_VERSION = "4.14.1"
AXE_DIR = ARTIFACTS / "node"
AXE_FILE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--headless",
]
#: WCAG 2.1 A and AA rules plus best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_source() -> str:
    """axe.min.js (installing axe-core@AXE_VERSION with npm when absent)."""
    if not AXE_FILE.exists():
        npm = shutil.which("npm")
        require(npm is not None, "npm is needed to install axe-core")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                npm,
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(AXE_DIR),
                f"axe-core@{AXE_VERSION}",
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return AXE_FILE.read_text(encoding="utf-8")


@contextmanager
def chromium() -> Iterator[Any]:
    """A Playwright browser on Debian's Chromium; closed afterwards."""
    require(
        CHROMIUM.exists(), f"Debian chromium not found at {CHROMIUM} (apt-get install chromium)"
    )
    require(
        importlib.util.find_spec("playwright") is not None,
        "playwright (the browser extra) is not installed",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def run_axe(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the loaded page; returns the violations (empty when accessible)."""
    page.add_script_tag(content=axe_source())
    result: dict[str, Any] = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'], preload: false})",
        AXE_TAGS,
    )
    return list(result["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [
            " ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
            for n in v["nodes"][:3]
        ]
        lines.append(
            f"{v['id']} ({v['impact']}): {v['help']} -- {len(v['nodes'])} nodes, e.g. {targets}"
        )
    return "\n".join(lines)


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ (kept by CI as an artefact)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
