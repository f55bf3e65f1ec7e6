"""The attacker's integer bounds (exposed) and suppression that survives them (protect).

Cells are (numerator, denominator) unless noted; values worked out by hand."""

from __future__ import annotations

from tvaers.stats import CountCell, Relation, SuppressionPolicy, exposed, protect, suppress
from tvaers.stats.suppression import Cell

POLICY = SuppressionPolicy(5)


def cells(**counts: tuple[int, ...]) -> list[CountCell]:
    return [CountCell(k, v) for k, v in counts.items()]


def test_a_single_hidden_member_of_an_exact_relation_is_determined() -> None:
    got = cells(R=(5, 20), a=(1, 3), b=(2, 8), c=(2, 9))
    rel = [Relation("R", ("a", "b", "c"))]
    assert exposed(got, rel, {"a"}) == {"a": [0, 1]}  # a = R - b - c for both counts


def test_a_numerator_forced_to_zero_is_not_reported() -> None:
    # R's numerator is 0: every member's is 0, whatever is hidden (public already)
    got = cells(R=(0, 20), a=(0, 3), b=(0, 8), c=(0, 9))
    rel = [Relation("R", ("a", "b", "c"))]
    assert exposed(got, rel, {"a", "b"}) == {}


def test_two_hidden_cells_of_denominator_one_each_are_determined() -> None:
    # R's denominator 12 - 10 = 2 must be split over two non-empty cells: 1 + 1
    got = cells(R=(3, 12), a=(0, 1), b=(1, 1), c=(2, 10))
    rel = [Relation("R", ("a", "b", "c"))]
    assert sorted(suppress([Cell(c.key, *c.counts) for c in got], rel, POLICY)) == ["a", "b"]
    found = exposed(got, rel, {"a", "b"})
    assert found == {"a": [1], "b": [1]}  # numerators stay open: 0+1 or 1+0
    hidden = protect(got, rel, POLICY)
    assert hidden == {"a", "b", "c"} and exposed(got, rel, hidden) == {}


def test_inexact_relation_gives_only_a_bound() -> None:
    # 3 persons of the nation have no residence: N > sum of the regions
    got = cells(N=(4, 15), r1=(1, 3), r2=(2, 9))
    rel = [Relation("N", ("r1", "r2"))]
    assert exposed(got, rel, {"r1"}) == {}  # r1's denominator could be 1..6


def test_two_relations_together_determine_a_cell() -> None:
    # x and y are hidden in relation A; x alone shares relation B with published cells
    got = cells(A=(3, 10), x=(1, 2), y=(1, 3), z=(1, 5), B=(2, 7), w=(1, 5))
    rels = [Relation("A", ("x", "y", "z")), Relation("B", ("x", "w"))]
    assert exposed(got, rels, {"x", "y"}) == {"x": [0, 1], "y": [0, 1]}
    hidden = protect(got, rels, POLICY)
    assert {"x", "y"} <= hidden and exposed(got, rels, hidden) == {}


def test_numerator_never_above_denominator_is_used() -> None:
    # a's denominator is determined as 1 and b's numerator is published as 0: the
    # region's numerator 1 can only come from a (a's numerator <= 1, b's is 0)
    got = cells(R=(1, 6), a=(1, 1), b=(0, 5))
    rel = [Relation("R", ("a", "b"))]
    assert exposed(got, rel, {"a"}) == {"a": [0, 1]}
