"""Reports in submission order: ``reports/YYYY-MM-DD/<kommunekode>.ndjson.zst`` and the ledger.

Blocks are computed in citizen order, but files are by send day and municipality, so each
block first spills its reports into one compressed Arrow stream per send month
(``<spill>/<month>/<block>.arrows``, written by the worker that computed the block), then
each month is sorted (send day, kommunekode, covered day, IG, CPR, sequence) and written: one
zstd file per (send day, municipality), one report per line. The ledger lists every report
with its file and line, in submission order. Months are independent, so they may be written
in parallel; the bytes depend on neither the worker count nor the order of writing.
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

REPORTS = "reports"
LEDGER = "report_ledger.parquet"
SORT = ["send_day", "kommunekode", "covered_day", "ig", "cpr", "seq"]
ZSTD_LEVEL = 3
EPOCH = date(1970, 1, 1)
SPILL_SCHEMA = pa.schema(
    [
        ("send_day", pa.int32()), ("kommunekode", pa.string()), ("covered_day", pa.int32()),
        ("ig", pa.string()), ("cpr", pa.string()), ("seq", pa.int32()),
        ("report_id", pa.string()), ("client_id", pa.string()), ("expected", pa.string()),
        ("rule_key", pa.string()), ("invalid_kind", pa.string()), ("resend_of", pa.string()),
        ("late", pa.bool_()), ("outage", pa.bool_()), ("entries", pa.int32()),
        ("data", pa.large_binary()),
    ]
)  # fmt: skip
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


def spill_block(table: pa.Table, directory: Path, block: int) -> None:
    """Spill one block's reports: one compressed Arrow stream per send month."""
    if table.num_rows == 0:
        return
    months = np.array([month_of(int(d)) for d in table.column("send_day").to_numpy()])
    options = pa.ipc.IpcWriteOptions(compression="zstd")
    for month in np.unique(months).tolist():
        folder = directory / str(month)
        folder.mkdir(parents=True, exist_ok=True)
        path = str(folder / f"{block:06d}.arrows")
        with (
            pa.OSFile(path, "wb") as sink,
            pa.ipc.new_stream(sink, SPILL_SCHEMA, options=options) as w,
        ):
            w.write_table(table.filter(pa.array(months == month)))


def write_month(month_dir: Path, out: Path) -> pa.Table:
    """Write one month's report files under ``out/reports``; returns its ledger rows.

    Only the small key columns are sorted; the report bytes are read once and picked in
    order, so a month costs about twice its JSON in memory.
    """
    parts = []
    for path in sorted(month_dir.glob("*.arrows")):
        with pa.memory_map(str(path)) as source:
            parts.append(pa.ipc.open_stream(source).read_all())
    table = pa.concat_tables(parts)
    del parts
    order = pc.sort_indices(table.select(SORT), sort_keys=[(n, "ascending") for n in SORT])
    meta = table.drop_columns(["data"]).take(order)
    data = table.column("data").to_pylist()
    del table
    send = meta.column("send_day").to_numpy()
    kommune = np.array(meta.column("kommunekode").to_pylist())
    cut = np.flatnonzero((send[1:] != send[:-1]) | (kommune[1:] != kommune[:-1])) + 1
    bounds = [0, *cut.tolist(), meta.num_rows]
    picked = order.to_numpy()
    files: list[str] = []
    lines: list[int] = []
    sizes: list[int] = []
    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    for lo, hi in itertools.pairwise(bounds):
        day = (EPOCH + timedelta(days=int(send[lo]))).isoformat()
        name = f"{REPORTS}/{day}/{kommune[lo]}.ndjson.zst"
        (out / REPORTS / day).mkdir(parents=True, exist_ok=True)
        lines_here = [data[i] for i in picked[lo:hi]]
        sizes.extend(len(x) for x in lines_here)
        (out / name).write_bytes(compressor.compress(b"\n".join(lines_here) + b"\n"))
        files.extend([name] * (hi - lo))
        lines.extend(range(1, hi - lo + 1))
    return _ledger(meta, files, lines, sizes)


def _ledger(table: pa.Table, files: list[str], lines: list[int], sizes: list[int]) -> pa.Table:
    columns = {
        "file": pa.array(files),
        "line": pa.array(lines, pa.int32()),
        "covered_day": pc.cast(table.column("covered_day"), pa.date32()),
        "send_day": pc.cast(table.column("send_day"), pa.date32()),
        "bytes": pa.array(sizes, pa.int32()),
    }
    arrays = [columns[f.name] if f.name in columns else table.column(f.name) for f in LEDGER_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=LEDGER_SCHEMA)


def write_reports(
    spill: Path,
    out: Path,
    run_months: Callable[[list[Path]], Iterable[pa.Table]],
) -> pa.Table:
    """Write every month (``run_months`` maps month folders to ledger tables, in order)."""
    months = sorted(p for p in spill.iterdir() if p.is_dir()) if spill.exists() else []
    if (out / REPORTS).exists():
        shutil.rmtree(out / REPORTS)
    (out / REPORTS).mkdir(parents=True)
    ledgers = list(run_months(months))
    shutil.rmtree(spill, ignore_errors=True)
    if not ledgers:
        return LEDGER_SCHEMA.empty_table()
    return pa.concat_tables(ledgers)
