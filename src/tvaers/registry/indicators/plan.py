"""Pass 4: the checked definition -> an ordered, engine-neutral :class:`~.ir.Plan`.

Decides which store tables a run reads (from the criteria actually used), derives
admissions once, builds each population once (shared by its indicators) and then one
units step per indicator.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from tvaers.errors import InputError
from tvaers.registry.indicators import ir
from tvaers.registry.indicators import model as m

#: Base tables every admission-based run reads.
BASE_TABLES = ("cpr", "cpr_residence", "lpr_contacts", "lpr_diagnoses", "lpr_procedures")


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


def tables_used(indicators: Sequence[m.Indicator]) -> tuple[str, ...]:
    """Store tables read by these indicators (base tables first)."""
    extra: list[str] = []
    for ind in indicators:
        for rule in ind.rules:
            for leaf in leaves(rule.criterion):
                if isinstance(leaf, m.RecordExists):
                    extra.append(leaf.table)
                elif isinstance(leaf, m.NotReporting):
                    extra.append("coverage")
    return (*BASE_TABLES, *sorted(set(extra)))


def make_plan(
    db: m.Database,
    context: ir.Context,
    indicators: Sequence[str] | None = None,
) -> ir.Plan:
    """The plan for ``indicators`` (default: all) of ``db`` in ``context``."""
    chosen = [db.indicators[i] for i in (indicators or list(db.indicators))]
    tables = tables_used(chosen)
    steps: list[ir.Step] = [ir.Source(name, name) for name in tables]
    steps.append(ir.Admissions(db.admissions))
    built: set[str] = set()
    for ind in chosen:
        pop = db.populations[ind.population]
        if pop.id not in built:
            steps += [ir.PopulationCandidates(pop), ir.Lockout(pop)]
            built.add(pop.id)
    steps += [ir.Units(ind, db.populations[ind.population]) for ind in chosen]
    return ir.Plan(db, context, tuple(steps), tables)
