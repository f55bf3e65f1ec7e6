"""``tvaers registry run``: one quality database, one period, one engine -> results files.

Composes the passes: load -> check -> plan -> (compile + execute on the engine) ->
statistics -> files under ``<registry_dir>/results/<database>/<period>/`` (or ``out``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from tvaers.registry.indicators import model as m
from tvaers.registry.indicators.distributions import distribution_rows
from tvaers.registry.indicators.engines import Engine, make_engine
from tvaers.registry.indicators.ir import Context
from tvaers.registry.indicators.outputs import (
    unit_table,
    write_distributions,
    write_results,
    write_run_json,
    write_units,
)
from tvaers.registry.indicators.plan import make_plan, parse_period
from tvaers.registry.indicators.results import build_rows, default_universe
from tvaers.registry.indicators.run import data_cutoff, execute, load_definition
from tvaers.registry.store import RegistryStore
from tvaers.stats import SuppressionPolicy


@dataclass
class RunOutput:
    """What a run produced."""

    database: m.Database
    rows: list[dict[str, Any]]
    units: Any  # Arrow table of all indicators' units
    distributions: list[dict[str, Any]]
    files: list[Path]
    data_cutoff: date
    seconds: float


def run_database(
    definition: str | Path | m.Database,
    store: RegistryStore,
    period: str,
    *,
    engine: str | Engine = "duckdb",
    as_of: date | None = None,
    out: Path | None = None,
    suppression_threshold: int = 5,
    ci_method: str | None = None,
    indicators: list[str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> RunOutput:
    """Compute every indicator of ``definition`` for ``period`` and write the files."""
    import pyarrow as pa

    started = time.perf_counter()
    if isinstance(definition, m.Database):
        db = definition
    else:
        db = load_definition(definition, overrides)
    per = parse_period(period)
    probe = make_plan(db, Context(per, as_of, date.max), indicators)
    cutoff = data_cutoff(store, probe.tables, as_of)
    plan = make_plan(db, Context(per, as_of, cutoff), indicators)
    eng = make_engine(engine) if isinstance(engine, str) else engine
    try:
        done = execute(plan, store, eng)
    finally:
        if isinstance(engine, str):
            eng.close()
    universe = default_universe(done.hospitals)
    policy = SuppressionPolicy(suppression_threshold)
    rows: list[dict[str, Any]] = []
    dists: list[dict[str, Any]] = []
    unit_tables = []
    for ind in _indicators(plan):
        steps = [s for s in plan.units if s.indicator.id == ind.id]
        counts = [r for s in steps for r in done.counts[s.name]]
        ind_rows = build_rows(
            db,
            ind,
            counts,
            period=per.label,
            data_cutoff=cutoff,
            universe=universe,
            policy=policy,
            ci_method=ci_method,
            completeness=done.completeness.get(ind.id),
        )
        rows += ind_rows
        if ind.distributions:
            found = done.distributions.get(ind.id, [])
            dists += distribution_rows(
                db, ind, found, ind_rows, period=per.label, universe=universe, policy=policy
            )
        unit_tables += [
            unit_table(db, ind, s.population, done.units[s.name], per.label) for s in steps
        ]
    target = out or store.root / "results" / db.id / per.label
    if "snapshots" in target.resolve().parts:
        from tvaers.errors import InputError

        raise InputError(
            f"{target} is inside a frozen snapshot folder",
            hint="snapshots are written only by `tvaers registry freeze`",
        )
    files = write_results(rows, target)
    files.append(write_units(unit_tables, target))
    files.append(write_distributions(dists, target))
    from tvaers.registry.indicators.outputs import unit_schema

    units = pa.concat_tables(unit_tables) if unit_tables else unit_schema().empty_table()
    seconds = time.perf_counter() - started
    files.append(
        write_run_json(
            target,
            {
                "database": db.id,
                "definition": db.file,
                "period": per.label,
                "as_of": as_of,
                "data_cutoff": cutoff,
                "engine": eng.name,
                "indicators": {s.indicator.id: s.indicator.definition_hash for s in plan.units},
                "store_generation": store.manifest().generation,
                "seconds": round(seconds, 3),
            },
        )
    )
    return RunOutput(db, rows, units, dists, files, cutoff, seconds)


def _indicators(plan: Any) -> list[m.Indicator]:
    seen: dict[str, m.Indicator] = {}
    for step in plan.units:
        seen.setdefault(step.indicator.id, step.indicator)
    return list(seen.values())
