"""K1-K5 end to end on the hand-made COPD fixture (see copd_fixture.py for the cases)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from copd_fixture import (
    CUTOFF,
    H_NORD,
    H_SYD,
    K1,
    K2,
    K3,
    K4,
    K5_STRATUM,
    MUNICIPAL,
    NORD2,
    UDEBLEVET,
    UNKNOWN,
    P,
    R,
    write_extracts,
)
from scipy.stats import binomtest

from tvaers.registry.imports import import_group, import_named
from tvaers.registry.pseudonym import PseudonymKey
from tvaers.registry.runs import RunOutput, run_database
from tvaers.registry.store import RegistryStore


@pytest.fixture(scope="module")
def copd_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunOutput, PseudonymKey]:
    from tvaers.registry.pseudonym import load_or_create_key

    base = tmp_path_factory.mktemp("copd")
    key = load_or_create_key(base / "key")
    store = RegistryStore(base / "registry")
    src = write_extracts(base / "extract")
    for group in ("cpr", "lpr", "organisations"):
        import_group(store, key, group, src, data_cutoff=CUTOFF)
    import_named(store, key, {t: src / f"{t}.parquet" for t in MUNICIPAL}, data_cutoff=CUTOFF)
    return run_database("copd", store, "2025"), key


def buckets(
    run: RunOutput, key: PseudonymKey, indicator: str, persons: dict[int, str] = P
) -> dict[int, tuple[str, Any]]:
    person = {key.pseudonym(cpr): n for n, cpr in persons.items()}
    rows = [r for r in run.units.to_pylist() if r["indicator"] == indicator]
    out = {person[r["pid"]]: (r["bucket"], r["reason"]) for r in rows}
    assert len(out) == len(rows), "one unit per person in this fixture"
    return out


def row(
    run: RunOutput, indicator: str, unit_type: str, unit_id: str, stratum: str | None = None
) -> dict[str, Any]:
    found = [
        r
        for r in run.rows
        if (r["indicator"], r["unit_type"], r["unit_id"], r["stratum"])
        == (indicator, unit_type, unit_id, stratum)
    ]
    assert len(found) == 1
    return found[0]


def counts(r: dict[str, Any]) -> tuple[int, int, int, int]:
    return r["numerator"], r["denominator"], r["uoplyst"], r["excluded"]


def test_k1_buckets_per_course(copd_run: tuple[RunOutput, PseudonymKey]) -> None:
    run, key = copd_run
    assert buckets(run, key, "K1") == K1


def test_k2_buckets_per_course(copd_run: tuple[RunOutput, PseudonymKey]) -> None:
    run, key = copd_run
    assert buckets(run, key, "K2") == K2


def test_rule_flags_are_kept_beside_the_deciding_rule(
    copd_run: tuple[RunOutput, PseudonymKey],
) -> None:
    run, key = copd_run
    by_person = {(r["indicator"], r["pid"]): r for r in run.units.to_pylist()}
    p4 = by_person[("K1", key.pseudonym(P[4]))]
    assert p4["reason"] == "died_30d"
    assert sorted(p4["rules"]) == ["copd_a", "died_30d", "readmitted"]  # readmitted day 5
    p6 = by_person[("K1", key.pseudonym(P[6]))]
    assert sorted(p6["rules"]) == ["copd_b", "died_30d"]


def test_k1_national_counts_and_wilson_interval(copd_run: tuple[RunOutput, PseudonymKey]) -> None:
    run, _ = copd_run
    national = row(run, "K1", "national", "DK")
    # numerator P03; denominator P01 P02 P03 P05 P11 P14 P15; uoplyst P12 P13; excluded P04 P06
    assert counts(national) == (1, 7, 2, 2)
    assert national["proportion"] == pytest.approx(1 / 7)
    ref = binomtest(1, 7).proportion_ci(method="wilson")
    assert (national["ci_low"], national["ci_high"]) == pytest.approx((ref.low, ref.high))
    assert national["ci_method"] == "wilson"
    assert national["standard"] == "<=0.15" and national["standard_met"] is True
    assert national["data_cutoff"] == CUTOFF
    assert national["coverage"] is None  # no reporting rule in K1


def test_k2_national_counts(copd_run: tuple[RunOutput, PseudonymKey]) -> None:
    run, _ = copd_run
    # numerator P04 P06; denominator + P01 P02 P03 P05 P11 P14 P15; uoplyst P12 P13
    assert counts(row(run, "K2", "national", "DK")) == (2, 9, 2, 0)


def test_residence_on_the_index_date_decides_the_municipality(
    copd_run: tuple[RunOutput, PseudonymKey],
) -> None:
    run, _ = copd_run
    # K1 (discharge): P11 counts in 751; K2 (admission start): P11 counts in 101
    assert counts(row(run, "K1", "municipality", "101")) == (0, 2, 1, 1)  # P01 P02 | P13 | P06
    assert counts(row(run, "K1", "municipality", "147")) == (1, 2, 0, 0)  # P03 P14
    assert counts(row(run, "K1", "municipality", "751")) == (0, 2, 0, 1)  # P05 P11 | P04
    assert counts(row(run, "K2", "municipality", "101")) == (1, 4, 1, 0)  # P06 | P01 P02 P11 | P13
    assert counts(row(run, "K2", "municipality", "751")) == (1, 2, 0, 0)  # P04 | P05
    assert counts(row(run, "K1", "region", "1084")) == (1, 4, 1, 1)
    assert counts(row(run, "K1", "region", "1082")) == (0, 2, 0, 1)


def test_empty_units_are_reported_with_null_proportion(
    copd_run: tuple[RunOutput, PseudonymKey],
) -> None:
    run, _ = copd_run
    only_uoplyst = row(run, "K1", "municipality", "461")  # P12 only, uoplyst
    assert counts(only_uoplyst) == (0, 0, 1, 0)
    assert only_uoplyst["proportion"] is None and only_uoplyst["ci_low"] is None
    assert only_uoplyst["standard_met"] is None and only_uoplyst["funnel_95_low"] is None
    nobody = row(run, "K1", "municipality", "851")
    assert counts(nobody) == (0, 0, 0, 0) and nobody["proportion"] is None
    assert counts(row(run, "K1", "region", "1081")) == (0, 0, 0, 0)
    municipalities = [
        r for r in run.rows if r["indicator"] == "K1" and r["unit_type"] == "municipality"
    ]
    assert len(municipalities) == 98


def test_hospital_of_the_discharging_unit(copd_run: tuple[RunOutput, PseudonymKey]) -> None:
    run, _ = copd_run
    # P01's admission ends on NORD2 (a department of H_NORD)
    assert NORD2 != H_NORD
    assert counts(row(run, "K1", "hospital", H_NORD)) == (1, 5, 2, 2)
    assert counts(row(run, "K1", "hospital", H_SYD)) == (0, 1, 0, 0)  # P11
    assert counts(row(run, "K1", "hospital", UNKNOWN)) == (0, 1, 0, 0)  # P15: unit itself


def test_small_cells_are_suppressed_with_complements(
    copd_run: tuple[RunOutput, PseudonymKey],
) -> None:
    run, _ = copd_run
    k1 = {(r["unit_type"], r["unit_id"]): r for r in run.rows if r["indicator"] == "K1"}
    assert k1[("municipality", "147")]["suppressed"]  # denominator 2 < 5
    assert not k1[("municipality", "851")]["suppressed"]  # empty: nothing to hide
    assert not k1[("national", "DK")]["suppressed"]  # denominator 7
    # region 1082 = {751: 2}: small itself
    assert k1[("region", "1082")]["suppressed"]


def test_funnel_limits_surround_the_national_proportion(
    copd_run: tuple[RunOutput, PseudonymKey],
) -> None:
    from tvaers.stats import funnel_limits

    run, _ = copd_run
    r = row(run, "K1", "hospital", H_NORD)
    want = funnel_limits(1 / 7, 5)
    assert want is not None
    assert (r["funnel_95_low"], r["funnel_95_high"]) == pytest.approx((want.low_95, want.high_95))


def test_files_written(copd_run: tuple[RunOutput, PseudonymKey]) -> None:
    run, _ = copd_run
    names = sorted(p.name for p in run.files)
    assert names == [
        "distributions.parquet",
        "results.csv",
        "results.parquet",
        "results_excel.csv",
        "run.json",
        "units.parquet",
    ]
    excel = Path(
        run.files[names.index("results_excel.csv")].parent / "results_excel.csv"
    ).read_bytes()
    assert excel.startswith(b"\xef\xbb\xbf")
    header, first = excel.decode("utf-8-sig").splitlines()[:2]
    assert header.startswith("database;indicator;period;unit_type;unit_id;numerator")
    assert ";0,14285714285714285;" in first  # K1 national proportion with decimal comma
    machine = (run.files[0].parent / "results.csv").read_text().splitlines()[1]
    assert ",0.14285714285714285," in machine


def test_k3_referral_to_start(copd_run: tuple[RunOutput, PseudonymKey]) -> None:
    run, key = copd_run
    assert buckets(run, key, "K3", R) == K3
    assert counts(row(run, "K3", "national", "DK")) == (2, 4, 2, 0)
    assert counts(row(run, "K3", "municipality", "751")) == (0, 0, 1, 0)
    assert counts(row(run, "K3", "delivering_municipality", "101")) == (1, 3, 2, 0)


def test_k4_completed_courses(copd_run: tuple[RunOutput, PseudonymKey]) -> None:
    run, key = copd_run
    assert buckets(run, key, "K4", R) == K4
    assert counts(row(run, "K4", "national", "DK")) == (1, 2, 0, 1)
    reasons = [
        (r["unit_type"], r["unit_id"], r["category"], r["count"])
        for r in run.distributions
        if r["indicator"] == "K4"
    ]
    assert ("national", "DK", UDEBLEVET, 1) in reasons


def test_k5_strata_partition_k1(copd_run: tuple[RunOutput, PseudonymKey]) -> None:
    run, key = copd_run
    person = {key.pseudonym(cpr): n for n, cpr in P.items()}
    k5 = {person[r["pid"]]: r["stratum"] for r in run.units.to_pylist() if r["indicator"] == "K5"}
    assert k5 == K5_STRATUM
    assert buckets(run, key, "K5") == K1  # the buckets are K1's
    assert counts(row(run, "K5", "national", "DK")) == (1, 7, 2, 2)
    assert counts(row(run, "K5", "national", "DK", "participant")) == (0, 2, 0, 0)
    assert counts(row(run, "K5", "national", "DK", "non_participant")) == (1, 3, 1, 1)
    assert counts(row(run, "K5", "national", "DK", "unknown")) == (0, 2, 1, 1)
    assert counts(row(run, "K5", "municipality", "101", "participant")) == (0, 1, 0, 0)
