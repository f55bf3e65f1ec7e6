"""A real uvicorn process on port 0: the KL examples end to end, and crash durability.

Durability uses named fault points (``TVAERS_FAULT``), never sleeps: the server kills
itself with SIGKILL at the n-th pass of a point while clients are sending; after a
restart every report that got a 2xx is present and intact, and the clients' retries of
the rest store exactly one copy each. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from gateway_factories import (
    bundle_id,
    example_bundles,
    make_delivery_report,
    organisations,
    to_bytes,
)
from gateway_server import ServerProcess
from gateway_support import PEPPER

from tvaers.gateway.store import GatewayStore


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, str]]:
    store = GatewayStore.open(db_url, token_pepper=PEPPER)
    token = store.clients.add("vendor", "Vendor", "municipality", ["101", "316"])
    store.close()
    process = ServerProcess(db_url, tmp_path, organisations())
    yield process, token
    process.kill()


def test_examples_through_a_real_server(server: tuple[ServerProcess, str]) -> None:
    process, token = server
    url = process.start()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        stored = 0
        for path in example_bundles():
            raw = path.read_bytes()
            response = client.put(f"/fhir/Bundle/{bundle_id(path)}", content=raw)
            assert response.status_code in (201, 422), response.text
            if response.status_code == 201:
                stored += 1
                assert client.get(f"/fhir/Bundle/{bundle_id(path)}/$raw").content == raw
        assert stored >= 20
        assert client.get("/healthz").json() == {"status": "ok"}
    process.stop()
    assert process.proc is not None and process.proc.returncode is not None


def submit_all(url: str, token: str, reports: dict[str, bytes]) -> dict[str, int | None]:
    """PUT every report with 4 concurrent clients; None where the connection failed."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"}

    def one(item: tuple[str, bytes]) -> tuple[str, int | None]:
        report_id, raw = item
        try:
            with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
                return report_id, client.put(f"/fhir/Bundle/{report_id}", content=raw).status_code
        except httpx.TransportError:
            return report_id, None

    with ThreadPoolExecutor(4) as pool:
        return dict(pool.map(one, reports.items()))


@pytest.mark.parametrize("fault", ["after_commit_before_response@6", "before_commit@6"])
def test_sigkill_mid_load_loses_nothing_and_retries_store_one_copy(
    server: tuple[ServerProcess, str], fault: str, db_url: str
) -> None:
    process, token = server
    reports = {
        f"crash-{n:02d}": to_bytes(make_delivery_report(report_id=f"crash-{n:02d}",
                                                        timestamp=f"2024-01-{n + 1:02d}T00:00:00Z"))
        for n in range(16)
    }  # fmt: skip
    first = submit_all(process.start(fault=fault), token, reports)
    assert process.wait_dead() == -9  # SIGKILL by the fault point
    acknowledged = {rid for rid, status in first.items() if status is not None and status < 300}
    assert len(acknowledged) < len(reports)  # the crash cut the load short

    url = process.start()
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
        for report_id in acknowledged:
            assert client.get(f"/fhir/Bundle/{report_id}/$raw").content == reports[report_id]
    retries = submit_all(url, token, {r: b for r, b in reports.items() if r not in acknowledged})
    assert all(status in (200, 201) for status in retries.values()), retries
    if fault.startswith("after_commit"):
        assert 200 in retries.values()  # the report committed before the crash: identical
    process.stop()

    store = GatewayStore.open(db_url, token_pepper=PEPPER)
    try:
        assert store.reports.count() == len(reports)
        for report_id, raw in reports.items():
            stored = store.reports.get(report_id, with_raw=True)
            assert stored is not None and stored.raw == raw
    finally:
        store.close()


def test_serve_pushes_to_a_push_recipient(server: tuple[ServerProcess, str], db_url: str) -> None:
    """The outbox worker inside `serve` delivers what vendors submit over HTTP."""
    from gateway_factories import make_agreement
    from gateway_recipient import FakeRecipient

    from tvaers.gateway.agreements import Agreement
    from tvaers.gateway.forwarding.recipients import RecipientRegistry

    process, token = server
    with FakeRecipient(expect_reports=5) as recipient:
        store = GatewayStore.open(db_url, token_pepper=PEPPER)
        RecipientRegistry(store.db, 1).add(
            Agreement.from_document(make_agreement("flis", delivery="push", url=recipient.url))
        )
        store.close()
        url = process.start(extra={"TVAERS_GATEWAY_OUTBOX_WORKER": "true",
                                   "TVAERS_GATEWAY_OUTBOX_INTERVAL": "0.05"})  # fmt: skip
        reports = {f"p{n}": to_bytes(make_delivery_report(report_id=f"p{n}")) for n in range(5)}
        assert set(submit_all(url, token, reports).values()) == {201}
        assert recipient.done.wait(60)
        delivered = [rid for item in recipient.acknowledged for rid in item.report_ids]
        assert sorted(delivered) == sorted(reports)
        process.stop()


def test_two_worker_processes_share_the_port(server: tuple[ServerProcess, str]) -> None:
    process, token = server
    url = process.start(extra={"TVAERS_GATEWAY_WORKERS": "2"})
    reports = {f"w{n}": to_bytes(make_delivery_report(report_id=f"w{n}")) for n in range(12)}
    assert set(submit_all(url, token, reports).values()) == {201}
    assert set(submit_all(url, token, reports).values()) == {200}  # identical, whichever worker
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
        for report_id, raw in reports.items():
            assert client.get(f"/fhir/Bundle/{report_id}/$raw").content == raw
    process.stop()
