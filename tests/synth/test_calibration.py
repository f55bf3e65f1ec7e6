"""`tvaers synth calibration`: measures from the written files, enrichment printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tvaers.cli.main import main
from tvaers.errors import InputError
from tvaers.synth.calibration import calibrate


def test_every_measure_has_a_target_and_a_source(small_run: Path) -> None:
    result = calibrate(small_run)
    assert result.enrichment == {"heart": 5.0, "copd": 5.0, "diabetes": 3.0}
    assert len(result.measures) >= 30
    for m in result.measures:
        assert m.target is not None and m.source, m.measure


def test_the_sql_rule_reproduces_the_generators_admissions(small_run: Path) -> None:
    rules = {m.measure: m for m in calibrate(small_run).measures if m.group == "rules"}
    assert rules["admissions by the SQL rule matching the generator's"].generated == 1.0
    assert rules["transfers split into two admissions"].generated == 0.0


def test_enrichment_is_divided_out_of_counts(small_run: Path) -> None:
    # With copd=x5 the raw prevalence is about five times the national one; the table
    # reports national equivalents, so it must land near the target, not near 5x it.
    copd = next(m for m in calibrate(small_run).measures if m.measure.startswith("copd living"))
    assert copd.generated is not None and copd.target is not None
    assert 0.4 < copd.generated / copd.target < 2.5


def test_cli_prints_the_factors_and_the_table(
    small_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["synth", "calibration", str(small_run)]) == 0
    out = capsys.readouterr().out
    assert "heart=x5, copd=x5, diabetes=x3" in out
    assert "K1 30-day readmission" in out and "S14c" in out
    assert main(["synth", "calibration", str(small_run), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["enrichment"]["copd"] == 5.0


def test_a_folder_without_a_manifest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"manifest\.json not found"):
        calibrate(tmp_path)


def test_generate_cli_prints_factors_and_refuses_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "synth",
                "generate",
                "--citizens",
                "300",
                "--seed",
                "3",
                "--enrich",
                "copd=x2",
                "--out",
                str(tmp_path / "g"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "heart=x1, copd=x2, diabetes=x1" in out and "lpr_contacts" in out
    assert (tmp_path / "g" / "manifest.json").exists()
    assert (
        main(
            [
                "synth",
                "generate",
                "--citizens",
                "300",
                "--enrich",
                "lungs=x2",
                "--out",
                str(tmp_path),
            ]
        )
        == 2
    )
    assert "unknown cohort 'lungs'" in capsys.readouterr().err
    assert main(["synth", "generate", "--out", str(tmp_path)]) == 2
    assert "--citizens is required" in capsys.readouterr().err
