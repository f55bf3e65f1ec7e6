"""Pass 6: run a plan on an engine and turn its counts into results.

The runner is engine-agnostic: it registers the store's tables, executes each plan step
through the :class:`~.engines.Engine` protocol, fetches the unit-level tables and the
counts, and hands them to :mod:`.results` and :mod:`.outputs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from sqlglot import exp

from tvaers.errors import DefinitionError, InputError
from tvaers.registry.indicators import compile_lpr as lpr
from tvaers.registry.indicators import compile_records as rec
from tvaers.registry.indicators import compile_units as cu
from tvaers.registry.indicators import ir
from tvaers.registry.indicators import model as m
from tvaers.registry.indicators.check import check
from tvaers.registry.indicators.engines import Engine
from tvaers.registry.indicators.load import load_file
from tvaers.registry.indicators.schema import validate
from tvaers.registry.store import RegistryStore

#: Which import provides each store table (for "missing table" hints).
PROVIDERS = {
    "cpr": "tvaers registry import-cpr",
    "cpr_residence": "tvaers registry import-cpr",
    "lpr_contacts": "tvaers registry import-lpr",
    "lpr_diagnoses": "tvaers registry import-lpr",
    "lpr_procedures": "tvaers registry import-lpr",
    "coverage": "tvaers registry import-reports or sync (gateway coverage)",
}
MUNICIPAL_PROVIDER = "tvaers registry import-reports or sync"


def shipped_definitions() -> dict[str, Path]:
    """Definition files shipped with tvaers, by database id (file stem)."""
    folder = resources.files("tvaers.registry.definitions")
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".yaml")}


def load_definition(
    path_or_name: str | Path, overrides: dict[str, Any] | None = None
) -> m.Database:
    """load -> schema -> check for a file path or a shipped database id (``heart``).

    ``overrides`` replace values of the definition's ``parameters`` (an analyst's
    what-if, e.g. a longer window); an unknown parameter name is an error.
    """
    path = Path(path_or_name)
    if not path.exists():
        shipped = shipped_definitions()
        if str(path_or_name) in shipped:
            path = shipped[str(path_or_name)]
        elif path.suffix not in (".yaml", ".yml"):
            raise DefinitionError(
                f"no definition file or shipped database {str(path_or_name)!r}",
                hint=f"shipped databases: {', '.join(sorted(shipped))}",
            )
    loaded = load_file(path)
    if overrides:
        _override(loaded.data, overrides, loaded.file)
    validate(loaded)
    return check(loaded)


def _override(data: Any, overrides: dict[str, Any], file: str) -> None:
    from tvaers.errors import nearest

    params = data.get("parameters") if isinstance(data, dict) else None
    if not isinstance(params, dict):
        raise DefinitionError("the definition has no parameters to override", location=file)
    for name, value in overrides.items():
        if name not in params:
            guess = nearest(name, list(params))
            hint = (
                f"did you mean {guess!r}?" if guess else f"parameters: {', '.join(sorted(params))}"
            )
            raise DefinitionError(f"unknown parameter {name!r}", location=file, hint=hint)
        params[name] = value


def data_cutoff(store: RegistryStore, tables: tuple[str, ...], as_of: date | None) -> date:
    """The oldest source's cut-off among ``tables``, capped at ``as_of``."""
    manifest = store.manifest()
    dates = [
        date.fromisoformat(manifest.tables[t].data_cutoff or "")
        for t in tables
        if t in manifest.tables and manifest.tables[t].data_cutoff
    ]
    if as_of is not None:
        dates.append(as_of)
    if not dates:
        raise InputError(f"the registry at {store.root} is empty", hint="import CPR and LPR first")
    return min(dates)


@dataclass
class Executed:
    """What an engine returned for one plan (keyed by units step name / indicator id)."""

    plan: ir.Plan
    units: dict[str, Any] = field(default_factory=dict)  # units step -> Arrow table
    counts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    distributions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    completeness: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    hospitals: tuple[str, ...] = ()


def execute(plan: ir.Plan, store: RegistryStore, engine: Engine) -> Executed:
    """Run every step of ``plan`` on ``engine``; fetch units and counts per indicator."""
    for name in plan.tables:
        path = store.require(
            name, hint=f"provide it with `{PROVIDERS.get(name, MUNICIPAL_PROVIDER)}`"
        )
        engine.register_parquet(f"raw_{name}", path)
    _check_history_columns(plan, store)
    hospitals = _register_lookups(store, engine)
    for step in plan.steps:
        _run_step(step, plan.context, engine)
    done = Executed(plan, hospitals=hospitals)
    for step in plan.units:
        order = exp.select("*").from_(step.name).order_by("unit_id")
        done.units[step.name] = engine.fetch(order)
        done.counts[step.name] = engine.fetch(cu.aggregate(step)).to_pylist()
        for dist in step.indicator.distributions:
            rows = engine.fetch(cu.distribution(step, dist)).to_pylist()
            got = done.distributions.setdefault(step.indicator.id, [])
            got += [{**r, "distribution": dist.id} for r in rows]
    for cstep in plan.completeness:
        got = engine.fetch(cu.completeness_counts(cstep)).to_pylist()
        done.completeness[cstep.indicator.id] = got
    return done


def _run_step(step: ir.Step, ctx: ir.Context, engine: Engine) -> None:
    if isinstance(step, ir.Source):
        engine.create_view(step.name, lpr.source(step, ctx))
    elif isinstance(step, ir.History):
        engine.create_table(step.name, rec.history(step.table, ctx))
    elif isinstance(step, ir.Admissions):
        engine.create_table("admission_contacts", lpr.admission_contacts(step.rule))
        engine.create_table("admissions", lpr.admissions(step.rule))
    elif isinstance(step, ir.PopulationCandidates):
        engine.create_table(step.name, lpr.candidates(step.population))
        if step.population.washout_days is not None:
            engine.create_table(lpr.candidates_name(step.population), lpr.washout(step.population))
    elif isinstance(step, ir.Lockout):
        _lockout(step, engine)
    elif isinstance(step, ir.RecordUnits):
        pop = step.population
        engine.create_table(f"rbase0_{pop.id}", rec.base_rows(pop, ctx))
        engine.create_table(f"rbase_{pop.id}", rec.values(pop))
        engine.create_table(f"popflags_{pop.id}", rec.inclusion_flags(pop, ctx))
        engine.create_table(step.name, rec.population(pop))
    elif isinstance(step, ir.Units):
        engine.create_table(step.base, cu.ubase(step, ctx))
        engine.create_table(step.name, cu.units(step, ctx))
    else:
        engine.create_table(step.base, cu.ubase(step, ctx))
        engine.create_table(step.name, cu.completeness_units(step, ctx))


def _check_history_columns(plan: ir.Plan, store: RegistryStore) -> None:
    """History tables need the views' ``last_updated`` column (stores flattened by an older
    version lack it)."""
    import pyarrow.parquet as pq

    from tvaers.registry.indicators.fields import table_fields

    for step in plan.steps:
        if not isinstance(step, ir.History):
            continue
        if "last_updated" not in (table_fields(step.table) or {}):
            continue
        path = store.require(step.table, hint=MUNICIPAL_PROVIDER)
        if "last_updated" not in pq.read_schema(path).names:
            raise InputError(
                f"store table {step.table!r} has no column 'last_updated' (its view has)",
                hint="re-flatten the gateway data: tvaers registry import-reports DIR --rebuild",
            )


def _lockout(step: ir.Lockout, engine: Engine) -> None:
    """Greedy index events: repeat "next candidate more than N days later" until stable."""
    pop = step.population
    if pop.new_index_after_days is None:
        engine.create_table(step.name, lpr.all_candidates(pop))
        return
    previous, count, k = f"{step.name}_0", -1, 0
    engine.create_table(previous, lpr.lockout_seed(pop))
    while True:
        k += 1
        current = f"{step.name}_{k}"
        found = engine.create_table(current, lpr.lockout_step(pop, previous))
        if found == count:
            break
        previous, count = current, found
    engine.create_table(step.name, exp.select("*").from_(current))


def _register_lookups(store: RegistryStore, engine: Engine) -> tuple[str, ...]:
    """``geo`` (municipality -> region) and ``unit_hospital`` (SOR unit -> hospital), as
    inline VALUES tables (no file round trip)."""
    from tvaers.terminology.geography import municipalities

    geo = [(x.kommunekode, x.region_code) for x in municipalities()]
    engine.create_table("geo", _values(("kommunekode", "region_code"), geo))
    mapping, hospitals = _hospital_map(store)
    engine.create_table("unit_hospital", _values(("sor_unit", "hospital"), list(mapping.items())))
    return hospitals


def _values(columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> exp.Select:
    from tvaers.registry.indicators.sqlx import alias, c, typed_null

    if not rows:
        empty = [alias(typed_null("VARCHAR"), name) for name in columns]
        return exp.select(*empty).where(exp.false())
    table = exp.values(
        [tuple(exp.Literal.string(v) for v in row) for row in rows], "v", list(columns)
    )
    return exp.select(*(c(name, "v") for name in columns)).from_(table)


def _hospital_map(store: RegistryStore) -> tuple[dict[str, str], tuple[str, ...]]:
    """Each SOR unit's hospital (itself or its nearest ancestor of kind ``hospital``)."""
    import pyarrow.parquet as pq

    path = store.table_path("organisations")
    if path is None:
        return {}, ()
    rows = pq.read_table(path, columns=["sor_code", "kind", "parent_sor"]).to_pylist()
    parent = {r["sor_code"]: r["parent_sor"] for r in rows}
    kind = {r["sor_code"]: r["kind"] for r in rows}
    mapping: dict[str, str] = {}
    for sor in parent:
        seen, current = set(), sor
        while current is not None and current not in seen and kind.get(current) != "hospital":
            seen.add(current)
            current = parent.get(current)
        if current is not None and kind.get(current) == "hospital":
            mapping[sor] = current
    hospitals = tuple(sorted(s for s, k in kind.items() if k == "hospital"))
    return mapping, hospitals
