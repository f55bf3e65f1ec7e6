"""axe-core in real headless Chromium on pages that hold data: 98-unit funnel plots, full tables.

Also checks, in the browser, that the funnel plot rendered with one marker per shown unit
and that nothing was written to the console.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from browser_support import ARTIFACTS, chromium, describe, run_axe, screenshot

PAGES = ("aarsrapport/drkol-2024.html", "feedback/101.html", "feedback/index.html", "index.html")


@pytest.mark.browser
def test_pages_pass_axe(full_build: Path) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        messages: list[str] = []
        page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: messages.append(f"error: {e}"))
        for name in PAGES:
            page.goto((full_build / name).as_uri())
            violations = run_axe(page)
            assert not violations, f"{name}:\n{describe(violations)}"
            screenshot(page, "publish-" + name.replace("/", "-").removesuffix(".html"))
        assert not [m for m in messages if m.startswith(("error", "warning"))], messages


@pytest.mark.browser
def test_full_funnel_renders_98_units(full_release: Path, full_build: Path) -> None:
    rows = pq.read_table(full_release / "results.parquet").to_pylist()
    shown = [
        r
        for r in rows
        if (r["indicator"], r["period"], r["unit_type"]) == ("K1", "2024", "municipality")
        and not r["suppressed"]
    ]
    assert (
        len(
            [
                r
                for r in rows
                if (r["indicator"], r["period"], r["unit_type"]) == ("K1", "2024", "municipality")
            ]
        )
        == 98
    )
    with chromium() as browser:
        page = browser.new_page()
        page.goto((full_build / "aarsrapport" / "drkol-2024.html").as_uri())
        funnel = page.locator("#funnel-k1-municipality-title").locator("xpath=..")
        assert funnel.is_visible()
        box = funnel.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 150
        markers = funnel.locator(".point").count()
        assert markers == len(shown)
        rows_in_table = page.locator("#k1-municipality-tabel tbody tr").count()
        assert rows_in_table == 98


@pytest.mark.browser
def test_annual_report_prints_to_pdf(full_build: Path) -> None:
    """Printable: Chromium's print-to-PDF gives an A4 document of several pages."""
    with chromium() as browser:
        page = browser.new_page()
        page.goto((full_build / "aarsrapport" / "drkol-2024.html").as_uri())
        page.emulate_media(media="print")
        assert page.locator("header.site").is_hidden()  # print CSS drops the navigation
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= 4, pages
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "publish-aarsrapport-drkol-2024.pdf").write_bytes(pdf)
