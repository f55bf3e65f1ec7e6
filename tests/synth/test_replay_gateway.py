"""Replay into a real gateway process: counts equal the ledger, state equals the generator's.

The gateway runs as ``tvaers gateway serve --port 0`` (SQLite, synthetic CPR numbers), its
clients come from the run's clients.toml via ``tvaers gateway clients import``, and the
reports go through ``tvaers synth submit``. The gateway's current state per citizen is then
compared with an independent fold of the accepted reports (``municipal_support``).
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tvaers.cli.main import main
from tvaers.gateway.store import GatewayStore
from tvaers.synth.config import SynthConfig
from tvaers.synth.generate import generate
from tvaers.synth.municipal.options import MunicipalOptions

from .municipal_support import final_state

PEPPER = "synth-replay-test-pepper-0123456789abcdef"
RUN = SynthConfig(
    citizens=1200,
    start=date(2024, 1, 1),
    end=date(2024, 12, 31),
    seed=21,
    enrich={"heart": 5.0, "copd": 5.0, "diabetes": 3.0},
    block_size=400,
)
# more of everything that makes replay interesting: rejections, late reports, backlogs
OPTIONS = MunicipalOptions(invalid_share=0.05, late_report_share=0.03, outages_per_year=4.0)


def gateway_env(db: str, organisations: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TVAERS_")}
    env.update(
        TVAERS_GATEWAY_DB=db,
        TVAERS_GATEWAY_ORGANISATIONS=str(organisations),
        TVAERS_GATEWAY_ENVIRONMENT="test",
        TVAERS_GATEWAY_CPR_MODE="synthetic",
        TVAERS_GATEWAY_TOKEN_PEPPER=PEPPER,
        TVAERS_GATEWAY_PSEUDONYM_KEYS="1:" + "k" * 64,
        TVAERS_GATEWAY_QUOTA_PER_SECOND="100000",
        TVAERS_GATEWAY_QUOTA_BURST="100000",
        TVAERS_GATEWAY_OUTBOX_WORKER="false",
        TVAERS_GATEWAY_LOG_LEVEL="WARNING",
    )
    return env


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("replay-run")
    generate(RUN, out, municipal=OPTIONS)
    return out


@pytest.fixture(scope="module")
def gateway(
    run_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, Path]]:
    """(base URL, database URL, credentials file) of a running gateway."""
    work = tmp_path_factory.mktemp("replay-gateway")
    db = f"sqlite:///{work / 'gateway.db'}"
    env = gateway_env(db, run_dir / "organisations.parquet")
    creds = work / "credentials.toml"
    subprocess.run(
        [sys.executable, "-m", "tvaers.cli.main", "gateway", "clients", "import",
         str(run_dir / "clients.toml"), "--credentials-out", str(creds)],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    log = (work / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tvaers.cli.main", "gateway", "serve", "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=log, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(proc.stdout, selectors.EVENT_READ)
        assert selector.select(60), (work / "server.log").read_text()[-2000:]
        url = proc.stdout.readline().strip()
        assert url.startswith("http://"), (work / "server.log").read_text()[-2000:]
        yield url, db, creds
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(30)
        log.close()


@pytest.fixture(scope="module")
def replayed(
    run_dir: Path, gateway: tuple[str, str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    url, _, creds = gateway
    checkpoint = tmp_path_factory.mktemp("replay-cp") / "cp.json"
    args = ["synth", "submit", str(run_dir), "--url", url, "--credentials", str(creds),
            "--checkpoint", str(checkpoint), "--format", "json"]  # fmt: skip
    from tvaers.cli.console import out

    with out.capture() as captured:
        assert main(args) == 0
    result: dict[str, object] = json.loads(captured.get())
    return result


def test_replay_counts_equal_the_ledger(run_dir: Path, replayed: dict[str, object]) -> None:
    rows = pq.read_table(run_dir / "report_ledger.parquet").to_pylist()
    expected = Counter(r["expected"] for r in rows)
    rules = Counter(r["rule_key"] for r in rows if r["rule_key"])
    assert expected["rejected"] >= 10
    assert replayed["accepted"] == expected["accepted"]
    assert replayed["rejected"] == expected["rejected"]
    assert replayed["rejected_by_rule"] == dict(rules)
    assert replayed["rejected_by_status"] == {"422": expected["rejected"]}
    assert replayed["identical"] == 0


def test_gateway_state_per_citizen_equals_the_generators_final_state(
    run_dir: Path, gateway: tuple[str, str, Path], replayed: dict[str, object]
) -> None:
    expected = final_state(run_dir)
    store = GatewayStore.open(gateway[1], token_pepper=PEPPER, migrate=False)
    try:
        for cpr, resources in expected.items():
            actual = {
                (k.resource_type, k.id): v for k, v in store.reports.current_state(cpr).items()
            }
            assert actual == resources, cpr
        assert sum(map(len, expected.values())) > 1000
        assert any(invalid for res in expected.values() for invalid, _ in res.values())
    finally:
        store.close()
