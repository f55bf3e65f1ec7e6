"""``tvaers registry population``: how each population is formed, and where the hospital's
and the municipalities' definitions disagree (mission precondition 3: both sectors must
agree on the population).

For one database and period, per municipality (residence on the unit's index date; the
nation counts units without a residence too):

- **attrition**: each population's stages in order (admissions -> priority -> age ->
  inclusion branches -> washout -> lockout; or table rows -> filters -> each inclusion
  rule), then per indicator (and cohort) the units meeting each exclusion and uoplyst
  rule, the rule that decided each unit, and the buckets;
- **overlap** of each declared pair of a diagnosis-based (hospital) and a function-based
  (municipal) population: persons in both in the period, and whom each side would miss.
  Counts are not person-level; the persons behind them (pseudonyms) only for an authorised
  user (:mod:`.explain` rules, audit-logged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlglot import exp

from tvaers.registry.indicators import ir
from tvaers.registry.indicators import model as m
from tvaers.registry.indicators.compile_units import _residence
from tvaers.registry.indicators.engines import Engine
from tvaers.registry.indicators.sqlx import (
    alias,
    and_,
    as_date,
    between,
    c,
    count_if,
    eq,
    lit,
    not_null,
    table,
)

ATTRITION_COLUMNS = (
    "database",
    "period",
    "scope",
    "step",
    "kind",
    "rule",
    "title",
    "municipality",
    "count",
)
OVERLAP_COLUMNS = (
    "database",
    "period",
    "overlap",
    "municipality",
    "both",
    "hospital_only",
    "municipal_only",
)


@dataclass
class PopulationReport:
    attrition: list[dict[str, Any]] = field(default_factory=list)
    overlap: list[dict[str, Any]] = field(default_factory=list)
    #: overlap id -> rows (pid, municipality, category); fetched for authorised users only
    persons: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def write(self, out: Any) -> list[Any]:
        from tvaers.registry.population_output import write

        return write(self, out)


def _in_period(ctx: ir.Context) -> exp.Expr:
    last = min(ctx.period.end, ctx.data_cutoff)
    return between(c("index_date"), lit(ctx.period.start), lit(last))


def _stage(
    source: str, index: exp.Expr, where: exp.Expr | None = None, unit: str = "unit_id"
) -> exp.Select:
    inner = exp.select(
        alias(c(unit), "unit_id"), c("pid"), alias(as_date(index), "index_date")
    ).from_(table(source))
    if where is not None:
        inner = inner.where(where)
    return inner


def admission_stages(pop: m.Population) -> list[tuple[str, str, str, exp.Select]]:
    """(kind, rule, title, stage) in order, for an admission population."""
    ic = "start" if pop.index == "admission_start" else "end"
    out = [
        (
            "stage",
            "admissions",
            "Afledte indlæggelser (udskrevet)",
            _stage("admissions", c(ic), not_null(c("end")), "admission_id"),
        )
    ]
    if pop.priority:
        prio = and_(not_null(c("end")), eq(c("priority"), pop.priority))
        out.append(
            (
                "stage",
                "priority",
                f"Prioritet {pop.priority}",
                _stage("admissions", c(ic), prio, "admission_id"),
            )
        )
    cand_index = c("admission_start" if pop.index == "admission_start" else "discharge")
    for branch in pop.any_of:
        out.append(
            (
                "inclusion",
                branch.id,
                branch.title,
                _stage(f"cand_{pop.id}", cand_index, c(f"inc_{branch.id}")),
            )
        )
    out.append(
        (
            "stage",
            "candidates",
            "Opfylder alder, prioritet og mindst én inklusionsregel",
            _stage(f"cand_{pop.id}", cand_index),
        )
    )
    if pop.washout_days is not None:
        out.append(
            (
                "stage",
                "washout",
                f"Ingen tidligere forekomst inden for {pop.washout_days} dage",
                _stage(f"wash_{pop.id}", cand_index),
            )
        )
    out.append(
        (
            "stage",
            "population",
            "Population (efter indeksregel)",
            _stage(f"pop_{pop.id}", cand_index),
        )
    )
    return out


def record_stages(
    pop: m.RecordPopulation, ctx: ir.Context
) -> list[tuple[str, str, str, exp.Select]]:
    """(kind, rule, title, stage) in order, for a record population."""
    out = []
    if not pop.snapshot and pop.index in {n for t in pop.tables for n in _columns(t)}:
        rows: exp.Query | None = None
        for name in pop.tables:
            part = _stage(name, c(pop.index), None, "resource_key")
            rows = part if rows is None else exp.union(rows, part, distinct=False)
        assert rows is not None
        out.append(
            (
                "stage",
                "rows",
                f"Rækker i {', '.join(pop.tables)}",
                exp.select("*").from_(rows.subquery("r")),
            )
        )
    out.append(
        (
            "stage",
            "filters",
            "Efter kolonnefiltre og alder",
            _stage(f"rbase0_{pop.id}", c("index_date")),
        )
    )
    required: list[exp.Expr] = []
    for rule in pop.all_of:
        required.append(c(f"inc_{rule.id}"))
        out.append(
            (
                "inclusion",
                rule.id,
                rule.title,
                _stage(f"popflags_{pop.id}", c("index_date"), and_(*required)),
            )
        )
    for rule in pop.any_of:
        out.append(
            (
                "inclusion",
                rule.id,
                rule.title,
                _stage(f"popflags_{pop.id}", c("index_date"), c(f"inc_{rule.id}")),
            )
        )
    out.append(("stage", "population", "Population", _stage(f"pop_{pop.id}", c("index_date"))))
    return out


def _columns(name: str) -> list[str]:
    from tvaers.registry.indicators.fields import table_fields

    return list(table_fields(name) or {})


def _by_municipality(
    engine: Engine, stage: exp.Select, ctx: ir.Context, name: str
) -> list[dict[str, Any]]:
    engine.create_table(name, exp.select("*").from_(stage.subquery("s")).where(_in_period(ctx)))
    res = _residence(name, c("index_date", "u"))
    query = (
        exp.select(
            alias(c("kommunekode", "r"), "municipality"), alias(exp.Count(this=exp.Star()), "n")
        )
        .from_(table(name, "u"))
        .join(res.subquery("r"), on=eq(c("unit_id", "r"), c("unit_id", "u")), join_type="left")
        .group_by(c("kommunekode", "r"))
    )
    found: list[dict[str, Any]] = engine.fetch(query).to_pylist()
    return found


def attrition(plan: ir.Plan, engine: Engine) -> list[dict[str, Any]]:
    """Attrition rows of every population and indicator of an executed plan."""
    db, ctx = plan.database, plan.context
    out: list[dict[str, Any]] = []
    k = 0
    for step in plan.steps:
        if isinstance(step, ir.Lockout):
            stages = admission_stages(step.population)
        elif isinstance(step, ir.RecordUnits):
            stages = record_stages(step.population, ctx)
        else:
            continue
        scope = f"population:{step.population.id}"
        for number, (kind, rule, title, stage) in enumerate(stages, start=1):
            k += 1
            for r in _by_municipality(engine, stage, ctx, f"stage_{k}"):
                out.append(
                    _row(db, ctx, scope, number, kind, rule, title, r["municipality"], r["n"])
                )
    for units in plan.units:
        out += _indicator_rows(db, ctx, units, engine)
    return _with_national(out)


def _indicator_rows(
    db: m.Database, ctx: ir.Context, step: ir.Units, engine: Engine
) -> list[dict[str, Any]]:
    ind = step.indicator
    scope = f"indicator:{ind.id}" + (f"/{step.cohort.id}" if step.cohort.id else "")
    measures: list[tuple[str, str, str, exp.Expr]] = [
        ("stage", "units", "Enheder i perioden", exp.true())
    ]
    for kind, rules in (("exclusion", ind.exclusions), ("uoplyst", ind.uoplyst)):
        for rule in rules:
            measures.append((kind, rule.id, f"{rule.title} (opfyldt)", c(f"r_{rule.id}")))
            measures.append(
                (f"{kind}_decided", rule.id, f"{rule.title} (afgørende)", eq(c("reason"), rule.id))
            )
    for bucket in ("excluded", "uoplyst", "numerator", "denominator_only"):
        measures.append(("bucket", bucket, bucket, eq(c("bucket"), bucket)))
    cols = [alias(count_if(cond), f"m{i}") for i, (_, _, _, cond) in enumerate(measures)]
    query = exp.select(c("municipality"), *cols).from_(table(step.name)).group_by(c("municipality"))
    out = []
    for r in engine.fetch(query).to_pylist():
        for i, (kind, rule_id, title, _) in enumerate(measures):
            count = r[f"m{i}"] or 0
            out.append(_row(db, ctx, scope, i + 1, kind, rule_id, title, r["municipality"], count))
    return out


def _row(
    db: m.Database,
    ctx: ir.Context,
    scope: str,
    step: int,
    kind: str,
    rule: str,
    title: str,
    municipality: str | None,
    n: int,
) -> dict[str, Any]:
    return {
        "database": db.id,
        "period": ctx.period.label,
        "scope": scope,
        "step": step,
        "kind": kind,
        "rule": rule,
        "title": title,
        "municipality": municipality,
        "count": int(n),
    }


def _with_national(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Municipal rows (units without a residence in ``municipality`` None are dropped there)
    plus one national row per step with the sum of all units."""
    totals: dict[tuple[Any, ...], int] = {}
    keyed: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in rows:
        key = (r["scope"], r["step"], r["kind"], r["rule"])
        totals[key] = totals.get(key, 0) + r["count"]
        keyed[key] = r
    out = [{**keyed[key], "municipality": "DK", "count": n} for key, n in totals.items()]
    out += [r for r in rows if r["municipality"] is not None]
    out.sort(key=lambda r: (r["scope"], r["step"], r["municipality"] != "DK", r["municipality"]))
    return out


def overlap(
    plan: ir.Plan, engine: Engine, overlap_: m.Overlap, *, persons: bool = False
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Counts per municipality of persons in both / only one of two populations in the period
    (and, when ``persons``, the persons themselves)."""
    ctx = plan.context
    db = plan.database
    sides = {}
    for side in ("hospital", "municipal"):
        pop = db.populations[getattr(overlap_, side)]
        index = (
            c("index_date")
            if isinstance(pop, m.RecordPopulation)
            else c("admission_start" if pop.index == "admission_start" else "discharge")
        )
        stage = _stage(f"pop_{pop.id}", index)
        sides[side] = (
            exp.select(c("pid"), alias(exp.Min(this=c("index_date")), "index_date"))
            .from_(stage.subquery("s"))
            .where(_in_period(ctx))
            .group_by(c("pid"))
        )
    h, mu = sides["hospital"].subquery("h"), sides["municipal"].subquery("m")
    category = exp.Case().when(and_(not_null(c("pid", "h")), not_null(c("pid", "m"))), lit("both"))
    category = category.when(not_null(c("pid", "h")), lit("hospital_only")).else_(
        lit("municipal_only")
    )
    joined = (
        exp.select(
            alias(exp.Coalesce(this=c("pid", "h"), expressions=[c("pid", "m")]), "unit_id"),
            alias(exp.Coalesce(this=c("pid", "h"), expressions=[c("pid", "m")]), "pid"),
            alias(
                exp.Coalesce(this=c("index_date", "h"), expressions=[c("index_date", "m")]),
                "index_date",
            ),
            alias(category, "category"),
        )
        .from_(h)
        .join(mu, on=eq(c("pid", "h"), c("pid", "m")), join_type="full outer")
    )
    name = f"overlap_{overlap_.id}"
    engine.create_table(name, joined)
    res = _residence(name, c("index_date", "u"))
    listed = (
        exp.select(c("pid", "u"), alias(c("kommunekode", "r"), "municipality"), c("category", "u"))
        .from_(table(name, "u"))
        .join(res.subquery("r"), on=eq(c("unit_id", "r"), c("unit_id", "u")), join_type="left")
    )
    counts = [
        alias(count_if(eq(c("category"), k)), k)
        for k in ("both", "hospital_only", "municipal_only")
    ]
    grouped = (
        exp.select(c("municipality"), *counts)
        .from_(listed.subquery("x"))
        .group_by(c("municipality"))
    )
    rows = engine.fetch(grouped).to_pylist()
    summary = [
        _overlap_row(db, ctx, overlap_, r["municipality"], r) for r in rows if r["municipality"]
    ]
    national = {
        k: sum(int(r[k] or 0) for r in rows) for k in ("both", "hospital_only", "municipal_only")
    }
    summary.insert(0, _overlap_row(db, ctx, overlap_, "DK", national))
    who = engine.fetch(listed.order_by("pid")).to_pylist() if persons else []
    return summary, who


def _overlap_row(
    db: m.Database, ctx: ir.Context, ov: m.Overlap, municipality: str, r: dict[str, Any]
) -> dict[str, Any]:
    return {
        "database": db.id,
        "period": ctx.period.label,
        "overlap": ov.id,
        "municipality": municipality,
        **{k: int(r[k] or 0) for k in ("both", "hospital_only", "municipal_only")},
    }


def population_report(
    definition: str | m.Database,
    store: Any,
    period: str,
    *,
    engine: str | Engine = "duckdb",
    as_of: date | None = None,
    persons: bool = False,
) -> PopulationReport:
    """Attrition and overlaps of one database and period (persons only when asked)."""
    from tvaers.registry.indicators.engines import make_engine
    from tvaers.registry.indicators.plan import make_plan, parse_period
    from tvaers.registry.indicators.run import data_cutoff, execute, load_definition

    db = definition if isinstance(definition, m.Database) else load_definition(definition)
    per = parse_period(period)
    probe = make_plan(db, ir.Context(per, as_of, date.max))
    plan = make_plan(db, ir.Context(per, as_of, data_cutoff(store, probe.tables, as_of)))
    eng = make_engine(engine) if isinstance(engine, str) else engine
    try:
        execute(plan, store, eng)
        report = PopulationReport(attrition=attrition(plan, eng))
        for ov in db.overlaps:
            rows, who = overlap(plan, eng, ov, persons=persons)
            report.overlap += rows
            if persons:
                report.persons[ov.id] = who
    finally:
        if isinstance(engine, str):
            eng.close()
    return report
