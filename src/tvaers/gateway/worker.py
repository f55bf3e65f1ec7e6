"""The push worker as a background thread inside ``tvaers gateway serve``.

Every ``interval`` seconds it sequences pending feed rows and drains the outbox until
nothing is due. ``tvaers gateway outbox run`` runs the same loop as its own process.
"""

from __future__ import annotations

import logging
import threading

from tvaers.gateway.forwarding import feed
from tvaers.gateway.forwarding.outbox import Outbox

log = logging.getLogger("tvaers.gateway.outbox")


def drain(outbox: Outbox) -> int:
    """One round: publish pending feed rows, then deliver what is due."""
    feed.sequence_pending(outbox.db)
    return outbox.run_until_idle(limit=1000)


class OutboxThread:
    """A daemon thread running :func:`drain` until stopped."""

    def __init__(self, outbox: Outbox, interval: float):
        self.outbox = outbox
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="tvaers-outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                drain(self.outbox)
            except Exception:  # keep the worker alive; the next round retries
                log.exception("outbox round failed")
