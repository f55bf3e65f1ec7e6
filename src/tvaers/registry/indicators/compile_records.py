"""Pass 5 (record populations): units from flat municipal tables, with derived values.

A record population is built in three relations:

- ``rbase0_<pop>``: one row per unit: the current (or, for a period-end snapshot, the
  in-force) version of each matching row of its tables, optionally paired with each
  version of a row of another table in force on the index date; ``unit_id`` (the
  resource key, ``|`` the paired key), ``pid``, ``index_date``, ``delivering_municipality``
  (the reporting municipality) and ``f_<field>`` per field;
- ``rbase_<pop>``: the same with its derived values (``earliest``/``latest`` dates,
  ``value_at`` a version's column, ``count_active``);
- ``pop_<pop>``: the rows meeting the inclusion rules, with a flag ``inc_<id>`` per rule.

``hist_<table>`` is the version history of a flat table as known at the run's as-of date:
every version of a resource that is not entered-in-error, in force from ``eff_from``
(its ``meta.lastUpdated`` date, else the date it arrived) until the next version's.
"""

from __future__ import annotations

from datetime import date

from sqlglot import exp

from tvaers.registry.indicators import ir
from tvaers.registry.indicators import model as m
from tvaers.registry.indicators.check_pop import DELIVERING, SNAPSHOT_FIELD
from tvaers.registry.indicators.compile_rules import (
    RuleCompiler,
    Scope,
    in_force,
    in_window,
    record_join,
    where_expr,
)
from tvaers.registry.indicators.fields import table_fields
from tvaers.registry.indicators.sqlx import (
    add_days,
    age_years,
    alias,
    and_,
    as_date,
    c,
    desc,
    eq,
    flag,
    is_null,
    lit,
    not_null,
    or_,
    table,
    window,
)


def history(name: str, ctx: ir.Context) -> exp.Select:
    """``hist_<name>``: valid versions known as of the run, with ``eff_from``/``eff_to``."""
    raw = table(f"raw_{name}")
    known = (
        None
        if ctx.as_of is None
        else exp.LTE(this=as_date(c("known_from")), expression=lit(ctx.as_of))
    )
    started = as_date(c("known_from"))
    if "last_updated" in (table_fields(name) or {}):
        started = exp.Coalesce(this=c("last_updated"), expressions=[started])
    rows = exp.select("*", alias(started, "eff_from")).from_(raw).where(and_(known))
    current = is_null(c("known_to"))
    if ctx.as_of is not None:
        later = exp.GT(this=as_date(c("known_to")), expression=lit(ctx.as_of))
        current = exp.paren(or_(current, later))
    invalid = (
        exp.select(c("pid"), c("resource_key"))
        .from_(raw)
        .where(and_(known, current, flag(c("invalid"))))
    )
    following = window(
        exp.Lead(this=c("eff_from")), [c("pid"), c("resource_key")], [c("known_from")]
    )
    versions = exp.select("*", alias(following, "eff_to")).from_(rows.subquery("h"))
    return (
        exp.select("v.*")
        .from_(versions.subquery("v"))
        .join(
            invalid.subquery("x"),
            on=and_(
                eq(c("pid", "x"), c("pid", "v")), eq(c("resource_key", "x"), c("resource_key", "v"))
            ),
            join_type="left",
        )
        .where(and_(is_null(c("resource_key", "x")), exp.not_(flag(c("invalid", "v")))))
    )


def snapshot_day(ctx: ir.Context) -> date:
    return min(ctx.period.end, ctx.data_cutoff)


def _own_fields(pop: m.RecordPopulation) -> list[str]:
    derived = {v.name for v in pop.values} | {DELIVERING, SNAPSHOT_FIELD}
    return [n for n, _ in pop.fields if n not in derived and not n.startswith("pair_")]


def base_rows(pop: m.RecordPopulation, ctx: ir.Context) -> exp.Expr:
    """``rbase0_<pop>``: the units before derived values and inclusion rules."""
    selects = [_table_rows(pop, name, ctx) for name in pop.tables]
    rows: exp.Query = selects[0]
    for other in selects[1:]:
        rows = exp.union(rows, other, distinct=False)
    index = c(f"f_{pop.index}", "r")
    query = exp.select("r.*", alias(index, "index_date")).from_(rows.subquery("r"))
    if pop.age_min is None and pop.age_max is None:
        return query
    age = age_years(c("birth_date", "p"), index)
    query = query.join(table("cpr", "p"), on=eq(c("pid", "p"), c("pid", "r")))
    return query.where(
        and_(
            exp.GTE(this=age, expression=lit(pop.age_min)) if pop.age_min is not None else None,
            exp.LTE(this=age, expression=lit(pop.age_max)) if pop.age_max is not None else None,
        )
    )


def _table_rows(pop: m.RecordPopulation, name: str, ctx: ir.Context) -> exp.Select:
    source = f"hist_{name}" if pop.snapshot else name
    unit_id: exp.Expr = c("resource_key", "t")
    cols = [
        c("pid", "t"),
        alias(c("kommunekode", "t"), DELIVERING),
        *(alias(c(f, "t"), f"f_{f}") for f in _own_fields(pop)),
    ]
    conditions = [where_expr(pop.where, "t"), *(not_null(c(col, "t")) for col in pop.present)]
    if pop.snapshot:
        day = lit(snapshot_day(ctx))
        cols.append(alias(day, f"f_{SNAPSHOT_FIELD}"))
        conditions.append(in_force("t", day))
    query = exp.select().from_(table(source, "t"))
    if pop.pair is not None:
        pair = pop.pair
        unit_id = exp.DPipe(
            this=exp.DPipe(this=unit_id, expression=lit("|")),
            expression=c("resource_key", "p"),
        )
        on = and_(
            eq(c("pid", "p"), c("pid", "t")),
            in_force("p", as_date(c(pop.index, "t"))),
            where_expr(pair.where, "p"),
            *(not_null(c(col, "p")) for col in pair.present),
            *(_pair_match(col, refs) for col, refs in pair.match),
        )
        query = query.join(table(f"hist_{pair.table}", "p"), on=on)
        cols += [alias(c(f, "p"), f"f_pair_{f}") for f in table_fields(pair.table) or {}]
    return query.select(alias(unit_id, "unit_id"), *cols).where(and_(*conditions))


def _pair_match(column: str, refs: tuple[str, ...]) -> exp.Expr:
    """The pair's ``column`` equals a column of the unit row ``t`` (or is in its list)."""
    target = c(column, "p")
    tests: list[exp.Expr] = [
        exp.ArrayContains(this=c(r[4:], "t"), expression=target)
        if r.startswith("any:")
        else eq(target, c(r, "t"))
        for r in refs
    ]
    return exp.paren(or_(*tests))


def values(pop: m.RecordPopulation) -> exp.Select:
    """``rbase_<pop>``: the base rows with one column ``f_<name>`` per derived value."""
    base = f"rbase0_{pop.id}"
    scope = Scope(base, record=True)
    query = exp.select("u.*").from_(table(base, "u"))
    for k, value in enumerate(pop.values):
        name = f"val{k}"
        sub = _value(scope, value.spec)
        query = query.join(
            sub.subquery(name), on=eq(c("unit_id", name), c("unit_id", "u")), join_type="left"
        )
        got = c("v", name)
        if isinstance(value.spec, m.CountActive):
            got = exp.Coalesce(this=got, expressions=[lit(0)])
        query = query.select(alias(got, f"f_{value.name}"))
    return query


def _units(scope: Scope) -> exp.Select:
    return exp.select(c("unit_id", "u")).from_(table(scope.base, "u"))


def _value(scope: Scope, spec: m.ValueSpec) -> exp.Select:
    if isinstance(spec, m.Earliest):
        picks = []
        query = _units(scope)
        for k, option in enumerate(spec.options):
            agg = exp.Max if spec.latest else exp.Min
            sub = record_join(
                scope,
                option,
                exp.select(
                    c("unit_id", "u"),
                    alias(agg(this=as_date(c(option.date_column or "", "t"))), "v"),
                ).from_(table(scope.base, "u")),
            ).group_by(c("unit_id", "u"))
            name = f"o{k}"
            query = query.join(
                sub.subquery(name), on=eq(c("unit_id", name), c("unit_id", "u")), join_type="left"
            )
            picks.append(c("v", name))
        return query.select(alias(exp.Coalesce(this=picks[0], expressions=picks[1:]), "v"))
    if isinstance(spec, m.ValueAt):
        return _value_at(scope, spec)
    return _count_active(scope, spec)


def _value_at(scope: Scope, spec: m.ValueAt) -> exp.Select:
    if spec.anchor is None and spec.within is None:
        return _value_now(scope, spec)
    link = m.RecordExists(spec.table, spec.where, on=spec.on)
    query = exp.select(
        c("unit_id", "u"),
        alias(c(spec.column, "t"), "v"),
        alias(
            window(
                exp.RowNumber(),
                [c("unit_id", "u")],
                [desc(c("eff_from", "t")), desc(c("known_from", "t")), c("resource_key", "t")],
            ),
            "rn",
        ),
    ).from_(table(scope.base, "u"))
    link_q = _hist_join(scope, link, query)
    conditions = [not_null(c(col, "t")) for col in spec.present]
    if spec.within is not None:
        conditions.append(in_window(scope, spec.within, c("eff_from", "t")))
    else:
        day = add_days(scope.anchor(spec.anchor or "index"), spec.days)
        conditions.append(in_force("t", day))
    ranked = link_q.where(and_(*conditions))
    return exp.select(c("unit_id"), c("v")).from_(ranked.subquery("x")).where(eq(c("rn"), 1))


def _value_now(scope: Scope, spec: m.ValueAt) -> exp.Select:
    """The column of the current version of the linked row (the last to arrive, if several)."""
    link = m.RecordExists(spec.table, spec.where, on=spec.on, present=spec.present)
    order = [desc(c("known_from", "t")), c("resource_key", "t")]
    query = exp.select(
        c("unit_id", "u"),
        alias(c(spec.column, "t"), "v"),
        alias(window(exp.RowNumber(), [c("unit_id", "u")], order), "rn"),
    ).from_(table(scope.base, "u"))
    ranked = record_join(scope, link, query)
    return exp.select(c("unit_id"), c("v")).from_(ranked.subquery("x")).where(eq(c("rn"), 1))


def _hist_join(scope: Scope, link: m.RecordExists, query: exp.Select) -> exp.Select:
    """Like :func:`record_join` but always over the history ``hist_<table>``."""
    from tvaers.registry.indicators.compile_rules import _on

    on = and_(eq(c("pid", "t"), c("pid", "u")), *_on(scope, link.on, "t"))
    query = query.join(table(f"hist_{link.table}", "t"), on=on)
    return query.where(and_(where_expr(link.where, "t")))


def _count_active(scope: Scope, spec: m.CountActive) -> exp.Select:
    day = add_days(scope.anchor(spec.anchor), spec.days)
    started = exp.LTE(this=c("period_start", "t"), expression=day)
    running = or_(is_null(c("period_end", "t")), exp.GT(this=c("period_end", "t"), expression=day))
    count = exp.Count(this=exp.Distinct(expressions=[c("resource_key", "t")]))
    return (
        exp.select(c("unit_id", "u"), alias(count, "v"))
        .from_(table(scope.base, "u"))
        .join(table(spec.table, "t"), on=eq(c("pid", "t"), c("pid", "u")))
        .where(and_(where_expr(spec.where, "t"), started, exp.paren(running)))
        .group_by(c("unit_id", "u"))
    )


def inclusion_flags(pop: m.RecordPopulation, ctx: ir.Context) -> exp.Select:
    """``popflags_<pop>``: every base row with a flag ``inc_<id>`` per inclusion rule."""
    base = f"rbase_{pop.id}"
    rc = RuleCompiler(Scope(base, record=True), ctx)
    flags = [(r.id, flag(rc.expr(r.criterion))) for r in (*pop.all_of, *pop.any_of)]
    return rc.joined(
        exp.select("u.*", *(alias(e, f"inc_{i}") for i, e in flags)).from_(table(base, "u"))
    )


def population(pop: m.RecordPopulation) -> exp.Select:
    """``pop_<pop>``: the units meeting every ``all_of`` rule and one ``any_of`` rule."""
    conditions = [c(f"inc_{r.id}") for r in pop.all_of]
    if pop.any_of:
        conditions.append(exp.paren(or_(*(c(f"inc_{r.id}") for r in pop.any_of))))
    return exp.select("*").from_(table(f"popflags_{pop.id}")).where(and_(*conditions))


__all__ = ["base_rows", "history", "inclusion_flags", "population", "snapshot_day", "values"]
