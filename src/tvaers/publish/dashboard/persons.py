"""The person-level bucket table behind indicator results (``persons.parquet``).

One row per person (or course) x indicator x period, written by the registry: database,
indicator, period, pseudonym, bucket (numerator | denominator | uoplyst | excluded), reason,
kommunekode (residence), region_code, and optionally hospital (SOR), delivering_kommunekode,
index_date and cpr. Rows are filtered to one reporting unit here; who may see them is
decided in :mod:`tvaers.publish.dashboard.permissions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from tvaers.errors import InputError

REQUIRED = (
    "database",
    "indicator",
    "period",
    "pseudonym",
    "bucket",
    "reason",
    "kommunekode",
    "region_code",
)
BUCKET_LABELS = {
    "numerator": "Tæller (opfylder indikatoren)",
    "denominator": "Nævner (opfylder ikke indikatoren)",
    "uoplyst": "Uoplyst",
    "excluded": "Ekskluderet",
}
UNIT_COLUMN = {
    "municipality": "kommunekode",
    "delivering_municipality": "delivering_kommunekode",
    "region": "region_code",
    "hospital": "hospital",
}


@dataclass(frozen=True, slots=True)
class PersonRow:
    pseudonym: str
    cpr: str | None
    bucket: str
    reason: str
    index_date: date | None

    @property
    def bucket_label(self) -> str:
        return BUCKET_LABELS.get(self.bucket, self.bucket)


class PersonTable:
    """Person rows, loaded once, looked up by indicator, period and unit."""

    def __init__(self, records: list[dict[str, Any]]):
        self.records = records
        self.has_cpr = any(r.get("cpr") for r in records)

    def for_unit(
        self, database: str, indicator: str, period: str, unit_type: str, unit_id: str
    ) -> list[PersonRow]:
        column = UNIT_COLUMN.get(unit_type)
        found = [
            r
            for r in self.records
            if (r["database"], r["indicator"], str(r["period"])) == (database, indicator, period)
            and (
                unit_type == "national"
                or (column is not None and str(r.get(column) or "") == unit_id)
            )
        ]
        order = {b: i for i, b in enumerate(BUCKET_LABELS)}
        found.sort(key=lambda r: (order.get(r["bucket"], 9), r["pseudonym"]))
        return [
            PersonRow(
                str(r["pseudonym"]),
                r.get("cpr") or None,
                str(r["bucket"]),
                str(r["reason"] or ""),
                r.get("index_date"),
            )
            for r in found
        ]


def read_persons(folder: Path) -> PersonTable:
    """Read ``persons.parquet`` (an absent file gives an empty table)."""
    import pyarrow.parquet as pq

    path = folder / "persons.parquet"
    if not path.is_file():
        return PersonTable([])
    table = pq.read_table(path)
    missing = [c for c in REQUIRED if c not in table.column_names]
    if missing:
        raise InputError(f"person table lacks the columns {', '.join(missing)}", location=str(path))
    records: list[dict[str, Any]] = table.to_pylist()
    return PersonTable(records)
