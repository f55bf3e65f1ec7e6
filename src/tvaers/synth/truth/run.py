"""``truth/``: person-level ground truth of every starter indicator, and its aggregates.

For every indicator and unit: the bucket from what really happened (``actual``) and the bucket
a correct engine must assign from the data delivered by the cut-off (``observable``), each
with its reason and the rules met; a bucket is null where the unit does not exist in that
view (e.g. a course in a municipality that never reported). Aggregates per unit type and
period give both proportions and the bias (actual - observable). Columns:
docs/data-formats.md. Never imports the registry: the definitions are re-stated here.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from tvaers.errors import InputError
from tvaers.synth.schema import SCHEMA_VERSION
from tvaers.synth.truth import care, copd, diabetes, heart
from tvaers.synth.truth.frame import Indicator, both_views
from tvaers.synth.truth.inputs import connect
from tvaers.synth.truth.output import aggregates, distributions

TRUTH = "truth"
FILES = ("units", "aggregates", "distributions")


def indicators() -> tuple[Indicator, ...]:
    """Every starter indicator of indicators.md, in its order."""
    return (*heart.INDICATORS, *copd.INDICATORS, *diabetes.INDICATORS, *care.INDICATORS)


def run_window(out: Path) -> tuple[date, date]:
    """The run's window (start, end = data cut-off) from its manifest."""
    try:
        params = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["parameters"]
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"cannot read the run's manifest: {exc}", location=str(out)) from None
    return date.fromisoformat(params["start"]), date.fromisoformat(params["end"])


def compute_truth(
    out: Path,
    *,
    window: tuple[date, date] | None = None,
    memory: str = "4GB",
    only: tuple[str, ...] = (),
) -> dict[str, int]:
    """Write ``truth/units.parquet``, ``aggregates.parquet``, ``distributions.parquet``.

    ``window`` (start, end = data cut-off) defaults to the run's manifest; ``only`` limits
    the indicators (ids)."""
    start, end = window or run_window(out)
    if not (out / "events" / "municipal_versions.parquet").exists():
        raise InputError(
            "the run has no municipal data", location=str(out),
            hint="generate it with municipal reports (the default; not --no-municipal)",
        )  # fmt: skip
    con = connect(out, memory=memory)
    con.execute(f"CREATE OR REPLACE MACRO cutoff() AS DATE '{end.isoformat()}'")
    con.execute(f"CREATE OR REPLACE MACRO window_start() AS DATE '{start.isoformat()}'")
    heart.prepare(con)
    copd.prepare(con)
    tables = [
        both_views(con, ind, start.isoformat(), end.isoformat())
        for ind in indicators()
        if not only or ind.id in only
    ]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE truth_units AS "
        + " UNION ALL ".join(f"SELECT * FROM {t}" for t in tables)
        + " ORDER BY indicator, period, unit_id"
    )
    results = {
        "units": con.sql("SELECT * FROM truth_units").to_arrow_table(),
        "aggregates": aggregates(con),
        "distributions": distributions(con),
    }
    (out / TRUTH).mkdir(exist_ok=True)
    for name, table in results.items():
        _write(table, out / TRUTH / f"{name}.parquet", f"truth/{name}", end)
    con.close()
    shutil.rmtree(out / ".truth-tmp", ignore_errors=True)
    return {name: table.num_rows for name, table in results.items()}


def _write(table: pa.Table, path: Path, name: str, cutoff: date) -> None:
    meta = {"schema_version": str(SCHEMA_VERSION), "table": name, "generator": "tvaers.synth",
            "data_cutoff": cutoff.isoformat()}  # fmt: skip
    pq.write_table(table.replace_schema_metadata(meta), path, compression="zstd")


def connect_only(out: Path) -> duckdb.DuckDBPyConnection:
    """A connection with the run's inputs and macros (for tests and exploration)."""
    start, end = run_window(out)
    con = connect(out)
    con.execute(f"CREATE OR REPLACE MACRO cutoff() AS DATE '{end.isoformat()}'")
    con.execute(f"CREATE OR REPLACE MACRO window_start() AS DATE '{start.isoformat()}'")
    return con
