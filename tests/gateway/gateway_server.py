"""A real ``tvaers gateway serve`` process on port 0, for end-to-end and crash tests."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

from gateway_support import PEPPER

from tvaers.terminology.organisations import OrganisationTable, write_organisations

ROOT = Path(__file__).resolve().parents[2]


class ServerProcess:
    """``python -m tvaers.cli.main gateway serve --port 0``; ``url`` once it listens."""

    def __init__(self, db_url: str, workdir: Path, organisations: OrganisationTable):
        self.db_url = db_url
        self.workdir = workdir
        self.orgs = workdir / "orgs"
        self.orgs.mkdir(exist_ok=True)
        write_organisations(organisations, self.orgs)
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.log = workdir / "server.log"

    def env(self, fault: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TVAERS_")}
        env.update(
            TVAERS_GATEWAY_TOKEN_PEPPER=PEPPER,
            TVAERS_GATEWAY_PSEUDONYM_KEYS="1:" + "k" * 64,
            TVAERS_GATEWAY_QUOTA_PER_SECOND="100000",
            TVAERS_GATEWAY_QUOTA_BURST="100000",
            TVAERS_GATEWAY_OUTBOX_WORKER="false",
        )
        if fault:
            env["TVAERS_FAULT"] = fault
        env.update(extra or {})
        return env

    def start(
        self, fault: str | None = None, timeout: float = 60.0, extra: dict[str, str] | None = None
    ) -> str:
        command = [
            sys.executable, "-m", "tvaers.cli.main", "gateway", "serve", "--db", self.db_url,
            "--port", "0", "--organisations", str(self.orgs / "organisations.parquet"),
            "--environment", "test",
        ]  # fmt: skip
        stderr: IO[str] = self.log.open("a")
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env(fault, extra),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        assert self.proc.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.proc.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            self.kill()
            raise AssertionError(f"server did not start; log: {self.log.read_text()[-2000:]}")
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://"):
            self.kill()
            raise AssertionError(f"server printed {line!r}; log: {self.log.read_text()[-2000:]}")
        self.url = line
        return line

    def wait_dead(self, timeout: float = 60.0) -> int:
        """Wait for the process to end by itself (a fault point killed it)."""
        assert self.proc is not None
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
