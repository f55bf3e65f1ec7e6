"""DuckDB and Spark give identical units and results on the hand-made fixtures.

Marked ``spark`` (runs in CI; local[2], UI off, bound to 127.0.0.1). One Spark session
serves all cases and is stopped at the end.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from registry_factories import require

from tvaers.registry.imports import import_group, import_named
from tvaers.registry.pseudonym import load_or_create_key
from tvaers.registry.runs import RunOutput, run_database
from tvaers.registry.store import RegistryStore

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark_engine() -> Iterator[Any]:
    import importlib.util
    import shutil

    require(importlib.util.find_spec("pyspark") is not None, "pyspark is not installed")
    require(shutil.which("java") is not None, "no Java runtime")
    from tvaers.registry.indicators.engines import SparkEngine

    engine = SparkEngine()
    yield engine
    engine.spark.stop()


def _store(base: Path, fixture: Any) -> RegistryStore:
    key = load_or_create_key(base / "key")
    store = RegistryStore(base / "registry")
    src = fixture.write_extracts(base / "extract")
    present = {"cpr": "cpr", "lpr": "lpr_contacts", "organisations": "organisations"}
    for group, probe in present.items():
        if (src / f"{probe}.parquet").exists():
            import_group(store, key, group, src, data_cutoff=fixture.CUTOFF)
    tables = fixture.MUNICIPAL
    import_named(store, key, {t: src / f"{t}.parquet" for t in tables}, data_cutoff=fixture.CUTOFF)
    return store


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-12)
    return bool(a == b)


def _compare(duck: RunOutput, spark: RunOutput) -> None:
    assert len(duck.rows) == len(spark.rows)
    for left, right in zip(duck.rows, spark.rows, strict=True):
        diff = {k: (left[k], right[k]) for k in left if not _same(left[k], right[k])}
        assert not diff, (left["indicator"], left["unit_type"], left["unit_id"], diff)
    key = ["indicator", "stratum", "unit_id"]
    assert duck.distributions == spark.distributions
    assert (
        duck.units.sort_by([(k, "ascending") for k in key]).to_pylist()
        == spark.units.sort_by([(k, "ascending") for k in key]).to_pylist()
    )


@pytest.mark.parametrize(
    ("database", "module", "as_of"),
    [
        ("copd", "copd_fixture", None),
        ("heart", "heart_fixture", None),
        ("heart", "heart_fixture", "2025-12-31"),
        ("diabetes", "diabetes_fixture", None),
        ("rehab", "rehab_fixture", None),
        ("rehab", "rehab_fixture", "2025-12-31"),
        ("prevention", "prevention_fixture", "2025-12-31"),
    ],
)
def test_duckdb_and_spark_agree(
    database: str,
    module: str,
    as_of: str | None,
    spark_engine: Any,
    tmp_path: Path,
) -> None:
    from datetime import date

    fixture = __import__(module)
    store = _store(tmp_path, fixture)
    day = date.fromisoformat(as_of) if as_of else None
    duck = run_database(database, store, "2025", as_of=day, out=tmp_path / "duck")
    spark = run_database(
        database, store, "2025", as_of=day, engine=spark_engine, out=tmp_path / "spark"
    )
    assert duck.units.num_rows > 5
    _compare(duck, spark)
