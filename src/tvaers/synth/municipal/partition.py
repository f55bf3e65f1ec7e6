"""Reports in submission order: ``reports/YYYY-MM-DD/<kommunekode>.ndjson.zst`` and the ledger.

Blocks arrive in citizen order, but files are by send day and municipality, so reports are
first spilled into one Arrow stream per send month (compressed), then each month is sorted
(send day, kommunekode, covered day, IG, CPR, sequence) and written: one zstd file per
(send day, municipality), one report per line. The ledger lists every report with its file
and line, in submission order. Months are independent, so they may be written in parallel;
the bytes do not depend on it.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import zstandard

from tvaers.synth.municipal.block import SPILL_SCHEMA

REPORTS = "reports"
LEDGER = "report_ledger.parquet"
SORT = ["send_day", "kommunekode", "covered_day", "ig", "cpr", "seq"]
ZSTD_LEVEL = 3
EPOCH = date(1970, 1, 1)
LEDGER_SCHEMA = pa.schema(
    [
        ("report_id", pa.string()), ("file", pa.string()), ("line", pa.int32()),
        ("kommunekode", pa.string()), ("client_id", pa.string()), ("ig", pa.string()),
        ("cpr", pa.string()), ("covered_day", pa.date32()), ("send_day", pa.date32()),
        ("expected", pa.string()), ("rule_key", pa.string()), ("invalid_kind", pa.string()),
        ("resend_of", pa.string()), ("late", pa.bool_()), ("outage", pa.bool_()),
        ("entries", pa.int32()), ("bytes", pa.int32()),
    ]
)  # fmt: skip


def month_of(day: int) -> int:
    d = EPOCH + timedelta(days=day)
    return d.year * 100 + d.month


class Spill:
    """Append-only spill files, one per send month."""

    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._writers: dict[int, pa.ipc.RecordBatchStreamWriter] = {}
        self._options = pa.ipc.IpcWriteOptions(compression="zstd")

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        months = np.array([month_of(int(d)) for d in table.column("send_day").to_numpy()])
        for month in np.unique(months).tolist():
            part = table.filter(pa.array(months == month))
            writer = self._writers.get(month)
            if writer is None:
                sink = pa.OSFile(str(self.path(month)), "wb")
                writer = pa.ipc.new_stream(sink, SPILL_SCHEMA, options=self._options)
                self._writers[month] = writer
            writer.write_table(part)

    def path(self, month: int) -> Path:
        return self.directory / f"month-{month}.arrows"

    def close(self) -> list[int]:
        """Close every file; returns the months written, in order."""
        for writer in self._writers.values():
            writer.close()
        return sorted(self._writers)


def write_month(spill_file: Path, out: Path) -> pa.Table:
    """Write one month's report files under ``out/reports``; returns its ledger rows."""
    with pa.memory_map(str(spill_file)) as source:
        table = pa.ipc.open_stream(source).read_all()
    table = table.sort_by([(name, "ascending") for name in SORT])
    send = table.column("send_day").to_numpy()
    kommune = np.array(table.column("kommunekode").to_pylist())
    cut = np.flatnonzero((send[1:] != send[:-1]) | (kommune[1:] != kommune[:-1])) + 1
    bounds = [0, *cut.tolist(), table.num_rows]
    data = table.column("data").to_pylist()
    files: list[str] = []
    lines: list[int] = []
    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    for lo, hi in itertools.pairwise(bounds):
        day = (EPOCH + timedelta(days=int(send[lo]))).isoformat()
        name = f"{REPORTS}/{day}/{kommune[lo]}.ndjson.zst"
        (out / REPORTS / day).mkdir(parents=True, exist_ok=True)
        payload = b"\n".join(data[lo:hi]) + b"\n"
        (out / name).write_bytes(compressor.compress(payload))
        files.extend([name] * (hi - lo))
        lines.extend(range(1, hi - lo + 1))
    return _ledger(table, files, lines)


def _ledger(table: pa.Table, files: list[str], lines: list[int]) -> pa.Table:
    sizes = pc.binary_length(table.column("data"))
    columns = {
        "file": pa.array(files),
        "line": pa.array(lines, pa.int32()),
        "covered_day": pc.cast(table.column("covered_day"), pa.date32()),
        "send_day": pc.cast(table.column("send_day"), pa.date32()),
        "bytes": pc.cast(sizes, pa.int32()),
    }
    arrays = [columns[f.name] if f.name in columns else table.column(f.name) for f in LEDGER_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=LEDGER_SCHEMA)


def write_reports(
    spill: Spill,
    out: Path,
    run_months: Callable[[list[Path]], Iterable[pa.Table]],
) -> pa.Table:
    """Write every month (``run_months`` maps spill files to ledger tables, in order)."""
    months = spill.close()
    if (out / REPORTS).exists():
        shutil.rmtree(out / REPORTS)
    (out / REPORTS).mkdir(parents=True)
    ledgers = list(run_months([spill.path(m) for m in months]))
    shutil.rmtree(spill.directory, ignore_errors=True)
    if not ledgers:
        return LEDGER_SCHEMA.empty_table()
    return pa.concat_tables(ledgers)
