"""Spreadsheet and machine exports of public results.

- Excel-facing CSV: UTF-8 with BOM, ``;``-separated, decimal comma, Danish headers,
  proportions as percentages (one decimal, as in the reports).
- Machine CSV and Parquet: the contract's results columns (``.`` decimals, ISO dates) plus
  ``unit_name`` at the end (columns are added, never renamed).

Rows must already be public: suppressed rows carry no small-number values.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tvaers.publish.formatting import excel_number
from tvaers.publish.model import standard_label
from tvaers.publish.results import RESULT_COLUMNS, ResultRow
from tvaers.publish.units import UNIT_TYPE_LABELS, UnitDirectory

EXCEL_HEADERS = (
    "Database",
    "Indikator",
    "Periode",
    "Enhedstype",
    "Enhedskode",
    "Enhed",
    "Tæller",
    "Nævner",
    "Uoplyst",
    "Ekskluderet",
    "Andel (%)",
    "95 %-KI nedre (%)",
    "95 %-KI øvre (%)",
    "KI-metode",
    "Standard",
    "Standard opfyldt",
    "Indberetningsdækning (%)",
    "Datakomplethed (%)",
    "Skjult (få forløb)",
    "Dataopgørelse",
    "Definitionens hash",
)
MACHINE_COLUMNS = (*RESULT_COLUMNS, "unit_name")


def _pct(value: float | None) -> str:
    return "" if value is None else excel_number(round(value * 100, 1), 1)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("Ja" if value else "Nej")


def excel_row(row: ResultRow, units: UnitDirectory) -> list[str]:
    """One results row as Excel cells (Danish text, decimal comma)."""
    return [
        row.database,
        row.indicator,
        row.period,
        UNIT_TYPE_LABELS.get(row.unit_type, row.unit_type),
        row.unit_id,
        units.name(row.unit_type, row.unit_id),
        excel_number(row.numerator),
        excel_number(row.denominator),
        excel_number(row.uoplyst),
        excel_number(row.excluded),
        _pct(row.proportion),
        _pct(row.ci_low),
        _pct(row.ci_high),
        row.ci_method or "",
        standard_label(row.standard) if row.standard else "",
        _yes_no(row.standard_met),
        _pct(row.coverage),
        _pct(row.completeness),
        "Ja" if row.suppressed else "Nej",
        row.data_cutoff.isoformat() if row.data_cutoff else "",
        row.definition_hash,
    ]


def excel_csv(rows: Sequence[ResultRow], units: UnitDirectory) -> bytes:
    """The Excel-facing CSV as bytes (BOM included)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXCEL_HEADERS)
    for row in rows:
        writer.writerow(excel_row(row, units))
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def machine_record(row: ResultRow, units: UnitDirectory) -> dict[str, Any]:
    """One row in the contract's columns, with standards written as ">=0.9"."""
    record: dict[str, Any] = {c: getattr(row, c) for c in RESULT_COLUMNS}
    record["standard"] = f"{row.standard.direction}{row.standard.value:g}" if row.standard else None
    record["unit_name"] = units.name(row.unit_type, row.unit_id)
    return record


def machine_csv(rows: Sequence[ResultRow], units: UnitDirectory) -> str:
    """Machine CSV: ``,``-separated, ``.`` decimals, empty for missing, ISO dates."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MACHINE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        record = machine_record(row, units)
        writer.writerow(
            {
                k: (
                    ""
                    if v is None
                    else str(v).lower()
                    if isinstance(v, bool)
                    else v.isoformat()
                    if hasattr(v, "isoformat")
                    else v
                )
                for k, v in record.items()
            }
        )
    return buffer.getvalue()


def write_parquet(rows: Sequence[ResultRow], units: UnitDirectory, path: Path) -> None:
    """Machine Parquet with explicit types (so an all-null column keeps its type)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    ints = ("numerator", "denominator", "uoplyst", "excluded")
    floats = (
        "proportion",
        "ci_low",
        "ci_high",
        "funnel_95_low",
        "funnel_95_high",
        "funnel_998_low",
        "funnel_998_high",
        "coverage",
        "completeness",
    )
    types: dict[str, Any] = {c: pa.string() for c in MACHINE_COLUMNS}
    types.update({c: pa.int64() for c in ints})
    types.update({c: pa.float64() for c in floats})
    types.update(standard_met=pa.bool_(), suppressed=pa.bool_(), data_cutoff=pa.date32())
    schema = pa.schema([(c, types[c]) for c in MACHINE_COLUMNS])
    records = [machine_record(r, units) for r in rows]
    table = pa.Table.from_pylist(records, schema=schema)
    pq.write_table(table.replace_schema_metadata({"schema_version": "1"}), path)
