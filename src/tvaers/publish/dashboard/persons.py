"""The person-level bucket table behind indicator results.

One row per person (or course) x indicator x period. The registry writes it as
``results/<database>/<period>/units.parquet`` (columns database, indicator, period, pid,
bucket, reason, municipality, region, hospital, delivering_municipality, index_date, ...);
a ``persons.parquet`` with the names pseudonym, kommunekode, region_code,
delivering_kommunekode (and optionally cpr) is read as well. Buckets: numerator,
denominator_only (or denominator), uoplyst, excluded. Rows are filtered to one reporting unit
here; who may see them is decided in :mod:`tvaers.publish.dashboard.permissions`.
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
#: The registry's column names -> ours.
ALIASES = {
    "pid": "pseudonym",
    "municipality": "kommunekode",
    "region": "region_code",
    "delivering_municipality": "delivering_kommunekode",
}
BUCKET_LABELS = {
    "numerator": "Tæller (opfylder indikatoren)",
    "denominator_only": "Nævner (opfylder ikke indikatoren)",
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
    rules: tuple[str, ...] = ()

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
                tuple(str(x) for x in r.get("rules") or ()),
            )
            for r in found
        ]


def _normalise(record: dict[str, Any]) -> dict[str, Any]:
    out = {ALIASES.get(k, k): v for k, v in record.items()}
    if out.get("bucket") == "denominator":
        out["bucket"] = "denominator_only"
    return out


def person_files(folder: Path) -> list[Path]:
    """``persons.parquet`` in ``folder``, else every registry ``units.parquet`` below it
    (frozen snapshots excluded: they repeat a period's live units)."""
    from tvaers.publish.results import in_snapshot

    if (folder / "persons.parquet").is_file():
        return [folder / "persons.parquet"]
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("**/units.parquet") if not in_snapshot(p, folder))


def read_persons(folder: Path) -> PersonTable:
    """Read the person rows under ``folder`` (none found: an empty table)."""
    import pyarrow.parquet as pq

    records: list[dict[str, Any]] = []
    for path in person_files(folder):
        table = pq.read_table(path)
        names = {ALIASES.get(c, c) for c in table.column_names}
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            raise InputError(
                f"person table lacks the columns {', '.join(missing)}", location=str(path)
            )
        records += [_normalise(r) for r in table.to_pylist()]
    return PersonTable(records)
