"""P1 and P2 on the hand-made prevention fixture (see prevention_fixture.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from prevention_fixture import CUTOFF, MUNICIPAL, P1, P2, E, K, write_extracts

from tvaers.registry.imports import import_group, import_named
from tvaers.registry.pseudonym import PseudonymKey, load_or_create_key
from tvaers.registry.runs import RunOutput, run_database
from tvaers.registry.store import RegistryStore

Store = tuple[RegistryStore, PseudonymKey]


@pytest.fixture(scope="module")
def prevention_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    base = tmp_path_factory.mktemp("prevention")
    key = load_or_create_key(base / "key")
    store = RegistryStore(base / "registry")
    src = write_extracts(base / "extract")
    import_group(store, key, "cpr", src, data_cutoff=CUTOFF)
    import_named(store, key, {t: src / f"{t}.parquet" for t in MUNICIPAL}, data_cutoff=CUTOFF)
    return store, key


def buckets(run: RunOutput, key: PseudonymKey, indicator: str) -> dict[str, Any]:
    person = {key.pseudonym(c): c for c in [*E.values(), *K.values()]}
    rows = [r for r in run.units.to_pylist() if r["indicator"] == indicator]
    out = {person[r["pid"]]: (r["bucket"], r["reason"]) for r in rows}
    assert len(out) == len(rows)
    return out


def national(run: RunOutput, indicator: str, stratum: str | None = None) -> tuple[int, ...]:
    (r,) = [
        r
        for r in run.rows
        if (r["indicator"], r["unit_type"], r["stratum"]) == (indicator, "national", stratum)
    ]
    return r["numerator"], r["denominator"], r["uoplyst"], r["excluded"]


def test_p1_follow_up_on_time(prevention_store: Store, tmp_path: Path) -> None:
    store, key = prevention_store
    run = run_database("prevention", store, "2025", out=tmp_path)
    assert buckets(run, key, "P1") == P1
    assert national(run, "P1") == (3, 6, 1, 0)
    earlier = run_database(
        "prevention", store, "2025", as_of=date(2025, 12, 31), out=tmp_path / "x"
    )
    assert buckets(earlier, key, "P1") == {**P1, E[5]: ("uoplyst", "follow_up_open")}


def test_p2_goal_registered_for_active_conditions(prevention_store: Store, tmp_path: Path) -> None:
    store, key = prevention_store
    run = run_database("prevention", store, "2025", out=tmp_path)
    assert buckets(run, key, "P2") == P2
    assert national(run, "P2") == (3, 8, 0, 0)
    assert national(run, "P2", "legacy") == (3, 8, 0, 0)  # every fixture condition is J1.1
    assert national(run, "P2", "simplified") == (0, 0, 0, 0)
    (unit,) = [
        r
        for r in run.units.to_pylist()
        if r["indicator"] == "P2" and r["pid"] == key.pseudonym(K[1])
    ]
    assert unit["index_date"] == date(2025, 12, 31)
