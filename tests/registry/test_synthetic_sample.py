"""K1/K2 on a Synthetic Denmark sample equal the generator's own, independent calibration SQL.

The generator (``tvaers synth calibration``) counts DrKOL K1/K2 courses over its whole window
with its own SQL; the engine counts them per calendar year. Summed over the years they must
be equal. The same sample is the synthetic part of the DuckDB-vs-Spark comparison.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tvaers.cli.main import main
from tvaers.registry.runs import run_database
from tvaers.registry.store import RegistryStore

YEARS = ("2023", "2024", "2025")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("synthetic")
    synth = base / "synth"
    args = [
        "synth",
        "generate",
        "--citizens",
        "20000",
        "--seed",
        "7",
        "--enrich",
        "heart=x5,copd=x5",
    ]
    assert main([*args, "--out", str(synth)]) == 0
    common = ["--registry", str(base / "reg"), "--key-file", str(base / "k.key")]
    for command in ("import-cpr", "import-lpr"):
        assert main(["registry", command, str(synth), *common, "--cpr-mode", "synthetic"]) == 0
    assert main(["registry", "import-organisations", str(synth), *common]) == 0
    return {"synth": synth, "store": RegistryStore(base / "reg"), "base": base}


def calibration(synth: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, tuple[int, int]]:
    capsys.readouterr()
    assert main(["synth", "calibration", str(synth), "--format", "json"]) == 0
    measures = json.loads(capsys.readouterr().out)["measures"]
    found = {}
    for name, key in (("K1 30-day readmission", "K1"), ("K2 30-day mortality", "K2")):
        (note,) = [m["note"] for m in measures if m["measure"] == name]
        numerator, denominator = re.fullmatch(r"([\d,]+)/([\d,]+) courses", note).groups()  # type: ignore[union-attr]
        found[key] = (int(numerator.replace(",", "")), int(denominator.replace(",", "")))
    return found


def test_k1_k2_equal_the_generators_independent_counts(
    sample: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    want = calibration(sample["synth"], capsys)
    got = {"K1": [0, 0], "K2": [0, 0]}
    for year in YEARS:
        run = run_database(
            "copd",
            sample["store"],
            year,
            out=sample["base"] / "out" / year,
            indicators=["K1", "K2"],
        )
        for r in run.rows:
            if r["unit_type"] == "national":
                got[r["indicator"]][0] += r["numerator"]
                got[r["indicator"]][1] += r["denominator"]
    assert {k: tuple(v) for k, v in got.items()} == want
    assert want["K1"][1] > 300  # a real sample, not an empty one


@pytest.mark.spark
def test_duckdb_and_spark_agree_on_the_synthetic_sample(sample: dict[str, Any]) -> None:
    import importlib.util
    import shutil

    from registry_factories import require

    require(importlib.util.find_spec("pyspark") is not None, "pyspark is not installed")
    require(shutil.which("java") is not None, "no Java runtime")
    from tvaers.registry.indicators.engines import SparkEngine

    engine = SparkEngine()
    try:
        k12 = ["K1", "K2"]
        duck = run_database(
            "copd", sample["store"], "2024", out=sample["base"] / "d", indicators=k12
        )
        spark = run_database(
            "copd", sample["store"], "2024", engine=engine, out=sample["base"] / "s", indicators=k12
        )
    finally:
        engine.spark.stop()
    assert duck.rows == spark.rows or all(
        a.keys() == b.keys()
        and all(a[k] == b[k] or (isinstance(a[k], float) and abs(a[k] - b[k]) < 1e-12) for k in a)
        for a, b in zip(duck.rows, spark.rows, strict=True)
    )
    order = [("indicator", "ascending"), ("unit_id", "ascending")]
    assert duck.units.sort_by(order).to_pylist() == spark.units.sort_by(order).to_pylist()
    assert duck.units.num_rows > 300
