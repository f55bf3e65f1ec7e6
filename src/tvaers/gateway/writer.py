"""Group commit: one writer thread runs many callers' work in one transaction.

Callers block in :meth:`BatchWriter.run` until the transaction holding their work has
committed, so an acknowledgement still means "on disk"; but one commit (one fsync) now
serves every request that arrived while the previous batch was being written. Each job
runs inside a SAVEPOINT, so one job's failure (say, a unique-key race) rolls back only
that job, and its caller gets the exception.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy import Connection

from tvaers.gateway.database import Database

T = TypeVar("T")
Job = Callable[[Connection], Any]


class BatchWriter:
    """A daemon thread that drains a queue of jobs into shared transactions."""

    def __init__(
        self,
        db: Database,
        *,
        max_batch: int = 64,
        before_commit: Callable[[Connection], None] | None = None,
    ):
        self._db = db
        self._max_batch = max_batch
        self._before_commit: Callable[[Connection], None] = before_commit or _nothing
        self._queue: queue.Queue[tuple[Job, Future[Any]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run(self, job: Callable[[Connection], T]) -> T:
        """Run ``job(conn)`` in the next batch; returns its result after the commit."""
        return self.run_timed(job)[0]

    def run_timed(self, job: Callable[[Connection], T]) -> tuple[T, float]:
        """As :meth:`run`, plus the writer CPU seconds spent on this job and its share of the
        batch's end (the ``before_commit`` step and the commit)."""
        return self.submit(job).result()

    def submit(self, job: Callable[[Connection], T]) -> Future[tuple[T, float]]:
        """Queue ``job`` for the next batch; the future resolves after the commit.

        Its value is ``(result, writer CPU seconds)``. Async callers await it with
        :func:`asyncio.wrap_future`, so no thread waits for the writer. A future cancelled
        before its batch starts is dropped unrun (nothing written, nothing acknowledged).
        """
        self._ensure_thread()
        future: Future[tuple[T, float]] = Future()
        self._queue.put((job, future))
        return future

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="tvaers-writer", daemon=True
                )
                self._thread.start()

    def close(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._queue.put(None)
                self._thread.join(30)
            self._thread = None

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item] if item[1].set_running_or_notify_cancel() else []
            while len(batch) < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # stop after this batch
                    break
                if more[1].set_running_or_notify_cancel():
                    batch.append(more)
            if batch:
                self._write(batch)

    def _write(self, batch: list[tuple[Job, Future[Any]]]) -> None:
        try:
            results = self._attempt(batch, isolated=False)
        except _JobFailed:
            try:
                results = self._attempt(batch, isolated=True)
            except BaseException as exc:
                self._fail(batch, exc)
                return
        except BaseException as exc:  # the commit itself failed: nobody is acknowledged
            self._fail(batch, exc)
            return
        for future, value, error in results:
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(value)

    @staticmethod
    def _fail(batch: list[tuple[Job, Future[Any]]], exc: BaseException) -> None:
        for _, future in batch:
            if not future.done():
                future.set_exception(exc)

    def _attempt(
        self, batch: list[tuple[Job, Future[Any]]], *, isolated: bool
    ) -> list[tuple[Future[Any], Any, BaseException | None]]:
        """One transaction for the batch; ``isolated`` puts each job in a SAVEPOINT."""
        results: list[tuple[Future[Any], Any, BaseException | None]] = []
        costs: list[float] = []
        with self._db.write() as conn:
            for job, future in batch:
                started = time.thread_time()
                if not isolated:
                    try:
                        results.append((future, job(conn), None))
                    except Exception as exc:
                        raise _JobFailed from exc
                else:
                    try:
                        with conn.begin_nested():
                            results.append((future, job(conn), None))
                    except Exception as exc:  # this job only; the others go on
                        results.append((future, None, exc))
                costs.append(time.thread_time() - started)
            committing = time.thread_time()
            self._before_commit(conn)
        share = (time.thread_time() - committing) / len(batch)  # sequencer and commit
        return [
            (future, (value, cost + share) if error is None else None, error)
            for (future, value, error), cost in zip(results, costs, strict=True)
        ]


def _nothing(conn: Connection) -> None:
    """No step before commit."""


class _JobFailed(Exception):
    """A job failed in an optimistic batch: run the batch again, isolated."""
