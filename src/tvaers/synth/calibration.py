"""``tvaers synth calibration DIR``: generated rates next to published targets.

Every number is computed from the written files with SQL in DuckDB (``sql/*.sql``), never
from the generator's counters. Counts are expressed as national equivalents (scaled by the
residents on the start date and the national population) and divided by the enrichment
factor of their cohort, which is read from ``manifest.json`` and printed with the table.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from tvaers.errors import InputError
from tvaers.synth.params import load_parameters

TRANSFER_GAP_HOURS = 4.0
ADMISSION_MIN_HOURS = 12.0
VIEWS = {
    "cpr": "cpr.parquet",
    "cpr_residence": "cpr_residence.parquet",
    "lpr_contacts": "lpr_contacts.parquet",
    "lpr_diagnoses": "lpr_diagnoses.parquet",
    "lpr_procedures": "lpr_procedures.parquet",
    "referrals": "events/referrals.parquet",
    "encounters": "events/encounters.parquet",
    "conditions": "events/conditions.parquet",
}


@dataclass(frozen=True)
class Measure:
    """One line of the calibration table."""

    group: str
    measure: str
    generated: float | None
    target: float | None
    unit: str
    source: str
    note: str = ""


@dataclass
class Calibration:
    directory: str
    enrichment: dict[str, float]
    residents: int
    measures: list[Measure] = field(default_factory=list)


def sql_text(name: str) -> str:
    return resources.files("tvaers.synth").joinpath(f"sql/{name}").read_text("utf-8")


def named_queries() -> dict[str, str]:
    """``calibration.sql`` split at its ``-- name:`` markers."""
    queries: dict[str, str] = {}
    current: str | None = None
    for line in sql_text("calibration.sql").splitlines():
        if line.startswith("-- name:"):
            current = line.split(":", 1)[1].strip()
            queries[current] = ""
        elif current is not None:
            queries[current] += line + "\n"
    return queries


def connect(
    directory: Path, gap_hours: float = TRANSFER_GAP_HOURS, min_hours: float = ADMISSION_MIN_HOURS
) -> Any:
    """A DuckDB connection with the files as views and the derived admissions."""
    import duckdb

    con = duckdb.connect()
    for view, file in VIEWS.items():
        path = directory / file
        if not path.exists():
            raise InputError(
                f"{path} not found", hint="run `tvaers synth generate --out DIR` first"
            )
        con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{_quote(path)}')")
    define_admissions(con, gap_hours, min_hours)
    return con


def define_admissions(
    con: Any, gap_hours: float = TRANSFER_GAP_HOURS, min_hours: float = ADMISSION_MIN_HOURS
) -> None:
    """Create the ``admissions`` and ``admission_contacts`` views over ``lpr_contacts``."""
    text = sql_text("admissions.sql").format(
        gap_minutes=round(gap_hours * 60), min_minutes=round(min_hours * 60)
    )
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    for statement in code.split(";"):
        if statement.strip():
            con.execute(statement)


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def calibrate(directory: Path) -> Calibration:
    """All measures of a generated folder."""
    manifest_path = directory / "manifest.json"
    if not manifest_path.exists():
        raise InputError(
            f"{manifest_path} not found", hint="is this a `tvaers synth generate` folder?"
        )
    manifest = json.loads(manifest_path.read_text("utf-8"))
    params = manifest["parameters"]
    window = {
        "start": date.fromisoformat(params["start"]),
        "end": date.fromisoformat(params["end"]),
    }
    con = connect(directory)
    queries = named_queries()

    def run(name: str) -> list[tuple[Any, ...]]:
        text = queries[name].replace("{gap_minutes}", str(round(TRANSFER_GAP_HOURS * 60)))
        used = {k: v for k, v in window.items() if f"${k}" in text}
        return list(con.execute(text, used).fetchall())

    from tvaers.synth.calibration_measures import build_measures

    demo = run("demography")[0]
    result = Calibration(str(directory), dict(manifest["enrichment"]), int(demo[1]))
    result.measures = build_measures(run, demo, result.enrichment, load_parameters())
    return result


def render_json(result: Calibration) -> str:
    return json.dumps(asdict(result), ensure_ascii=False)


def render_table(result: Calibration) -> Any:
    """A rich table: group, measure, generated, target, ratio, unit, source, note."""
    from rich.table import Table

    table = Table(title=f"Calibration of {result.directory} ({result.residents:,} residents)")
    for column in (
        "group",
        "measure",
        "generated",
        "target",
        "gen/target",
        "unit",
        "source",
        "note",
    ):
        table.add_column(
            column, justify="right" if column in ("generated", "target", "gen/target") else "left"
        )
    for m in result.measures:
        ratio = m.generated / m.target if m.generated is not None and m.target else None
        table.add_row(
            m.group,
            m.measure,
            _fmt(m.generated, m.unit),
            _fmt(m.target, m.unit),
            "" if ratio is None else f"{ratio:.2f}",
            m.unit,
            m.source,
            m.note,
        )
    return table


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "%":
        return f"{value * 100:.1f}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
