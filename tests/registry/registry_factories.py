"""Factories for registry tests: small extract files written exactly as the contracts say.

Persons and contacts are given as compact tuples so that each test states the facts it
works with by hand; the writers add the Parquet schema and ``schema_version`` metadata.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

S, D, TS, I64 = pa.string(), pa.date32(), pa.timestamp("us"), pa.int64()

SCHEMAS: dict[str, list[tuple[str, pa.DataType]]] = {
    "cpr": [
        ("cpr", S),
        ("birth_date", D),
        ("sex", S),
        ("death_date", D),
        ("emigration_date", D),
    ],
    "cpr_residence": [("cpr", S), ("kommunekode", S), ("valid_from", D), ("valid_to", D)],
    "lpr_contacts": [
        ("contact_id", S),
        ("cpr", S),
        ("sor_unit", S),
        ("start", TS),
        ("end", TS),
        ("contact_type", S),
        ("priority", S),
        ("episode_id", S),
        ("episode_label", S),
    ],
    "lpr_diagnoses": [("contact_id", S), ("code", S), ("diag_type", S)],
    "lpr_procedures": [("contact_id", S), ("code", S), ("performed", TS)],
    "organisations": [
        ("sor_code", S),
        ("name", S),
        ("kind", S),
        ("parent_sor", S),
        ("kommunekode", S),
        ("region_code", S),
        ("valid_from", D),
        ("valid_to", D),
    ],
    "careplans_119": [
        ("cpr", S),
        ("careplan_id", S),
        ("kommunekode", S),
        ("category", S),
        ("status", S),
        ("period_start", D),
        ("period_end", D),
        ("known_from", TS),
        ("known_to", TS),
        ("invalid", pa.bool_()),
    ],
    "interventions_119": [
        ("cpr", S),
        ("intervention_id", S),
        ("careplan_id", S),
        ("kommunekode", S),
        ("code", S),
        ("status", S),
        ("period_start", D),
        ("period_end", D),
        ("known_from", TS),
        ("known_to", TS),
        ("invalid", pa.bool_()),
    ],
    "coverage": [
        ("kommunekode", S),
        ("ig", S),
        ("month", D),
        ("accepted", I64),
        ("rejected", I64),
    ],
}


def write_table(
    directory: Path,
    name: str,
    rows: Iterable[Sequence[Any]],
    *,
    metadata: dict[str, str] | None = None,
    schema: list[tuple[str, pa.DataType]] | None = None,
) -> Path:
    """Write ``rows`` (tuples in schema order) as ``<name>.parquet`` with schema_version 1."""
    fields = schema or SCHEMAS[name]
    rows = list(rows)
    cols = [[r[i] for r in rows] for i in range(len(fields))]
    table = pa.table({n: pa.array(c, type=t) for (n, t), c in zip(fields, cols, strict=True)})
    meta = {"schema_version": "1"} if metadata is None else metadata
    table = table.replace_schema_metadata(meta)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.parquet"
    pq.write_table(table, path)
    return path


def ts(text: str) -> datetime:
    """``"2025-03-01 08:00"`` -> datetime."""
    return datetime.fromisoformat(text)


def d(text: str) -> date:
    return date.fromisoformat(text)


def _root_conftest() -> Any:
    """tests/conftest.py as a module (its name clashes with this folder's conftest)."""
    import importlib.util
    import sys

    name = "tvaers_tests_root_conftest"
    if name not in sys.modules:
        root = Path(__file__).resolve().parents[1] / "conftest.py"
        spec = importlib.util.spec_from_file_location(name, root)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def require(condition: bool, reason: str) -> None:
    """``require`` of tests/conftest.py: skip, or fail under CI=true."""
    _root_conftest().require(condition, reason)
