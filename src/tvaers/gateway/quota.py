"""Per-client request quotas: a token bucket per client id, in process memory.

A refused request gets 429 with ``Retry-After`` (whole seconds until a token is back).
Quotas protect the gateway from one runaway client; they are per process, which is what
one ``tvaers gateway serve`` is.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class Quotas:
    """Token buckets: ``rate`` tokens per second up to ``burst``."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, client_id: str) -> float | None:
        """Spend one token; None if allowed, else the seconds to wait."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(client_id, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[client_id] = (tokens - 1.0, now)
                return None
            self._buckets[client_id] = (tokens, now)
            return (1.0 - tokens) / self.rate

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
