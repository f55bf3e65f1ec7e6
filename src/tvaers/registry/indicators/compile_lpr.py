"""Pass 5 (LPR and populations): steps -> sqlglot SELECTs for sources, admissions, populations.

Admissions (docs/indicators.md, Common rules): LPR3 has no inpatient flag. Contacts of the
configured types (physical by default) of one person are ordered by start; a contact
starts a new chain unless it starts at most ``max_gap_hours`` after the latest end so far
(a transfer) or an earlier contact is still open. A chain lasting at least
``min_duration_hours`` is an admission: start = first start, discharge = last end,
priority = the first contact's, discharging unit = the unit of the contact that ends last.
A chain with an open contact is an admission without discharge (it can be a readmission,
never an index event).
"""

from __future__ import annotations

from sqlglot import exp

from tvaers.registry.indicators import ir
from tvaers.registry.indicators import model as m
from tvaers.registry.indicators.sqlx import (
    add_hours,
    age_years,
    alias,
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
    not_null,
    or_,
    table,
    typed_null,
    window,
)

#: Store tables without version history (everything else is a flat municipal table).
UNVERSIONED = frozenset(
    {"cpr", "cpr_residence", "lpr_contacts", "lpr_diagnoses", "lpr_procedures", "coverage"}
)
POP_COLUMNS = ("unit_id", "pid", "admission_start", "discharge", "discharge_sor", "priority")


def source(step: ir.Source, ctx: ir.Context) -> exp.Select:
    """The as-of view of one store table (registered as ``raw_<table>``)."""
    raw = table(f"raw_{step.table}")
    asof = None if ctx.as_of is None else lit(ctx.as_of)
    name = step.table
    if name not in UNVERSIONED:
        # A flat municipal table: one row per version, known from/to (docs/registry.md).
        current = is_null(c("known_to"))
        if asof is not None:
            known = exp.LTE(this=as_date(c("known_from")), expression=asof)
            later = exp.GT(this=as_date(c("known_to")), expression=asof)
            current = and_(known, exp.paren(or_(is_null(c("known_to")), later)))
        valid = exp.not_(flag(c("invalid")))
        return exp.select("*").from_(raw).where(and_(current, valid))
    if asof is None:
        return exp.select("*").from_(raw)
    if name == "cpr":
        cols = [c("pid"), c("birth_date"), c("sex")]
        for col in ("death_date", "emigration_date"):
            known = exp.LTE(this=c(col), expression=asof)
            cols.append(alias(case([(known, c(col))]), col))
        return exp.select(*cols).from_(raw)
    if name == "lpr_contacts":
        ended = exp.LTE(this=as_date(c("end")), expression=asof)
        cols = [c(n) for n in ("contact_id", "pid", "sor_unit", "start")]
        cols += [alias(case([(ended, c("end"))]), "end"), c("contact_type"), c("priority")]
        return (
            exp.select(*cols).from_(raw).where(exp.LTE(this=as_date(c("start")), expression=asof))
        )
    dated = {"cpr_residence": "valid_from", "lpr_procedures": "performed", "coverage": "month"}
    if name in dated:
        return (
            exp.select("*").from_(raw).where(exp.LTE(this=as_date(c(dated[name])), expression=asof))
        )
    return exp.select("*").from_(raw)


def admission_contacts(rule: m.AdmissionRule) -> exp.Select:
    """Physical contacts with their chain (admission) id and the chain's start."""
    by_pid = [c("pid")]
    order = [c("start"), c("contact_id")]
    phys = (
        exp.select(*(c(n) for n in ("contact_id", "pid", "sor_unit", "start", "end", "priority")))
        .from_(table("lpr_contacts"))
        .where(in_list(c("contact_type"), rule.contact_types))
    )
    open_ = case([(is_null(c("end")), 1)], 0)
    m1 = exp.select(
        "*",
        alias(window(exp.Max(this=c("end")), by_pid, order, preceding_only=True), "prev_end"),
        alias(window(exp.Max(this=open_), by_pid, order, preceding_only=True), "prev_open"),
    ).from_(phys.subquery("phys"))
    gap = exp.GT(this=c("start"), expression=add_hours(c("prev_end"), rule.max_gap_hours))
    new_chain = case([(eq(c("prev_open"), 1), 0), (is_null(c("prev_end")), 1), (gap, 1)], 0)
    m2 = exp.select("*", alias(new_chain, "new_chain")).from_(m1.subquery("m1"))
    chain = window(exp.Sum(this=c("new_chain")), by_pid, order, running=True)
    m3 = exp.select("*", alias(chain, "chain_no")).from_(m2.subquery("m2"))
    chain_key = [c("pid"), c("chain_no")]
    last_first = [
        exp.Ordered(this=c("end"), desc=True),
        exp.Ordered(this=c("contact_id"), desc=True),
    ]
    return exp.select(
        *(c(n) for n in ("contact_id", "pid", "sor_unit", "start", "end", "priority", "chain_no")),
        alias(window(exp.FirstValue(this=c("contact_id")), chain_key, order), "admission_id"),
        alias(window(exp.FirstValue(this=c("priority")), chain_key, order), "admission_priority"),
        alias(window(exp.FirstValue(this=c("sor_unit")), chain_key, last_first), "discharge_sor"),
        alias(window(exp.Min(this=c("start")), chain_key, order), "admission_start"),
    ).from_(m3.subquery("m3"))


def admissions(rule: m.AdmissionRule) -> exp.Select:
    """One row per admission: start, discharge (NULL while open), priority, unit."""
    any_open = exp.Max(this=case([(is_null(c("end")), 1)], 0))
    is_open = eq(any_open, 1)
    long_enough = exp.GTE(
        this=exp.Max(this=c("end")),
        expression=add_hours(exp.Min(this=c("start")), rule.min_duration_hours),
    )
    return (
        exp.select(
            c("admission_id"),
            c("pid"),
            alias(exp.Min(this=c("start")), "start"),
            alias(case([(is_open, exp.null())], exp.Max(this=c("end"))), "end"),
            alias(exp.Max(this=c("admission_priority")), "priority"),
            alias(exp.Max(this=c("discharge_sor")), "discharge_sor"),
        )
        .from_(table("admission_contacts"))
        .group_by(c("admission_id"), c("pid"))
        .having(or_(is_open, long_enough))
    )


def _branch(rule: m.ContactRule) -> exp.Select:
    """Admission ids with a contact meeting every requirement of one inclusion branch."""
    query = exp.select(c("admission_id", "ac")).distinct().from_(table("admission_contacts", "ac"))
    for k, req in enumerate(rule.diagnoses):
        name = f"d{k}"
        on = and_(
            eq(c("contact_id", name), c("contact_id", "ac")),
            eq(c("diag_type", name), req.diag_type) if req.diag_type else None,
            code_match(c("code", name), req.codes),
        )
        query = query.join(table("lpr_diagnoses", name), on=on)
    for k, codes in enumerate(rule.procedures):
        name = f"p{k}"
        on = and_(
            eq(c("contact_id", name), c("contact_id", "ac")), code_match(c("code", name), codes)
        )
        query = query.join(table("lpr_procedures", name), on=on)
    if rule.days_from_start is not None:
        days = days_between(as_date(c("admission_start", "ac")), as_date(c("start", "ac")))
        query = query.where(between(days, *rule.days_from_start))
    return query


def contact_day_candidates(pop: m.Population) -> exp.Select:
    """Per person and day, the contacts meeting an inclusion rule: unit id = the day's first
    such contact (by id), index (both anchors) = the day."""
    hits = exp.select(
        c("contact_id", "k"),
        c("pid", "k"),
        c("sor_unit", "k"),
        alias(as_date(c("start", "k")), "day"),
    ).from_(table("lpr_contacts", "k"))
    flags = []
    for n, rule in enumerate(pop.any_of):
        name = f"b{n}"
        branch = _contact_branch(rule)
        hits = hits.join(
            branch.subquery(name),
            on=eq(c("contact_id", name), c("contact_id", "k")),
            join_type="left",
        )
        flags.append((rule.id, not_null(c("contact_id", name))))
    hits = hits.select(*(alias(flag(f), f"h_{i}") for i, f in flags)).where(
        or_(*(f for _, f in flags))
    )
    first = window(exp.RowNumber(), [c("pid"), c("day")], [c("contact_id")])
    ranked = exp.select(
        "*",
        alias(first, "rn"),
        *(
            alias(window(exp.Max(this=c(f"h_{i}")), [c("pid"), c("day")], []), f"inc_{i}")
            for i, _ in flags
        ),
    ).from_(hits.subquery("h"))
    query = (
        exp.select(
            alias(c("contact_id", "r"), "unit_id"),
            c("pid", "r"),
            alias(c("day", "r"), "admission_start"),
            alias(c("day", "r"), "discharge"),
            alias(c("sor_unit", "r"), "discharge_sor"),
            alias(typed_null("VARCHAR"), "priority"),
            *(c(f"inc_{i}", "r") for i, _ in flags),
        )
        .from_(ranked.subquery("r"))
        .join(table("cpr", "p"), on=eq(c("pid", "p"), c("pid", "r")))
    )
    age = age_years(c("birth_date", "p"), c("day", "r"))
    return query.where(
        and_(
            eq(c("rn", "r"), 1),
            exp.GTE(this=age, expression=lit(pop.age_min)) if pop.age_min is not None else None,
            exp.LTE(this=age, expression=lit(pop.age_max)) if pop.age_max is not None else None,
        )
    )


def _contact_branch(rule: m.ContactRule) -> exp.Select:
    """Contact ids meeting every requirement of one inclusion branch."""
    query = exp.select(c("contact_id", "k")).distinct().from_(table("lpr_contacts", "k"))
    for k, req in enumerate(rule.diagnoses):
        name = f"d{k}"
        on = and_(
            eq(c("contact_id", name), c("contact_id", "k")),
            eq(c("diag_type", name), req.diag_type) if req.diag_type else None,
            code_match(c("code", name), req.codes),
        )
        query = query.join(table("lpr_diagnoses", name), on=on)
    for k, codes in enumerate(rule.procedures):
        name = f"p{k}"
        on = and_(
            eq(c("contact_id", name), c("contact_id", "k")), code_match(c("code", name), codes)
        )
        query = query.join(table("lpr_procedures", name), on=on)
    return query


def candidates(pop: m.Population) -> exp.Select:
    """Discharged admissions meeting the population's inclusion rules."""
    if pop.unit == "contact_day":
        return contact_day_candidates(pop)
    anchor = {"admission_start": "start", "discharge": "end"}
    query = (
        exp.select(
            alias(c("admission_id", "a"), "unit_id"),
            c("pid", "a"),
            alias(c("start", "a"), "admission_start"),
            alias(c("end", "a"), "discharge"),
            c("discharge_sor", "a"),
            c("priority", "a"),
        )
        .from_(table("admissions", "a"))
        .join(table("cpr", "p"), on=eq(c("pid", "p"), c("pid", "a")))
    )
    hits = []
    for k, rule in enumerate(pop.any_of):
        name = f"b{k}"
        query = query.join(
            _branch(rule).subquery(name),
            on=eq(c("admission_id", name), c("admission_id", "a")),
            join_type="left",
        )
        hit = not_null(c("admission_id", name))
        hits.append(hit)
        query = query.select(alias(flag(hit), f"inc_{rule.id}"))
    age = age_years(c("birth_date", "p"), as_date(c(anchor[pop.age_at], "a")))
    conditions = [
        not_null(c("end", "a")),
        eq(c("priority", "a"), pop.priority) if pop.priority else None,
        exp.GTE(this=age, expression=lit(pop.age_min)) if pop.age_min is not None else None,
        exp.LTE(this=age, expression=lit(pop.age_max)) if pop.age_max is not None else None,
        exp.paren(or_(*hits)),
    ]
    return query.where(and_(*conditions))


def pop_columns(pop: m.Population) -> list[str]:
    return [*POP_COLUMNS, *(f"inc_{r.id}" for r in pop.any_of)]


def candidates_name(pop: m.Population) -> str:
    """The lockout's input: the candidates, or those left after the washout."""
    return f"wash_{pop.id}" if pop.washout_days is not None else f"cand_{pop.id}"


def washout(pop: m.Population) -> exp.Select:
    """Candidates without another candidate of the person 1..N days before their index."""
    index_col = {"admission_start": "admission_start", "discharge": "discharge"}[pop.index]
    gap = days_between(as_date(c(index_col, "e")), as_date(c(index_col, "k")))
    earlier = (
        exp.select(c("unit_id", "k"))
        .distinct()
        .from_(table(f"cand_{pop.id}", "k"))
        .join(table(f"cand_{pop.id}", "e"), on=eq(c("pid", "e"), c("pid", "k")))
        .where(between(gap, 1, pop.washout_days or 0))
    )
    return (
        exp.select(*(c(n, "k") for n in pop_columns(pop)))
        .from_(table(f"cand_{pop.id}", "k"))
        .join(earlier.subquery("w"), on=eq(c("unit_id", "w"), c("unit_id", "k")), join_type="left")
        .where(is_null(c("unit_id", "w")))
    )


def lockout_seed(pop: m.Population) -> exp.Select:
    """The empty start of the lockout iteration (same columns as the candidates)."""
    return (
        exp.select(*(c(n) for n in pop_columns(pop)))
        .from_(table(candidates_name(pop)))
        .where(exp.false())
    )


def lockout_step(pop: m.Population, previous: str) -> exp.Expr:
    """Chosen index events so far, plus each person's next candidate more than N days later."""
    days = pop.new_index_after_days or 0
    index_col = {"admission_start": "admission_start", "discharge": "discharge"}[pop.index]
    last = (
        exp.select(c("pid"), alias(exp.Max(this=as_date(c(index_col))), "last_index"))
        .from_(table(previous))
        .group_by(c("pid"))
    )
    gap = exp.GT(
        this=days_between(c("last_index", "l"), as_date(c(index_col, "k"))), expression=lit(days)
    )
    ranked = (
        exp.select(
            *(c(n, "k") for n in pop_columns(pop)),
            alias(
                window(exp.RowNumber(), [c("pid", "k")], [c(index_col, "k"), c("unit_id", "k")]),
                "rn",
            ),
        )
        .from_(table(candidates_name(pop), "k"))
        .join(last.subquery("l"), on=eq(c("pid", "l"), c("pid", "k")), join_type="left")
        .where(or_(is_null(c("last_index", "l")), gap))
    )
    cols = [c(n) for n in pop_columns(pop)]
    nxt = exp.select(*cols).from_(ranked.subquery("r")).where(eq(c("rn"), 1))
    return exp.union(exp.select(*cols).from_(table(previous)), nxt, distinct=False)


def all_candidates(pop: m.Population) -> exp.Select:
    return exp.select(*(c(n) for n in pop_columns(pop))).from_(table(candidates_name(pop)))
