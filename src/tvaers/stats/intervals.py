"""Confidence intervals for a binomial proportion: Wilson score and Clopper-Pearson.

Both take ``k`` successes out of ``n`` trials and return ``None`` for ``n == 0`` (an empty
denominator has no proportion, so no interval). The edges are exact: ``k == 0`` gives a
lower limit of exactly 0 and ``k == n`` an upper limit of exactly 1 for both methods.

- Wilson score (Wilson 1927; Newcombe 1998 method 3; Brown, Cai & DasGupta 2001): the
  default for reported indicators, good average coverage and never outside [0, 1].
- Clopper-Pearson "exact" (1934): quantiles of the beta distribution; coverage at least
  the nominal level, conservative. Selectable per indicator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

CiMethod = Literal["wilson", "clopper-pearson"]
CI_METHODS: tuple[str, ...] = ("wilson", "clopper-pearson")


@dataclass(frozen=True, slots=True)
class Interval:
    """A two-sided confidence interval for a proportion."""

    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


def _check(k: int, n: int, confidence: float) -> None:
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")


def z_value(confidence: float) -> float:
    """The two-sided standard-normal quantile, e.g. 1.959964 for 0.95."""
    return NormalDist().inv_cdf(1.0 - (1.0 - confidence) / 2.0)


def wilson(k: int, n: int, confidence: float = 0.95) -> Interval | None:
    """Wilson score interval without continuity correction."""
    _check(k, n, confidence)
    if n == 0:
        return None
    z = z_value(confidence)
    p = k / n
    z2n = z * z / n
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n)) / (1.0 + z2n)
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return Interval(low, high)


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> Interval | None:
    """Clopper-Pearson interval from beta quantiles (scipy, imported on first use)."""
    _check(k, n, confidence)
    if n == 0:
        return None
    from scipy.special import betaincinv

    alpha = 1.0 - confidence
    low = 0.0 if k == 0 else float(betaincinv(k, n - k + 1, alpha / 2.0))
    high = 1.0 if k == n else float(betaincinv(k + 1, n - k, 1.0 - alpha / 2.0))
    return Interval(low, high)


def proportion_ci(
    k: int, n: int, method: CiMethod = "wilson", confidence: float = 0.95
) -> Interval | None:
    """The interval of ``method`` (``wilson`` or ``clopper-pearson``)."""
    if method == "wilson":
        return wilson(k, n, confidence)
    if method == "clopper-pearson":
        return clopper_pearson(k, n, confidence)
    raise ValueError(f"unknown CI method {method!r}; valid: {', '.join(CI_METHODS)}")
