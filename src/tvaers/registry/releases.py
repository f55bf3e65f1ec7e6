"""Frozen result snapshots ("foreløbig" / "endelig") and the daily result files per region.

**Snapshots.** ``freeze`` computes a database for a period once more and stores the files
under ``results/<database>/<period>/snapshots/<stage>/``, written to a staging folder and
renamed into place, made read-only, with ``snapshot.json`` holding the SHA-256 of every
file, the data cut-off, the store generation and the freeze time. ``registry run`` writes
only the live folder, never a snapshot; a second ``freeze`` of the same stage is refused;
``endelig`` needs the ``foreløbig`` one first; ``verify`` recomputes the hashes, so a
changed file is found.

**Daily files** (in the spirit of RKKP's KKA deliveries to the regions): for a run date,
every month of the year so far and the year to date, per region one CSV (Danish Excel
form) and one Parquet file with the rows of the region, its municipalities, the
municipalities delivering to it and its hospitals, and the nation for comparison.
``Datakilde_opdateret`` is the date of the *oldest* source the database reads (the data
cut-off), so a region sees how current its numbers are.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tvaers.errors import InputError
from tvaers.registry.store import RegistryStore

STAGES = ("foreløbig", "endelig")
#: Danish field names of the daily file, from the results columns.
DAILY_FIELDS = {
    "database": "Database",
    "indicator": "Indikator",
    "title": "Titel",
    "period": "Periode",
    "stratum": "Stratum",
    "unit_type": "Enhedstype",
    "unit_id": "Enhed",
    "numerator": "Tæller",
    "denominator": "Nævner",
    "uoplyst": "Uoplyst",
    "excluded": "Ekskluderet",
    "proportion": "Andel",
    "ci_low": "KI_nedre",
    "ci_high": "KI_øvre",
    "standard": "Standard",
    "standard_met": "Standard_opfyldt",
    "coverage": "Indberetningsdækning",
    "completeness": "Datakomplethed",
    "suppressed": "Diskretioneret",
    "definition_hash": "Definition_hash",
}


def snapshot_dir(store: RegistryStore, database: str, period: str, stage: str) -> Path:
    return store.root / "results" / database / period / "snapshots" / stage


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def freeze(
    store: RegistryStore,
    database: str,
    period: str,
    stage: str,
    *,
    as_of: date | None = None,
    suppression_threshold: int = 5,
) -> Path:
    """Compute and freeze the ``stage`` snapshot of ``database`` for ``period``."""
    from tvaers.registry.runs import run_database

    if stage not in STAGES:
        raise InputError(f"unknown stage {stage!r}", hint=f"stages: {', '.join(STAGES)}")
    target = snapshot_dir(store, database, period, stage)
    if target.exists():
        raise InputError(
            f"the {stage} snapshot of {database} {period} exists already ({target})",
            hint="a frozen snapshot never changes; compute a new period or stage instead",
        )
    if stage == "endelig" and not snapshot_dir(store, database, period, "foreløbig").exists():
        raise InputError(
            f"no foreløbig snapshot of {database} {period}",
            hint="freeze the preliminary results first: --stage foreløbig",
        )
    staging = target.parent.parent / f".freeze-{stage}"  # outside snapshots/ until renamed
    shutil.rmtree(staging, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        run = run_database(
            database, store, period, as_of=as_of, out=staging,
            suppression_threshold=suppression_threshold,
        )  # fmt: skip
        files = {p.name: _sha256(p) for p in sorted(staging.iterdir())}
        info = {
            "database": run.database.id,
            "period": period,
            "stage": stage,
            "frozen_at": datetime.now(UTC).isoformat(),
            "as_of": as_of,
            "data_cutoff": run.data_cutoff,
            "store_generation": store.manifest().generation,
            "files": files,
        }
        (staging / "snapshot.json").write_text(
            json.dumps(info, indent=2, sort_keys=True, default=str, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        for path in staging.iterdir():
            path.chmod(0o444)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def verify(folder: Path) -> list[str]:
    """Files of a snapshot whose content no longer matches ``snapshot.json`` (or are missing)."""
    info = json.loads((folder / "snapshot.json").read_text(encoding="utf-8"))
    bad = []
    for name, digest in info["files"].items():
        path = folder / name
        if not path.exists() or _sha256(path) != digest:
            bad.append(name)
    extra = {p.name for p in folder.iterdir()} - set(info["files"]) - {"snapshot.json"}
    return sorted([*bad, *extra])


def oldest_source(store: RegistryStore, database: str) -> date:
    """The data cut-off of the oldest source a database reads (``Datakilde_opdateret``)."""
    from tvaers.registry.indicators.ir import Context
    from tvaers.registry.indicators.plan import make_plan, parse_period
    from tvaers.registry.indicators.run import data_cutoff, load_definition

    db = load_definition(database)
    plan = make_plan(db, Context(parse_period("2000"), None, date.max))
    return data_cutoff(store, plan.tables, None)


def months_so_far(day: date) -> list[str]:
    return [f"{day.year:04d}-{m:02d}" for m in range(1, day.month + 1)]


def daily(
    store: RegistryStore,
    database: str,
    day: date,
    *,
    out: Path | None = None,
    suppression_threshold: int = 5,
) -> list[Path]:
    """Write the daily files of ``database`` for run date ``day``; the files written."""
    import tempfile

    from tvaers.registry.runs import run_database

    source_date = oldest_source(store, database)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="tvaers-daily-") as scratch:
        for period in [*months_so_far(day), str(day.year)]:
            run = run_database(
                database, store, period, as_of=day, out=Path(scratch) / period,
                suppression_threshold=suppression_threshold,
            )  # fmt: skip
            rows += run.rows
    folder = out or store.root / "daily" / database / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for region, members in _regions().items():
        picked = [r for r in rows if _belongs(r, region, members, store)]
        written += _write_region(folder, database, region, picked, source_date, day)
    return written


def _regions() -> dict[str, set[str]]:
    from tvaers.terminology.geography import municipalities

    found: dict[str, set[str]] = {}
    for m in municipalities():
        found.setdefault(m.region_code, set()).add(m.kommunekode)
    return found


def _belongs(row: dict[str, Any], region: str, members: set[str], store: RegistryStore) -> bool:
    kind, unit = row["unit_type"], row["unit_id"]
    if kind == "national":
        return True
    if kind == "region":
        return bool(unit == region)
    if kind in ("municipality", "delivering_municipality"):
        return unit in members
    return _hospital_regions(store).get(unit) == region


_HOSPITALS: dict[str, dict[str, str]] = {}


def _hospital_regions(store: RegistryStore) -> dict[str, str]:
    from tvaers.registry.explain import hospital_regions

    key = str(store.root)
    if key not in _HOSPITALS:
        _HOSPITALS[key] = hospital_regions(store)
    return _HOSPITALS[key]


def _write_region(
    folder: Path, database: str, region: str, rows: list[dict[str, Any]], source: date, day: date
) -> list[Path]:
    import csv
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    records = []
    for r in rows:
        record = {danish: r.get(name) for name, danish in DAILY_FIELDS.items()}
        record["Datakilde_opdateret"] = source
        record["Kørselsdato"] = day
        records.append(record)
    stem = f"{database}_region_{region}_{day.isoformat()}"
    table = pa.Table.from_pylist(records) if records else pa.table({})
    pq.write_table(table, folder / f"{stem}.parquet")
    buffer = io.StringIO()
    names = [*DAILY_FIELDS.values(), "Datakilde_opdateret", "Kørselsdato"]
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(names)
    for record in records:
        writer.writerow([_cell(record[n]) for n in names])
    (folder / f"{stem}.csv").write_bytes(("\ufeff" + buffer.getvalue()).encode("utf-8"))
    return [folder / f"{stem}.csv", folder / f"{stem}.parquet"]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
