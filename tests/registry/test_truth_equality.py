"""Every indicator of every database equals the generator's ``truth_observable`` person by
person (bucket, deciding rule, stratum) for every unit and period of a synthetic sample,
and the counts per reporting unit equal ``truth/aggregates.parquet``; the bias of the
coverage gaps (actual - observable) is printed per indicator (see truth_harness.py)."""

from __future__ import annotations

from typing import Any

import pytest
from truth_harness import (
    CUTOFF,
    DATABASES,
    YEARS,
    accepted_reports,
    aggregate_rows,
    compare,
    registry_units,
    truth_aggregates,
    truth_units,
)

from tvaers.cli.main import main
from tvaers.registry.pseudonym import load_or_create_key
from tvaers.registry.runs import run_database
from tvaers.registry.store import RegistryStore

#: indicators of indicators.md (the truth computes all of them)
ALL = {f"H{i}" for i in range(1, 6)} | {f"K{i}" for i in range(1, 6)} | {"D1", "D2"}
ALL |= {f"M{i}" for i in range(1, 5)} | {"P1", "P2"}


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("truth")
    synth = base / "synth"
    args = ["synth", "generate", "--citizens", "8000", "--seed", "11"]
    args += ["--enrich", "heart=x5,copd=x5,diabetes=x3", "--out", str(synth)]
    assert main(args) == 0
    assert accepted_reports(synth, base / "accepted") > 1000
    key_file = base / "k.key"
    common = ["--registry", str(base / "reg"), "--key-file", str(key_file)]
    common += ["--cpr-mode", "synthetic"]
    for command in ("import-cpr", "import-lpr"):
        assert main(["registry", command, str(synth), *common, "--data-cutoff", CUTOFF]) == 0
    org = ["registry", "import-organisations", str(synth), *common[:4], "--data-cutoff", CUTOFF]
    assert main(org) == 0
    assert main(["registry", "import-reports", str(base / "accepted" / "reports"), *common]) == 0
    store = RegistryStore(base / "reg")
    runs = {
        (db, year): run_database(db, store, year, out=base / "out" / db / year)
        for db in DATABASES
        for year in YEARS
    }
    import pyarrow.parquet as pq

    key = load_or_create_key(key_file)
    cprs = pq.read_table(synth / "cpr.parquet", columns=["cpr"]).column("cpr").to_pylist()
    return {"synth": synth, "runs": runs, "pseudonyms": {key.pseudonym(c): c for c in cprs}}


def test_every_unit_equals_truth_observable(world: dict[str, Any]) -> None:
    mine = registry_units(world["runs"], world["pseudonyms"])
    truth = truth_units(world["synth"])
    result = compare(mine, truth)
    assert set(result) == ALL
    for indicator, tally in sorted(result.items()):
        print(f"{indicator}: {dict(tally)}")
    assert {i: t for i, t in result.items() if set(t) != {"equal"}} == {}
    assert sum(t["equal"] for t in result.values()) > 3000


def test_counts_per_reporting_unit_equal_truth_aggregates(world: dict[str, Any]) -> None:
    mine = aggregate_rows(world["runs"])
    truth, bias = truth_aggregates(world["synth"])
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
