"""Named fault points for crash tests: ``TVAERS_FAULT=name[@n]`` kills the process there.

A test starts a real server with, say, ``TVAERS_FAULT=after_commit_before_response@3``;
the third time the code passes that point the process sends itself SIGKILL, exactly as a
power cut would end it, with no sleeps and no timing luck. Unset, every point is a no-op.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Mapping

#: Every fault point the gateway has (a typo in TVAERS_FAULT is refused at start).
POINTS = frozenset(
    {
        "before_commit",
        "after_commit_before_response",
        "push_after_send_before_ack",
        "push_before_send",
    }
)


class Faults:
    """The armed fault point (at most one) and its hit counter."""

    def __init__(self, name: str | None = None, at: int = 1):
        if name is not None and name not in POINTS:
            raise ValueError(f"unknown fault point {name!r}; known: {', '.join(sorted(POINTS))}")
        self.name = name
        self.at = at
        self._hits = 0
        self._lock = threading.Lock()

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Faults:
        """Read ``TVAERS_FAULT`` (``name`` or ``name@n``)."""
        value = (os.environ if environ is None else environ).get("TVAERS_FAULT", "").strip()
        if not value:
            return cls()
        name, _, count = value.partition("@")
        return cls(name, int(count) if count else 1)

    def hit(self, name: str) -> None:
        """Pass fault point ``name``; dies by SIGKILL when it is the armed one's n-th hit."""
        if name != self.name:
            return
        with self._lock:
            self._hits += 1
            if self._hits < self.at:
                return
        os.kill(os.getpid(), signal.SIGKILL)
