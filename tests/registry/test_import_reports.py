"""`registry import-reports`: versioned flat tables, coverage, errors, and H1 from reports."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from report_factory import careplan, report

from tvaers.cli.main import main
from tvaers.errors import InputError
from tvaers.registry.pseudonym import PseudonymKey
from tvaers.registry.reports import import_reports
from tvaers.registry.store import RegistryStore

CPR = "0101501234"


def write_day(root: Path, day: str, kommune: str, *bundles: dict[str, Any]) -> None:
    folder = root / day
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{kommune}.ndjson", "a", encoding="utf-8") as handle:
        for bundle in bundles:
            handle.write(json.dumps(bundle) + "\n")


def table(store: RegistryStore, name: str) -> list[dict[str, Any]]:
    return pq.read_table(store.require(name, "")).to_pylist()


def test_versions_late_reports_and_entered_in_error(
    tmp_path: Path, store: RegistryStore, key: PseudonymKey
) -> None:
    reports = tmp_path / "reports"
    write_day(
        reports,
        "2025-02-03",
        "101",
        report(
            "r1",
            CPR,
            careplan("cp", "2025-02-01", updated="2025-02-02T10:00:00Z"),
            timestamp="2025-02-02T23:30:00+01:00",
        ),
    )
    write_day(
        reports,
        "2025-02-10",
        "101",
        report(
            "r2",
            CPR,
            careplan("cp", "2025-02-05", updated="2025-02-09T10:00:00Z"),
            timestamp="2025-02-09T23:30:00+01:00",
        ),
    )
    # late: an older version arrives after the newer one -> history only, nothing current
    # changes; it covers January (its Bundle.timestamp), so coverage counts it there
    write_day(
        reports,
        "2025-02-11",
        "101",
        report(
            "r3",
            CPR,
            careplan("cp", "2025-01-20", updated="2025-02-01T10:00:00Z"),
            timestamp="2025-01-31T23:30:00+01:00",
        ),
    )
    write_day(
        reports,
        "2025-03-01",
        "101",
        report(
            "r4",
            CPR,
            careplan("cp", "2025-02-05", status="entered-in-error", updated="2025-02-28T10:00:00Z"),
            timestamp="2025-03-01T00:30:00+01:00",
        ),
    )
    import_reports(store, key, reports)
    rows = sorted(table(store, "careplans_119"), key=lambda r: r["known_from"])
    got = [
        (
            r["period_start"],
            r["status"],
            r["known_from"].date(),
            r["known_to"] and r["known_to"].date(),
            r["invalid"],
        )
        for r in rows
    ]
    assert got == [
        (date(2025, 2, 1), "active", date(2025, 2, 3), date(2025, 2, 10), False),
        (date(2025, 2, 5), "active", date(2025, 2, 10), date(2025, 3, 1), False),
        (date(2025, 2, 5), "entered-in-error", date(2025, 3, 1), None, True),
    ]
    assert {r["pid"] for r in rows} == {key.pseudonym(CPR)}
    assert {r["kommunekode"] for r in rows} == {"101"}
    assert "cpr" not in pq.read_table(store.require("careplans_119", "")).column_names
    log = table(store, "reports_log")
    assert len(log) == 4 and all(CPR not in r["bundle"] for r in log)
    assert all(key.pseudonym(CPR) in r["bundle"] for r in log)
    citizens = table(store, "citizens_119")
    assert citizens and all("cpr" not in r and r["pid"] == key.pseudonym(CPR) for r in citizens)
    coverage = {
        (r["kommunekode"], r["ig"], r["month"]): r["accepted"] for r in table(store, "coverage")
    }
    assert coverage == {
        ("101", "prevention", date(2025, 1, 1)): 1,
        ("101", "prevention", date(2025, 2, 1)): 2,
        ("101", "prevention", date(2025, 3, 1)): 1,
    }


def test_every_shipped_view_becomes_a_table(
    tmp_path: Path, store: RegistryStore, key: PseudonymKey
) -> None:
    reports = tmp_path / "reports"
    write_day(reports, "2025-02-03", "101", report("r1", CPR, careplan("cp", "2025-02-01")))
    done = import_reports(store, key, reports)
    views = {p.stem for p in Path("src/tvaers/registry/views").glob("*.json")}
    assert set(done) == views | {"coverage", "reports_log"}
    assert len(views) == 26
    assert done["careplans_119"] == 1 and done["goals_care"] == 0


def test_kl_example_reports_flatten(
    tmp_path: Path, store: RegistryStore, key: PseudonymKey, reference_dir: Path
) -> None:
    reports = tmp_path / "reports"
    ig_dirs = {"prevention": "316", "rehab": "316", "care": "101"}
    for ig, kommune in ig_dirs.items():
        for path in sorted((reference_dir / "kl" / ig / "examples").glob("Bundle-*.json")):
            bundle = json.loads(path.read_text())
            if (bundle.get("meta") or {}).get("profile", [""])[0].endswith("delivery-report"):
                write_day(reports, "2025-01-10", kommune, bundle)
    done = import_reports(store, key, reports)
    assert (
        done["careplans_119"] > 0
        and done["servicerequests_140"] > 0
        and done["conditions_care"] > 0
    )
    sr = table(store, "servicerequests_140")
    assert any(r["precondition_date"] == date(2022, 5, 24) for r in sr)
    enc = table(store, "encounters_119")
    assert all(isinstance(r["period_start"], date) for r in enc)


def test_malformed_report_names_file_and_line_and_changes_nothing(
    tmp_path: Path, store: RegistryStore, key: PseudonymKey
) -> None:
    reports = tmp_path / "reports"
    write_day(reports, "2025-02-03", "101", report("r1", CPR, careplan("cp", "2025-02-01")))
    import_reports(store, key, reports)
    before = (store.root / "CURRENT").read_text()
    bad = reports / "2025-02-04"
    bad.mkdir()
    (bad / "101.ndjson").write_text(
        json.dumps(report("r2", CPR)) + "\n{not json\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as caught:
        import_reports(store, key, reports)
    assert f"{bad / '101.ndjson'}:2" in str(caught.value)
    assert (store.root / "CURRENT").read_text() == before


def test_report_without_a_citizen_is_refused(
    tmp_path: Path, store: RegistryStore, key: PseudonymKey
) -> None:
    reports = tmp_path / "reports"
    bundle = report("r1", CPR, careplan("cp", "2025-02-01"))
    bundle["entry"] = bundle["entry"][1:]
    write_day(reports, "2025-02-03", "101", bundle)
    with pytest.raises(InputError, match="exactly one citizen") as caught:
        import_reports(store, key, reports)
    assert ":1" in str(caught.value)
    assert store.current_dir() is None


def test_h1_from_delivery_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Q01-like: AMI discharge 2025-02-05, forløb reported starting day 24; Q05-like
    person in a municipality that never reports -> uoplyst; CLI end to end."""
    from registry_factories import d, ts, write_table

    a, b = "0303501111", "0303502222"
    src = tmp_path / "extract"
    write_table(
        src, "cpr", [(a, d("1950-03-03"), "M", None, None), (b, d("1950-03-03"), "F", None, None)]
    )
    write_table(
        src, "cpr_residence", [(a, "101", d("1990-01-01"), None), (b, "751", d("1990-01-01"), None)]
    )
    write_table(
        src,
        "lpr_contacts",
        [
            (
                "h1",
                a,
                "U1",
                ts("2025-02-01 08:00"),
                ts("2025-02-05 10:00"),
                "physical",
                "acute",
                None,
                None,
            ),
            (
                "h2",
                b,
                "U1",
                ts("2025-02-01 08:00"),
                ts("2025-02-05 10:00"),
                "physical",
                "acute",
                None,
                None,
            ),
        ],
    )
    write_table(src, "lpr_diagnoses", [("h1", "DI214", "A"), ("h2", "DI214", "A")])
    write_table(src, "lpr_procedures", [])
    reports = tmp_path / "reports"
    for month in range(1, 13):
        day = f"2025-{month:02d}-15"
        resources = [careplan("cp1", "2025-03-01")] if month == 3 else []
        write_day(
            reports, day, "101", report(f"a{month}", a, *resources, timestamp=f"{day}T10:00:00Z")
        )
    common = ["--registry", str(tmp_path / "reg"), "--key-file", str(tmp_path / "k.key")]
    cutoff = ["--data-cutoff", "2026-03-01"]
    assert main(["registry", "import-cpr", str(src), *common, *cutoff]) == 0
    assert main(["registry", "import-lpr", str(src), *common, *cutoff]) == 0
    assert main(["registry", "import-reports", str(reports), *common]) == 0
    capsys.readouterr()
    assert (
        main(
            [
                "registry",
                "run",
                "--database",
                "heart",
                "--period",
                "2025",
                "--registry",
                str(tmp_path / "reg"),
            ]
        )
        == 0
    )
    # numerator a; uoplyst b (751 never reported); denominator 1
    assert capsys.readouterr().out.splitlines()[1].startswith("H1\t1\t1\t1\t0\t1.0000\t")
