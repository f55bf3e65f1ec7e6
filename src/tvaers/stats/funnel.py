"""Funnel-plot control limits for a proportion (Spiegelhalter 2005).

Method: exact binomial limits with interpolation, as in Spiegelhalter, "Funnel plots for
comparing institutional performance", Stat Med 2005;24:1185-1202, appendix A.1.1. For a
target proportion ``theta`` and denominator ``n``, the ``p``-quantile of the binomial
distribution is ``r_p`` = the smallest ``r`` with ``P(R <= r) >= p``; because ``R`` is
discrete, the limit is interpolated:

    alpha = (P(R <= r_p) - p) / (P(R <= r_p) - P(R <= r_p - 1))
    limit = (r_p - alpha) / n

For small ``n`` the interpolated lower limit can fall below 0 (when ``r_p = 0``); limits
are clamped to [0, 1]. The 95 % limits use ``p`` = 0.025 and 0.975 (about 2 SD), the 99.8 % limits 0.001 and
0.999 (about 3 SD). No overdispersion adjustment is applied. The target is chosen by the
caller (the indicator's standard, or the national proportion of the same period).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FunnelLimits:
    """Lower and upper control limits at 95 % and 99.8 % for one denominator."""

    low_95: float
    high_95: float
    low_998: float
    high_998: float


def _cdf(r: int, n: int, theta: float) -> float:
    from scipy.special import bdtr

    if r < 0:
        return 0.0
    if r >= n:
        return 1.0
    return float(bdtr(r, n, theta))


def binomial_quantile_limit(p: float, n: int, theta: float) -> float:
    """The interpolated ``p``-quantile of Binomial(n, theta), divided by ``n``."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p}")
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    if not 0.0 <= theta <= 1.0:
        raise ValueError(f"target must be a proportion in [0, 1], got {theta}")
    if theta == 0.0:
        return 0.0
    if theta == 1.0:
        return 1.0
    # The smallest r with F(r) >= p, by bisection on the monotone CDF (exact, no ppf).
    low, high = 0, n
    while low < high:
        mid = (low + high) // 2
        if _cdf(mid, n, theta) >= p:
            high = mid
        else:
            low = mid + 1
    r = low
    upper, lower = _cdf(r, n, theta), _cdf(r - 1, n, theta)
    alpha = (upper - p) / (upper - lower)
    return min(1.0, max(0.0, (r - alpha) / n))


def funnel_limits(target: float, n: int) -> FunnelLimits | None:
    """Control limits around ``target`` for denominator ``n`` (None when ``n`` is 0)."""
    if n == 0:
        return None
    return FunnelLimits(
        low_95=binomial_quantile_limit(0.025, n, target),
        high_95=binomial_quantile_limit(0.975, n, target),
        low_998=binomial_quantile_limit(0.001, n, target),
        high_998=binomial_quantile_limit(0.999, n, target),
    )
