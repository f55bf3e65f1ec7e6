"""Parquet writing with fixed row-group sizes, so file bytes depend only on the data.

Rows are buffered and written in row groups of exactly ``row_group_rows`` (the last group
holds the rest), whatever the size of the batches that arrive; no timestamps are written.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tvaers.synth.schema import SCHEMA_VERSION

ROW_GROUP_ROWS = 131_072


class FixedRowGroupWriter:
    """Streams Arrow tables into one Parquet file."""

    def __init__(
        self, path: Path, schema: pa.Schema, name: str, row_group_rows: int = ROW_GROUP_ROWS
    ):
        self.path = path
        self.rows = 0
        self._group = row_group_rows
        meta = {"schema_version": str(SCHEMA_VERSION), "table": name, "generator": "tvaers.synth"}
        self._schema = schema.with_metadata(meta)
        self._writer = pq.ParquetWriter(
            path,
            self._schema,
            compression="zstd",
            use_dictionary=True,
            write_statistics=True,
        )
        self._pending: list[pa.Table] = []
        self._pending_rows = 0

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self._pending.append(table.replace_schema_metadata(self._schema.metadata))
        self._pending_rows += table.num_rows
        if self._pending_rows >= self._group:
            combined = pa.concat_tables(self._pending)
            full = (combined.num_rows // self._group) * self._group
            self._writer.write_table(
                combined.slice(0, full).combine_chunks(), row_group_size=self._group
            )
            rest = combined.slice(full)
            self._pending = [rest] if rest.num_rows else []
            self._pending_rows = rest.num_rows
        self.rows += table.num_rows

    def close(self) -> None:
        if self._pending_rows:
            self._writer.write_table(
                pa.concat_tables(self._pending).combine_chunks(), row_group_size=self._group
            )
        self._pending = []
        self._writer.close()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
