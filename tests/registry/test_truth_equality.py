"""Every indicator of every database equals the generator's ``truth_observable`` person by
person (bucket, deciding rule, stratum) for every unit and period of a synthetic sample,
and the counts per reporting unit equal ``truth/aggregates.parquet``; the bias of the
coverage gaps (actual - observable) is printed per indicator (see truth_harness.py)."""

from __future__ import annotations

from typing import Any

import pytest
from truth_harness import (
    aggregate_rows,
    compare,
    registry_units,
    truth_aggregates,
    truth_units,
)

#: indicators of indicators.md (the truth computes all of them)
ALL = {f"H{i}" for i in range(1, 6)} | {f"K{i}" for i in range(1, 6)} | {"D1", "D2"}
ALL |= {f"M{i}" for i in range(1, 5)} | {"P1", "P2"}


pytestmark = pytest.mark.slow


def test_every_unit_equals_truth_observable(synthetic_world: dict[str, Any]) -> None:
    mine = registry_units(synthetic_world["runs"], synthetic_world["pseudonyms"])
    truth = truth_units(synthetic_world["synth"])
    result = compare(mine, truth)
    assert set(result) == ALL
    for indicator, tally in sorted(result.items()):
        print(f"{indicator}: {dict(tally)}")
    assert {i: t for i, t in result.items() if set(t) != {"equal"}} == {}
    assert sum(t["equal"] for t in result.values()) > 3000


def test_counts_per_reporting_unit_equal_truth_aggregates(synthetic_world: dict[str, Any]) -> None:
    mine = aggregate_rows(synthetic_world["runs"])
    truth, bias = truth_aggregates(synthetic_world["synth"])
    shared = mine.keys() & truth.keys()
    assert len(shared) > 1000
    # the registry reports every municipality, also empty ones; the truth has D1's two
    # cohorts added up ("all"), which the registry does not publish
    unshared = {k for k in truth.keys() - mine.keys() if not (k[0] == "D1" and k[4] == "all")}
    assert unshared == set()
    different = {k: (mine[k], truth[k]) for k in shared if mine[k] != truth[k]}
    assert different == {}
    # the bias caused by coverage gaps, per indicator: the largest |actual - observable|
    for indicator in sorted(ALL):
        worst = max(
            ((abs(b[2]), k) for k, b in bias.items() if k[0] == indicator and b[2] is not None),
            default=None,
        )
        national = [b for k, b in bias.items() if k[0] == indicator and k[2] == "national"]
        print(
            indicator,
            "national bias",
            [round(b[2], 4) for b in national if b[2] is not None],
            "worst",
            worst,
        )
