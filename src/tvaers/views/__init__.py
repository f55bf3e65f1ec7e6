"""SQL-on-FHIR v2 ViewDefinition runner (in-process/Arrow and Apache Spark) and shipped views.

- :func:`load_view` validates a ViewDefinition (errors point into it by JSON pointer).
- :func:`compile_view` compiles it once; ``compiled.rows(resource)`` gives row tuples.
- :func:`iter_batches` / :func:`to_table` give Arrow record batches with the declared
  column types; :func:`write_parquet`, :func:`write_duckdb` write files.
- :func:`read_entries` reads .json/.ndjson/.ndjson.zst files, flattening bundles.
- :mod:`tvaers.views.spark` runs the same compiled views on Spark (``mapInArrow``).
- :mod:`tvaers.views.conformance` runs test files in the official SQL-on-FHIR format.
"""

from __future__ import annotations

from tvaers.views.compile import CompiledView, compile_view
from tvaers.views.definition import Column, Select, ViewDefinition, load_view
from tvaers.views.runner import (
    iter_batches,
    iter_rows,
    rows_to_batch,
    table_name,
    to_table,
    write_batches,
    write_duckdb,
    write_output,
    write_parquet,
)
from tvaers.views.sources import Entry, flatten, read_entries

__all__ = [
    "Column",
    "CompiledView",
    "Entry",
    "Select",
    "ViewDefinition",
    "compile_view",
    "flatten",
    "iter_batches",
    "iter_rows",
    "load_view",
    "read_entries",
    "rows_to_batch",
    "table_name",
    "to_table",
    "write_batches",
    "write_duckdb",
    "write_output",
    "write_parquet",
]
