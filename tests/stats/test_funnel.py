"""Funnel limits against an exact-arithmetic evaluation of Spiegelhalter's formula."""

from __future__ import annotations

import math
from fractions import Fraction
from statistics import NormalDist

import pytest

from tvaers.stats import funnel_limits
from tvaers.stats.funnel import binomial_quantile_limit


def exact_limit(p: Fraction, n: int, theta: Fraction) -> float:
    """Spiegelhalter 2005 appendix A.1.1 evaluated with exact rational arithmetic."""
    cdf = []
    total = Fraction(0)
    for r in range(n + 1):
        total += math.comb(n, r) * theta**r * (1 - theta) ** (n - r)
        cdf.append(total)
    r_p = next(r for r in range(n + 1) if cdf[r] >= p)
    below = cdf[r_p - 1] if r_p > 0 else Fraction(0)
    alpha = (cdf[r_p] - p) / (cdf[r_p] - below)
    # For r_p = 0 the interpolation goes below 0; a proportion limit is clamped to [0, 1].
    return float(min(Fraction(1), max(Fraction(0), (r_p - alpha) / n)))


CASES = [
    (Fraction(15, 100), 10),
    (Fraction(15, 100), 57),
    (Fraction(9, 10), 30),
    (Fraction(1, 2), 101),
    (Fraction(3, 100), 200),
]
TAILS = [Fraction(25, 1000), Fraction(975, 1000), Fraction(1, 1000), Fraction(999, 1000)]


@pytest.mark.parametrize(("theta", "n"), CASES)
def test_matches_exact_rational_evaluation(theta: Fraction, n: int) -> None:
    limits = funnel_limits(float(theta), n)
    assert limits is not None
    got = (limits.low_95, limits.high_95, limits.low_998, limits.high_998)
    want = tuple(exact_limit(p, n, theta) for p in TAILS)
    assert got == pytest.approx(want, abs=1e-9)


def test_large_denominator_approaches_normal_limits() -> None:
    theta, n = 0.16, 15293  # DrKOL 2022: 15,293 courses, 16 % readmitted
    limits = funnel_limits(theta, n)
    assert limits is not None
    sd = math.sqrt(theta * (1 - theta) / n)
    z95, z998 = NormalDist().inv_cdf(0.975), NormalDist().inv_cdf(0.999)
    assert limits.low_95 == pytest.approx(theta - z95 * sd, abs=1 / n)
    assert limits.high_95 == pytest.approx(theta + z95 * sd, abs=1 / n)
    assert limits.low_998 == pytest.approx(theta - z998 * sd, abs=1 / n)
    assert limits.high_998 == pytest.approx(theta + z998 * sd, abs=1 / n)


def test_limits_nest_and_narrow_with_n() -> None:
    previous = None
    for n in (5, 20, 80, 320, 1280):
        lim = funnel_limits(0.3, n)
        assert lim is not None
        assert lim.low_998 <= lim.low_95 <= 0.3 <= lim.high_95 <= lim.high_998
        if previous is not None:
            assert lim.high_998 - lim.low_998 < previous.high_998 - previous.low_998
        previous = lim


def test_degenerate_targets_and_empty_denominator() -> None:
    assert funnel_limits(0.2, 0) is None
    zero = funnel_limits(0.0, 10)
    one = funnel_limits(1.0, 10)
    assert zero is not None and one is not None
    assert (zero.low_95, zero.high_998) == (0.0, 0.0)
    assert (one.low_998, one.high_95) == (1.0, 1.0)


@pytest.mark.parametrize(("p", "n", "theta"), [(0.0, 5, 0.1), (0.5, 0, 0.1), (0.5, 5, 1.5)])
def test_bad_arguments_are_refused(p: float, n: int, theta: float) -> None:
    with pytest.raises(ValueError):
        binomial_quantile_limit(p, n, theta)
