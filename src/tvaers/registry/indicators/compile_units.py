"""Pass 5 (indicators): units with rule flags and bucket, and their counts per reporting unit.

Buckets are decided in the order of docs/indicators.md: ``excluded`` (any exclusion rule),
``uoplyst`` (any uoplyst rule), ``numerator``, else ``denominator_only``; ``reason`` is the
first rule that decided an excluded or uoplyst unit. Every rule's flag is kept
(``r_<rule id>``), as are the population's inclusion rules (``inc_<id>``). ``stratum`` is
the cohort id, or the first stratum rule a unit meets; ``md_<measure>`` the days of a
measure and ``dv_<distribution>`` the value a distribution counts.
"""

from __future__ import annotations

from sqlglot import exp

from tvaers.registry.indicators import ir
from tvaers.registry.indicators import model as m
from tvaers.registry.indicators.check_pop import DELIVERING
from tvaers.registry.indicators.compile_lpr import POP_COLUMNS
from tvaers.registry.indicators.compile_rules import RuleCompiler, Scope
from tvaers.registry.indicators.plan import leaves
from tvaers.registry.indicators.sqlx import (
    alias,
    and_,
    as_date,
    between,
    c,
    case,
    count_if,
    days_between,
    eq,
    flag,
    in_list,
    is_null,
    lit,
    not_null,
    or_,
    table,
    typed_null,
    window,
)

UNIT_KEYS = {
    "region": "region",
    "municipality": "municipality",
    "delivering_municipality": DELIVERING,
    "hospital": "hospital",
}
NATIONAL_ID = "DK"
PERSON = ("unit_id", "pid", "index_date", "municipality", "region", "hospital", DELIVERING)

UnitsStep = ir.Units | ir.CompletenessUnits


def scope(step: UnitsStep) -> Scope:
    return Scope(step.base, record=isinstance(step.population, m.RecordPopulation))


def _anchor_col(pop: m.AnyPopulation, name: str) -> exp.Expr:
    if isinstance(pop, m.RecordPopulation):
        return c("index_date", "u") if name == pop.index else c(f"f_{name}", "u")
    return as_date(c(name, "u"))


def ubase(step: UnitsStep, ctx: ir.Context) -> exp.Select:
    """``ubase_<...>``: the population's units in the period with person facts."""
    pop, cohort = step.population, step.cohort
    index = _anchor_col(pop, cohort.index)
    last = min(ctx.period.end, ctx.data_cutoff)
    in_period = between(_anchor_col(pop, cohort.period_by), lit(ctx.period.start), lit(last))
    res = _residence(f"pop_{pop.id}", index)
    query = (
        exp.select(c("unit_id", "u"), c("pid", "u"), alias(index, "index_date"))
        .from_(table(f"pop_{pop.id}", "u"))
        .join(table("cpr", "p"), on=eq(c("pid", "p"), c("pid", "u")))
        .join(res.subquery("r"), on=eq(c("unit_id", "r"), c("unit_id", "u")), join_type="left")
        .join(
            table("geo", "g"), on=eq(c("kommunekode", "g"), c("kommunekode", "r")), join_type="left"
        )
        .select(
            c("death_date", "p"),
            c("emigration_date", "p"),
            alias(c("kommunekode", "r"), "municipality"),
            alias(c("region_code", "g"), "region"),
        )
        .where(in_period)
    )
    if isinstance(pop, m.RecordPopulation):
        fields = [n for n, _ in pop.fields if n != DELIVERING]
        return query.select(
            alias(typed_null("VARCHAR"), "hospital"),
            c(DELIVERING, "u"),
            *(c(f"f_{n}", "u") for n in fields),
            *(c(f"inc_{b}", "u") for b in pop.branch_ids),
        )
    hospital = exp.Coalesce(this=c("hospital", "h"), expressions=[c("discharge_sor", "u")])
    return query.join(
        table("unit_hospital", "h"),
        on=eq(c("sor_unit", "h"), c("discharge_sor", "u")),
        join_type="left",
    ).select(
        alias(hospital, "hospital"),
        alias(typed_null("VARCHAR"), DELIVERING),
        alias(as_date(c("admission_start", "u")), "d_admission_start"),
        alias(as_date(c("discharge", "u")), "d_discharge"),
        *(c(f"inc_{b}", "u") for b in pop.branch_ids),
    )


def _residence(source: str, day: exp.Expr) -> exp.Select:
    """The residence municipality valid on each unit's index date (one row per unit)."""
    valid = and_(
        exp.LTE(this=c("valid_from", "s"), expression=day),
        exp.paren(
            or_(is_null(c("valid_to", "s")), exp.LT(this=day, expression=c("valid_to", "s")))
        ),
    )
    order = [exp.Ordered(this=c("valid_from", "s"), desc=True), c("kommunekode", "s")]
    ranked = (
        exp.select(
            c("unit_id", "u"),
            c("kommunekode", "s"),
            alias(window(exp.RowNumber(), [c("unit_id", "u")], order), "rn"),
        )
        .from_(table(source, "u"))
        .join(table("cpr_residence", "s"), on=and_(eq(c("pid", "s"), c("pid", "u")), valid))
    )
    return (
        exp.select(c("unit_id"), c("kommunekode")).from_(ranked.subquery("x")).where(eq(c("rn"), 1))
    )


def units(step: ir.Units, ctx: ir.Context) -> exp.Select:
    """``units_<indicator>``: flags, stratum, measures, bucket and reason per unit."""
    ind, pop = step.indicator, step.population
    sc = scope(step)
    rc = RuleCompiler(sc, ctx)
    flags = {rule.id: flag(rc.expr(rule.criterion)) for rule in ind.rules}
    gap_leaves = [
        leaf
        for rule in ind.uoplyst
        for leaf in leaves(rule.criterion)
        if isinstance(leaf, m.NotReporting | m.ResidenceUnknown | m.NeverReported)
    ]
    gap = flag(or_(*(rc.expr(leaf) for leaf in gap_leaves))) if gap_leaves else exp.false()
    if step.cohort.id is not None:
        stratum: exp.Expr = lit(step.cohort.id)
    elif ind.strata:
        stratum = case([(flag(rc.expr(s.criterion)), s.id) for s in ind.strata])
    else:
        stratum = typed_null("VARCHAR")
    extras = [
        alias(days_between(sc.anchor(x.start), sc.anchor(x.end)), f"md_{x.id}")
        for x in ind.measures
    ]
    extras += [alias(sc.field(d.field), f"dv_{d.id}") for d in ind.distributions]
    inner = exp.select(
        *(c(n, "u") for n in PERSON),
        *(c(f"inc_{b}", "u") for b in pop.branch_ids),
        *(alias(expr, f"r_{rule_id}") for rule_id, expr in flags.items()),
        alias(gap, "reporting_gap"),
        alias(stratum, "stratum"),
        *extras,
    ).from_(table(step.base, "u"))
    inner = rc.joined(inner)
    return exp.select("*", alias(_bucket(ind), "bucket"), alias(_reason(ind), "reason")).from_(
        inner.subquery("x")
    )


def completeness_units(step: ir.CompletenessUnits, ctx: ir.Context) -> exp.Select:
    """``compl_<indicator>``: the independent denominator's units and whether each was found."""
    found = step.indicator.completeness
    assert found is not None
    rc = RuleCompiler(scope(step), ctx)
    expr = flag(rc.expr(found.found))
    inner = exp.select(*(c(n, "u") for n in PERSON), alias(expr, "found")).from_(
        table(step.base, "u")
    )
    return rc.joined(inner)


def _any(rules: tuple[m.Rule, ...]) -> exp.Expr:
    return or_(*(c(f"r_{r.id}") for r in rules))


def _bucket(ind: m.Indicator) -> exp.Expr:
    whens: list[tuple[exp.Expr, str]] = []
    if ind.exclusions:
        whens.append((_any(ind.exclusions), "excluded"))
    if ind.uoplyst:
        whens.append((_any(ind.uoplyst), "uoplyst"))
    whens.append((c(f"r_{ind.numerator.id}"), "numerator"))
    return case(whens, "denominator_only")


def _reason(ind: m.Indicator) -> exp.Expr:
    whens = [(c(f"r_{r.id}"), r.id) for r in (*ind.exclusions, *ind.uoplyst)]
    return case(whens) if whens else typed_null("VARCHAR")


def _branches(
    source: str,
    ind: m.Indicator,
    cohort: m.Cohort,
    measures: list[exp.Expr],
    group: list[exp.Expr] | None = None,
) -> list[exp.Select]:
    """One SELECT per unit type (and per stratum grouping) over ``source``."""
    strata: list[exp.Expr | None] = []
    if ind.total and cohort.id is None:
        strata.append(None)
    if ind.strata or cohort.id is not None:
        strata.append(c("stratum"))
    out = []
    for unit_type in ("national", *(u for u in ind.units if u != "national")):
        key = lit(NATIONAL_ID) if unit_type == "national" else c(UNIT_KEYS[unit_type])
        for stratum in strata:
            select = exp.select(
                alias(lit(unit_type), "unit_type"),
                alias(key, "unit_id"),
                alias(stratum if stratum is not None else typed_null("VARCHAR"), "stratum"),
                *(group or []),
                *measures,
            ).from_(table(source))
            keys = [] if unit_type == "national" else [key]
            keys += [stratum] if stratum is not None else []
            keys += [g.this if isinstance(g, exp.Alias) else g for g in group or []]
            if unit_type != "national":
                select = select.where(not_null(key))
            out.append(select.group_by(*keys) if keys else select)
    return out


def _union(branches: list[exp.Select]) -> exp.Expr:
    result: exp.Expr = branches[0]
    for branch in branches[1:]:
        result = exp.union(result, branch, distinct=False)
    return result


def aggregate(step: ir.Units) -> exp.Expr:
    """Counts (and measures) per reporting unit and stratum (one UNION ALL branch each)."""
    bucket = c("bucket")
    counts = [
        alias(count_if(eq(bucket, "numerator")), "numerator"),
        alias(count_if(eq(bucket, "denominator_only")), "denominator_only"),
        alias(count_if(eq(bucket, "uoplyst")), "uoplyst"),
        alias(count_if(eq(bucket, "excluded")), "excluded"),
        alias(count_if(exp.NEQ(this=bucket, expression=lit("excluded"))), "evaluated"),
        alias(
            count_if(
                and_(exp.NEQ(this=bucket, expression=lit("excluded")), exp.not_(c("reporting_gap")))
            ),
            "reporting_ok",
        ),
    ]
    for x in step.indicator.measures:
        days = case([(in_list(bucket, x.among), c(f"md_{x.id}"))])
        counts.append(alias(exp.Median(this=days), f"median_{x.id}"))
    return _union(_branches(step.name, step.indicator, step.cohort, counts))


def distribution(step: ir.Units, dist: m.Distribution) -> exp.Expr:
    """Counts of each value of a distribution's field per reporting unit and stratum."""
    value = alias(c(f"dv_{dist.id}"), "category")
    counts = [alias(count_if(in_list(c("bucket"), dist.among)), "count")]
    return _union(_branches(step.name, step.indicator, step.cohort, counts, [value]))


def completeness_counts(step: ir.CompletenessUnits) -> exp.Expr:
    """Expected and found units of the completeness denominator per reporting unit."""
    counts = [
        alias(exp.cast(exp.Count(this=exp.Star()), exp.DataType.Type.BIGINT), "expected"),
        alias(count_if(c("found")), "found"),
    ]
    ind = step.indicator
    plain = m.Indicator(**{**ind.__dict__, "strata": (), "total": True})
    return _union(_branches(step.name, plain, step.cohort, counts))


__all__ = ["POP_COLUMNS", "aggregate", "completeness_units", "distribution", "ubase", "units"]
