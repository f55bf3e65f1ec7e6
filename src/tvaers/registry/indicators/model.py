"""The checked definition: typed, with parameters resolved and defaults applied.

Produced by :mod:`.check`; consumed by :mod:`.plan`. Criteria are small immutable nodes
(a tree of ``AnyOf``/``AllOf``/``Not`` over leaves); every window is in whole days from an
anchor date, closed at both ends, with the anchor already resolved (``index`` -> the
indicator's index date).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any, Literal

Anchor = Literal["admission_start", "discharge"]
UnitType = Literal["national", "region", "municipality", "delivering_municipality", "hospital"]


@dataclass(frozen=True)
class Window:
    """Days ``lo..hi`` (inclusive) after the ``anchor`` date."""

    anchor: Anchor
    lo: int
    hi: int


@dataclass(frozen=True)
class Died:
    window: Window


@dataclass(frozen=True)
class Emigrated:
    window: Window


@dataclass(frozen=True)
class FollowUpIncomplete:
    """The window ``anchor + days`` ends after the data cut-off."""

    anchor: Anchor
    days: int


@dataclass(frozen=True)
class AdmissionExists:
    """Another derived admission of the person starts in the window."""

    window: Window
    priority: str | None


@dataclass(frozen=True)
class ProcedureExists:
    """An LPR procedure with one of ``codes`` (``X*`` = prefix) performed in the window."""

    codes: tuple[str, ...]
    window: Window


@dataclass(frozen=True)
class RecordExists:
    """A current, valid row of a flat municipal table dated in the window."""

    table: str
    where: tuple[tuple[str, tuple[str, ...]], ...]
    date_column: str
    window: Window


@dataclass(frozen=True)
class NotReporting:
    """The residence municipality delivered no accepted reports of ``ig`` in the window."""

    ig: str
    window: Window
    rule: Literal["no_reports_in_window", "any_month_missing"]


@dataclass(frozen=True)
class ResidenceUnknown:
    """No CPR residence on the index date: the person cannot be linked to a municipality."""


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Criterion, ...]


@dataclass(frozen=True)
class AllOf:
    items: tuple[Criterion, ...]


@dataclass(frozen=True)
class Not:
    item: Criterion


Criterion = (
    Died
    | Emigrated
    | FollowUpIncomplete
    | AdmissionExists
    | ProcedureExists
    | RecordExists
    | NotReporting
    | ResidenceUnknown
    | AnyOf
    | AllOf
    | Not
)


@dataclass(frozen=True)
class Rule:
    """A named criterion: an exclusion, an uoplyst reason or the numerator."""

    id: str
    title: str
    criterion: Criterion


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
    id: str
    title: str
    unit: Literal["admission"]
    priority: str | None
    index: Anchor
    age_min: int | None
    age_max: int | None
    age_at: Anchor
    new_index_after_days: int | None
    any_of: tuple[ContactRule, ...]


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
class Indicator:
    id: str
    title: str
    origin: str
    population: str
    index: Anchor
    period_by: Anchor
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
    definition_hash: str = ""

    @property
    def rules(self) -> tuple[Rule, ...]:
        return (*self.exclusions, *self.uoplyst, self.numerator)


@dataclass(frozen=True)
class Database:
    id: str
    title: str
    file: str
    sources: tuple[str, ...]
    admissions: AdmissionRule
    populations: dict[str, Population] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)


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
