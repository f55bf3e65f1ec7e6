"""Fixtures for registry tests (helpers live in ``registry_factories``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tvaers.registry.pseudonym import PseudonymKey, load_or_create_key
from tvaers.registry.store import RegistryStore


@pytest.fixture
def store(tmp_path: Path) -> RegistryStore:
    return RegistryStore(tmp_path / "registry")


@pytest.fixture
def key(tmp_path: Path) -> PseudonymKey:
    return load_or_create_key(tmp_path / "keys" / "pseudonym.key")


@pytest.fixture(scope="session")
def synthetic_world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A synthetic run (8,000 citizens, enriched) imported as a quality database receives it,
    with every database run for every year (slow tests only: truth equality, attacker)."""
    import pyarrow.parquet as pq
    from truth_harness import CUTOFF, DATABASES, YEARS, accepted_reports

    from tvaers.cli.main import main
    from tvaers.registry.runs import run_database

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
    key = load_or_create_key(key_file)
    cprs = pq.read_table(synth / "cpr.parquet", columns=["cpr"]).column("cpr").to_pylist()
    pseudonyms = {key.pseudonym(c): c for c in cprs}
    return {"synth": synth, "runs": runs, "pseudonyms": pseudonyms, "store": store, "base": base}
