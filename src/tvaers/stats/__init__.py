"""Statistics for indicators: confidence intervals, funnel limits, small-number suppression.

Pure functions of their inputs; imports nothing else of tvaers. scipy is imported on first
use only.
"""

from tvaers.stats.audit import CountCell, exposed, protect
from tvaers.stats.funnel import FunnelLimits, funnel_limits
from tvaers.stats.intervals import (
    CI_METHODS,
    CiMethod,
    Interval,
    clopper_pearson,
    proportion_ci,
    wilson,
)
from tvaers.stats.suppression import Cell, Relation, SuppressionPolicy, blank, suppress

__all__ = [
    "CI_METHODS",
    "Cell",
    "CiMethod",
    "CountCell",
    "FunnelLimits",
    "Interval",
    "Relation",
    "SuppressionPolicy",
    "blank",
    "clopper_pearson",
    "exposed",
    "funnel_limits",
    "proportion_ci",
    "protect",
    "suppress",
    "wilson",
]
