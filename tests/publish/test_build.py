"""`publish build` on a fixture release: the numbers shown equal the input rows; suppression holds."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from html_helpers import ids, parse, table_rows
from publish_factories import SMALL_SET

from tvaers.cli.main import main
from tvaers.publish.formatting import format_int, format_percent, format_proportion_ci
from tvaers.terminology.geography import municipality_by_code


def raw_rows(release: Path) -> list[dict[str, Any]]:
    """The input rows, read independently of the publish reader."""
    rows: list[dict[str, Any]] = pq.read_table(release / "results.parquet").to_pylist()
    return rows


def shown(text: str) -> str:
    return text.replace("\u00a0", " ")


def test_every_page_is_well_formed_danish_html(small_build: Path) -> None:
    pages = sorted(small_build.rglob("*.html"))
    assert len(pages) == 1 + 1 + 98 + 1  # index, annual report, 98 municipalities, overview
    for page in pages:
        root = parse(page)
        assert root.get("lang") == "da"
        found = ids(root)
        assert len(found) == len(set(found)), f"{page}: duplicate ids"
        targets = {e.get("href", "")[1:] for e in root.iter() if e.get("href", "").startswith("#")}
        assert targets <= set(found), f"{page}: links to missing ids {targets - set(found)}"


def test_municipal_results_equal_input(small_release: Path, small_build: Path) -> None:
    root = parse(small_build / "aarsrapport" / "drkol-2024.html")
    for indicator in ("K1", "K3"):
        table = table_rows(root, f"{indicator.lower()}-municipality-tabel")
        expected = [
            r
            for r in raw_rows(small_release)
            if r["indicator"] == indicator
            and r["period"] == "2024"
            and r["unit_type"] == "municipality"
        ]
        assert len(table) == len(expected) == len(SMALL_SET)
        for row in expected:
            cells = table[municipality_by_code()[row["unit_id"]].name]
            if row["suppressed"]:
                assert cells[1:4] == ["–", "–", "Skjult (få forløb)"]
                continue
            assert cells[1] == format_int(row["numerator"])
            assert cells[2] == format_int(row["denominator"])
            assert cells[3] == shown(
                format_proportion_ci(row["proportion"], row["ci_low"], row["ci_high"])
            )
            assert cells[4] == format_int(row["uoplyst"])


def test_overview_shows_national_result_and_fulfilment(
    small_release: Path, small_build: Path
) -> None:
    root = parse(small_build / "aarsrapport" / "drkol-2024.html")
    overview = table_rows(root, "oversigt-tabel")
    national = next(
        r
        for r in raw_rows(small_release)
        if (r["indicator"], r["period"], r["unit_type"]) == ("K1", "2024", "national")
    )
    row = next(v for k, v in overview.items() if k.startswith("K1:"))
    assert row[0] == "≤ 15 %"
    assert row[1] == shown(
        format_proportion_ci(national["proportion"], national["ci_low"], national["ci_high"])
    )
    assert row[2] == f"{format_int(national['numerator'])} / {format_int(national['denominator'])}"
    regions = [
        r
        for r in raw_rows(small_release)
        if (r["indicator"], r["period"], r["unit_type"]) == ("K1", "2024", "region")
    ]
    assert row[5] == f"{sum(1 for r in regions if r['standard_met'])} af {len(regions)}"
    pilot = next(k for k in overview if k.startswith("K3:"))
    assert pilot.endswith("Tværsektoriel pilotindikator")


def test_suppressed_values_appear_nowhere(small_release: Path, small_build: Path) -> None:
    hidden = [r for r in raw_rows(small_release) if r["suppressed"]]
    assert hidden
    texts = {
        p: p.read_text(encoding="utf-8-sig")
        for p in small_build.rglob("*")
        if p.suffix in (".html", ".csv", ".ndjson")
    }
    for row in hidden:
        secret = shown(format_proportion_ci(row["proportion"], row["ci_low"], row["ci_high"]))
        for path, content in texts.items():
            assert secret not in shown(content), f"{path} shows a suppressed result"
    reports = [
        json.loads(line)
        for line in (small_build / "fhir" / "MeasureReport.ndjson").read_text().splitlines()
    ]
    masked = [m for m in reports if m["subject"]["identifier"]["value"] == "825"]
    assert masked and all("count" not in p for m in masked for p in m["group"][0]["population"])
    assert all(
        m["group"][0]["measureScore"]["extension"][0]["valueCode"] == "masked" for m in masked
    )


def test_excel_csv(small_release: Path, small_build: Path) -> None:
    data = (small_build / "export" / "resultater-excel.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Database", "Indikator", "Periode"]
    raw = raw_rows(small_release)
    assert len(body) == len(raw)
    for line, row in zip(body, raw, strict=True):
        record = dict(zip(header, line, strict=True))
        assert record["Enhedskode"] == row["unit_id"]
        if row["suppressed"]:
            assert record["Tæller"] == record["Nævner"] == record["Andel (%)"] == ""
            continue
        assert record["Tæller"] == str(row["numerator"])
        assert record["Andel (%)"] == f"{row['proportion'] * 100:.1f}".replace(".", ",")


def test_machine_csv_and_parquet(small_release: Path, small_build: Path) -> None:
    raw = raw_rows(small_release)
    with (small_build / "export" / "results.csv").open(encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    parquet = pq.read_table(small_build / "export" / "results.parquet").to_pylist()
    assert len(lines) == len(parquet) == len(raw)
    for line, exported, row in zip(lines, parquet, raw, strict=True):
        if row["suppressed"]:
            assert line["numerator"] == line["proportion"] == ""
            assert exported["proportion"] is None and exported["denominator"] is None
            continue
        assert float(line["proportion"]) == row["proportion"]
        assert int(line["denominator"]) == row["denominator"]
        assert exported["proportion"] == row["proportion"]
        assert exported["ci_low"] == row["ci_low"]
        assert exported["data_cutoff"] == row["data_cutoff"]
        assert exported["unit_name"]


def test_feedback_compares_municipality_region_country(
    small_release: Path, small_build: Path
) -> None:
    root = parse(small_build / "feedback" / "101.html")
    table = table_rows(root, "drkol-k1-tabel")
    assert list(table) == ["København", "Region Hovedstaden", "Hele landet"]
    raw = {
        (r["unit_type"], r["unit_id"]): r
        for r in raw_rows(small_release)
        if (r["indicator"], r["period"]) == ("K1", "2024")
    }
    for name, key in (
        ("København", ("municipality", "101")),
        ("Region Hovedstaden", ("region", "1084")),
        ("Hele landet", ("national", "DK")),
    ):
        row = raw[key]
        assert table[name][2] == shown(
            format_proportion_ci(row["proportion"], row["ci_low"], row["ci_high"])
        )


def test_feedback_data_quality(small_build: Path) -> None:
    root = parse(small_build / "feedback" / "101.html")
    rejects = table_rows(root, "afvisninger-tabel")
    assert "cpr:dk-core:Patient.identifier" in rejects
    explanation, fix, _count = rejects["cpr:dk-core:Patient.identifier"]
    assert explanation == "CPR-nummeret har ikke gyldig dato."
    assert fix.startswith("Ret CPR-nummeret")
    coverage = table_rows(root, "daekning-tabel")
    assert len(coverage) == 12 and "januar 2024" in coverage
    # A municipality outside the fixture's gateway statistics has no rows, and says so.
    other = parse(small_build / "feedback" / "265.html")
    assert not table_rows(other, "daekning-tabel")


def test_cli_build(small_release: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "publish",
            "build",
            "--results",
            str(small_release),
            "--out",
            str(tmp_path),
            "--publisher",
            "Sundhedsvæsenets Kvalitetsinstitut",
            "--generated",
            "2025-03-15",
        ]
    )
    assert code == 0
    assert str(tmp_path / "index.html") in capsys.readouterr().out
    assert (
        "Sundhedsvæsenets Kvalitetsinstitut"
        in (tmp_path / "aarsrapport" / "drkol-2024.html").read_text()
    )


def test_cli_build_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["publish", "build", "--results", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    )
    assert "no results table found" in capsys.readouterr().err


def test_national_overview_lists_results_per_municipality(
    small_release: Path, small_build: Path
) -> None:
    root = parse(small_build / "feedback" / "index.html")
    results = table_rows(root, "kommuneresultater-tabel")
    assert len(results) == 98
    raw = {
        r["unit_id"]: r
        for r in raw_rows(small_release)
        if (r["indicator"], r["period"], r["unit_type"]) == ("K1", "2024", "municipality")
    }
    assert results["København"][0] == shown(format_percent(raw["101"]["proportion"]))
    assert results["Læsø"][0] == "Skjult (få forløb)"
    assert results["Aabenraa"] == ["–", "–"]  # not in the small release
