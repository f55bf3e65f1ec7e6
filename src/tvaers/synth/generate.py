"""``tvaers synth generate``: run all blocks (in worker processes) and write the files.

Blocks are computed in any process but written strictly in block order, with a bounded
number in flight, so memory stays flat and the bytes are identical for any worker count.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from multiprocessing.pool import AsyncResult
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tvaers import __version__
from tvaers.synth.block import run_block
from tvaers.synth.clients import write_clients
from tvaers.synth.config import COHORTS, SynthConfig
from tvaers.synth.health_system import health_system
from tvaers.synth.municipal.block import VERSIONS, municipal_block, plan_of
from tvaers.synth.municipal.manifest import municipal_manifest, write_plan
from tvaers.synth.municipal.options import MunicipalOptions
from tvaers.synth.municipal.partition import (
    LEDGER,
    LEDGER_SCHEMA,
    write_month,
    write_reports,
)
from tvaers.synth.municipal.versions import SCHEMA as VERSIONS_SCHEMA
from tvaers.synth.params import load_parameters
from tvaers.synth.pathways import MunicipalEffects
from tvaers.synth.schema import SCHEMA_VERSION, SCHEMAS
from tvaers.synth.truth.run import compute_truth
from tvaers.synth.writer import ROW_GROUP_ROWS, FixedRowGroupWriter, sha256_file
from tvaers.terminology.organisations import write_organisations

MANIFEST = "manifest.json"
IN_FLIGHT_PER_WORKER = 2


def enrichment(config: SynthConfig) -> dict[str, float]:
    """Every cohort's factor (1.0 when not enriched), for manifests and printing."""
    return {cohort: config.enrich.get(cohort, 1.0) for cohort in COHORTS}


def generate(
    config: SynthConfig,
    out: Path,
    *,
    workers: int = 1,
    on_block: Callable[[int], None] | None = None,
    municipal: MunicipalOptions | None = None,
    truth: bool = True,
    timings: dict[str, float] | None = None,
) -> dict[str, object]:
    """Write every output file of ``config`` under ``out``; returns the manifest.

    With ``municipal`` enabled (the default) the blocks also produce municipal delivery
    reports, written in submission order under ``reports/`` with ``report_ledger.parquet``,
    and (``truth``) the ground truth of every indicator under ``truth/``. ``timings``, if
    given, receives the wall-clock seconds of the phases (blocks, reports, truth).
    """
    clock = _Clock(timings)
    options = municipal or MunicipalOptions()
    out.mkdir(parents=True, exist_ok=True)
    (out / "events").mkdir(exist_ok=True)
    hs = health_system()
    write_organisations(hs.table, out)
    n_clients = write_clients(out / "clients.toml", config.seed)
    _write_effects(config, out / "events" / "municipality_effects.parquet")
    schemas = dict(SCHEMAS)
    if options.enabled:
        schemas[VERSIONS] = VERSIONS_SCHEMA
        write_plan(plan_of(config, options), out / "events" / "municipal_plan.parquet")
    writers = {
        name: FixedRowGroupWriter(out / f"{name}.parquet", schema, name)
        for name, schema in schemas.items()
    }
    spill = out / ".spill" if options.enabled else None
    if spill is not None and spill.exists():
        shutil.rmtree(spill)
    try:
        for tables in _blocks(config, options, workers, spill):
            for name, writer in writers.items():
                writer.write(tables[name])
            if on_block:
                on_block(1)
    finally:
        for writer in writers.values():
            writer.close()
    clock.lap("blocks")
    rows = {name: w.rows for name, w in writers.items()}
    if spill is not None:
        ledger = write_reports(spill, out, partial(_months, out=out, workers=workers))
        ledger_writer = FixedRowGroupWriter(out / LEDGER, LEDGER_SCHEMA, "report_ledger")
        ledger_writer.write(ledger)
        ledger_writer.close()
        rows["report_ledger"] = ledger.num_rows
        clock.lap("reports")
    if spill is not None and truth:
        found = compute_truth(out, window=(config.start, config.end))
        rows.update({f"truth/{k}": v for k, v in found.items()})
        clock.lap("truth")
    manifest = _manifest(config, out, rows, n_clients)
    if options.enabled:
        manifest["municipal"] = municipal_manifest(options, out)
    (out / MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return manifest


class _Clock:
    """Wall-clock seconds per phase, written into ``timings`` (if any)."""

    def __init__(self, timings: dict[str, float] | None):
        self.timings, self.last = timings, time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[phase] = now - self.last
        self.last = now


def run_all(
    config: SynthConfig, options: MunicipalOptions, block: int, spill: Path | None
) -> dict[str, pa.Table]:
    """Part 1 and (if enabled) the municipal part of one block (reports go to ``spill``)."""
    tables = run_block(config, block)
    if options.enabled and spill is not None:
        tables.update(municipal_block(config, options, block, tables, spill))
    return tables


def _blocks(
    config: SynthConfig, options: MunicipalOptions, workers: int, spill: Path | None
) -> Iterator[dict[str, pa.Table]]:
    if workers <= 1 or config.n_blocks == 1:
        for block in range(config.n_blocks):
            yield run_all(config, options, block, spill)
        return
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers) as pool:
        pending: deque[AsyncResult[dict[str, pa.Table]]] = deque()
        next_block = 0
        while next_block < config.n_blocks or pending:
            while next_block < config.n_blocks and len(pending) < workers * IN_FLIGHT_PER_WORKER:
                pending.append(pool.apply_async(run_all, (config, options, next_block, spill)))
                next_block += 1
            yield pending.popleft().get()


def _months(files: list[Path], *, out: Path, workers: int) -> Iterable[pa.Table]:
    """Write the report files of every spilled month, in month order."""
    if workers <= 1 or len(files) <= 1:
        return [write_month(f, out) for f in files]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers) as pool:
        return list(pool.imap(partial(write_month, out=out), files))


def _write_effects(config: SynthConfig, path: Path) -> None:
    hs = health_system()
    effects = MunicipalEffects.draw(config.seed, load_parameters(), hs.muni_weight)
    table = pa.table(
        {
            "kommunekode": pa.array(hs.kommunekoder),
            "incidence_multiplier": pa.array(np.round(effects.incidence, 6)),
            "referral_logit_shift": pa.array(np.round(effects.referral, 6)),
            "gop_multiplier": pa.array(np.round(effects.gop, 6)),
        }
    )
    meta = {"schema_version": str(SCHEMA_VERSION), "table": "events/municipality_effects"}
    pq.write_table(table.replace_schema_metadata(meta), path, compression="zstd")


def _manifest(
    config: SynthConfig, out: Path, rows: dict[str, int], n_clients: int
) -> dict[str, object]:
    files: dict[str, dict[str, object]] = {}
    extra = [n for n in rows if n not in SCHEMAS]
    names = [
        *SCHEMAS,
        *extra,
        "organisations",
        "responsible_authority",
        "events/municipality_effects",
    ]
    if (out / "events" / "municipal_plan.parquet").exists():
        names.append("events/municipal_plan")
    for name in names:
        path = out / f"{name}.parquet"
        count = rows[name] if name in rows else pq.ParquetFile(path).metadata.num_rows
        files[name] = {
            "file": f"{name}.parquet",
            "rows": count,
            "bytes": path.stat().st_size,
            "sha256": sha256_file(path),
        }
    clients = out / "clients.toml"
    files["clients"] = {
        "file": "clients.toml",
        "rows": n_clients,
        "bytes": clients.stat().st_size,
        "sha256": sha256_file(clients),
    }
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": "tvaers.synth",
        "tvaers_version": __version__,
        "parameters": config.as_dict(),
        "enrichment": enrichment(config),
        "parameter_tables_sha256": load_parameters().sha256,
        "cpr_mode": "synthetic",
        "times": "Danish local time (Europe/Copenhagen) without offset",
        "row_group_rows": ROW_GROUP_ROWS,
        "row_counts": {name: info["rows"] for name, info in files.items()},
        "files": files,
    }
