"""The readers take what the registry's writers write (``tvaers registry run`` output layout).

Rows come from the publish fixture, written by the registry's own ``write_results`` and as a
``units.parquet`` with the registry's column names, under ``results/<database>/<period>/``.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from html_helpers import parse, table_rows
from publish_factories import build_persons, build_rows, write_organisations_file

from tvaers.publish.build import build, load_release
from tvaers.publish.dashboard.persons import read_persons
from tvaers.registry.indicators.outputs import UNIT_COLUMNS, write_results


def registry_layout(root: Path) -> Path:
    rows = build_rows(("101", "147", "825"))
    for row in rows:
        row["standard_direction"] = "<=" if row["standard"] else None
        row["title"] = f"Titel {row['indicator']}"
    for period in ("2023", "2024"):
        write_results(
            [r for r in rows if r["period"] == period], root / "results" / "drkol" / period
        )
        units = [
            {
                "database": p["database"],
                "indicator": p["indicator"],
                "period": p["period"],
                "unit_id": f"course-{i}",
                "pid": p["pseudonym"],
                "index_date": p["index_date"],
                "municipality": p["kommunekode"],
                "region": p["region_code"],
                "hospital": p["hospital"],
                "delivering_municipality": None,
                "bucket": "denominator_only" if p["bucket"] == "denominator" else p["bucket"],
                "reason": None,
                "rules": ["copd_a"],
                "definition_hash": "h",
            }
            for i, p in enumerate(build_persons(rows))
            if p["period"] == period
        ]
        pq.write_table(
            pa.Table.from_pylist(units), root / "results" / "drkol" / period / "units.parquet"
        )
    assert set(units[0]) == set(UNIT_COLUMNS)
    write_organisations_file(root)
    return root


def test_release_from_registry_layout(tmp_path: Path) -> None:
    root = registry_layout(tmp_path / "reg")
    release = load_release(root)
    assert {r.period for r in release.rows} == {"2023", "2024"}
    # Without definition files the results' title column names the indicators.
    assert release.catalogue.indicator("drkol", "K1").title == "Titel K1"
    out = tmp_path / "out"
    build(root, out)
    report = parse(out / "aarsrapport" / "drkol-2024.html")
    assert set(table_rows(report, "k1-municipality-tabel")) == {
        "København",
        "Frederiksberg",
        "Læsø",
    }
    assert "Hospital i Region Hovedstaden" in table_rows(report, "k1-hospital-tabel")


def test_person_rows_from_registry_units(tmp_path: Path) -> None:
    root = registry_layout(tmp_path / "reg")
    persons = read_persons(root)
    rows = persons.for_unit("drkol", "K1", "2024", "municipality", "101")
    expected = next(
        r
        for r in pq.read_table(root / "results" / "drkol" / "2024" / "results.parquet").to_pylist()
        if (r["indicator"], r["unit_type"], r["unit_id"]) == ("K1", "municipality", "101")
    )
    assert sum(1 for p in rows if p.bucket == "numerator") == expected["numerator"]
    assert (
        sum(1 for p in rows if p.bucket in ("numerator", "denominator_only"))
        == expected["denominator"]
    )
    assert not persons.has_cpr and rows[0].rules == ("copd_a",)
    region = persons.for_unit("drkol", "K1", "2024", "region", "1084")
    assert len(region) > len(rows)
