"""`tvaers registry run` from the command line, on the COPD fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
from copd_fixture import write_extracts

from tvaers.cli.main import main


@pytest.fixture
def registry(tmp_path: Path) -> list[str]:
    src = write_extracts(tmp_path / "extract")
    common = ["--registry", str(tmp_path / "reg"), "--key-file", str(tmp_path / "k.key")]
    for command in ("import-cpr", "import-lpr", "import-organisations"):
        assert main(["registry", command, str(src), *common, "--data-cutoff", "2026-01-10"]) == 0
    return ["--registry", str(tmp_path / "reg")]


def test_run_prints_national_rows_and_writes_files(
    registry: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    k12 = ["--indicator", "K1", "--indicator", "K2"]
    code = main(["registry", "run", "--database", "copd", "--period", "2025", *k12, *registry])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("indicator\tnumerator\tdenominator")
    assert lines[1].startswith("K1\t1\t7\t2\t2\t0.1429\t")
    assert lines[2].startswith("K2\t2\t9\t2\t0\t0.2222\t")
    out = tmp_path / "reg" / "results" / "copd" / "2025"
    assert sorted(p.name for p in out.iterdir()) == [
        "distributions.parquet",
        "results.csv",
        "results.parquet",
        "results_excel.csv",
        "run.json",
        "units.parquet",
    ]


def test_clopper_pearson_and_overrides_from_the_command_line(
    registry: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    args = ["registry", "run", "--database", "copd", "--period", "2025", "--indicator", "K1"]
    args += ["--ci-method", "clopper-pearson", "--set", "admission_max_gap_hours=2", *registry]
    assert main([*args, "--out", str(tmp_path / "o")]) == 0
    lines = capsys.readouterr().out.splitlines()
    # With a 2-hour transfer gap P01's contacts (3 h apart) are two admissions: the first is
    # readmitted on day 1, the second (COPD too) becomes a course of its own.
    assert lines[1].startswith("K1\t2\t8\t2\t2\t0.2500\t")
    assert len(lines) == 2


def test_a_broken_definition_changes_nothing(
    registry: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("schema_version: 1\nid: x\ntitle: [\n", encoding="utf-8")
    out = tmp_path / "never"
    code = main(
        [
            "registry",
            "run",
            "--database",
            str(broken),
            "--period",
            "2025",
            "--out",
            str(out),
            *registry,
        ]
    )
    assert code == 2
    assert f"{broken}:4:1" in capsys.readouterr().err
    assert not out.exists()


def test_unknown_engine_and_bad_period(
    registry: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["registry", "run", "--database", "copd", *registry, "--out", str(tmp_path / "x")]
    assert main([*base, "--period", "2025", "--engine", "oracle"]) == 3
    assert "valid engines: duckdb, spark" in capsys.readouterr().err
    assert main([*base, "--period", "25"]) == 2
    assert "write 2025 or 2025-03" in capsys.readouterr().err
