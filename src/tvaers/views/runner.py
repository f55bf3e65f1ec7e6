"""Run a compiled view in-process: resources in, Arrow record batches out, Parquet/DuckDB files.

The entry point for other packages::

    from tvaers.views import compile_view, iter_batches, write_duckdb

    view = compile_view(definition_dict, source="views/patient.json")
    for batch in iter_batches(view, resources):      # dicts, Bundles or Entry tuples
        ...                                          # pyarrow.RecordBatch, view.schema
    write_duckdb(view, resources, "registry.duckdb", table="patient")
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from tvaers.errors import InputError
from tvaers.views.compile import CompiledView, Rows
from tvaers.views.sources import Entry, flatten

DEFAULT_BATCH_ROWS = 65_536


def rows_to_batch(schema: pa.Schema, rows: Rows) -> pa.RecordBatch:
    """Turn row tuples (already converted per column) into a record batch of ``schema``."""
    if not rows:
        return schema.empty_table().to_batches()[0] if schema else pa.RecordBatch.from_pylist([])
    columns = list(zip(*rows, strict=True))
    arrays = []
    for field, values in zip(schema, columns, strict=True):
        try:
            arrays.append(pa.array(values, type=field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
            raise InputError(f"column {field.name!r} ({field.type}): {exc}") from None
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _entries(items: Iterable[Entry | dict[str, Any]]) -> Iterator[Entry]:
    for item in items:
        if isinstance(item, Entry):
            yield item
        else:
            yield from flatten(item)


def iter_rows(view: CompiledView, items: Iterable[Entry | dict[str, Any]]) -> Iterator[Rows]:
    """Rows per matching resource (bundles in ``items`` are flattened)."""
    wanted = view.resource_type
    for resource, full_url, urn_types in _entries(items):
        if resource.get("resourceType") == wanted:
            rows = view.rows(resource, full_url=full_url, urn_types=urn_types)
            if rows:
                yield rows


def iter_batches(
    view: CompiledView,
    items: Iterable[Entry | dict[str, Any]],
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> Iterator[pa.RecordBatch]:
    """Record batches of at most about ``batch_rows`` rows (none for no rows)."""
    pending: Rows = []
    for rows in iter_rows(view, items):
        pending.extend(rows)
        if len(pending) >= batch_rows:
            yield rows_to_batch(view.schema, pending)
            pending = []
    if pending:
        yield rows_to_batch(view.schema, pending)


def to_table(view: CompiledView, items: Iterable[Entry | dict[str, Any]]) -> pa.Table:
    """The whole view as one Arrow table (with the view's schema even when empty)."""
    return pa.Table.from_batches(list(iter_batches(view, items)), schema=view.schema)


def write_parquet(
    view: CompiledView, items: Iterable[Entry | dict[str, Any]], path: str | Path
) -> int:
    """Stream the view into a Parquet file; returns the number of rows."""
    return write_batches(view.schema, iter_batches(view, items), path)


def table_name(view: CompiledView) -> str:
    """A SQL table name for the view: its ``name``, else the resource type, lower-cased."""
    name = view.definition.name or view.resource_type
    return re.sub(r"[^A-Za-z0-9_]", "_", name).lower()


def write_duckdb(
    view: CompiledView,
    items: Iterable[Entry | dict[str, Any]],
    path: str | Path,
    *,
    table: str | None = None,
) -> int:
    """Create or replace a table in a DuckDB database file; returns the number of rows."""
    return write_batches(
        view.schema, iter_batches(view, items), path, table=table or table_name(view)
    )


def write_batches(
    schema: pa.Schema, batches: Iterable[pa.RecordBatch], path: str | Path, *, table: str = "view"
) -> int:
    """Write batches to ``.parquet`` or to ``table`` in a ``.duckdb``/``.db`` file."""
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        count = 0
        with pq.ParquetWriter(str(path), schema) as writer:
            for batch in batches:
                writer.write_batch(batch)
                count += batch.num_rows
        return count
    if suffix not in (".duckdb", ".db"):
        raise InputError(
            "unsupported output type", location=str(path), hint="use .parquet or .duckdb"
        )
    import duckdb

    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", table):
        raise InputError(f"invalid table name {table!r}", hint="letters, digits and underscores")
    reader = pa.RecordBatchReader.from_batches(schema, iter(batches))
    with duckdb.connect(str(path)) as con:
        con.register("view_rows", reader)
        con.execute(f'CREATE OR REPLACE TABLE "{table}" AS SELECT * FROM view_rows')
        con.unregister("view_rows")
        result = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
    return int(result[0]) if result else 0


def write_output(
    view: CompiledView, items: Iterable[Entry | dict[str, Any]], out: str | Path
) -> int:
    """Write to ``.parquet`` or ``.duckdb``/``.db`` by the file suffix."""
    return write_batches(view.schema, iter_batches(view, items), out, table=table_name(view))
