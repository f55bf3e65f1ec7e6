"""The gateway's non-personal statistics, as read for municipal data-quality feedback.

Three optional tables in a folder (Parquet or CSV; see ``docs/publish.md``):

- ``rejects``: kommunekode, ig, month, rule_key, count, message_da, fix_da
  (rejected delivery reports per validation rule, with the rule catalogue's Danish
  explanation and how-to-fix text),
- ``coverage``: kommunekode, ig, month, accepted, rejected (the coverage feed),
- ``lag``: kommunekode, ig, month, median_days, p90_days (event to receipt).

A missing table means "no statistics"; the pages say so rather than show zeros.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tvaers.errors import InputError

IG_LABELS = {
    "care": "Pleje og sygepleje (§83, §138)",
    "rehab": "Genoptræning (§140)",
    "prevention": "Forebyggelse og rehabilitering (§119)",
}

_ALIASES = {
    "kommunekode": ("kommunekode", "municipality", "municipality_code"),
    "count": ("count", "rejects", "rejected"),
    "message_da": ("message_da", "explanation_da", "text_da"),
    "fix_da": ("fix_da", "how_to_fix_da", "fix"),
    "median_days": ("median_days", "lag_median_days"),
    "p90_days": ("p90_days", "lag_p90_days"),
}


@dataclass(frozen=True, slots=True)
class RejectCount:
    kommunekode: str
    ig: str
    month: str
    rule_key: str
    count: int
    message_da: str
    fix_da: str


@dataclass(frozen=True, slots=True)
class CoverageCell:
    kommunekode: str
    ig: str
    month: str
    accepted: int
    rejected: int

    @property
    def reporting(self) -> bool:
        """Did the municipality deliver accepted reports for this IG in this month?"""
        return self.accepted > 0


@dataclass(frozen=True, slots=True)
class LagStat:
    kommunekode: str
    ig: str
    month: str
    median_days: float | None
    p90_days: float | None


@dataclass(slots=True)
class DataQuality:
    """All three tables; ``present`` names the tables that were found."""

    rejects: list[RejectCount] = field(default_factory=list)
    coverage: list[CoverageCell] = field(default_factory=list)
    lag: list[LagStat] = field(default_factory=list)
    present: frozenset[str] = frozenset()

    def for_municipality(self, kommunekode: str) -> DataQuality:
        return DataQuality(
            [r for r in self.rejects if r.kommunekode == kommunekode],
            [c for c in self.coverage if c.kommunekode == kommunekode],
            [g for g in self.lag if g.kommunekode == kommunekode],
            self.present,
        )

    def rejects_by_rule(self) -> list[tuple[RejectCount, int]]:
        """One entry per rule key (first text seen), with the total count, largest first."""
        totals: dict[str, int] = defaultdict(int)
        first: dict[str, RejectCount] = {}
        for r in self.rejects:
            totals[r.rule_key] += r.count
            first.setdefault(r.rule_key, r)
        return sorted(
            ((first[k], n) for k, n in totals.items()), key=lambda t: (-t[1], t[0].rule_key)
        )

    def months(self) -> list[str]:
        return sorted({c.month for c in self.coverage} | {g.month for g in self.lag})

    def igs(self) -> list[str]:
        return sorted({c.ig for c in self.coverage} | {g.ig for g in self.lag})


def _get(record: dict[str, Any], name: str) -> Any:
    for key in _ALIASES.get(name, (name,)):
        if key in record:
            return record[key]
    raise KeyError(name)


def _read_table(folder: Path, stem: str, columns: tuple[str, ...]) -> list[dict[str, Any]] | None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    for path in (folder / f"{stem}.parquet", folder / f"{stem}.csv"):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            table = pq.read_table(path)
        else:
            text_columns = {c: "string" for c in ("kommunekode", "municipality", "month")}
            table = pacsv.read_csv(
                path, convert_options=pacsv.ConvertOptions(column_types=text_columns)
            )
        records: list[dict[str, Any]] = table.to_pylist()
        for column in columns:
            aliases = _ALIASES.get(column, (column,))
            if not any(a in table.column_names for a in aliases):
                raise InputError(
                    f"column {column!r} missing",
                    location=str(path),
                    hint=f"expected columns: {', '.join(columns)}",
                )
        return records
    return None


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def read_data_quality(folder: Path | None) -> DataQuality:
    """Read the gateway statistics in ``folder`` (absent folder or tables: empty)."""
    quality = DataQuality()
    if folder is None or not folder.is_dir():
        return quality
    present = set()
    rejects = _read_table(
        folder,
        "rejects",
        ("kommunekode", "ig", "month", "rule_key", "count", "message_da", "fix_da"),
    )
    if rejects is not None:
        present.add("rejects")
        quality.rejects = [
            RejectCount(
                str(_get(r, "kommunekode")),
                str(r["ig"]),
                str(r["month"]),
                str(r["rule_key"]),
                _int(_get(r, "count")),
                str(_get(r, "message_da") or ""),
                str(_get(r, "fix_da") or ""),
            )
            for r in rejects
        ]
    coverage = _read_table(
        folder, "coverage", ("kommunekode", "ig", "month", "accepted", "rejected")
    )
    if coverage is not None:
        present.add("coverage")
        quality.coverage = [
            CoverageCell(
                str(_get(r, "kommunekode")),
                str(r["ig"]),
                str(r["month"]),
                _int(r["accepted"]),
                _int(r["rejected"]),
            )
            for r in coverage
        ]
    lag = _read_table(folder, "lag", ("kommunekode", "ig", "month", "median_days", "p90_days"))
    if lag is not None:
        present.add("lag")
        quality.lag = [
            LagStat(
                str(_get(r, "kommunekode")),
                str(r["ig"]),
                str(r["month"]),
                _opt_float(_get(r, "median_days")),
                _opt_float(_get(r, "p90_days")),
            )
            for r in lag
        ]
    quality.present = frozenset(present)
    return quality
