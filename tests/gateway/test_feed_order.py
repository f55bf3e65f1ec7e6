"""Commit-ordered feed positions: nothing skipped or duplicated, even when transactions
commit out of order on PostgreSQL. No sleeps: the interleaving is forced with explicit
transactions."""

from __future__ import annotations

import threading

import pytest
from gateway_factories import make_agreement, make_delivery_report, organisations, to_bytes
from gateway_support import PEPPER, fresh_pg_schema

from tvaers.gateway.agreements import Agreement
from tvaers.gateway.clients import Principal
from tvaers.gateway.forwarding import feed
from tvaers.gateway.forwarding.service import Forwarder
from tvaers.gateway.intake import Accepted, examine
from tvaers.gateway.store import GatewayStore
from tvaers.validation import ValidationOptions

VENDOR = Principal("vendor", "municipality", frozenset({"101"}))
SINCE = "2000-01-01T00:00:00.000000Z"


def accepted(report_id: str, day: int = 1, cpr: str = "0101570001") -> Accepted:
    raw = to_bytes(make_delivery_report(report_id=report_id, cpr=cpr,
                                        timestamp=f"2024-01-{day:02d}T00:00:00Z"))  # fmt: skip
    decision = examine(
        raw, principal=VENDOR, organisations=organisations(), options=ValidationOptions()
    )
    assert isinstance(decision, Accepted)
    return decision


def recipient(store: GatewayStore, page_size: int = 5) -> Forwarder:
    forwarder = Forwarder(store, {1: "k" * 64}, ValidationOptions(), page_size=page_size)
    forwarder.recipients.add(Agreement.from_document(make_agreement("reg")))
    return forwarder


def ids_of(bundle: dict[str, object]) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]  # type: ignore[attr-defined, index]


@pytest.mark.postgres
def test_a_late_committing_writer_is_not_skipped(pg_database: str) -> None:
    """A takes its position and holds its transaction; B commits; a reader pages to the end;
    A commits; the next page contains A (and then B, which got a later position)."""
    fresh_pg_schema(pg_database)
    store = GatewayStore.open(pg_database, token_pepper=PEPPER)
    try:
        forwarder = recipient(store)
        conn_a = store.db.engine.connect()
        tx_a = conn_a.begin()
        store.reports._accept_in(conn_a, accepted("A"), "vendor")
        assert feed.sequence(conn_a) == 1  # A holds position 1 and the sequencer lock
        with store.db.write() as conn_b:
            # Another citizen: the same one would wait for A's citizen row lock.
            store.reports._accept_in(conn_b, accepted("B", 2, cpr="0202570002"), "vendor")
            assert feed.sequence(conn_b) == 0  # locked: B stays pending, commits without one
        first = forwarder.pull("t", "reg", since=SINCE, cursor=None)
        assert first.page.count == 0  # neither A (uncommitted) nor B (no position yet)
        tx_a.commit()
        conn_a.close()
        second = forwarder.pull("t", "reg", since=None, cursor=first.cursor)
        assert ids_of(second.page.bundle)[0] == "A"
        seen = ids_of(second.page.bundle)
        cursor = second.cursor
        while True:
            nxt = forwarder.pull("t", "reg", since=None, cursor=cursor)
            if not nxt.page.count:
                break
            seen += ids_of(nxt.page.bundle)
            cursor = nxt.cursor
        assert seen == ["A", "B"]
    finally:
        store.close()


def test_writing_while_paging_loses_and_duplicates_nothing(db_url: str) -> None:
    """Two independent writers (as two processes would) race a reader that keeps paging."""
    writers = [GatewayStore.open(db_url, token_pepper=PEPPER) for _ in range(2)]
    reader = GatewayStore.open(db_url, token_pepper=PEPPER)
    forwarder = recipient(reader, page_size=4)
    expected = {f"w{w}-{n}" for w in range(2) for n in range(30)}
    errors: list[BaseException] = []

    def write(w: int) -> None:
        try:
            for n in range(30):
                writers[w].reports.accept(accepted(f"w{w}-{n}", 1 + n % 28), "vendor")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(2)]
    seen: list[str] = []
    try:
        pulled = forwarder.pull("t", "reg", since=SINCE, cursor=None)
        seen += ids_of(pulled.page.bundle)
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):  # page while the writers write
            pulled = forwarder.pull("t", "reg", since=None, cursor=pulled.cursor)
            seen += ids_of(pulled.page.bundle)
        for t in threads:
            t.join()
        while True:
            pulled = forwarder.pull("t", "reg", since=None, cursor=pulled.cursor)
            if not pulled.page.count:
                break
            seen += ids_of(pulled.page.bundle)
        assert errors == []
        assert sorted(seen) == sorted(expected)  # every report exactly once
    finally:
        for store in [*writers, reader]:
            store.close()
