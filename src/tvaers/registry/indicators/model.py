"""The checked definition: typed, with parameters resolved and defaults applied.

Produced by :mod:`.check`; consumed by :mod:`.plan`. Criteria are small immutable nodes
(a tree of ``AnyOf``/``AllOf``/``Not`` over leaves); every window is in whole days from an
anchor date, closed at both ends. An anchor is a date of the unit: ``index`` (resolved per
population by the compiler), ``admission_start``/``discharge`` for admission units, or a
date field of a record unit (a column of its table or a derived value).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Anchor = str
UnitType = Literal["national", "region", "municipality", "delivering_municipality", "hospital"]
Municipality = Literal["residence", "delivering"]
#: Alternatives of column filters: a row matches when all filters of one alternative hold.
Where = tuple[tuple[tuple[str, tuple[str, ...]], ...], ...]


@dataclass(frozen=True)
class Window:
    """Days ``lo..hi`` (inclusive) after the ``anchor`` date.

    With ``until`` the upper end is ``hi`` days after the date ``until`` instead (e.g.
    "died during the course": from the course start to its end).
    """

    anchor: Anchor
    lo: int
    hi: int
    until: Anchor | None = None


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
class Hop:
    """An intermediate table on the way from the unit to a linked record."""

    table: str
    on: tuple[tuple[str, tuple[str, ...]], ...]  # column -> references (any of them)


@dataclass(frozen=True)
class RecordExists:
    """A valid row of a flat municipal table of the same person.

    Optionally linked to the unit (``match``: the row's column equals one of the referenced
    unit fields, ``via<k>.<column>`` of a hop, or ``any:<list field>``), dated in a window,
    and, with ``in_force_at``, read from the version history: the version in force on
    that date of the unit instead of the current version.
    """

    table: str
    where: Where = ()
    codes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    on: tuple[tuple[str, tuple[str, ...]], ...] = ()
    via: tuple[Hop, ...] = ()
    date_column: str | None = None
    window: Window | None = None
    in_force_at: Anchor | None = None
    present: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotReporting:
    """The unit's municipality delivered no accepted reports of ``ig`` in the window."""

    ig: str
    window: Window
    rule: Literal["no_reports_in_window", "any_month_missing"]
    municipality: Municipality = "residence"


@dataclass(frozen=True)
class NeverReported:
    """The unit's municipality never delivered a row of ``table`` (an optional resource)."""

    table: str
    municipality: Municipality = "delivering"


@dataclass(frozen=True)
class ResidenceUnknown:
    """No CPR residence on the index date: the person cannot be linked to a municipality."""


@dataclass(frozen=True)
class Field:
    """A field of the unit has one of ``values``."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Missing:
    """A field of the unit is empty."""

    name: str


@dataclass(frozen=True)
class DateIn:
    """A date field of the unit lies in the window."""

    name: str
    window: Window


@dataclass(frozen=True)
class Compare:
    """``left op right`` over two fields; ``levels`` maps codes to numbers first."""

    left: str
    op: Literal["<", "<=", "=", ">=", ">", "!="]
    right: str
    levels: tuple[tuple[str, float], ...] = ()


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
    | NeverReported
    | ResidenceUnknown
    | Field
    | Missing
    | DateIn
    | Compare
    | AnyOf
    | AllOf
    | Not
)


@dataclass(frozen=True)
class Rule:
    """A named criterion: an exclusion, an uoplyst reason, the numerator or a stratum."""

    id: str
    title: str
    criterion: Criterion


# The populations, indicators and the database live in model_db (kept apart for size); they
# are re-exported here so that ``model.X`` names every type of the checked definition.
from tvaers.registry.indicators.model_db import (  # noqa: E402
    AdmissionRule,
    AnyPopulation,
    Cohort,
    Completeness,
    ContactRule,
    CountActive,
    Database,
    DiagnosisRequirement,
    Distribution,
    Earliest,
    Indicator,
    Measure,
    Overlap,
    Pair,
    Population,
    RecordPopulation,
    Standard,
    Value,
    ValueAt,
    ValueSpec,
    semantic_hash,
)

__all__ = [
    "AdmissionExists",
    "AdmissionRule",
    "AllOf",
    "Anchor",
    "AnyOf",
    "AnyPopulation",
    "Cohort",
    "Compare",
    "Completeness",
    "ContactRule",
    "CountActive",
    "Criterion",
    "Database",
    "DateIn",
    "DiagnosisRequirement",
    "Died",
    "Distribution",
    "Earliest",
    "Emigrated",
    "Field",
    "FollowUpIncomplete",
    "Hop",
    "Indicator",
    "Measure",
    "Missing",
    "Municipality",
    "NeverReported",
    "Not",
    "NotReporting",
    "Overlap",
    "Pair",
    "Population",
    "ProcedureExists",
    "RecordExists",
    "RecordPopulation",
    "ResidenceUnknown",
    "Rule",
    "Standard",
    "UnitType",
    "Value",
    "ValueAt",
    "ValueSpec",
    "Where",
    "Window",
    "semantic_hash",
]
