"""H1-H5 end to end on the hand-made heart fixture (see heart_fixture.py for the cases)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from heart_fixture import (
    CUTOFF,
    H1,
    H2,
    H3,
    H4,
    H5,
    H_NORD,
    H_SYD,
    MUNICIPAL,
    P,
    Q,
    write_extracts,
)

from tvaers.registry.imports import import_group, import_named
from tvaers.registry.pseudonym import PseudonymKey, load_or_create_key
from tvaers.registry.runs import RunOutput, run_database
from tvaers.registry.store import RegistryStore


@pytest.fixture(scope="module")
def heart_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[RegistryStore, PseudonymKey]:
    base = tmp_path_factory.mktemp("heart")
    key = load_or_create_key(base / "key")
    store = RegistryStore(base / "registry")
    src = write_extracts(base / "extract")
    for group in ("cpr", "lpr", "organisations"):
        import_group(store, key, group, src, data_cutoff=CUTOFF)
    import_named(store, key, {t: src / f"{t}.parquet" for t in MUNICIPAL}, data_cutoff=CUTOFF)
    return store, key


@pytest.fixture(scope="module")
def h1(
    heart_store: tuple[RegistryStore, PseudonymKey], tmp_path_factory: pytest.TempPathFactory
) -> RunOutput:
    store, _ = heart_store
    return run_database("heart", store, "2025", out=tmp_path_factory.mktemp("h1"))


def buckets(
    run: RunOutput, key: PseudonymKey, indicator: str = "H1", persons: dict[int, str] = Q
) -> dict[int, tuple[str, Any]]:
    person = {key.pseudonym(cpr): n for n, cpr in persons.items()}
    rows = [r for r in run.units.to_pylist() if r["indicator"] == indicator]
    out = {person[r["pid"]]: (r["bucket"], r["reason"]) for r in rows}
    assert len(out) == len(rows), "one unit per person in 2025 in this fixture"
    return out


def row(run: RunOutput, unit_type: str, unit_id: str, indicator: str = "H1") -> dict[str, Any]:
    (found,) = [
        r
        for r in run.rows
        if (r["indicator"], r["unit_type"], r["unit_id"]) == (indicator, unit_type, unit_id)
    ]
    return found


def counts(r: dict[str, Any]) -> tuple[int, int, int, int]:
    return r["numerator"], r["denominator"], r["uoplyst"], r["excluded"]


def test_h1_buckets_per_person(
    h1: RunOutput, heart_store: tuple[RegistryStore, PseudonymKey]
) -> None:
    assert buckets(h1, heart_store[1]) == H1


def test_lockout_picks_the_next_index_after_365_days(
    h1: RunOutput, heart_store: tuple[RegistryStore, PseudonymKey]
) -> None:
    key = heart_store[1]
    by_pid = {r["pid"]: r for r in h1.units.to_pylist() if r["indicator"] == "H1"}
    assert by_pid[key.pseudonym(Q[11])]["index_date"] == date(2025, 7, 3)
    assert by_pid[key.pseudonym(Q[10])]["index_date"] == date(2025, 1, 12)
    assert sorted(by_pid[key.pseudonym(Q[2])]["rules"]) == ["pci", "started"]


def test_h1_counts_and_coverage(h1: RunOutput) -> None:
    national = row(h1, "national", "DK")
    assert counts(national) == (6, 11, 5, 1)
    assert national["coverage"] == pytest.approx(12 / 16)  # Q05 Q09 Q13 Q15 not linked/reporting
    assert national["standard"] is None and national["standard_met"] is None
    assert counts(row(h1, "municipality", "101")) == (5, 7, 1, 1)
    assert counts(row(h1, "municipality", "147")) == (1, 3, 0, 0)
    r751 = row(h1, "municipality", "751")
    assert counts(r751) == (0, 0, 2, 0) and r751["coverage"] == 0.0 and r751["proportion"] is None
    assert row(h1, "municipality", "461")["coverage"] == pytest.approx(0.5)
    assert counts(row(h1, "region", "1084")) == (6, 10, 1, 1)
    assert counts(row(h1, "hospital", H_NORD)) == (6, 10, 5, 1)
    assert counts(row(h1, "hospital", H_SYD)) == (0, 1, 0, 0)
    assert row(h1, "municipality", "851")["coverage"] is None  # nobody to cover


def test_as_of_sees_the_correction_only_after_it_arrived(
    heart_store: tuple[RegistryStore, PseudonymKey], tmp_path: Path
) -> None:
    store, key = heart_store
    run = run_database("heart", store, "2025", as_of=date(2025, 12, 31), out=tmp_path)
    got = buckets(run, key)
    assert got[7] == ("denominator_only", None)  # forløb then said day 200
    assert got == {**H1, 7: ("denominator_only", None)}
    assert run.data_cutoff == date(2025, 12, 31)
    assert counts(row(run, "national", "DK")) == (5, 11, 5, 1)


def test_parameters_change_the_result_where_expected(
    heart_store: tuple[RegistryStore, PseudonymKey], tmp_path: Path
) -> None:
    store, key = heart_store
    run = run_database(
        "heart",
        store,
        "2025",
        out=tmp_path,
        overrides={"phase2_hospital_procedures": ["ZZ0150"], "coverage_rule": "any_month_missing"},
    )
    got = buckets(run, key)
    assert got[18] == ("excluded", "hospital_rehab")
    assert got[16] == ("uoplyst", "municipality_not_reporting")  # no report in April
    # Q14's window reaches March 2026, which 101 has not (yet) reported: the reporting rule
    # comes before follow_up_open in the uoplyst order.
    assert got[14] == ("uoplyst", "municipality_not_reporting")
    changed = (14, 16, 18)
    assert {n: b for n, b in got.items() if n not in changed} == {
        n: b for n, b in H1.items() if n not in changed
    }
    assert (
        run.rows[0]["definition_hash"]
        != run_database("heart", store, "2025", out=tmp_path / "x").rows[0]["definition_hash"]
    )


def test_h2_first_contact_buckets_counts_and_median(
    h1: RunOutput, heart_store: tuple[RegistryStore, PseudonymKey]
) -> None:
    assert buckets(h1, heart_store[1], "H2", P) == H2
    national = row(h1, "national", "DK", "H2")
    assert counts(national) == (4, 7, 1, 0)
    assert national["median_days"] == 12.0  # 5, 9, 12, 14, 20
    assert counts(row(h1, "municipality", "101", "H2")) == (4, 6, 1, 0)
    assert counts(row(h1, "municipality", "147", "H2")) == (0, 1, 0, 0)
    assert counts(row(h1, "delivering_municipality", "101", "H2")) == (3, 4, 1, 0)
    assert counts(row(h1, "delivering_municipality", "147", "H2")) == (1, 3, 0, 0)
    # P04 5, P01 9, P10 12, P02 20 (P05 has no contact): (9 + 12) / 2
    assert row(h1, "delivering_municipality", "101", "H2")["median_days"] == 10.5


def test_h3_completed_courses_and_cancellation_reasons(
    h1: RunOutput, heart_store: tuple[RegistryStore, PseudonymKey]
) -> None:
    from heart_fixture import CANCEL_FRAVALG, CANCEL_UDEBLEVET

    assert buckets(h1, heart_store[1], "H3", P) == H3
    assert counts(row(h1, "national", "DK", "H3")) == (1, 3, 0, 1)
    national = {
        r["category"]: r["count"]
        for r in h1.distributions
        if (r["indicator"], r["unit_type"]) == ("H3", "national")
    }
    assert national == {CANCEL_FRAVALG: 1, CANCEL_UDEBLEVET: 1}


def test_h4_smoking_cessation_offered(
    h1: RunOutput, heart_store: tuple[RegistryStore, PseudonymKey]
) -> None:
    assert buckets(h1, heart_store[1], "H4", P) == H4
    assert counts(row(h1, "national", "DK", "H4")) == (1, 3, 0, 0)


def test_h5_reporting_coverage(
    h1: RunOutput, heart_store: tuple[RegistryStore, PseudonymKey]
) -> None:
    assert buckets(h1, heart_store[1], "H5") == H5
    assert counts(row(h1, "national", "DK", "H5")) == (13, 16, 1, 0)
    assert counts(row(h1, "municipality", "751", "H5")) == (0, 2, 0, 0)
    assert counts(row(h1, "municipality", "461", "H5")) == (1, 2, 0, 0)


def test_missing_municipal_tables_name_the_import(tmp_path: Path) -> None:
    from tvaers.errors import InputError

    key = load_or_create_key(tmp_path / "key")
    store = RegistryStore(tmp_path / "registry")
    src = write_extracts(tmp_path / "extract")
    import_group(store, key, "cpr", src)
    import_group(store, key, "lpr", src)
    with pytest.raises(InputError, match="no table 'careplans_119'") as caught:
        run_database("heart", store, "2025", out=tmp_path / "out")
    assert "import-reports" in str(caught.value)
