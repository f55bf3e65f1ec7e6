"""The plan's intermediate representation: engine-neutral steps and the run context.

A :class:`Plan` is an ordered list of steps; each names the relation it creates. The
compile pass turns each step into sqlglot expressions; the runner executes them on an
engine. ``Lockout`` is the one iterative step (greedy "a new index only after N days"),
executed as repeated plain statements until nothing changes, so no engine needs
recursive SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tvaers.registry.indicators import model as m


@dataclass(frozen=True)
class Period:
    """A reporting period: a calendar year (``2025``) or month (``2025-03``)."""

    label: str
    start: date
    end: date  # inclusive


@dataclass(frozen=True)
class Context:
    """What a run needs beyond the definition."""

    period: Period
    as_of: date | None  # None: everything in the store, current versions
    data_cutoff: date  # follow-up windows ending later are incomplete


@dataclass(frozen=True)
class Source:
    """A base view over a store table, filtered to what was known ``as_of``."""

    name: str
    table: str


@dataclass(frozen=True)
class History:
    """``hist_<table>``: the version history of a flat table as known ``as_of``."""

    table: str

    @property
    def name(self) -> str:
        return f"hist_{self.table}"


@dataclass(frozen=True)
class Admissions:
    """Derive ``admission_contacts`` and ``admissions`` from ``contacts``."""

    rule: m.AdmissionRule


@dataclass(frozen=True)
class PopulationCandidates:
    """``cand_<population>``: admissions meeting the inclusion rules, with branch flags."""

    population: m.Population

    @property
    def name(self) -> str:
        return f"cand_{self.population.id}"


@dataclass(frozen=True)
class Lockout:
    """``pop_<population>``: greedy index events at least ``days`` apart per person.

    Without a lockout the population is its candidates (after the washout, if any).
    """

    population: m.Population

    @property
    def name(self) -> str:
        return f"pop_{self.population.id}"


@dataclass(frozen=True)
class RecordUnits:
    """``rbase0_``, ``rbase_`` and ``pop_<population>`` of a record population."""

    population: m.RecordPopulation

    @property
    def name(self) -> str:
        return f"pop_{self.population.id}"


@dataclass(frozen=True)
class Units:
    """``units_<indicator>[__<cohort>]``: one row per unit in the period with rule flags
    and bucket."""

    indicator: m.Indicator
    population: m.AnyPopulation
    cohort: m.Cohort

    @property
    def name(self) -> str:
        suffix = f"__{self.cohort.id}" if self.cohort.id else ""
        return f"units_{self.indicator.id}{suffix}"

    @property
    def base(self) -> str:
        return "ubase_" + self.name[len("units_") :]


@dataclass(frozen=True)
class CompletenessUnits:
    """``compl_<indicator>``: the independent denominator's units with a ``found`` flag."""

    indicator: m.Indicator
    population: m.AnyPopulation

    @property
    def name(self) -> str:
        return f"compl_{self.indicator.id}"

    @property
    def base(self) -> str:
        return f"cbase_{self.indicator.id}"

    @property
    def cohort(self) -> m.Cohort:
        pop = self.population
        return m.Cohort(None, pop.title, pop.id, pop.index, pop.index)


Step = (
    Source
    | History
    | Admissions
    | PopulationCandidates
    | Lockout
    | RecordUnits
    | Units
    | CompletenessUnits
)


@dataclass(frozen=True)
class Plan:
    database: m.Database
    context: Context
    steps: tuple[Step, ...]
    tables: tuple[str, ...]  # store tables the run reads

    @property
    def units(self) -> tuple[Units, ...]:
        return tuple(s for s in self.steps if isinstance(s, Units))

    @property
    def completeness(self) -> tuple[CompletenessUnits, ...]:
        return tuple(s for s in self.steps if isinstance(s, CompletenessUnits))
