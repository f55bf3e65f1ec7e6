"""Pass 5 (criteria): criterion trees -> sqlglot expressions over one row of units.

A :class:`Scope` says how a unit row is named (the relation ``u`` and its columns):
admission units have ``d_admission_start``/``d_discharge``; record units have one column
``f_<field>`` per field. Leaves that need another table compile to a semi-join (``SELECT
DISTINCT unit_id ...``) that the caller joins LEFT to the units; the rest are
expressions over the unit row. :func:`record_join` builds the join of a ``record``
criterion, shared with derived values (:mod:`.compile_records`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from tvaers.registry.indicators import ir
from tvaers.registry.indicators import model as m
from tvaers.registry.indicators.sqlx import (
    add_days,
    and_,
    as_date,
    between,
    c,
    case,
    code_match,
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
)

DELIVERING = "delivering_municipality"


@dataclass(frozen=True)
class Scope:
    """How the unit relation ``u`` names its anchors and fields."""

    base: str
    record: bool  # record units (f_<field> columns) or admission units

    def anchor(self, name: m.Anchor, alias: str = "u") -> exp.Expr:
        if name == "index":
            return c("index_date", alias)
        if not self.record:
            return c(f"d_{name}", alias)
        return c(f"f_{name}", alias)

    def field(self, name: str, alias: str = "u") -> exp.Expr:
        if name == DELIVERING:
            return c(DELIVERING, alias)
        return c(f"f_{name}", alias)


def in_window(scope: Scope, window: m.Window, day: exp.Expr) -> exp.Expr:
    """``day`` is ``lo..hi`` days after the window's anchor (``hi`` after ``until``)."""
    start = scope.anchor(window.anchor)
    high: exp.Expr = lit(window.hi)
    if window.until is not None:
        span = days_between(start, scope.anchor(window.until))
        high = exp.Add(this=span, expression=lit(window.hi))
    return between(days_between(start, as_date(day)), window.lo, high)


def where_expr(where: m.Where, alias: str) -> exp.Expr | None:
    """Alternatives of column filters (any alternative, all of its filters)."""
    if not where:
        return None
    alternatives = [and_(*(in_list(c(col, alias), vals) for col, vals in alt)) for alt in where]
    return exp.paren(or_(*alternatives))


def in_force(alias: str, day: exp.Expr) -> exp.Expr:
    """A history row (``hist_<table>``) is the version in force on ``day``."""
    started = exp.LTE(this=c("eff_from", alias), expression=day)
    ends = or_(is_null(c("eff_to", alias)), exp.LT(this=day, expression=c("eff_to", alias)))
    return and_(started, exp.paren(ends))


def _ref(scope: Scope, ref: str, target: exp.Expr) -> exp.Expr:
    if ref.startswith("via") and "." in ref:
        hop, col = ref.split(".", 1)
        return eq(target, c(col, f"v{hop[3:]}"))
    if ref.startswith("any:"):
        return exp.ArrayContains(this=scope.field(ref[4:]), expression=target)
    return eq(target, scope.field(ref))


def _on(scope: Scope, on: tuple[tuple[str, tuple[str, ...]], ...], alias: str) -> list[exp.Expr]:
    return [exp.paren(or_(*(_ref(scope, r, c(col, alias)) for r in refs))) for col, refs in on]


def record_join(scope: Scope, crit: m.RecordExists, query: exp.Select) -> exp.Select:
    """``query`` (over ``u``) joined to the linked rows ``t`` of a record criterion."""
    for k, hop in enumerate(crit.via, start=1):
        alias = f"v{k}"
        on = and_(eq(c("pid", alias), c("pid", "u")), *_on(scope, hop.on, alias))
        query = query.join(table(hop.table, alias), on=on)
    source = f"hist_{crit.table}" if crit.in_force_at else crit.table
    on = and_(eq(c("pid", "t"), c("pid", "u")), *_on(scope, crit.on, "t"))
    query = query.join(table(source, "t"), on=on)
    conditions = [
        where_expr(crit.where, "t"),
        *(code_match(c(col, "t"), codes) for col, codes in crit.codes),
        *(not_null(c(col, "t")) for col in crit.present),
    ]
    if crit.window is not None and crit.date_column is not None:
        day = c(crit.date_column, "t")
        conditions += [not_null(day), in_window(scope, crit.window, day)]
    if crit.in_force_at is not None:
        conditions.append(in_force("t", scope.anchor(crit.in_force_at)))
    return query.where(and_(*conditions))


@dataclass
class RuleCompiler:
    """Compiles criteria over ``u`` (a row of ``scope.base``), collecting semi-joins."""

    scope: Scope
    ctx: ir.Context
    semis: dict[m.Criterion, tuple[str, exp.Select]] = field(default_factory=dict)

    def expr(self, crit: m.Criterion) -> exp.Expr:
        s = self.scope
        if isinstance(crit, m.AnyOf):
            return exp.paren(or_(*(self.expr(i) for i in crit.items)))
        if isinstance(crit, m.AllOf):
            return exp.paren(and_(*(self.expr(i) for i in crit.items)))
        if isinstance(crit, m.Not):
            return exp.not_(flag(self.expr(crit.item)))
        if isinstance(crit, m.Died | m.Emigrated):
            col = c("death_date" if isinstance(crit, m.Died) else "emigration_date", "u")
            return and_(not_null(col), in_window(s, crit.window, col))
        if isinstance(crit, m.FollowUpIncomplete):
            left = days_between(s.anchor(crit.anchor), lit(self.ctx.data_cutoff))
            return exp.LT(this=left, expression=lit(crit.days))
        if isinstance(crit, m.ResidenceUnknown):
            return is_null(c("municipality", "u"))
        if isinstance(crit, m.ProcedureExists) and not crit.codes:
            return exp.false()
        if isinstance(crit, m.Field):
            return in_list(s.field(crit.name), crit.values)
        if isinstance(crit, m.Missing):
            return is_null(s.field(crit.name))
        if isinstance(crit, m.DateIn):
            day = s.field(crit.name)
            return and_(not_null(day), in_window(s, crit.window, day))
        if isinstance(crit, m.Compare):
            return self._compare(crit)
        if isinstance(crit, m.NotReporting | m.NeverReported):
            muni = c("municipality" if crit.municipality == "residence" else DELIVERING, "u")
            return and_(not_null(muni), is_null(self._semi(crit)))
        return not_null(self._semi(crit))

    def _compare(self, crit: m.Compare) -> exp.Expr:
        def side(name: str) -> exp.Expr:
            value = self.scope.field(name)
            if not crit.levels:
                return value
            return case([(eq(value, code), lit(level)) for code, level in crit.levels])

        ops = {"<": exp.LT, "<=": exp.LTE, "=": exp.EQ, ">=": exp.GTE, ">": exp.GT, "!=": exp.NEQ}
        return ops[crit.op](this=side(crit.left), expression=side(crit.right))

    def _semi(self, crit: m.Criterion) -> exp.Expr:
        if crit not in self.semis:
            name = f"f{len(self.semis)}"
            self.semis[crit] = (name, self._semi_select(crit))
        return c("unit_id", self.semis[crit][0])

    def _from_units(self) -> exp.Select:
        return exp.select(c("unit_id", "u")).distinct().from_(table(self.scope.base, "u"))

    def _semi_select(self, crit: m.Criterion) -> exp.Select:
        q = self._from_units()
        if isinstance(crit, m.AdmissionExists):
            on = and_(
                eq(c("pid", "a"), c("pid", "u")),
                exp.NEQ(this=c("admission_id", "a"), expression=c("unit_id", "u")),
            )
            q = q.join(table("admissions", "a"), on=on)
            prio = eq(c("priority", "a"), crit.priority) if crit.priority else None
            return q.where(and_(prio, in_window(self.scope, crit.window, c("start", "a"))))
        if isinstance(crit, m.ProcedureExists):
            q = q.join(table("lpr_contacts", "k"), on=eq(c("pid", "k"), c("pid", "u")))
            q = q.join(
                table("lpr_procedures", "x"), on=eq(c("contact_id", "x"), c("contact_id", "k"))
            )
            return q.where(
                and_(
                    code_match(c("code", "x"), crit.codes),
                    in_window(self.scope, crit.window, c("performed", "x")),
                )
            )
        if isinstance(crit, m.RecordExists):
            return record_join(self.scope, crit, q)
        if isinstance(crit, m.NotReporting):
            return self._reported(crit)
        if isinstance(crit, m.NeverReported):
            muni = c("municipality" if crit.municipality == "residence" else DELIVERING, "u")
            on = eq(c("kommunekode", "t"), muni)
            return q.join(table(crit.table, "t"), on=on)
        raise TypeError(f"no semi-join for {crit!r}")

    def _reported(self, crit: m.NotReporting) -> exp.Select:
        """Units whose municipality did report in the window's months."""
        muni = c("municipality" if crit.municipality == "residence" else DELIVERING, "u")
        anchor = self.scope.anchor(crit.window.anchor)
        first = month_index(add_days(anchor, crit.window.lo))
        if crit.window.until is not None:
            last = month_index(add_days(self.scope.anchor(crit.window.until), crit.window.hi))
        else:
            last = month_index(add_days(anchor, crit.window.hi))
        on = and_(
            eq(c("kommunekode", "cv"), muni),
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
            .from_(table(self.scope.base, "u"))
            .join(table("coverage", "cv"), on=on)
        )
        grouped = grouped.where(between(months, first, last)).group_by(c("unit_id", "u"), anchor)
        if crit.window.until is not None:
            grouped = grouped.group_by(self.scope.anchor(crit.window.until), append=True)
        return grouped.having(eq(distinct, wanted))

    def joined(self, query: exp.Select) -> exp.Select:
        """``query`` (over ``u``) with every collected semi-join joined LEFT."""
        for name, select in self.semis.values():
            query = query.join(
                select.subquery(name),
                on=eq(c("unit_id", name), c("unit_id", "u")),
                join_type="left",
            )
        return query
