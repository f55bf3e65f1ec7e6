"""The Spark backend (local[2]) gives the same rows and types as the in-process runner."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from synthetic import sample
from views_support import SOF_TESTS, require

from tvaers.errors import InputError
from tvaers.views import compile_view, to_table

pytestmark = pytest.mark.spark
VIEWS = json.loads((Path(__file__).parent / "kl_views.json").read_text())


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    require(
        importlib.util.find_spec("pyspark") is not None,
        "pyspark is not installed (the spark extra)",
    )
    require(shutil.which("java") is not None, "no Java runtime for Spark")
    from tvaers.views.spark import local_session

    session = local_session()
    yield session
    session.stop()


def _run(
    spark: Any, view: dict[str, Any], resources: list[dict[str, Any]], partitions: int = 2
) -> pa.Table:
    from tvaers.views.spark import collect, dataframe_of_resources, run_on_dataframe

    compiled = compile_view(view)
    return collect(run_on_dataframe(compiled, dataframe_of_resources(spark, resources, partitions)))


def _sorted(table: pa.Table) -> list[tuple[Any, ...]]:
    return sorted(
        tuple(json.dumps(v, default=str) for v in row.values()) for row in table.to_pylist()
    )


@pytest.mark.parametrize("view", VIEWS, ids=[v["name"] for v in VIEWS])
def test_same_rows_and_schema_as_in_process(spark: Any, view: dict[str, Any]) -> None:
    resources = sample(120, seed=7)
    local = to_table(compile_view(view), resources)
    remote = _run(spark, view, resources, partitions=7)
    assert remote.schema.equals(local.schema)
    assert local.num_rows > 0
    assert _sorted(remote) == _sorted(local)


TYPED_VIEW = {
    "resource": "Observation",
    "select": [
        {
            "column": [
                {"name": "id", "path": "id", "type": "id"},
                {"name": "value", "path": "value.ofType(Quantity).value", "type": "decimal"},
                {"name": "count", "path": "component.count()", "type": "integer"},
                {"name": "flag", "path": "value.exists()", "type": "boolean"},
                {"name": "effective", "path": "effective.ofType(dateTime)", "type": "dateTime"},
                {"name": "day", "path": "effective.ofType(dateTime)", "type": "dateTime",
                 "tag": [{"name": "ansi/type", "value": "DATE"}]},
                {"name": "stamp", "path": "issued", "type": "instant",
                 "tag": [{"name": "ansi/type", "value": "TIMESTAMP"}]},
                {"name": "codes", "path": "code.coding.code", "type": "code", "collection": True},
            ]
        }
    ],
}  # fmt: skip

OBSERVATIONS = [
    {"resourceType": "Observation", "id": "o1", "status": "final", "valueQuantity": {"value": 72.125},
     "effectiveDateTime": "2024-03", "issued": "2024-03-05T10:30:00+01:00",
     "code": {"coding": [{"code": "a"}, {"code": "b"}]}, "component": [{}, {}]},
    {"resourceType": "Observation", "id": "o2", "status": "final", "valueQuantity": {"value": 0.1},
     "effectiveDateTime": "2023", "code": {"coding": []}},
    {"resourceType": "Observation", "id": "o3", "status": "final"},
]  # fmt: skip


def test_arrow_types_nulls_decimals_and_partial_dates(spark: Any) -> None:
    table = _run(spark, TYPED_VIEW, OBSERVATIONS, partitions=3)
    assert table.schema.field("value").type == pa.decimal128(38, 9)
    assert table.schema.field("day").type == pa.date32()
    assert table.schema.field("codes").type == pa.list_(pa.string())
    rows = {r["id"]: r for r in table.to_pylist()}
    assert rows["o1"]["value"] == Decimal("72.125") and rows["o2"]["value"] == Decimal("0.1")
    assert rows["o1"]["effective"] == "2024-03" and rows["o2"]["effective"] == "2023"
    assert rows["o1"]["day"] == dt.date(2024, 3, 1) and rows["o2"]["day"] == dt.date(2023, 1, 1)
    assert rows["o1"]["stamp"] == dt.datetime(2024, 3, 5, 9, 30, tzinfo=dt.UTC)
    assert rows["o1"]["count"] == 2 and rows["o3"]["count"] == 0
    assert rows["o3"] == {"id": "o3", "value": None, "count": 0, "flag": False, "effective": None,
                          "day": None, "stamp": None, "codes": []}  # fmt: skip
    assert rows["o2"]["codes"] == []


def test_empty_partitions_and_no_matching_rows(spark: Any) -> None:
    table = _run(spark, TYPED_VIEW, OBSERVATIONS[:1], partitions=6)
    assert table.column("id").to_pylist() == ["o1"]
    patients_only = [{"resourceType": "Patient", "id": "p"}]
    empty = _run(spark, TYPED_VIEW, patients_only, partitions=4)
    assert empty.num_rows == 0 and empty.schema.names == compile_view(TYPED_VIEW).schema.names


def test_executor_errors_come_back_as_input_errors(spark: Any) -> None:
    view = {
        "resource": "Observation",
        "select": [{"column": [{"name": "c", "path": "code.coding.code"}]}],
    }
    with pytest.raises(InputError, match="got 2 values for one row"):
        _run(spark, view, OBSERVATIONS)


def test_files_with_bundles_and_ndjson(spark: Any, tmp_path: Path) -> None:
    from tvaers.views.spark import collect, dataframe_of_files, run_on_dataframe

    reports = sample(6, seed=3)
    (tmp_path / "a.ndjson").write_text("\n".join(json.dumps(r) for r in reports[:3]) + "\n")
    (tmp_path / "b.json").write_text(json.dumps(reports[3], indent=2))
    (tmp_path / "c.json").write_text(json.dumps(reports[4]))
    view = compile_view(VIEWS[0])
    remote = collect(run_on_dataframe(view, dataframe_of_files(spark, [tmp_path])))
    assert _sorted(remote) == _sorted(to_table(view, reports[:5]))


def test_official_suite_on_spark(spark: Any) -> None:
    require(SOF_TESTS.is_dir(), f"official suite not found at {SOF_TESTS}")
    from tvaers.views.compile import compile_view as compile_
    from tvaers.views.conformance import run_paths
    from tvaers.views.spark import collect, dataframe_of_resources, run_on_dataframe

    def engine(
        view: dict[str, Any], resources: list[dict[str, Any]], source: str
    ) -> list[dict[str, Any]]:
        frame = run_on_dataframe(
            compile_(view, source=source), dataframe_of_resources(spark, resources, 2)
        )
        rows: list[dict[str, Any]] = collect(frame).to_pylist()
        return rows

    results = run_paths([SOF_TESTS], engine)
    failed = [f"{r.file}: {r.name}: {r.error}" for r in results if not r.passed]
    assert len(results) == 98 and not failed
