"""Replay delivery reports to a gateway over HTTP, as the municipalities' EOJ clients would.

Reports are read in submission order (``reports/YYYY-MM-DD/<kommunekode>.ndjson.zst``:
folder date, then file, then line) and sent with ``PUT /fhir/Bundle/{id}`` under the token of
the client that covers the file's municipality. 429 and 5xx responses and connection errors
are retried with exponential backoff (429 honours ``Retry-After``). Up to ``concurrency``
requests are in flight; the checkpoint records the longest fully answered prefix, so an
interrupted replay resumes where it stopped (a report already stored is answered as
identical: idempotent). Credentials: the TOML written by ``tvaers gateway clients import
--credentials-out`` (``[[clients]]`` with ``client_id``, ``kommunekoder``, ``token``).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import zstandard

from tvaers.errors import InputError, ServiceError

RULE_SYSTEM = "urn:tvaers:validation-rule"
CHECKPOINT = "submit-checkpoint.json"
RETRY_STATUSES = {429, 500, 502, 503, 504}


@dataclass
class Summary:
    """Outcome of a replay: counts by status and rejected reports by rule key."""

    accepted: int = 0
    identical: int = 0  # already stored (200 on a resubmission): counted as accepted too
    rejected: int = 0
    rejected_by_status: dict[str, int] = field(default_factory=dict)
    rejected_by_rule: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    sent: int = 0
    seconds: float = 0.0

    def add(self, status: int, body: bytes) -> None:
        self.sent += 1
        if status in (200, 201):
            self.accepted += 1
            self.identical += status == 200
            return
        self.rejected += 1
        key = str(status)
        self.rejected_by_status[key] = self.rejected_by_status.get(key, 0) + 1
        for rule in sorted(rule_keys(body)):
            self.rejected_by_rule[rule] = self.rejected_by_rule.get(rule, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rule_keys(body: bytes) -> set[str]:
    """The error rule keys of an OperationOutcome response body."""
    try:
        outcome = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {"http:not-json"}
    keys = set()
    for issue in outcome.get("issue", []) if isinstance(outcome, dict) else []:
        if issue.get("severity") not in ("error", "fatal"):
            continue
        for coding in (issue.get("details") or {}).get("coding", []):
            if coding.get("system") == RULE_SYSTEM:
                keys.add(coding.get("code"))
    return keys


def load_credentials(path: Path) -> dict[str, str]:
    """kommunekode -> bearer token, from a credentials TOML (see the module docstring)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read credentials: {exc}", location=str(path)) from None
    clients = document.get("clients")
    if not isinstance(clients, list) or not clients:
        raise InputError(
            "no [[clients]] in the credentials file", location=str(path),
            hint="write it with `tvaers gateway clients import clients.toml --credentials-out FILE`",
        )  # fmt: skip
    tokens: dict[str, str] = {}
    for i, client in enumerate(clients, 1):
        token, codes = client.get("token"), client.get("kommunekoder")
        if not isinstance(token, str) or not token or not isinstance(codes, list):
            raise InputError(
                f"client {i} ({client.get('client_id', '?')}) needs a token and kommunekoder",
                location=str(path),
            )
        for code in codes:
            tokens[str(code)] = token
    return tokens


def report_files(directory: Path) -> list[Path]:
    """Report files in submission order (``DIR/reports`` or the reports folder itself)."""
    root = directory / "reports" if (directory / "reports").is_dir() else directory
    files = sorted(root.glob("*/*.ndjson.zst"), key=lambda p: (p.parent.name, p.name))
    if not files:
        raise InputError(
            f"no delivery reports under {root}",
            hint="expected reports/YYYY-MM-DD/<kommunekode>.ndjson.zst (tvaers synth generate)",
        )
    return files


def reports(files: list[Path], start: tuple[int, int]) -> Iterator[tuple[int, int, str, bytes]]:
    """(file index, line, kommunekode, report bytes) from position ``start`` on."""
    decompressor = zstandard.ZstdDecompressor()
    for index in range(start[0], len(files)):
        path = files[index]
        with path.open("rb") as fh, decompressor.stream_reader(fh) as reader:
            lines = reader.read().splitlines()
        first = start[1] if index == start[0] else 0
        for line in range(first, len(lines)):
            if lines[line]:
                yield index, line + 1, path.name.split(".")[0], lines[line]


@dataclass
class Checkpoint:
    """The longest answered prefix of the replay, with the counts up to it."""

    path: Path
    url: str
    position: tuple[int, int] = (0, 0)  # (file index, lines done in that file)
    summary: Summary = field(default_factory=Summary)

    @classmethod
    def load(cls, path: Path, url: str, files: list[Path]) -> Checkpoint:
        if not path.exists():
            return cls(path, url)
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("url") != url or data.get("files") != len(files):
            raise InputError(
                f"checkpoint {path} belongs to another replay ({data.get('url')}, "
                f"{data.get('files')} files)", hint="delete it or pass another --checkpoint",
            )  # fmt: skip
        summary = Summary(**data["summary"])
        return cls(path, url, (int(data["position"][0]), int(data["position"][1])), summary)

    def save(self, n_files: int) -> None:
        data = {"url": self.url, "files": n_files, "position": list(self.position),
                "summary": self.summary.as_dict()}  # fmt: skip
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)


@dataclass(frozen=True)
class ReplayOptions:
    """How to replay: in-flight requests, retries and their backoff, timeouts."""

    concurrency: int = 8
    max_retries: int = 8
    backoff_seconds: float = 0.25
    max_backoff_seconds: float = 30.0
    timeout_seconds: float = 60.0
    checkpoint_every: int = 200

    def __post_init__(self) -> None:
        if not 1 <= self.concurrency <= 64:
            raise InputError(f"--concurrency must be 1..64, got {self.concurrency}")
        if not 0 <= self.max_retries <= 100:
            raise InputError(f"--retries must be 0..100, got {self.max_retries}")


Progress = Callable[[int, int], None]  # (file index done, reports answered so far)


def replay(
    directory: Path,
    url: str,
    credentials: Path,
    *,
    checkpoint: Path | None = None,
    options: ReplayOptions | None = None,
    on_progress: Progress | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Summary:
    """Replay every report under ``directory`` to the gateway at ``url``; see the module doc.

    ``transport`` replaces the HTTP transport (tests)."""
    options = options or ReplayOptions()
    files = report_files(directory)
    tokens = load_credentials(credentials)
    missing = sorted({f.name.split(".")[0] for f in files} - tokens.keys())
    if missing:
        raise InputError(
            f"no client in {credentials} covers kommunekode {', '.join(missing[:10])}"
            + (f" (and {len(missing) - 10} more)" if len(missing) > 10 else ""),
            hint="import the run's clients.toml into the gateway and use its credentials file",
        )
    cp = Checkpoint.load(checkpoint or directory / CHECKPOINT, url.rstrip("/"), files)
    started = time.perf_counter()
    try:
        asyncio.run(_replay(files, tokens, cp, options, on_progress, transport))
    finally:
        cp.summary.seconds += time.perf_counter() - started
        cp.save(len(files))
    return cp.summary


async def _replay(
    files: list[Path],
    tokens: dict[str, str],
    cp: Checkpoint,
    options: ReplayOptions,
    on_progress: Progress | None,
    transport: httpx.AsyncBaseTransport | None,
) -> None:
    window: asyncio.Queue[tuple[tuple[int, int], asyncio.Task[tuple[int, bytes, int]]]]
    window = asyncio.Queue()
    limits = httpx.Limits(max_connections=options.concurrency)
    async with httpx.AsyncClient(
        base_url=cp.url, timeout=options.timeout_seconds, limits=limits, transport=transport
    ) as client:
        for index, line, kommune, data in reports(files, cp.position):
            task = asyncio.create_task(_send(client, tokens[kommune], data, options))
            await window.put(((index, line), task))
            if window.qsize() >= options.concurrency:
                await _settle(window, cp, options, on_progress, len(files))
        while not window.empty():
            await _settle(window, cp, options, on_progress, len(files))


async def _settle(
    window: asyncio.Queue[tuple[tuple[int, int], asyncio.Task[tuple[int, bytes, int]]]],
    cp: Checkpoint,
    options: ReplayOptions,
    on_progress: Progress | None,
    n_files: int,
) -> None:
    """Wait for the oldest request in flight; extend the answered prefix by one report."""
    position, task = window.get_nowait()
    status, body, retries = await task
    cp.summary.add(status, body)
    cp.summary.retries += retries
    cp.position = position
    if cp.summary.sent % options.checkpoint_every == 0:
        cp.save(n_files)
    if on_progress:
        on_progress(position[0], cp.summary.sent)


async def _send(
    client: httpx.AsyncClient, token: str, data: bytes, options: ReplayOptions
) -> tuple[int, bytes, int]:
    """PUT one report; retries 429/5xx and transport errors. Returns (status, body, retries)."""
    try:
        report_id = orjson.loads(data)["id"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return 400, b'{"issue":[]}', 0
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/fhir+json",
        "Prefer": "return=minimal",  # a refusal still carries its OperationOutcome
    }
    retries = 0
    while True:
        try:
            response = await client.put(f"/fhir/Bundle/{report_id}", content=data, headers=headers)
            if response.status_code not in RETRY_STATUSES:
                return response.status_code, response.content, retries
            wait = _retry_after(response)
            problem = f"HTTP {response.status_code}"
        except httpx.TransportError as exc:
            wait, problem = None, f"{type(exc).__name__}: {exc}"
        if retries >= options.max_retries:
            raise ServiceError(
                f"the gateway at {client.base_url} still answers {problem} after {retries} retries",
                hint="check the gateway; run the same command again to resume from the checkpoint",
            )
        retries += 1
        if wait is None:
            wait = options.backoff_seconds * 2 ** (retries - 1) * (0.5 + random.random())
        await asyncio.sleep(min(wait, options.max_backoff_seconds))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def ledger_expectation(directory: Path) -> tuple[int, int, Counter[str]] | None:
    """(accepted, rejected, rejected by rule key) the generator recorded, if it left a ledger."""
    import pyarrow.parquet as pq

    path = directory / "report_ledger.parquet"
    if not path.exists():
        return None
    table = pq.read_table(path, columns=["expected", "rule_key"])
    expected = Counter(table.column("expected").to_pylist())
    rules = Counter(r for r in table.column("rule_key").to_pylist() if r)
    return expected.get("accepted", 0), expected.get("rejected", 0), rules
