"""Gateway benchmark: concurrent HTTP clients against a real `tvaers gateway serve`.

For SQLite and PostgreSQL: ingest reports/s, latency p50/p95/p99, and the server's CPU split
between validation, the database layer and the rest (HTTP, JSON, auth), from the
``Server-Timing`` CPU figures the gateway returns and the process CPU in /proc; then the
pull rate (reports/s a recipient receives paging its feed over HTTP) and the push rate
(reports/s the outbox worker inside `serve` delivers to a local HTTP recipient). The same
run measures in-process validation alone as the baseline ceiling and prints the ratios.
Report mix: the KL care, rehab and prevention examples (4 to 23 resources each), each
sent with a fresh id and citizen. Required: >= 200 reports/s with p99 < 250 ms.

    .venv/bin/python bench/ingest.py [--reports 3000] [--clients 8] [--no-postgres]
                                     [--workers 1,2] [--client raw|httpx]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import selectors
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference" / "kl"
PEPPER = "bench-pepper-" + "p" * 40
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
REQUIRED_RATE, REQUIRED_P99_MS, TARGET_RATE = 200.0, 250.0, 500.0


def example_templates() -> list[dict[str, Any]]:
    """Every KL example delivery report that names a citizen (the size mix)."""
    templates = []
    for ig in ("care", "rehab", "prevention"):
        for path in sorted((REFERENCE / ig / "examples").glob("Bundle-*.json")):
            bundle = json.loads(path.read_text(encoding="utf-8"))
            if any(e["resource"]["resourceType"] == "Patient" for e in bundle.get("entry", [])):
                templates.append(bundle)
    return templates


def build_reports(count: int, seed: int = 7) -> list[tuple[str, bytes]]:
    """``count`` reports cycling through the examples, each with a new id and CPR number."""
    rnd = random.Random(seed)
    templates = example_templates()
    reports = []
    for n in range(count):
        bundle = json.loads(json.dumps(templates[n % len(templates)]))
        bundle["id"] = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
        cpr = f"{rnd.randint(1, 28):02d}{rnd.randint(1, 12):02d}{rnd.randint(30, 99):02d}{rnd.randint(0, 3)}{rnd.randint(0, 999):03d}"
        for entry in bundle["entry"]:
            if entry["resource"]["resourceType"] == "Patient":
                entry["resource"]["identifier"][0]["value"] = cpr
        reports.append((bundle["id"], json.dumps(bundle, indent=2).encode()))
    return reports


def write_organisations(folder: Path) -> Path:
    from datetime import date

    from tvaers.terminology.organisations import Organisation, OrganisationTable
    from tvaers.terminology.organisations import write_organisations as write

    since = date(2000, 1, 1)
    table = OrganisationTable(
        [
            Organisation(
                "123456789012345", "Test", "municipal_unit", None, "101", "1084", since, None
            ),
            Organisation(
                "451000016003", "Holbæk", "municipality", None, "316", "1085", since, None
            ),
        ]
    )
    write(table, folder)
    return folder / "organisations.parquet"


@dataclass
class Server:
    proc: subprocess.Popen[str]
    url: str

    def pids(self) -> list[int]:
        """The server and its worker processes."""
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            children = Path(f"/proc/{pid}/task/{pid}/children")
            if children.exists():
                todo += [int(c) for c in children.read_text().split()]
        return found

    def cpu_seconds(self) -> float:
        total = 0.0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def postgres_cpu_seconds() -> float:
    """CPU seconds of every local PostgreSQL process (the database's own cost per report;
    SQLite's runs inside the gateway process)."""
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if (proc / "comm").read_text().strip() not in ("postgres", "postmaster"):
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def start_server(db_url: str, workdir: Path, **env_extra: str) -> Server:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TVAERS_")}
    env.update(
        TVAERS_GATEWAY_TOKEN_PEPPER=PEPPER,
        TVAERS_GATEWAY_PSEUDONYM_KEYS="1:" + "k" * 64,
        TVAERS_GATEWAY_QUOTA_PER_SECOND="1000000",
        TVAERS_GATEWAY_QUOTA_BURST="1000000",
        TVAERS_GATEWAY_LOG_LEVEL="WARNING",
        **env_extra,
    )
    command = [
        sys.executable, "-m", "tvaers.cli.main", "gateway", "serve", "--db", db_url,
        "--port", "0", "--organisations", str(write_organisations(workdir)), "--environment", "test",
    ]  # fmt: skip
    log = (workdir / "server.log").open("a")
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True
    )
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    if not selector.select(60):
        proc.kill()
        raise SystemExit(f"server did not start: {(workdir / 'server.log').read_text()[-2000:]}")
    return Server(proc, proc.stdout.readline().strip())


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float] = field(default_factory=list)
    validate_cpu: float = 0.0
    db_cpu: float = 0.0
    failures: int = 0


def parse_timing(header: str) -> tuple[float, float]:
    values = {}
    for part in header.split(","):
        name, _, dur = part.strip().partition(";dur=")
        values[name] = float(dur or 0) / 1000
    return values.get("validate-cpu", 0.0), values.get("db-cpu", 0.0)


class RawClient:
    """A minimal HTTP/1.1 keep-alive client: PUT a body, read status, headers, body.

    The load generator shares the 2-core machine with the server; httpx costs it about
    1.3 ms CPU per request, this about a tenth, so the server's rate is less bounded by
    its own test driver. ``--client httpx`` measures with httpx as before.
    """

    def __init__(self, url: str, headers: dict[str, str]):
        parts = httpx.URL(url)
        self.host, self.port = parts.host, parts.port or 80
        self.head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.head += f"Host: {self.host}:{self.port}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def put(self, path: str, body: bytes) -> tuple[int, dict[str, str]]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        request = f"PUT {path} HTTP/1.1\r\n{self.head}Content-Length: {len(body)}\r\n\r\n"
        self.writer.write(request.encode() + body)
        status = int((await self.reader.readline()).split()[1])
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        await self.reader.readexactly(int(headers.get("content-length", "0")))
        return status, headers

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


async def load(
    url: str, token: str, reports: list[tuple[str, bytes]], clients: int, client: str = "raw"
) -> LoadResult:
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    for item in reports:
        queue.put_nowait(item)
    result = LoadResult(0.0)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json",
               "Prefer": "return=minimal"}  # fmt: skip

    def record(status: int, server_timing: str, started: float) -> None:
        result.latencies.append(time.perf_counter() - started)
        if status != 201:
            result.failures += 1
            return
        v, d = parse_timing(server_timing)
        result.validate_cpu += v
        result.db_cpu += d

    async def raw_worker() -> None:
        connection = RawClient(url, headers)
        try:
            while not queue.empty():
                report_id, raw = queue.get_nowait()
                started = time.perf_counter()
                status, got = await connection.put(f"/fhir/Bundle/{report_id}", raw)
                record(status, got.get("server-timing", ""), started)
        finally:
            await connection.close()

    async def httpx_worker() -> None:
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as connection:
            while not queue.empty():
                report_id, raw = queue.get_nowait()
                started = time.perf_counter()
                response = await connection.put(f"/fhir/Bundle/{report_id}", content=raw)
                record(response.status_code, response.headers.get("server-timing", ""), started)

    worker = raw_worker if client == "raw" else httpx_worker
    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    result.seconds = time.perf_counter() - began
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def validation_baseline(reports: list[tuple[str, bytes]]) -> float:
    """Reports/s of ``validate_bytes`` alone, in process, one thread (the ceiling)."""
    from tvaers.validation import ValidationOptions, validate_bytes

    sample = reports[: min(len(reports), 600)]
    began = time.process_time()
    for _, raw in sample:
        validate_bytes(raw, ValidationOptions())
    return len(sample) / (time.process_time() - began)


def agreement(recipient_id: str, mode: str, url: str | None = None) -> Any:
    from tvaers.gateway.agreements import Agreement

    delivery: dict[str, Any] = {"mode": mode, **({"url": url} if url else {})}
    return Agreement.from_document({
        "schema_version": 1, "recipient_id": recipient_id, "name": recipient_id,
        "legal_basis": "Sundhedsloven §196", "identity": "cpr", "retention": "P10Y",
        "scope": {"igs": ["care", "rehab", "prevention"], "population": "all"},
        "delivery": delivery,
    })  # fmt: skip


def pull_rate(url: str, token: str, expected: int) -> float:
    """Reports/s a recipient receives paging its whole feed (pages of up to 500)."""
    headers = {"Authorization": f"Bearer {token}"}
    began, received = time.perf_counter(), 0
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        page = client.get("/fhir/recipients/pull/incremental?_since=2000-01-01&_count=500")
        while True:
            count = int(page.headers["x-feed-count"])
            received += count
            if received >= expected or (count == 0 and received):
                break
            link = page.headers["link"].split(";")[0].strip("<>")
            page = client.get(link + "&_count=500")
    if received < expected:
        raise SystemExit(f"pull received {received} of {expected} reports")
    return received / (time.perf_counter() - began)


class Receiver:
    """A local push recipient counting the reports it acknowledges."""

    def __init__(self, expected: int):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.expected, self.count, self.done = expected, 0, threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.count += len(body.get("entry", []))
                if owner.count >= owner.expected:
                    owner.done.set()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/in"


def push_rate(db_url: str, expected: int) -> float:
    """Reports/s the worker inside `serve` pushes, from registration to the last ack."""
    from tvaers.gateway.forwarding.recipients import RecipientRegistry
    from tvaers.gateway.store import GatewayStore

    receiver = Receiver(expected)
    store = GatewayStore.open(db_url, token_pepper=PEPPER)
    began = time.perf_counter()
    RecipientRegistry(store.db, 1).add(agreement("push", "push", receiver.url))
    store.close()
    if not receiver.done.wait(600):
        raise SystemExit(f"push delivered {receiver.count} of {expected} reports")
    rate = receiver.count / (time.perf_counter() - began)
    receiver.server.shutdown()
    return rate


def run_backend(
    name: str, db_url: str, reports: list[tuple[str, bytes]], clients: int, workers: int,
    client: str = "raw",
) -> dict[str, Any]:  # fmt: skip
    from tvaers.gateway.forwarding.recipients import RecipientRegistry
    from tvaers.gateway.store import GatewayStore

    store = GatewayStore.open(db_url, token_pepper=PEPPER)
    token = store.clients.add("bench", "Bench", "municipality", ["101", "316"])
    pull_token = store.clients.add("bench-pull", "Pull", "recipient", recipient_id="pull")
    RecipientRegistry(store.db, 1).add(agreement("pull", "pull"))
    store.close()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(
            db_url, Path(tmp), TVAERS_GATEWAY_OUTBOX_INTERVAL="0.05",
            TVAERS_GATEWAY_FEED_PAGE_SIZE="500", TVAERS_GATEWAY_WORKERS=str(workers),
        )  # fmt: skip
        try:
            warm, measured = reports[:100], reports[100:]
            asyncio.run(load(server.url, token, warm, clients, client))
            cpu_before, pg_before = server.cpu_seconds(), postgres_cpu_seconds()
            client_before = time.process_time()
            result = asyncio.run(load(server.url, token, measured, clients, client))
            server_cpu = server.cpu_seconds() - cpu_before
            pg_cpu = postgres_cpu_seconds() - pg_before
            client_cpu = time.process_time() - client_before
            pulled = pull_rate(server.url, pull_token, len(reports))
            pushed = push_rate(db_url, len(reports))
        finally:
            server.stop()
    done = len(measured) - result.failures
    rate = done / result.seconds
    other = max(0.0, server_cpu - result.validate_cpu - result.db_cpu)
    return {
        "backend": f"{name} w{workers}",
        "reports": done,
        "failures": result.failures,
        "rate": rate,
        "p50": percentile(result.latencies, 0.50) * 1000,
        "p95": percentile(result.latencies, 0.95) * 1000,
        "p99": percentile(result.latencies, 0.99) * 1000,
        "cpu_ms": server_cpu / done * 1000,
        "pg_cpu_ms": pg_cpu / done * 1000 if name == "postgresql" else None,
        "validate": result.validate_cpu / server_cpu * 100,
        "db": result.db_cpu / server_cpu * 100,
        "http": other / server_cpu * 100,
        "client_cpu_ms": client_cpu / max(done, 1) * 1000,
        "pull": pulled,
        "push": pushed,
    }


def postgres_url() -> tuple[str, str] | None:
    try:
        import psycopg

        name = f"tvaers_bench_{secrets.token_hex(4)}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name, f"postgresql://postgres@127.0.0.1:5432/{name}"
    except Exception as exc:
        print(f"PostgreSQL unavailable ({exc}); skipping it", file=sys.stderr)
        return None


def drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def print_table(rows: list[dict[str, Any]], baseline: float, clients: int, client: str) -> None:
    print(
        f"\nGateway ingest: {clients} concurrent HTTP clients ({client}), KL example size mix, "
        "Prefer: return=minimal; wN = N server worker processes"
    )
    print(f"baseline: validate_bytes alone, in process, 1 thread = {baseline:,.0f} reports/s\n")
    head = ("backend", "reports", "fail", "rep/s", "vs base", "p50 ms", "p95 ms", "p99 ms",
            "cpu ms/rep", "valid %", "db %", "http+ %", "pg ms/rep", "pull rep/s",
            "push rep/s", "verdict")  # fmt: skip
    print(" | ".join(f"{h:>10}" for h in head))
    print("-+-".join("-" * 10 for _ in head))
    for r in rows:
        ok = r["rate"] >= REQUIRED_RATE and r["p99"] < REQUIRED_P99_MS and not r["failures"]
        verdict = ("target" if r["rate"] >= TARGET_RATE else "ok") if ok else "BELOW"
        cells = (r["backend"], r["reports"], r["failures"], f"{r['rate']:.0f}",
                 f"{r['rate'] / baseline:.2f}x", f"{r['p50']:.1f}", f"{r['p95']:.1f}",
                 f"{r['p99']:.1f}", f"{r['cpu_ms']:.2f}", f"{r['validate']:.0f}",
                 f"{r['db']:.0f}", f"{r['http']:.0f}",
                 "-" if r["pg_cpu_ms"] is None else f"{r['pg_cpu_ms']:.2f}",
                 f"{r['pull']:.0f}", f"{r['push']:.0f}", verdict)  # fmt: skip
        print(" | ".join(f"{c:>10}" for c in cells))
    print(f"\nrequired >= {REQUIRED_RATE:.0f} reports/s with p99 < {REQUIRED_P99_MS:.0f} ms; "
          f"target {TARGET_RATE:.0f}/s. CPU split = server thread CPU in validation and in the "
          "store (Server-Timing) vs. the rest of the server process (HTTP, JSON, auth, audit).")  # fmt: skip
    print(
        "pg ms/rep: CPU of the local PostgreSQL processes per report (SQLite's own work is "
        "inside the gateway's cpu ms/rep)."
    )
    print(
        "pull: one recipient pages its whole feed (all IGs, pages of 500) over HTTP; push: the "
        "worker inside serve delivers the same feed to a local HTTP recipient (pages of 500)."
    )
    load = os.getloadavg()
    print(f"machine load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
          f"on {os.cpu_count()} cores (shared)")  # fmt: skip
    for r in rows:
        print(f"  {r['backend']}: load generator used {r['client_cpu_ms']:.2f} ms CPU per report "
              "on the same 2-core machine")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--workers", default="1,2", help="server worker processes to compare")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="load generator: minimal keep-alive HTTP/1.1 (default) or httpx")  # fmt: skip
    args = parser.parse_args(argv)
    reports = build_reports(args.reports + 100)
    baseline = validation_baseline(reports)
    rows = []
    for workers in [int(w) for w in args.workers.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite_url = f"sqlite:///{tmp}/bench.db"
            rows.append(
                run_backend("sqlite", sqlite_url, reports, args.clients, workers, args.client)
            )
        if not args.no_postgres:
            pg = postgres_url()
            if pg is not None:
                try:
                    rows.append(run_backend("postgresql", pg[1], reports, args.clients, workers,
                                            args.client))  # fmt: skip
                finally:
                    drop_postgres(pg[0])
    print_table(rows, baseline, args.clients, args.client)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
