"""``tvaers synth generate``: run all blocks (in worker processes) and write the files.

Blocks are computed in any process but written strictly in block order, with a bounded
number in flight, so memory stays flat and the bytes are identical for any worker count.
"""

from __future__ import annotations

import json
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
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
from tvaers.synth.params import load_parameters
from tvaers.synth.pathways import MunicipalEffects
from tvaers.synth.schema import SCHEMA_VERSION, SCHEMAS
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
) -> dict[str, object]:
    """Write every output file of ``config`` under ``out``; returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "events").mkdir(exist_ok=True)
    hs = health_system()
    write_organisations(hs.table, out)
    n_clients = write_clients(out / "clients.toml", config.seed)
    _write_effects(config, out / "events" / "municipality_effects.parquet")
    writers = {
        name: FixedRowGroupWriter(out / f"{name}.parquet", schema, name)
        for name, schema in SCHEMAS.items()
    }
    try:
        for tables in _blocks(config, workers):
            for name, table in tables.items():
                writers[name].write(table)
            if on_block:
                on_block(1)
    finally:
        for writer in writers.values():
            writer.close()
    manifest = _manifest(config, out, {name: w.rows for name, w in writers.items()}, n_clients)
    (out / MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return manifest


def _blocks(config: SynthConfig, workers: int) -> Iterator[dict[str, pa.Table]]:
    if workers <= 1 or config.n_blocks == 1:
        for block in range(config.n_blocks):
            yield run_block(config, block)
        return
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers) as pool:
        pending: deque[AsyncResult[dict[str, pa.Table]]] = deque()
        next_block = 0
        while next_block < config.n_blocks or pending:
            while next_block < config.n_blocks and len(pending) < workers * IN_FLIGHT_PER_WORKER:
                pending.append(pool.apply_async(run_block, (config, next_block)))
                next_block += 1
            yield pending.popleft().get()


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
    names = [*SCHEMAS, "organisations", "responsible_authority", "events/municipality_effects"]
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
