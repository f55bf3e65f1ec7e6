"""Group commit: a failing job rolls back alone; a failed commit acknowledges nobody."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Connection, select, text

from tvaers.gateway.schema import audit
from tvaers.gateway.store import GatewayStore
from tvaers.gateway.writer import BatchWriter


def insert(actor: str) -> object:
    def job(conn: Connection) -> str:
        conn.execute(audit.insert().values(at="t", actor=actor, role="r", action="a", purpose="p"))
        if actor.startswith("bad"):
            raise ValueError(actor)
        return actor

    return job


def actors(store: GatewayStore) -> list[str]:
    with store.db.read() as conn:
        return sorted(conn.execute(select(audit.c.actor)).scalars())


def test_one_failing_job_in_a_batch_fails_alone(store: GatewayStore) -> None:
    gate, holding = threading.Event(), threading.Event()

    def hold(conn: Connection) -> None:
        holding.set()
        gate.wait(30)  # keeps the writer busy so the next jobs queue into one batch

    writer = BatchWriter(store.db)
    results: dict[str, object] = {}

    def run(name: str) -> None:
        try:
            results[name] = writer.run(insert(name))  # type: ignore[arg-type]
        except ValueError as exc:
            results[name] = exc

    first = threading.Thread(target=writer.run, args=(hold,))
    first.start()
    assert holding.wait(30)
    threads = [threading.Thread(target=run, args=(n,)) for n in ("ok-1", "bad-2", "ok-3")]
    for t in threads:
        t.start()
    for _ in range(30_000):  # all three queued behind the held batch
        if writer._queue.qsize() == 3:
            break
        threading.Event().wait(0.001)
    gate.set()
    for t in [first, *threads]:
        t.join(30)
    writer.close()
    assert results["ok-1"] == "ok-1" and results["ok-3"] == "ok-3"
    assert isinstance(results["bad-2"], ValueError)
    assert actors(store) == ["ok-1", "ok-3"]


def test_a_failed_commit_acknowledges_nobody(store: GatewayStore) -> None:
    def explode(conn: Connection) -> None:
        raise RuntimeError("disk full")

    writer = BatchWriter(store.db, before_commit=explode)
    with pytest.raises(RuntimeError):
        writer.run(insert("lost"))  # type: ignore[arg-type]
    writer.close()
    assert actors(store) == []
    with store.db.read() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


def test_a_job_cancelled_before_its_batch_is_not_run(store: GatewayStore) -> None:
    gate, holding = threading.Event(), threading.Event()

    def hold(conn: Connection) -> None:
        holding.set()
        gate.wait(30)

    writer = BatchWriter(store.db)
    first = writer.submit(hold)
    assert holding.wait(30)
    dropped = writer.submit(insert("dropped"))  # type: ignore[arg-type]
    kept = writer.submit(insert("kept"))  # type: ignore[arg-type]
    assert dropped.cancel()  # still queued behind the held batch
    gate.set()
    assert kept.result(30)[0] == "kept"
    first.result(30)
    writer.close()
    assert actors(store) == ["kept"]
