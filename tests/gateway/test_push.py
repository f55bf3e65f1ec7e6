"""Push delivery: outbox with idempotency keys, backoff, dead letters, replay, and a worker
killed between the recipient's acknowledgement and ours (fault point, no sleeps)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gateway_factories import make_agreement, make_delivery_report, organisations, to_bytes
from gateway_recipient import FakeRecipient
from gateway_server import ROOT
from gateway_support import PEPPER

from tvaers.gateway.agreements import Agreement
from tvaers.gateway.clients import Principal
from tvaers.gateway.forwarding.outbox import Outbox, backoff
from tvaers.gateway.forwarding.service import Forwarder
from tvaers.gateway.intake import Accepted, examine
from tvaers.gateway.store import GatewayStore
from tvaers.validation import ValidationOptions

VENDOR = Principal("vendor", "municipality", frozenset({"101"}))


def fill(store: GatewayStore, count: int) -> list[str]:
    ids = []
    for n in range(count):
        raw = to_bytes(make_delivery_report(report_id=f"push-{n}", cpr=f"{n + 1:02d}01570001"))
        decision = examine(raw, principal=VENDOR, organisations=organisations(),
                           options=ValidationOptions())  # fmt: skip
        assert isinstance(decision, Accepted)
        store.reports.accept(decision, "vendor")
        ids.append(decision.report_id)
    return ids


def push_recipient(store: GatewayStore, url: str, page_size: int = 3) -> Forwarder:
    forwarder = Forwarder(store, {1: "k" * 64}, ValidationOptions(), page_size=page_size)
    document = make_agreement("flis", delivery="push", url=url)
    forwarder.recipients.add(Agreement.from_document(document))
    return forwarder


def test_push_delivers_every_report_once_in_pages(store: GatewayStore) -> None:
    ids = fill(store, 7)
    with FakeRecipient() as recipient:
        outbox = Outbox(push_recipient(store, recipient.url))
        assert outbox.run_until_idle() == 3  # pages of 3, 3, 1
        delivered = [rid for item in recipient.acknowledged for rid in item.report_ids]
        assert delivered == ids
        assert len({item.key for item in recipient.received}) == 3
        assert outbox.run_until_idle() == 0
    assert {d.status for d in outbox.listing()} == {"delivered"}


def test_failures_back_off_then_die_then_replay_with_the_same_key(store: GatewayStore) -> None:
    fill(store, 2)
    now = [datetime(2025, 1, 1, tzinfo=UTC)]
    with FakeRecipient(fail_first=3) as recipient:
        outbox = Outbox(push_recipient(store, recipient.url), max_attempts=3, clock=lambda: now[0])
        assert outbox.run_once() == 1  # attempt 1 fails
        assert outbox.run_once() == 0  # not due yet
        for attempt in (1, 2):
            now[0] += backoff(attempt)
            assert outbox.run_once() == 1
        (dead,) = outbox.listing("dead")
        assert dead.attempts == 3 and dead.last_error == "HTTP 503"
        now[0] += timedelta(days=1)
        assert outbox.run_once() == 0  # dead letters wait for the operator
        outbox.replay(dead.id)
        assert outbox.run_once() == 1
        assert [d.status for d in outbox.listing()] == ["delivered"]
        assert {item.key for item in recipient.received} == {dead.idempotency_key}
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 20)] == [2, 4, 8, 3600]


def run_worker(db_url: str, fault: str | None) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TVAERS_")}
    env.update(TVAERS_GATEWAY_TOKEN_PEPPER=PEPPER, TVAERS_GATEWAY_PSEUDONYM_KEYS="1:" + "k" * 64,
               TVAERS_GATEWAY_FEED_PAGE_SIZE="3")  # fmt: skip
    if fault:
        env["TVAERS_FAULT"] = fault
    command = [sys.executable, "-m", "tvaers.cli.main", "gateway", "outbox", "run",
               "--until-idle", "--db", db_url]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=120).returncode


def test_worker_killed_after_send_resends_with_the_same_key(
    store: GatewayStore, db_url: str
) -> None:
    ids = fill(store, 8)
    with FakeRecipient() as recipient:
        push_recipient(store, recipient.url)
        assert run_worker(db_url, "push_after_send_before_ack@2") == -9
        assert len(recipient.acknowledged) == 2  # the recipient took two pages ...
        assert run_worker(db_url, None) == 0  # ... we recorded one; the rest now
    keys_by_body: dict[str, set[str]] = defaultdict(set)
    for item in recipient.received:
        keys_by_body[item.digest].add(item.key)
    assert all(len(keys) == 1 for keys in keys_by_body.values())  # never a new key
    second = recipient.received[1]
    assert recipient.received[2].key == second.key  # the lost acknowledgement: same key again
    delivered = {rid for item in recipient.acknowledged for rid in item.report_ids}
    assert delivered == set(ids)  # nothing lost
    by_key = {item.key: item.report_ids for item in recipient.acknowledged}
    assert sorted(rid for rids in by_key.values() for rid in rids) == sorted(ids)
    assert Path(ROOT).is_dir()
