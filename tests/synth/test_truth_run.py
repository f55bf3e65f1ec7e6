"""The truth tables of a generated run: shape, keys, invariants between the two views."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tvaers.cli.main import main
from tvaers.synth.truth.run import indicators

BUCKETS = {"excluded", "uoplyst", "numerator", "denominator_only", None}
UNIT_COLUMNS = [
    "indicator", "unit_id", "cpr", "period", "index_date", "municipality",
    "delivering_municipality", "hospital", "bucket_actual", "reason_actual", "rules_actual",
    "bucket_observable", "reason_observable", "rules_observable", "stratum_actual",
    "stratum_observable", "value_actual", "value_observable", "detail_actual",
    "detail_observable",
]  # fmt: skip


@pytest.fixture(scope="module")
def units(small_run: Path) -> list[dict[str, object]]:
    return pq.read_table(small_run / "truth" / "units.parquet").to_pylist()


def test_every_starter_indicator_has_units(small_run: Path, units: list[dict[str, object]]) -> None:
    schema = pq.read_schema(small_run / "truth" / "units.parquet")
    assert schema.names == UNIT_COLUMNS
    assert schema.metadata[b"schema_version"] == b"1"
    assert schema.metadata[b"data_cutoff"] == b"2025-12-31"
    found = Counter(str(u["indicator"]) for u in units)
    assert sorted(found) == sorted(i.id for i in indicators())
    assert len({(u["indicator"], u["unit_id"]) for u in units}) == len(units)


def test_buckets_reasons_and_periods_are_consistent(units: list[dict[str, object]]) -> None:
    for u in units:
        assert u["bucket_actual"] in BUCKETS and u["bucket_observable"] in BUCKETS
        assert u["bucket_actual"] or u["bucket_observable"]
        for view in ("actual", "observable"):
            has_reason = u[f"bucket_{view}"] in ("excluded", "uoplyst")
            assert (u[f"reason_{view}"] is not None) == has_reason, u
        assert 2023 <= int(u["period"]) <= 2025  # type: ignore[call-overload]


def test_hospital_only_indicators_are_the_same_in_both_views(
    units: list[dict[str, object]],
) -> None:
    for u in units:
        if u["indicator"] in ("K1", "K2"):
            assert u["bucket_actual"] == u["bucket_observable"]
            assert u["reason_actual"] == u["reason_observable"]


def test_reporting_gaps_show_only_in_the_observable_view(
    small_run: Path, units: list[dict[str, object]]
) -> None:
    reasons_actual = Counter(u["reason_actual"] for u in units)
    reasons_observable = Counter(u["reason_observable"] for u in units)
    assert reasons_actual["municipality_not_reporting"] == 0
    assert reasons_observable["municipality_not_reporting"] > 0
    plan = pq.read_table(small_run / "events" / "municipal_plan.parquet").to_pylist()
    never = {p["kommunekode"] for p in plan if p["prevention_reporting"] == "never"}
    for u in units:
        if u["indicator"] in ("H2", "K3", "H3", "K4") and u["delivering_municipality"] in never:
            assert u["bucket_observable"] is None  # the municipality's referrals never arrived


def test_aggregates_add_up(small_run: Path, units: list[dict[str, object]]) -> None:
    rows = pq.read_table(small_run / "truth" / "aggregates.parquet").to_pylist()
    national = {(r["indicator"], r["period"]): r for r in rows
                if r["unit_type"] == "national" and r["stratum"] == "all"}  # fmt: skip
    for (ind, period), r in national.items():
        mine = [u for u in units if u["indicator"] == ind and u["period"] == period]
        for view in ("actual", "observable"):
            got = Counter(u[f"bucket_{view}"] for u in mine)
            assert r[f"numerator_{view}"] == got["numerator"]
            assert r[f"denominator_{view}"] == got["numerator"] + got["denominator_only"]
            assert r[f"uoplyst_{view}"] == got["uoplyst"]
        if r["proportion_actual"] is not None and r["proportion_observable"] is not None:
            assert r["bias"] == pytest.approx(r["proportion_actual"] - r["proportion_observable"])
        by_muni = [x for x in rows if (x["indicator"], x["period"]) == (ind, period)
                   and x["unit_type"] == "municipality" and x["stratum"] == "all"]  # fmt: skip
        with_residence = [u for u in mine if u["municipality"] is not None]
        assert sum(x["numerator_actual"] for x in by_muni) == sum(
            u["bucket_actual"] == "numerator" for u in with_residence
        )


def test_truth_command_recomputes_the_same_tables(small_run: Path, tmp_path: Path) -> None:
    before = (small_run / "truth" / "units.parquet").read_bytes()
    assert main(["synth", "truth", str(small_run)]) == 0
    assert (small_run / "truth" / "units.parquet").read_bytes() == before
