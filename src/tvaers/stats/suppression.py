"""Small-number suppression for published aggregates, with complementary suppression.

A *cell* is one published result (numerator out of denominator for one unit). Public
outputs hide a cell's value and its confidence interval together (never one without the
other), so a suppressed cell reveals neither its numerator nor its proportion.

1. **Primary suppression**: a cell whose denominator is between 1 and ``threshold - 1``
   (and, if ``min_numerator`` is set, a cell whose numerator or complement
   ``denominator - numerator`` is between 1 and ``min_numerator - 1``). Empty cells
   (denominator 0) carry no person and are never suppressed.
2. **Complementary suppression**: published totals make cells recoverable by
   subtraction (a region is the sum of its municipalities; the nation the sum of regions).
   Each such *relation* ``total = sum(members)`` must not contain exactly one suppressed
   cell; when it does, the smallest other non-empty member (ties by key) is suppressed
   too, else the total. This repeats until no relation has a single suppressed cell.

The threshold is a setting (``suppression_threshold`` of the registry), not a constant
here. Relations that combine several tables (residence vs delivering municipality,
adjacent periods) are added by the caller as extra relations.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Reason = Literal["primary", "complementary"]


@dataclass(frozen=True, slots=True)
class SuppressionPolicy:
    """When a cell is too small to publish."""

    threshold: int
    min_numerator: int = 0

    def __post_init__(self) -> None:
        if self.threshold < 0 or self.min_numerator < 0:
            raise ValueError("suppression thresholds must be >= 0")

    def is_small(self, numerator: int, denominator: int) -> bool:
        """Primary rule for one cell."""
        if denominator <= 0:
            return False
        if denominator < self.threshold:
            return True
        if self.min_numerator:
            complement = denominator - numerator
            return 0 < numerator < self.min_numerator or 0 < complement < self.min_numerator
        return False


@dataclass(frozen=True, slots=True)
class Cell:
    """One publishable count pair."""

    key: Hashable
    numerator: int
    denominator: int


@dataclass(frozen=True, slots=True)
class Relation:
    """A published linear relation: ``total`` equals the sum of ``members``."""

    total: Hashable
    members: tuple[Hashable, ...]


def primary(cells: Iterable[Cell], policy: SuppressionPolicy) -> dict[Hashable, Reason]:
    """Cells suppressed by the primary rule."""
    return {c.key: "primary" for c in cells if policy.is_small(c.numerator, c.denominator)}


def suppress(
    cells: Sequence[Cell],
    relations: Iterable[Relation],
    policy: SuppressionPolicy,
    hidden_already: Iterable[Hashable] = (),
) -> dict[Hashable, Reason]:
    """Primary then complementary suppression; maps each suppressed key to its reason.

    ``hidden_already`` are cells hidden for another reason (e.g. a distribution's cells of a
    suppressed result): they count as primary.
    """
    by_key = {c.key: c for c in cells}
    rels = [r for r in relations if r.total in by_key]
    hidden = primary(cells, policy)
    hidden.update({k: "primary" for k in hidden_already if k in by_key})
    changed = True
    while changed:
        changed = False
        for rel in rels:
            chosen = _complement(rel, by_key, hidden)
            if chosen is not None:
                hidden[chosen] = "complementary"
                changed = True
    return hidden


def _complement(
    rel: Relation, by_key: Mapping[Hashable, Cell], hidden: Mapping[Hashable, Reason]
) -> Hashable | None:
    """The cell to hide so that ``rel`` has no single suppressed cell, or None."""
    members = [m for m in rel.members if m in by_key]
    keys = [rel.total, *members]
    if sum(1 for k in keys if k in hidden) != 1:
        return None
    open_members = [by_key[m] for m in members if m not in hidden and by_key[m].denominator > 0]
    if open_members:
        best = min(open_members, key=lambda c: (c.denominator, str(c.key)))
        return best.key
    if rel.total not in hidden and by_key[rel.total].denominator > 0:
        return rel.total
    return None


def blank(row: Mapping[str, object], fields: Iterable[str]) -> dict[str, object]:
    """A copy of ``row`` with ``fields`` set to None (value and CI go together)."""
    out = dict(row)
    for name in fields:
        out[name] = None
    return out
