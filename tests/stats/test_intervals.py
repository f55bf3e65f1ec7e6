"""Wilson and Clopper-Pearson intervals against published values and scipy."""

from __future__ import annotations

import pytest
from scipy.stats import binomtest

from tvaers.stats import clopper_pearson, proportion_ci, wilson

# Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of
# seven methods. Stat Med 1998;17:857-872, Table I: method 3 (Wilson score, no continuity
# correction) and method 5 (Clopper-Pearson exact), four worked examples, 4 decimals.
NEWCOMBE = [
    # k, n, wilson (low, high), clopper-pearson (low, high)
    (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
    (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),
    (0, 20, (0.0000, 0.1611), (0.0000, 0.1684)),
    (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
]


@pytest.mark.parametrize(("k", "n", "w", "cp"), NEWCOMBE)
def test_newcombe_1998_worked_examples(
    k: int, n: int, w: tuple[float, float], cp: tuple[float, float]
) -> None:
    got_w = wilson(k, n)
    got_cp = clopper_pearson(k, n)
    assert got_w is not None and got_cp is not None
    assert (round(got_w.low, 4), round(got_w.high, 4)) == w
    assert (round(got_cp.low, 4), round(got_cp.high, 4)) == cp


GRID = [(k, n) for n in (1, 2, 5, 7, 20, 63, 250, 1001) for k in sorted({0, 1, n // 3, n - 1, n})]


@pytest.mark.parametrize(("k", "n"), GRID)
def test_agrees_with_scipy_including_0_and_n(k: int, n: int) -> None:
    ref = binomtest(k, n)
    for method, scipy_method in (("wilson", "wilson"), ("clopper-pearson", "exact")):
        got = proportion_ci(k, n, method)  # type: ignore[arg-type]
        want = ref.proportion_ci(confidence_level=0.95, method=scipy_method)
        assert got is not None
        assert got.low == pytest.approx(want.low, abs=1e-12)
        assert got.high == pytest.approx(want.high, abs=1e-12)


@pytest.mark.parametrize("n", [1, 3, 40, 999])
def test_edges_are_exact(n: int) -> None:
    for method in ("wilson", "clopper-pearson"):
        zero = proportion_ci(0, n, method)  # type: ignore[arg-type]
        full = proportion_ci(n, n, method)  # type: ignore[arg-type]
        assert zero is not None and full is not None
        assert zero.low == 0.0 and zero.high < 1.0
        assert full.high == 1.0 and full.low > 0.0


def test_other_confidence_levels_match_scipy() -> None:
    ref = binomtest(7, 40).proportion_ci(confidence_level=0.998, method="wilson")
    got = wilson(7, 40, confidence=0.998)
    assert got is not None
    assert (got.low, got.high) == pytest.approx((ref.low, ref.high), abs=1e-12)


def test_empty_denominator_has_no_interval() -> None:
    assert wilson(0, 0) is None
    assert clopper_pearson(0, 0) is None


@pytest.mark.parametrize(("k", "n"), [(-1, 5), (6, 5), (0, -1)])
def test_impossible_counts_are_refused(k: int, n: int) -> None:
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson(k, n)


def test_unknown_method_lists_valid_ones() -> None:
    with pytest.raises(ValueError, match="wilson, clopper-pearson"):
        proportion_ci(1, 2, "wald")  # type: ignore[arg-type]
