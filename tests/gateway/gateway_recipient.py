"""A fake push recipient: an HTTP server on port 0 that records every delivery."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass
class Received:
    key: str
    digest: str
    report_ids: list[str]


@dataclass
class FakeRecipient:
    """Answers ``fail_first`` requests with 503, then 200; records (key, body) of each."""

    fail_first: int = 0
    expect_reports: int = 0  # set ``done`` once this many report ids were acknowledged
    received: list[Received] = field(default_factory=list)
    acknowledged: list[Received] = field(default_factory=list)
    server: Any = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/incoming"

    def __enter__(self) -> FakeRecipient:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                bundle = json.loads(body)
                item = Received(
                    self.headers["Idempotency-Key"], hashlib.sha256(body).hexdigest(),
                    [e["resource"]["id"] for e in bundle.get("entry", [])],
                )  # fmt: skip
                owner.received.append(item)
                ok = len(owner.received) > owner.fail_first
                if ok:
                    owner.acknowledged.append(item)
                    total = sum(len(a.report_ids) for a in owner.acknowledged)
                    if owner.expect_reports and total >= owner.expect_reports:
                        owner.done.set()
                self.send_response(200 if ok else 503)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        self.server.shutdown()
        self.server.server_close()
