"""D1 (two cohorts side by side) and D2 on the hand-made diabetes fixture."""

from __future__ import annotations

from typing import Any

import pytest
from diabetes_fixture import CUTOFF, D1A, D1B, D2, FRAVALG, MUNICIPAL, write_extracts

from tvaers.registry.imports import import_group, import_named
from tvaers.registry.pseudonym import PseudonymKey, load_or_create_key
from tvaers.registry.runs import RunOutput, run_database
from tvaers.registry.store import RegistryStore


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunOutput, PseudonymKey]:
    base = tmp_path_factory.mktemp("diabetes")
    key = load_or_create_key(base / "key")
    store = RegistryStore(base / "registry")
    src = write_extracts(base / "extract")
    for group in ("cpr", "lpr", "organisations"):
        import_group(store, key, group, src, data_cutoff=CUTOFF)
    import_named(store, key, {t: src / f"{t}.parquet" for t in MUNICIPAL}, data_cutoff=CUTOFF)
    return run_database("diabetes", store, "2025", out=base / "out"), key


def buckets(
    got: tuple[RunOutput, PseudonymKey], indicator: str, stratum: str | None = None
) -> dict[str, tuple[str, Any]]:
    run, key = got
    from diabetes_fixture import A, B

    person = {key.pseudonym(c): c for c in [*A.values(), *B.values()]}
    rows = [
        r for r in run.units.to_pylist() if r["indicator"] == indicator and r["stratum"] == stratum
    ]
    out = {person[r["pid"]]: (r["bucket"], r["reason"]) for r in rows}
    assert len(out) == len(rows)
    return out


def national(run: RunOutput, indicator: str, stratum: str | None) -> tuple[int, ...]:
    (r,) = [
        r
        for r in run.rows
        if (r["indicator"], r["unit_type"], r["stratum"]) == (indicator, "national", stratum)
    ]
    return r["numerator"], r["denominator"], r["uoplyst"], r["excluded"]


def test_d1_cohorts_side_by_side(run: tuple[RunOutput, PseudonymKey]) -> None:
    assert buckets(run, "D1", "hospital") == D1A
    assert buckets(run, "D1", "municipal") == D1B
    assert national(run[0], "D1", "hospital") == (1, 4, 2, 0)
    assert national(run[0], "D1", "municipal") == (3, 4, 0, 0)
    # no combined row: the two cohorts are not added up
    assert not [r for r in run[0].rows if r["indicator"] == "D1" and r["stratum"] is None]


def test_d1_index_is_the_first_contact_after_the_washout(
    run: tuple[RunOutput, PseudonymKey],
) -> None:
    from datetime import date

    from diabetes_fixture import A

    units, key = run[0].units.to_pylist(), run[1]
    index = {
        r["pid"]: r["index_date"]
        for r in units
        if r["indicator"] == "D1" and r["stratum"] == "hospital"
    }
    assert index[key.pseudonym(A[8])] == date(2025, 1, 15)
    assert index[key.pseudonym(A[3])] == date(2025, 2, 1)


def test_d2_completed_courses(run: tuple[RunOutput, PseudonymKey]) -> None:
    assert buckets(run, "D2") == D2
    assert national(run[0], "D2", None) == (1, 2, 0, 1)
    reasons = {
        r["category"]: r["count"]
        for r in run[0].distributions
        if (r["indicator"], r["unit_type"]) == ("D2", "national")
    }
    assert reasons == {FRAVALG: 1}
