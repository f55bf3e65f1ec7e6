"""Primary and complementary small-number suppression, worked by hand."""

from __future__ import annotations

import pytest

from tvaers.stats import Cell, Relation, SuppressionPolicy, blank, suppress

POLICY = SuppressionPolicy(threshold=5)


def test_primary_hides_small_nonempty_denominators_only() -> None:
    cells = [Cell("a", 1, 4), Cell("b", 0, 0), Cell("c", 2, 5), Cell("d", 4, 4)]
    assert suppress(cells, [], POLICY) == {"a": "primary", "d": "primary"}


def test_single_suppressed_member_gets_smallest_nonempty_sibling() -> None:
    # region R = m1 + m2 + m3 + m4; m1 small; m4 empty (nothing to protect, cannot help).
    cells = [
        Cell("R", 30, 60),
        Cell("m1", 1, 3),
        Cell("m2", 10, 30),
        Cell("m3", 9, 27),
        Cell("m4", 0, 0),
    ]
    rel = Relation("R", ("m1", "m2", "m3", "m4"))
    assert suppress(cells, [rel], POLICY) == {"m1": "primary", "m3": "complementary"}


def test_only_member_suppressed_and_no_open_sibling_hides_the_total() -> None:
    # R = m1 + m2; m1 small, m2 empty: subtracting m2 = 0 from R would reveal m1.
    cells = [Cell("R", 9, 20), Cell("m1", 1, 3), Cell("m2", 0, 0)]
    hidden = suppress(cells, [Relation("R", ("m1", "m2"))], POLICY)
    assert hidden == {"m1": "primary", "R": "complementary"}


def test_relation_already_with_two_hidden_cells_needs_nothing() -> None:
    cells = [Cell("R", 2, 6), Cell("m1", 1, 3), Cell("m2", 1, 3), Cell("m3", 5, 20)]
    hidden = suppress(cells, [Relation("R", ("m1", "m2", "m3"))], POLICY)
    assert hidden == {"m1": "primary", "m2": "primary"}


def test_complements_cascade_through_nested_relations() -> None:
    # Nation N = R1 + R2; R1 = a + b; R2 = c + d. Only a is small.
    cells = [
        Cell("N", 40, 100),
        Cell("R1", 20, 50),
        Cell("R2", 20, 50),
        Cell("a", 1, 2),
        Cell("b", 19, 48),
        Cell("c", 10, 20),
        Cell("d", 10, 30),
    ]
    rels = [Relation("N", ("R1", "R2")), Relation("R1", ("a", "b")), Relation("R2", ("c", "d"))]
    hidden = suppress(cells, rels, POLICY)
    # a -> b hidden (R1 relation); N relation has none hidden; R2 none: stop.
    assert hidden == {"a": "primary", "b": "complementary"}
    # every relation now has 0 or >= 2 hidden cells
    for rel in rels:
        assert sum(k in hidden for k in (rel.total, *rel.members)) != 1


def test_min_numerator_option_hides_small_numerators_and_complements() -> None:
    policy = SuppressionPolicy(threshold=5, min_numerator=3)
    cells = [Cell("a", 1, 50), Cell("b", 49, 50), Cell("c", 0, 50), Cell("d", 25, 50)]
    assert set(suppress(cells, [], policy)) == {"a", "b"}


def test_blank_hides_value_and_interval_together() -> None:
    row = {"unit_id": "101", "numerator": 1, "proportion": 0.25, "ci_low": 0.1, "ci_high": 0.6}
    out = blank(row, ["numerator", "proportion", "ci_low", "ci_high"])
    assert out == {
        "unit_id": "101",
        "numerator": None,
        "proportion": None,
        "ci_low": None,
        "ci_high": None,
    }
    assert row["proportion"] == 0.25


def test_negative_threshold_is_refused() -> None:
    with pytest.raises(ValueError):
        SuppressionPolicy(threshold=-1)
