"""Pass 4: the checked definition -> an ordered, engine-neutral :class:`~.ir.Plan`.

Decides which store tables a run reads (from the criteria, populations and values actually
used), which need their version history, derives admissions once, builds each population
once (shared by its indicators) and then one units step per indicator and cohort (and one
for an indicator's completeness denominator).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from tvaers.errors import InputError
from tvaers.registry.indicators import ir
from tvaers.registry.indicators import model as m

#: Base tables every run reads, and those of runs that use LPR3.
BASE_TABLES = ("cpr", "cpr_residence")
LPR_TABLES = ("lpr_contacts", "lpr_diagnoses", "lpr_procedures")


def parse_period(text: str) -> ir.Period:
    """``2025`` (calendar year) or ``2025-03`` (month)."""
    import calendar

    try:
        if len(text) == 4:
            year = int(text)
            return ir.Period(text, date(year, 1, 1), date(year, 12, 31))
        year, month = (int(p) for p in text.split("-"))
        last = calendar.monthrange(year, month)[1]
        return ir.Period(f"{year:04d}-{month:02d}", date(year, month, 1), date(year, month, last))
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"period {text!r} is not a year or a month", hint="write 2025 or 2025-03"
        ) from exc


def leaves(criterion: m.Criterion) -> Iterator[m.Criterion]:
    """Every leaf of a criterion tree."""
    if isinstance(criterion, m.AnyOf | m.AllOf):
        for item in criterion.items:
            yield from leaves(item)
    elif isinstance(criterion, m.Not):
        yield from leaves(criterion.item)
    else:
        yield criterion


def _criteria(db: m.Database, ind: m.Indicator) -> Iterator[m.Criterion]:
    """Every criterion an indicator evaluates, its populations' included."""
    yield from (r.criterion for r in (*ind.rules, *ind.strata))
    pops = [db.populations[k.population] for k in ind.cohorts]
    if ind.completeness is not None:
        yield ind.completeness.found
        pops.append(db.populations[ind.completeness.population])
    for pop in pops:
        if isinstance(pop, m.RecordPopulation):
            yield from (r.criterion for r in (*pop.all_of, *pop.any_of))
            for value in pop.values:
                if isinstance(value.spec, m.Earliest):
                    yield from value.spec.options


def tables_used(
    db: m.Database, indicators: Sequence[m.Indicator]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Store tables read by these indicators (base tables first), and those read as history."""
    extra: set[str] = set()
    hist: set[str] = set()
    lpr = False
    for ind in indicators:
        for crit in _criteria(db, ind):
            for leaf in leaves(crit):
                if isinstance(leaf, m.AdmissionExists | m.ProcedureExists):
                    lpr = True
                elif isinstance(leaf, m.RecordExists):
                    extra |= {leaf.table, *(h.table for h in leaf.via)}
                    if leaf.in_force_at:
                        hist.add(leaf.table)
                elif isinstance(leaf, m.NeverReported):
                    extra.add(leaf.table)
                elif isinstance(leaf, m.NotReporting):
                    extra.add("coverage")
        pops = [db.populations[k.population] for k in ind.cohorts]
        if ind.completeness is not None:
            pops.append(db.populations[ind.completeness.population])
        for pop in pops:
            if not isinstance(pop, m.RecordPopulation):
                lpr = True
            else:
                extra |= set(pop.tables)
                if pop.snapshot:
                    hist |= set(pop.tables)
                if pop.pair is not None:
                    hist.add(pop.pair.table)
                for value in pop.values:
                    if isinstance(value.spec, m.ValueAt):
                        now = value.spec.anchor is None and value.spec.within is None
                        (extra if now else hist).add(value.spec.table)
                    elif isinstance(value.spec, m.CountActive):
                        extra.add(value.spec.table)
    extra |= hist
    base = (*BASE_TABLES, *LPR_TABLES) if lpr else BASE_TABLES
    return (*base, *sorted(extra)), tuple(sorted(hist))


def make_plan(
    db: m.Database,
    context: ir.Context,
    indicators: Sequence[str] | None = None,
) -> ir.Plan:
    """The plan for ``indicators`` (default: all) of ``db`` in ``context``."""
    unknown = [i for i in indicators or () if i not in db.indicators]
    if unknown:
        raise InputError(
            f"unknown indicator {unknown[0]!r} in database {db.id!r}",
            hint=f"indicators: {', '.join(db.indicators)}",
        )
    chosen = [db.indicators[i] for i in (indicators or list(db.indicators))]
    tables, hist = tables_used(db, chosen)
    steps: list[ir.Step] = [ir.Source(name, name) for name in tables]
    steps += [ir.History(name) for name in hist]
    if "lpr_contacts" in tables:
        steps.append(ir.Admissions(db.admissions))
    built: set[str] = set()
    for ind in chosen:
        ids = [k.population for k in ind.cohorts]
        if ind.completeness is not None:
            ids.append(ind.completeness.population)
        for pop_id in ids:
            if pop_id in built:
                continue
            built.add(pop_id)
            pop = db.populations[pop_id]
            if isinstance(pop, m.RecordPopulation):
                steps.append(ir.RecordUnits(pop))
            else:
                steps += [ir.PopulationCandidates(pop), ir.Lockout(pop)]
    for ind in chosen:
        steps += [ir.Units(ind, db.populations[k.population], k) for k in ind.cohorts]
        if ind.completeness is not None:
            pop = db.populations[ind.completeness.population]
            steps.append(ir.CompletenessUnits(ind, pop))
    return ir.Plan(db, context, tuple(steps), tables)
