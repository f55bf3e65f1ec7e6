"""Hand-made flat municipal tables (one row per resource version) for indicator fixtures.

``row(table, cpr, rid, **values)`` gives one version; ``write_flat`` writes a table with
its view's full stored schema (``cpr`` instead of ``pid``), so that ``import_named`` takes
it as is. Columns not given are null; ``resource_key`` is ``<ResourceType>/<rid>`` and the
view's own id column is ``rid``; ``known_from`` defaults to noon of ``known`` (a date).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tvaers.registry.flatten import shipped_views
from tvaers.registry.schemas import flat_spec

ARROW = {
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "BOOLEAN": pa.bool_(),
    "VARCHAR[]": pa.list_(pa.string()),
    "VARCHAR": pa.string(),
}


def _id_column(table: str) -> str:
    return shipped_views()[table].schema.names[0]


def row(
    table: str,
    cpr: str,
    rid: str,
    *,
    kommune: str = "101",
    known: date | None = None,
    until: date | None = None,
    invalid: bool = False,
    **values: Any,
) -> dict[str, Any]:
    """One version of resource ``rid`` of citizen ``cpr`` in flat table ``table``."""
    resource = shipped_views()[table].definition.resource
    seen = known or next((v for v in values.values() if isinstance(v, date)), date(2025, 1, 1))
    out = {
        "cpr": cpr,
        "resource_key": f"{resource}/{rid}",
        _id_column(table): rid,
        "kommunekode": kommune,
        "known_from": datetime.combine(seen, time(12)),
        "known_to": datetime.combine(until, time(12)) if until else None,
        "invalid": invalid,
    }
    out.update(values)
    return out


def write_flat(directory: Path, table: str, rows: Iterable[dict[str, Any]]) -> Path:
    spec = flat_spec(table)
    assert spec is not None, table
    rows = list(rows)
    for r in rows:
        unknown = set(r) - {c.name for c in spec.columns}
        assert not unknown, f"{table} has no column(s) {unknown}"
    arrays = {
        c.name: pa.array([r.get(c.name) for r in rows], type=ARROW[c.type]) for c in spec.columns
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{table}.parquet"
    pq.write_table(pa.table(arrays).replace_schema_metadata({"schema_version": "1"}), path)
    return path
