"""Report imports that replay everything (the first import, ``--rebuild``) in bounded memory.

The in-memory path (:mod:`.reports_store`) holds every report and every flat row at once;
at national scale that is tens of GB. Folding is per citizen, so this path:

1. streams the reports (and, for a rebuild, the stored report log) once, checks and
   pseudonymises each, drops repeats (same citizen and ``Bundle.id``), numbers them in
   arrival order and spills the log rows into buckets by citizen (a hash of the pseudonym);
2. folds and flattens one bucket at a time (:class:`~.flatten.Flattener`), writing each
   view's rows as a Parquet part and summing coverage;
3. joins the parts with DuckDB, sorted as the in-memory path sorts them (pid, resource,
   arrival, then the order within the bucket), and writes every table in one store
   transaction.

The tables are the same as the in-memory path's (the import tests compare both through
``import_reports``); incremental imports on top of an existing log keep the in-memory path.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tvaers.registry.flatten import Flattener, coverage_table, shipped_views, table_schema
from tvaers.registry.pseudonym import PseudonymKey
from tvaers.registry.reports_store import LOG, log_row, log_table
from tvaers.registry.store import RegistryStore, TableInfo, now_iso

BUCKET_BYTES = 8 << 20  # about this much compressed report data per bucket
FLUSH_ROWS = 2000


def bucket_count(directory: Path) -> int:
    size = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())
    return max(1, min(256, size // BUCKET_BYTES))


def _bucket(pid: str, buckets: int) -> int:
    return int(hashlib.blake2b(pid.encode(), digest_size=4).hexdigest(), 16) % buckets


class _Spill:
    """Per-bucket Parquet writers of log rows."""

    def __init__(self, folder: Path, buckets: int):
        self.folder, self.buckets = folder, buckets
        self.schema = log_table([]).schema
        self.pending: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.writers: dict[int, Any] = {}
        self.rows = 0

    def add(self, row: dict[str, Any]) -> None:
        b = _bucket(row["pid"], self.buckets)
        self.pending[b].append(row)
        self.rows += 1
        if len(self.pending[b]) >= FLUSH_ROWS:
            self._flush(b)

    def _flush(self, b: int) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.pending[b]:
            return
        if b not in self.writers:
            self.writers[b] = pq.ParquetWriter(self.folder / f"log_{b:03d}.parquet", self.schema)
        self.writers[b].write_table(pa.Table.from_pylist(self.pending[b], schema=self.schema))
        self.pending[b] = []

    def close(self) -> list[Path]:
        for b in list(self.pending):
            self._flush(b)
        for writer in self.writers.values():
            writer.close()
        return sorted(self.folder.glob("log_*.parquet"))


def _stored_log(store: RegistryStore) -> Iterator[dict[str, Any]]:
    import pyarrow.parquet as pq

    path = store.table_path(LOG)
    if path is None:
        return
    for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
        rows = batch.to_pylist()
        rows.sort(key=lambda r: r["sequence"])
        yield from rows


def _tag(pid: str, report_id: str) -> bytes:
    """A short digest of (citizen, Bundle.id): what makes a report a repeat."""
    return hashlib.blake2b(f"{pid}|{report_id}".encode(), digest_size=12).digest()


def spill(
    store: RegistryStore, reports: Iterable[Any], folder: Path, buckets: int, rebuild: bool
) -> tuple[list[Path], datetime | None]:
    """Pass 1: the stored log (rebuild) then the new reports, numbered, into buckets."""
    out = _Spill(folder, buckets)
    seen: set[bytes] = set()
    sequence, latest = 0, None
    stored = _stored_log(store) if rebuild else iter(())
    for row in stored:
        seen.add(_tag(row["pid"], row["report_id"]))
        sequence = row["sequence"]
        latest = max(latest, row["received"]) if latest else row["received"]
        out.add(row)
    for item in reports:
        tag = _tag(item.pid, item.report_id)
        if tag in seen:
            continue
        seen.add(tag)
        sequence += 1
        latest = max(latest, item.received) if latest else item.received
        out.add(log_row(item, sequence))
    return out.close(), latest


def flatten_buckets(parts: list[Path], folder: Path) -> dict[tuple[str, str, date], int]:
    """Pass 2: fold and flatten each bucket; view rows as parts; coverage summed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    coverage: dict[tuple[str, str, date], int] = defaultdict(int)
    for number, part in enumerate(parts):
        rows = pq.read_table(part).sort_by("sequence").to_pylist()
        flat = Flattener()
        for row in rows:
            bundle = json.loads(row["bundle"])
            flat.add(bundle, row["sequence"], row["pid"], row["kommunekode"], row["received"])
        for item, n in flat.coverage.items():
            coverage[item] += n
        for name, table in flat.tables().items():
            if table.num_rows:
                table = table.append_column(
                    "_bucket", pa.array([number] * table.num_rows, pa.int32())
                )
                table = table.append_column("_order", pa.array(range(table.num_rows), pa.int64()))
                (folder / name).mkdir(exist_ok=True)
                pq.write_table(table, folder / name / f"{number:03d}.parquet")
    return coverage


def write_all(
    store: RegistryStore,
    key: PseudonymKey,
    folder: Path,
    logs: list[Path],
    coverage: dict[tuple[str, str, date], int],
    source: Path | str,
    cutoff: date,
) -> dict[str, int]:
    """Pass 3: every table into one store transaction (views sorted like the in-memory path)."""
    import duckdb
    import pyarrow.parquet as pq

    con = duckdb.connect()
    # Sorting the largest tables spills to disk beyond 6 GB rather than taking the machine's
    # memory (2 GB was too little for the report log of a 10 % country: out of memory).
    # Each COPY has its own ORDER BY, so insertion order need not be kept.
    spill_dir = str(folder / "duckdb-spill").replace("'", "''")
    con.execute(
        f"SET memory_limit = '6GB'; SET temp_directory = '{spill_dir}'; "
        "SET preserve_insertion_order = false"
    )
    done: dict[str, int] = {}

    def record(tx: Any, name: str) -> None:
        rows = pq.ParquetFile(tx.staging / f"{name}.parquet").metadata.num_rows
        info = TableInfo(name, rows, 1, str(source), None, cutoff.isoformat(), now_iso())
        tx.record(info)
        done[name] = rows

    try:
        with store.transaction(key) as tx:
            for name, view in shipped_views().items():
                target = tx.path_for(name)
                parts = (
                    sorted((folder / name).glob("*.parquet")) if (folder / name).exists() else []
                )
                if not parts:
                    pq.write_table(table_schema(view).empty_table().replace_schema_metadata(
                        {"schema_version": "1"}), target)  # fmt: skip
                else:
                    _copy(con, parts, target, "pid, resource_key, known_from, _bucket, _order")
                record(tx, name)
            table = coverage_table(coverage.items())
            pq.write_table(
                table.replace_schema_metadata({"schema_version": "1"}), tx.path_for("coverage")
            )
            record(tx, "coverage")
            target = tx.path_for(LOG)
            if logs:
                _copy(con, logs, target, "sequence")
            else:
                pq.write_table(
                    log_table([]).replace_schema_metadata({"schema_version": "1"}), target
                )
            record(tx, LOG)
    finally:
        con.close()
    return done


def _copy(con: Any, parts: list[Path], target: Path, order: str) -> None:
    files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in parts)
    literal = str(target).replace("'", "''")
    columns = "* EXCLUDE (_bucket, _order)" if "_bucket" in order else "*"
    con.execute(
        f"COPY (SELECT {columns} FROM read_parquet([{files}]) ORDER BY {order}) "
        f"TO '{literal}' (FORMAT parquet, KV_METADATA {{schema_version: '1'}})"
    )


def import_all(
    store: RegistryStore,
    key: PseudonymKey,
    reports: Iterable[Any],
    directory: Path,
    *,
    rebuild: bool,
) -> dict[str, int]:
    """Replay the stored log (rebuild) and the new reports into every table."""
    parent = store.root if store.root.exists() else None
    work = Path(tempfile.mkdtemp(prefix=".import-", dir=parent))
    try:
        logs, latest = spill(store, reports, work, bucket_count(directory), rebuild)
        coverage = flatten_buckets(logs, work)
        cutoff = latest.date() if latest else date.today()
        return write_all(store, key, work, logs, coverage, directory.resolve(), cutoff)
    finally:
        shutil.rmtree(work, ignore_errors=True)
