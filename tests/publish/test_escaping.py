"""Values from data are text, never markup: a unit code, a title or a comment with <script>."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from html_helpers import parse, parse_text, table_rows
from publish_factories import build_rows, write_release, write_results

from tvaers.publish.build import build

EVIL = '<script>alert("x")</script>'
EVIL_IMG = "<img src=x onerror=alert(1)>"


def evil_release(folder: Path) -> Path:
    write_release(folder, codes=("101", "147", "151", "153"))
    rows = build_rows(("101", "147", "151", "153"))
    for row in rows:
        if row["unit_id"] == "151":
            row["unit_id"] = EVIL
    write_results(rows, folder / "results.parquet")
    definition = folder / "definitions" / "drkol.yaml"
    text = definition.read_text(encoding="utf-8")
    definition.write_text(
        text.replace(
            "title: Genindlæggelse inden for 30 dage efter akut KOL-indlæggelse",
            f"title: '{EVIL} Genindlæggelse'",
        ),
        encoding="utf-8",
    )
    (folder / "comments").mkdir()
    comments = {"K1": [{"unit": f"Region {EVIL_IMG}", "text": f"Kommentar {EVIL}"}]}
    (folder / "comments" / "drkol.yaml").write_text(yaml.safe_dump(comments), encoding="utf-8")
    return folder


def test_markup_in_data_is_escaped(tmp_path: Path) -> None:
    release = evil_release(tmp_path / "release")
    assert EVIL in pq.read_table(release / "results.parquet").column("unit_id").to_pylist()
    out = tmp_path / "out"
    build(release, out)
    pages = list(out.rglob("*.html"))
    for page in pages:
        content = page.read_text(encoding="utf-8")
        assert "<script" not in content, f"{page} carries a script element"
        assert "<img" not in content, f"{page} carries an img element"
        parse(page)  # still well-formed
    report = out / "aarsrapport" / "drkol-2024.html"
    content = report.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in content
    assert "Kommentar &lt;script&gt;" in content
    # The value is shown as the unit's name (it is unknown to the geography), as text.
    rows = table_rows(parse(report), "k1-municipality-tabel")
    assert EVIL in rows
    # The SVG tooltip of the funnel point escapes it as well.
    assert "<title>&lt;script&gt;" in content


@pytest.mark.browser
def test_markup_in_data_does_not_execute_in_a_browser(tmp_path: Path) -> None:
    from browser_support import chromium

    release = evil_release(tmp_path / "release")
    out = tmp_path / "out"
    build(release, out)
    dialogs: list[str] = []
    with chromium() as browser:
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto((out / "aarsrapport" / "drkol-2024.html").as_uri())
        page.wait_for_load_state("load")
        assert page.locator("script").count() == 0
        assert page.get_by_role("rowheader", name=EVIL).count() >= 1
    assert dialogs == []


def test_dashboard_escapes_markup_in_data(tmp_path: Path) -> None:
    from dashboard_support import client, login, make_dashboard

    release = evil_release(tmp_path / "release")
    c = client(make_dashboard(release, tmp_path / "state"))
    assert login(c, "analytiker") == 303
    for url in ("/", "/indikatorer/drkol/K1", "/population"):
        page = c.get(url)
        assert page.status_code == 200
        assert "<script" not in page.text and "<img" not in page.text, url
        parse_text(page.text)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in c.get("/indikatorer/drkol/K1").text
