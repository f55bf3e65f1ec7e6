"""Prometheus metrics (text exposition format 0.0.4), without a client library.

Counters live in process memory (requests by route template and status, with their time;
reports accepted and refused); gauges are read from the store at scrape time (feed head,
pending rows, each recipient's backlog and dead letters). Labels never carry personal data.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Labels = tuple[tuple[str, str], ...]
log = logging.getLogger("tvaers.gateway.http")

HELP = {
    "tvaers_http_requests_total": "HTTP requests by route template, method and status",
    "tvaers_http_request_seconds_sum": "Seconds spent answering requests, by route template",
    "tvaers_reports_total": "Delivery reports by outcome (created, identical, refused)",
}


class Metrics:
    """Thread-safe counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[str, Labels], float] = {}

    def inc(self, name: str, value: float = 1.0, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + value

    def value(self, name: str, **labels: str) -> float:
        return self._values.get((name, tuple(sorted(labels.items()))), 0.0)

    def render(self, gauges: list[tuple[str, str, Labels, float]]) -> str:
        """The exposition text: counters, then ``(name, help, labels, value)`` gauges."""
        lines: list[str] = []
        with self._lock:
            items = sorted(self._values.items())
        seen: set[str] = set()
        for (name, labels), value in items:
            if name not in seen:
                seen.add(name)
                lines += [f"# HELP {name} {HELP.get(name, name)}", f"# TYPE {name} counter"]
            lines.append(f"{name}{_labels(labels)} {value:g}")
        for name, help_text, labels, value in gauges:
            if name not in seen:
                seen.add(name)
                lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
            lines.append(f"{name}{_labels(labels)} {value:g}")
        return "\n".join(lines) + "\n"


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
                     for k, v in labels)  # fmt: skip
    return "{" + inner + "}"


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class RequestMetrics:
    """ASGI middleware: count and time every request by its route template; log it."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def recording_send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            seconds = time.perf_counter() - started
            code = str(status["code"])
            self.metrics.inc("tvaers_http_requests_total", route=template,
                             method=scope["method"], status=code)  # fmt: skip
            self.metrics.inc("tvaers_http_request_seconds_sum", seconds, route=template)
            level = logging.DEBUG if code.startswith("2") else logging.INFO
            log.log(level, "request", extra={"method": scope["method"], "path": template,
                                             "status": int(code), "ms": round(seconds * 1000, 2)})  # fmt: skip
