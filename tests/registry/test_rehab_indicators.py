"""M1-M4 on the hand-made municipal rehabilitation fixture (see rehab_fixture.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rehab_fixture import (
    ANDEN_KOMMUNE,
    CUTOFF,
    FRIT_VALG,
    M1,
    M2,
    M3,
    M4,
    MUNICIPAL,
    UDSKUDT,
    C,
    G,
    write_extracts,
)

from tvaers.registry.imports import import_group, import_named
from tvaers.registry.pseudonym import PseudonymKey, load_or_create_key
from tvaers.registry.runs import RunOutput, run_database
from tvaers.registry.store import RegistryStore

Store = tuple[RegistryStore, PseudonymKey]


@pytest.fixture(scope="module")
def rehab_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    base = tmp_path_factory.mktemp("rehab")
    key = load_or_create_key(base / "key")
    store = RegistryStore(base / "registry")
    src = write_extracts(base / "extract")
    for group in ("cpr", "lpr", "organisations"):
        import_group(store, key, group, src, data_cutoff=CUTOFF)
    import_named(store, key, {t: src / f"{t}.parquet" for t in MUNICIPAL}, data_cutoff=CUTOFF)
    return store, key


@pytest.fixture(scope="module")
def run(rehab_store: Store, tmp_path_factory: pytest.TempPathFactory) -> RunOutput:
    return run_database("rehab", rehab_store[0], "2025", out=tmp_path_factory.mktemp("out"))


def units(run: RunOutput, indicator: str) -> list[dict[str, Any]]:
    return [r for r in run.units.to_pylist() if r["indicator"] == indicator]


def condition_buckets(run: RunOutput, key: PseudonymKey, indicator: str) -> dict[Any, Any]:
    person = {key.pseudonym(c): n for n, c in C.items()}
    out = {}
    for r in units(run, indicator):
        condition = r["unit_id"].split("|")[1].split("/")[1]
        out[(person[r["pid"]], condition)] = (r["bucket"], r["reason"])
    return out


def person_buckets(
    run: RunOutput, key: PseudonymKey, indicator: str, persons: dict[int, str]
) -> dict[int, tuple[str, Any]]:
    person = {key.pseudonym(c): n for n, c in persons.items()}
    rows = units(run, indicator)
    out = {person[r["pid"]]: (r["bucket"], r["reason"]) for r in rows}
    assert len(out) == len(rows)
    return out


def counts(
    run: RunOutput, indicator: str, unit: tuple[str, str], stratum: str | None = None
) -> Any:
    (r,) = [
        r
        for r in run.rows
        if (r["indicator"], r["unit_type"], r["unit_id"], r["stratum"])
        == (indicator, *unit, stratum)
    ]
    return r["numerator"], r["denominator"], r["uoplyst"], r["excluded"]


DK = ("national", "DK")


def test_m1_functional_level_pairs(run: RunOutput, rehab_store: Store) -> None:
    assert condition_buckets(run, rehab_store[1], "M1") == M1
    assert counts(run, "M1", DK) == (4, 6, 1, 0)
    assert counts(run, "M1", DK, "legacy") == (4, 5, 1, 0)
    assert counts(run, "M1", DK, "simplified") == (0, 1, 0, 0)
    assert counts(run, "M1", ("delivering_municipality", "147")) == (1, 1, 0, 0)


def test_m2_goal_met(run: RunOutput, rehab_store: Store) -> None:
    assert condition_buckets(run, rehab_store[1], "M2") == M2
    assert counts(run, "M2", DK) == (3, 5, 2, 0)


def test_m3_first_offer_within_7_days(run: RunOutput, rehab_store: Store) -> None:
    assert person_buckets(run, rehab_store[1], "M3", G) == M3
    assert counts(run, "M3", DK) == (4, 6, 1, 3)
    reasons = {
        r["category"]: r["count"]
        for r in run.distributions
        if (r["indicator"], r["unit_type"]) == ("M3", "national")
    }
    assert reasons == {UDSKUDT: 1, ANDEN_KOMMUNE: 1, FRIT_VALG: 1}


def test_m3_data_completeness_against_gop_discharges(run: RunOutput) -> None:
    def row(unit_type: str, unit_id: str) -> dict[str, Any]:
        (r,) = [
            r
            for r in run.rows
            if (r["indicator"], r["unit_type"], r["unit_id"]) == ("M3", unit_type, unit_id)
        ]
        return r

    national = row("national", "DK")
    assert (national["completeness_found"], national["completeness_expected"]) == (1, 3)
    assert national["completeness"] == pytest.approx(1 / 3)
    assert national["completeness_met"] is False
    assert row("municipality", "101")["completeness"] == 0.5
    assert row("municipality", "147")["completeness"] == 0.0
    assert row("municipality", "851")["completeness"] is None


def test_m3_offer_not_yet_known_is_uoplyst(rehab_store: Store, tmp_path: Path) -> None:
    run = run_database(
        "rehab", rehab_store[0], "2025", as_of=date(2025, 12, 31), out=tmp_path, indicators=["M3"]
    )
    got = person_buckets(run, rehab_store[1], "M3", G)
    assert got == {**M3, 6: ("uoplyst", "no_offer")}


def test_m4_less_home_care(run: RunOutput, rehab_store: Store) -> None:
    assert person_buckets(run, rehab_store[1], "M4", C) == M4
    assert counts(run, "M4", DK) == (2, 4, 2, 1)
    assert counts(run, "M4", DK, "legacy") == (2, 3, 2, 1)
    assert counts(run, "M4", DK, "simplified") == (0, 1, 0, 0)


def test_m1_window_is_a_parameter(rehab_store: Store, tmp_path: Path) -> None:
    store, key = rehab_store
    run = run_database(
        "rehab", store, "2025", out=tmp_path, indicators=["M1"], overrides={"later_first_day": 75}
    )
    gone = {(1, "k1"), (4, "k4"), (7, "k7a")}  # re-assessed on day 73, 70, 70: no later level
    assert condition_buckets(run, key, "M1") == {k: v for k, v in M1.items() if k not in gone}
