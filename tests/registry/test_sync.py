"""`registry sync` against a fake gateway feed: same tables as import-reports, resumable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest
from registry_factories import d, write_table
from report_factory import careplan, intervention, report

from tvaers.errors import InputError, ServiceError
from tvaers.registry.imports import import_group
from tvaers.registry.pseudonym import PseudonymKey
from tvaers.registry.reports import import_reports
from tvaers.registry.store import RegistryStore
from tvaers.registry.sync import cursor, next_link, sync

A, B = "0101501111", "0202602222"
SOR = "451000016003"  # the factory's managingOrganization, owned by municipality 101
BASE = "http://gw.test/fhir/recipients/rkkp/incremental"


def received(bundle: dict[str, Any], day: str) -> dict[str, Any]:
    """The report as the gateway serves it: server receipt in meta.lastUpdated."""
    return {**bundle, "meta": {**bundle["meta"], "lastUpdated": f"{day}T00:00:00Z"}}


DAYS = [
    ("2025-02-03", report("r1", A, careplan("cp1", "2025-02-01", updated="2025-02-02T10:00:00Z"))),
    ("2025-02-03", report("r2", B, intervention("i1", "2025-02-02"))),
    ("2025-02-10", report("r3", A, careplan("cp1", "2025-02-05", updated="2025-02-09T10:00:00Z"))),
    ("2025-02-11", report("r1", A, careplan("cp1", "2024-01-01"))),  # re-sent id: ignored
    ("2025-03-01", report("r4", B, careplan("cp9", "2025-02-20", status="entered-in-error"))),
]


def pages() -> list[list[dict[str, Any]]]:
    served = [received(b, day) for day, b in DAYS]
    return [served[:2], served[2:4], served[4:], []]


def page_bundle(reports: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in reports],
    }


class Feed:
    """A fake gateway: page n at ?page=n, Link rel=next to n+1; optional failure."""

    def __init__(self, fail_at: int | None = None):
        self.fail_at = fail_at
        self.calls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(str(request.url))
        assert request.headers["authorization"] == "Bearer t0k"
        n = int(request.url.params.get("page", "0"))
        if n == self.fail_at:
            return httpx.Response(503, text="busy")
        data = pages()[min(n, 3)]
        link = f'<{BASE}?page={n + 1}>; rel="next"'
        return httpx.Response(200, json=page_bundle(data), headers={"Link": link})


def client(feed: Feed) -> httpx.Client:
    return httpx.Client(
        transport=httpx.MockTransport(feed), headers={"Authorization": "Bearer t0k"}
    )


def with_organisations(store: RegistryStore, key: PseudonymKey, tmp: Path) -> RegistryStore:
    write_table(
        tmp,
        "organisations",
        [(SOR, "Kommune", "municipality", None, "101", "1084", d("2007-01-01"), None)],
    )
    import_group(store, key, "organisations", tmp)
    return store


def contents(store: RegistryStore) -> dict[str, list[str]]:
    skip = {"organisations", "sync_state", "reports_log"}
    return {
        name: sorted(repr(sorted(r.items())) for r in pq.read_table(path).to_pylist())
        for name, path in sorted(store.tables().items())
        if name not in skip
    }


def test_next_link_parsing() -> None:
    assert next_link({"link": '<http://x/a?c=1>; rel="next"'}) == "http://x/a?c=1"
    assert next_link({"Link": '<http://x/p>; rel="prev", <http://x/n>; rel=next'}) == "http://x/n"
    assert next_link({}) is None


@pytest.mark.parametrize("batch", [1, 2_000], ids=["commit-every-page", "one-batch"])
def test_sync_equals_import_reports(
    tmp_path: Path, key: PseudonymKey, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tvaers.registry.sync.BATCH_MIN", batch)
    synced = with_organisations(RegistryStore(tmp_path / "synced"), key, tmp_path / "o1")
    feed = Feed()
    done = sync(synced, key, client(feed), f"{BASE}?page=0")
    assert (done.pages, done.reports, done.new_reports) == (4, 5, 4)
    assert cursor(synced) == f"{BASE}?page=4"
    files = with_organisations(RegistryStore(tmp_path / "files"), key, tmp_path / "o2")
    reports = tmp_path / "reports"
    for day, bundle in DAYS:
        folder = reports / day
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "101.ndjson", "a") as handle:
            handle.write(json.dumps(bundle) + "\n")
    import_reports(files, key, reports)
    assert contents(synced) == contents(files)
    rows = pq.read_table(synced.require("careplans_119", "")).to_pylist()
    assert {r["kommunekode"] for r in rows} == {"101"}


def test_interrupted_sync_resumes_after_the_last_committed_page(
    tmp_path: Path, key: PseudonymKey
) -> None:
    store = with_organisations(RegistryStore(tmp_path / "r"), key, tmp_path / "o")
    with pytest.raises(ServiceError, match="503"):
        sync(store, key, client(Feed(fail_at=1)), f"{BASE}?page=0")
    assert cursor(store) == f"{BASE}?page=1"  # page 0 acknowledged
    assert len(pq.read_table(store.require("reports_log", "")).to_pylist()) == 2
    feed = Feed()
    sync(store, key, client(feed), f"{BASE}?page=0")
    assert feed.calls[0] == f"{BASE}?page=1"  # resumed, not restarted
    full = with_organisations(RegistryStore(tmp_path / "full"), key, tmp_path / "o2")
    sync(full, key, client(Feed()), f"{BASE}?page=0")
    assert contents(store) == contents(full)
    again = Feed()
    done = sync(store, key, client(again), f"{BASE}?page=0")  # caught up: one empty page
    assert (done.pages, done.new_reports) == (1, 0)


class BadSecondPage(Feed):
    """Page 1 holds one good report and one without a citizen: the page is refused whole."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.params.get("page") == "1":
            good = pages()[1][0]
            empty = {"resourceType": "Bundle", "id": "no-citizen", "type": "collection"}
            link = f'<{BASE}?page=2>; rel="next"'
            return httpx.Response(200, json=page_bundle([good, empty]), headers={"Link": link})
        return super().__call__(request)


def test_a_malformed_page_keeps_the_pages_before_it_and_nothing_of_itself(
    tmp_path: Path, key: PseudonymKey
) -> None:
    store = with_organisations(RegistryStore(tmp_path / "r"), key, tmp_path / "o")
    with pytest.raises(InputError, match="citizen"):
        sync(store, key, client(BadSecondPage()), f"{BASE}?page=0")
    assert cursor(store) == f"{BASE}?page=1"  # page 0 acknowledged, page 1 not
    log = pq.read_table(store.require("reports_log", "")).to_pylist()
    assert len(log) == 2
