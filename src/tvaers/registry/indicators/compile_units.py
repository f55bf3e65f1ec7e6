"""Pass 5 (indicators): units with rule flags and bucket, and their counts per reporting unit.

Buckets are decided in the order of docs/indicators.md: ``excluded`` (any exclusion rule),
``uoplyst`` (any uoplyst rule), ``numerator``, else ``denominator_only``; ``reason`` is the
first rule that decided an excluded or uoplyst unit. Every rule's flag is kept
(``r_<rule id>``), as are the population's inclusion branches (``inc_<id>``).

Leaves that need another table compile to a semi-join (``SELECT DISTINCT unit_id ...``)
joined LEFT to the units; the rest are expressions over the unit row.
"""

from __future__ import annotations

from sqlglot import exp

from tvaers.registry.indicators import ir
from tvaers.registry.indicators import model as m
from tvaers.registry.indicators.compile_lpr import POP_COLUMNS
from tvaers.registry.indicators.sqlx import (
    add_days,
    alias,
    and_,
    as_date,
    between,
    c,
    case,
    code_match,
    count_if,
    days_between,
    eq,
    flag,
    in_list,
    is_null,
    lit,
    month_index,
    not_null,
    or_,
    table,
    typed_null,
    window,
)

UNIT_KEYS = {
    "region": "region",
    "municipality": "municipality",
    "delivering_municipality": "delivering_municipality",
    "hospital": "hospital",
}
NATIONAL_ID = "DK"


def ubase(step: ir.Units, ctx: ir.Context) -> exp.Select:
    """``ubase_<indicator>``: the population's units in the period with person facts."""
    ind, pop = step.indicator, step.population
    index = as_date(c(ind.index, "u"))
    in_period = between(as_date(c(ind.period_by, "u")), lit(ctx.period.start), lit(ctx.period.end))
    res = _residence(pop, ind.index)
    hospital = exp.Coalesce(this=c("hospital", "h"), expressions=[c("discharge_sor", "u")])
    return (
        exp.select(
            c("unit_id", "u"),
            c("pid", "u"),
            alias(index, "index_date"),
            alias(as_date(c("admission_start", "u")), "d_admission_start"),
            alias(as_date(c("discharge", "u")), "d_discharge"),
            c("death_date", "p"),
            c("emigration_date", "p"),
            alias(c("kommunekode", "r"), "municipality"),
            alias(c("region_code", "g"), "region"),
            alias(hospital, "hospital"),
            *(c(f"inc_{b.id}", "u") for b in pop.any_of),
        )
        .from_(table(f"pop_{pop.id}", "u"))
        .join(table("cpr", "p"), on=eq(c("pid", "p"), c("pid", "u")))
        .join(res.subquery("r"), on=eq(c("unit_id", "r"), c("unit_id", "u")), join_type="left")
        .join(
            table("geo", "g"), on=eq(c("kommunekode", "g"), c("kommunekode", "r")), join_type="left"
        )
        .join(
            table("unit_hospital", "h"),
            on=eq(c("sor_unit", "h"), c("discharge_sor", "u")),
            join_type="left",
        )
        .where(in_period)
    )


def _residence(pop: m.Population, index_col: str) -> exp.Select:
    """The residence municipality valid on each unit's index date (one row per unit)."""
    day = as_date(c(index_col, "u"))
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
        .from_(table(f"pop_{pop.id}", "u"))
        .join(table("cpr_residence", "s"), on=and_(eq(c("pid", "s"), c("pid", "u")), valid))
    )
    return (
        exp.select(c("unit_id"), c("kommunekode")).from_(ranked.subquery("x")).where(eq(c("rn"), 1))
    )


class RuleCompiler:
    """Compiles criteria over ``u`` (the ubase row), collecting semi-joins."""

    def __init__(self, base: str, ctx: ir.Context):
        self.base = base
        self.ctx = ctx
        self.semis: dict[m.Criterion, tuple[str, exp.Select]] = {}

    def expr(self, crit: m.Criterion) -> exp.Expr:
        if isinstance(crit, m.AnyOf):
            return exp.paren(or_(*(self.expr(i) for i in crit.items)))
        if isinstance(crit, m.AllOf):
            return exp.paren(and_(*(self.expr(i) for i in crit.items)))
        if isinstance(crit, m.Not):
            return exp.not_(flag(self.expr(crit.item)))
        if isinstance(crit, m.Died | m.Emigrated):
            col = c("death_date" if isinstance(crit, m.Died) else "emigration_date", "u")
            return and_(not_null(col), self._in_window(crit.window, col))
        if isinstance(crit, m.FollowUpIncomplete):
            left = days_between(self._anchor(crit.anchor), lit(self.ctx.data_cutoff))
            return exp.LT(this=left, expression=lit(crit.days))
        if isinstance(crit, m.ResidenceUnknown):
            return is_null(c("municipality", "u"))
        if isinstance(crit, m.ProcedureExists) and not crit.codes:
            return exp.false()
        if isinstance(crit, m.NotReporting):
            return and_(not_null(c("municipality", "u")), is_null(self._semi(crit)))
        return not_null(self._semi(crit))

    def _anchor(self, anchor: m.Anchor) -> exp.Expr:
        return c(f"d_{anchor}", "u")

    def _in_window(self, window_: m.Window, day: exp.Expr) -> exp.Expr:
        return between(
            days_between(self._anchor(window_.anchor), as_date(day)), window_.lo, window_.hi
        )

    def _semi(self, crit: m.Criterion) -> exp.Expr:
        if crit not in self.semis:
            name = f"f{len(self.semis)}"
            self.semis[crit] = (name, self._semi_select(crit))
        return c("unit_id", self.semis[crit][0])

    def _from_units(self) -> exp.Select:
        return exp.select(c("unit_id", "u")).distinct().from_(table(self.base, "u"))

    def _semi_select(self, crit: m.Criterion) -> exp.Select:
        q = self._from_units()
        if isinstance(crit, m.AdmissionExists):
            on = and_(
                eq(c("pid", "a"), c("pid", "u")),
                exp.NEQ(this=c("admission_id", "a"), expression=c("unit_id", "u")),
            )
            q = q.join(table("admissions", "a"), on=on)
            prio = eq(c("priority", "a"), crit.priority) if crit.priority else None
            return q.where(and_(prio, self._in_window(crit.window, c("start", "a"))))
        if isinstance(crit, m.ProcedureExists):
            q = q.join(table("lpr_contacts", "k"), on=eq(c("pid", "k"), c("pid", "u")))
            q = q.join(
                table("lpr_procedures", "x"), on=eq(c("contact_id", "x"), c("contact_id", "k"))
            )
            return q.where(
                and_(
                    code_match(c("code", "x"), crit.codes),
                    self._in_window(crit.window, c("performed", "x")),
                )
            )
        if isinstance(crit, m.RecordExists):
            q = q.join(table(crit.table, "t"), on=eq(c("pid", "t"), c("pid", "u")))
            filters = [in_list(c(col, "t"), values) for col, values in crit.where]
            date_col = c(crit.date_column, "t")
            return q.where(
                and_(*filters, not_null(date_col), self._in_window(crit.window, date_col))
            )
        if isinstance(crit, m.NotReporting):
            return self._reported(crit)
        raise TypeError(f"no semi-join for {crit!r}")

    def _reported(self, crit: m.NotReporting) -> exp.Select:
        """Units whose residence municipality did report in the window's months."""
        anchor = self._anchor(crit.window.anchor)
        first = month_index(add_days(anchor, crit.window.lo))
        last = month_index(add_days(anchor, crit.window.hi))
        on = and_(
            eq(c("kommunekode", "cv"), c("municipality", "u")),
            eq(c("ig", "cv"), crit.ig),
            exp.GT(this=c("accepted", "cv"), expression=lit(0)),
        )
        months = month_index(c("month", "cv"))
        q = (
            self._from_units()
            .join(table("coverage", "cv"), on=on)
            .where(between(months, first, last))
        )
        if crit.rule == "no_reports_in_window":
            return q
        wanted = exp.Add(this=exp.Sub(this=last, expression=first), expression=lit(1))
        distinct = exp.Count(this=exp.Distinct(expressions=[months]))
        grouped = (
            exp.select(c("unit_id", "u"))
            .from_(table(self.base, "u"))
            .join(table("coverage", "cv"), on=on)
        )
        grouped = grouped.where(between(months, first, last)).group_by(c("unit_id", "u"), anchor)
        return grouped.having(eq(distinct, wanted))


def units(step: ir.Units, ctx: ir.Context) -> exp.Select:
    """``units_<indicator>``: flags, bucket and reason per unit."""
    ind, pop = step.indicator, step.population
    base = f"ubase_{ind.id}"
    rc = RuleCompiler(base, ctx)
    flags = {rule.id: flag(rc.expr(rule.criterion)) for rule in ind.rules}
    gap_leaves = [
        leaf
        for rule in ind.uoplyst
        for leaf in _leaves(rule.criterion)
        if isinstance(leaf, m.NotReporting | m.ResidenceUnknown)
    ]
    gap = flag(or_(*(rc.expr(leaf) for leaf in gap_leaves))) if gap_leaves else exp.false()
    inner = exp.select(
        *(
            c(n, "u")
            for n in ("unit_id", "pid", "index_date", "municipality", "region", "hospital")
        ),
        alias(typed_null("VARCHAR"), "delivering_municipality"),
        *(c(f"inc_{b.id}", "u") for b in pop.any_of),
        *(alias(expr, f"r_{rule_id}") for rule_id, expr in flags.items()),
        alias(gap, "reporting_gap"),
    ).from_(table(base, "u"))
    for name, select in rc.semis.values():
        inner = inner.join(
            select.subquery(name), on=eq(c("unit_id", name), c("unit_id", "u")), join_type="left"
        )
    return exp.select("*", alias(_bucket(ind), "bucket"), alias(_reason(ind), "reason")).from_(
        inner.subquery("x")
    )


def _leaves(crit: m.Criterion) -> list[m.Criterion]:
    from tvaers.registry.indicators.plan import leaves

    return list(leaves(crit))


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


def aggregate(step: ir.Units) -> exp.Expr:
    """Counts per reporting unit of the indicator (one UNION ALL branch per unit type)."""
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
    source = table(step.name)
    branches: list[exp.Select] = [
        exp.select(
            alias(lit("national"), "unit_type"), alias(lit(NATIONAL_ID), "unit_id"), *counts
        ).from_(source)
    ]
    for unit_type in step.indicator.units:
        if unit_type == "national":
            continue
        key = c(UNIT_KEYS[unit_type])
        branches.append(
            exp.select(alias(lit(unit_type), "unit_type"), alias(key, "unit_id"), *counts)
            .from_(table(step.name))
            .where(not_null(key))
            .group_by(key)
        )
    result: exp.Expr = branches[0]
    for branch in branches[1:]:
        result = exp.union(result, branch, distinct=False)
    return result


__all__ = ["POP_COLUMNS", "aggregate", "ubase", "units"]
