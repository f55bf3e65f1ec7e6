"""Populations, derived values, indicators and the database of a checked definition.

Re-exported by :mod:`.model`; see there for the criteria these refer to.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any, Literal

from tvaers.registry.indicators.model import (
    Anchor,
    Criterion,
    RecordExists,
    Rule,
    Where,
    Window,
)


@dataclass(frozen=True)
class DiagnosisRequirement:
    diag_type: str | None  # "A", "B" or None (either)
    codes: tuple[str, ...]


@dataclass(frozen=True)
class ContactRule:
    """One contact of the admission meets all requirements (an inclusion branch)."""

    id: str
    title: str
    days_from_start: tuple[int, int] | None
    diagnoses: tuple[DiagnosisRequirement, ...]
    procedures: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class AdmissionRule:
    """How admissions are derived from LPR3 contacts (docs/indicators.md)."""

    contact_types: tuple[str, ...] = ("physical",)
    max_gap_hours: int = 4
    min_duration_hours: int = 12


@dataclass(frozen=True)
class Population:
    """LPR3 units: index events from derived admissions, or (``contact_day``) from the
    contacts of one person and day meeting an inclusion rule (unit id = the day's first such
    contact; both anchors are the day)."""

    id: str
    title: str
    unit: Literal["admission", "contact_day"]
    priority: str | None
    index: Anchor
    age_min: int | None
    age_max: int | None
    age_at: Anchor
    new_index_after_days: int | None
    any_of: tuple[ContactRule, ...]
    washout_days: int | None = None

    @property
    def branch_ids(self) -> tuple[str, ...]:
        return tuple(b.id for b in self.any_of)

    def anchors(self) -> tuple[str, ...]:
        return ("admission_start", "discharge")


@dataclass(frozen=True)
class Earliest:
    """The first (or, with ``latest``, last) date of matching records; the first option
    that finds any record decides (a fallback chain)."""

    options: tuple[RecordExists, ...]
    latest: bool = False


@dataclass(frozen=True)
class ValueAt:
    """A column of a linked row: its current version (no ``anchor``, no ``within``), the
    version in force ``days`` after ``anchor``, or (with ``within``) the last version that
    took effect inside the window."""

    table: str
    column: str
    on: tuple[tuple[str, tuple[str, ...]], ...]
    where: Where = ()
    present: tuple[str, ...] = ()
    anchor: Anchor | None = None
    days: int = 0
    within: Window | None = None


@dataclass(frozen=True)
class CountActive:
    """Rows of a table of the same person active ``days`` after ``anchor``: started on or
    before that day and not ended by it (``period_start <= day < period_end``)."""

    table: str
    where: Where
    anchor: Anchor
    days: int


ValueSpec = Earliest | ValueAt | CountActive


@dataclass(frozen=True)
class Value:
    """A derived field of a record unit."""

    name: str
    kind: Literal["date", "text", "number"]
    spec: ValueSpec


@dataclass(frozen=True)
class Pair:
    """Each unit row is paired with every version of a row of ``table`` of the same person
    in force on the unit's index date (``pair_<column>`` fields); ``match`` links the pair to
    the unit row (its column = a column of the unit's table, or ``any:<list column>``)."""

    table: str
    where: Where = ()
    present: tuple[str, ...] = ()
    match: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class RecordPopulation:
    """Record units: rows of flat municipal tables (referrals, forløb, conditions, ...)."""

    id: str
    title: str
    unit: Literal["record"]
    tables: tuple[str, ...]
    snapshot: bool  # the versions in force at the period end instead of current versions
    where: Where
    present: tuple[str, ...]
    index: Anchor
    fields: tuple[tuple[str, str], ...]  # name -> kind: date, text, list, number
    age_min: int | None
    age_max: int | None
    all_of: tuple[Rule, ...]
    any_of: tuple[Rule, ...]
    pair: Pair | None
    values: tuple[Value, ...]

    @property
    def branch_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in (*self.all_of, *self.any_of))

    def anchors(self) -> tuple[str, ...]:
        return tuple(name for name, kind in self.fields if kind == "date")

    def kind_of(self, name: str) -> str | None:
        return dict(self.fields).get(name)


AnyPopulation = Population | RecordPopulation


@dataclass(frozen=True)
class Standard:
    direction: Literal["<=", ">="]
    value: float
    set_by: str

    def met(self, proportion: float) -> bool:
        return proportion <= self.value if self.direction == "<=" else proportion >= self.value

    def text(self) -> str:
        return f"{self.direction}{self.value:g}"


@dataclass(frozen=True)
class Cohort:
    """One population an indicator is computed on; ``id`` labels its rows (``stratum``)."""

    id: str | None
    title: str
    population: str
    index: Anchor
    period_by: Anchor


@dataclass(frozen=True)
class Measure:
    """A descriptive statistic per reporting unit: the median days ``start`` -> ``end``."""

    id: str
    start: Anchor
    end: Anchor
    among: tuple[str, ...]


@dataclass(frozen=True)
class Distribution:
    """Counts of a field's values per reporting unit among units in ``among`` buckets."""

    id: str
    field: str
    among: tuple[str, ...]


@dataclass(frozen=True)
class Completeness:
    """Data completeness against an independent denominator (RKKP's bar, default 90 %)."""

    title: str
    population: str
    found: Criterion
    bar: float


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    origin: str
    cohorts: tuple[Cohort, ...]
    exclusions: tuple[Rule, ...]
    uoplyst: tuple[Rule, ...]
    numerator: Rule
    uoplyst_in_denominator: bool
    units: tuple[str, ...]
    ci_method: str
    standard: Standard | None
    funnel_target: Literal["national", "standard"]
    better: str
    type: str
    strata: tuple[Rule, ...] = ()
    total: bool = True
    measures: tuple[Measure, ...] = ()
    distributions: tuple[Distribution, ...] = ()
    completeness: Completeness | None = None
    definition_hash: str = ""

    @property
    def rules(self) -> tuple[Rule, ...]:
        return (*self.exclusions, *self.uoplyst, self.numerator)

    @property
    def population(self) -> str:
        """The (first) cohort's population."""
        return self.cohorts[0].population

    @property
    def index(self) -> Anchor:
        return self.cohorts[0].index

    @property
    def period_by(self) -> Anchor:
        return self.cohorts[0].period_by


@dataclass(frozen=True)
class Overlap:
    """A diagnosis-based (hospital) and a function-based (municipal) population to compare."""

    id: str
    title: str
    hospital: str
    municipal: str


@dataclass(frozen=True)
class Database:
    id: str
    title: str
    file: str
    sources: tuple[str, ...]
    admissions: AdmissionRule
    populations: dict[str, AnyPopulation] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    overlaps: tuple[Overlap, ...] = ()


def _strip_titles(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _strip_titles(v) for k, v in value.items() if k not in ("title", "definition_hash")
        }
    if isinstance(value, list | tuple):
        return [_strip_titles(v) for v in value]
    return value


def semantic_hash(*parts: Any) -> str:
    """SHA-256 over what decides the numbers (titles and texts left out)."""
    plain = [_strip_titles(asdict(p) if is_dataclass(p) else p) for p in parts]  # type: ignore[arg-type]
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
