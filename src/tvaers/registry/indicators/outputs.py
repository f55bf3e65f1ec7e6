"""Writing a run: results (Parquet, machine CSV, Excel CSV), the unit-level buckets, run.json.

- ``results.parquet`` / ``results.csv``: the contract's columns (then the added ones); ``.``
  decimals, ISO dates, ``true``/``false``.
- ``results_excel.csv``: the same for Excel with Danish settings: UTF-8 with BOM, ``;``
  separated, decimal comma, ``ja``/``nej``.
- ``units.parquet``: one row per unit (course or person-index) and indicator: bucket,
  deciding rule (``reason``), every rule met (``rules``), reporting units, ``stratum``.
  Pseudonyms only.
- ``distributions.parquet``: counts of a field's values per reporting unit (e.g. the
  cancellation reasons of H3), with ``suppressed``.

Each file is written to a temporary name and renamed into place.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from tvaers.registry.indicators import model as m
from tvaers.registry.indicators.results import COLUMNS

INTS = (
    "numerator",
    "denominator",
    "uoplyst",
    "excluded",
    "completeness_expected",
    "completeness_found",
)
FLOATS = (
    "proportion",
    "ci_low",
    "ci_high",
    "funnel_95_low",
    "funnel_95_high",
    "funnel_998_low",
    "funnel_998_high",
    "coverage",
    "completeness",
    "median_days",
)
BOOLS = ("standard_met", "suppressed", "completeness_met")
UNIT_COLUMNS = (
    "database",
    "indicator",
    "period",
    "unit_id",
    "pid",
    "index_date",
    "municipality",
    "region",
    "hospital",
    "delivering_municipality",
    "bucket",
    "reason",
    "rules",
    "definition_hash",
)
#: Added after the columns others read (the contract extends by adding columns).
UNIT_EXTRA_COLUMNS = ("stratum",)
DISTRIBUTION_COLUMNS = (
    "database",
    "indicator",
    "period",
    "unit_type",
    "unit_id",
    "stratum",
    "distribution",
    "category",
    "count",
    "suppressed",
)


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def results_schema() -> Any:
    import pyarrow as pa

    def kind(name: str) -> Any:
        if name in INTS:
            return pa.int64()
        if name in FLOATS:
            return pa.float64()
        if name in BOOLS:
            return pa.bool_()
        if name == "data_cutoff":
            return pa.date32()
        return pa.string()

    return pa.schema([(name, kind(name)) for name in COLUMNS], metadata={"schema_version": "1"})


def write_results(rows: Sequence[dict[str, Any]], out: Path) -> list[Path]:
    """Write the three results files into ``out``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(
        [{c: r.get(c) for c in COLUMNS} for r in rows], schema=results_schema()
    )
    sink = io.BytesIO()
    pq.write_table(table, sink)
    _replace(out / "results.parquet", sink.getvalue())
    _replace(out / "results.csv", _csv(rows, machine=True).encode("utf-8"))
    _replace(out / "results_excel.csv", ("\ufeff" + _csv(rows, machine=False)).encode("utf-8"))
    return [out / "results.parquet", out / "results.csv", out / "results_excel.csv"]


def _cell(value: Any, machine: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return ("true" if value else "false") if machine else ("ja" if value else "nej")
    if isinstance(value, float):
        text = repr(value)
        return text if machine else text.replace(".", ",")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _csv(rows: Sequence[dict[str, Any]], *, machine: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="," if machine else ";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(c), machine) for c in COLUMNS])
    return buffer.getvalue()


def unit_table(
    db: m.Database, ind: m.Indicator, pop: m.AnyPopulation, units: Any, period: str
) -> Any:
    """The stored person/course-level table of one indicator (one cohort)."""
    import pyarrow as pa

    inclusion = [f"inc_{b}" for b in pop.branch_ids]
    rules = [r.id for r in ind.rules]
    n = units.num_rows
    met_lists: list[list[str]] = [[] for _ in range(n)]
    for name in [*inclusion, *(f"r_{r}" for r in rules)]:
        label = name[4:] if name.startswith("inc_") else name[2:]
        for i, hit in enumerate(units.column(name).to_pylist()):
            if hit:
                met_lists[i].append(label)
    columns: dict[str, Any] = {
        "database": pa.array([db.id] * n, pa.string()),
        "indicator": pa.array([ind.id] * n, pa.string()),
        "period": pa.array([period] * n, pa.string()),
    }
    for name in UNIT_COLUMNS[3:12]:
        kind = pa.date32() if name == "index_date" else pa.string()
        columns[name] = units.column(name).cast(kind)
    columns["rules"] = pa.array(met_lists, pa.list_(pa.string()))
    columns["definition_hash"] = pa.array([ind.definition_hash] * n, pa.string())
    columns["stratum"] = units.column("stratum").cast(pa.string())
    return pa.table(columns)


def unit_schema() -> Any:
    import pyarrow as pa

    def kind(name: str) -> Any:
        if name == "index_date":
            return pa.date32()
        return pa.list_(pa.string()) if name == "rules" else pa.string()

    return pa.schema([(name, kind(name)) for name in (*UNIT_COLUMNS, *UNIT_EXTRA_COLUMNS)])


def write_distributions(rows: Sequence[dict[str, Any]], out: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"count": pa.int64(), "suppressed": pa.bool_()}
    schema = pa.schema([(n, types.get(n, pa.string())) for n in DISTRIBUTION_COLUMNS])
    table = pa.Table.from_pylist(
        [{c: r.get(c) for c in DISTRIBUTION_COLUMNS} for r in rows], schema=schema
    )
    sink = io.BytesIO()
    pq.write_table(table, sink)
    _replace(out / "distributions.parquet", sink.getvalue())
    return out / "distributions.parquet"


def write_units(tables: Sequence[Any], out: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(pa.concat_tables(tables) if tables else unit_schema().empty_table(), sink)
    _replace(out / "units.parquet", sink.getvalue())
    return out / "units.parquet"


def write_run_json(out: Path, info: dict[str, Any]) -> Path:
    _replace(
        out / "run.json", (json.dumps(info, indent=2, sort_keys=True, default=str) + "\n").encode()
    )
    return out / "run.json"
