"""Reading the registry's results table: the one input every output is built from.

The columns are pinned in ``docs/contracts.md`` (Files: results). This layer is deliberately
thin: it reads Parquet or CSV, checks the contract columns, converts each row into a
:class:`ResultRow`, and offers :func:`public` -- the single place where suppression is applied
before anything reaches a public output.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tvaers.errors import InputError
from tvaers.registry.indicators.results import CONTRACT_COLUMNS

#: The contract's columns (docs/contracts.md), as the registry writes them.
RESULT_COLUMNS: tuple[str, ...] = CONTRACT_COLUMNS
UNIT_TYPES: tuple[str, ...] = (
    "national",
    "region",
    "municipality",
    "delivering_municipality",
    "hospital",
)
#: Values hidden when a row is suppressed (small numbers; the funnel limits reveal n).
SUPPRESSED_FIELDS: tuple[str, ...] = (
    "numerator",
    "denominator",
    "uoplyst",
    "excluded",
    "proportion",
    "ci_low",
    "ci_high",
    "standard_met",
    "funnel_95_low",
    "funnel_95_high",
    "funnel_998_low",
    "funnel_998_high",
)


@dataclass(frozen=True, slots=True)
class Standard:
    """An indicator standard: ``>=`` 0.90 means "at least 90 %"."""

    direction: str  # ">=" or "<="
    value: float

    def met_by(self, proportion: float) -> bool:
        return proportion >= self.value if self.direction == ">=" else proportion <= self.value

    @property
    def symbol(self) -> str:
        return "≥" if self.direction == ">=" else "≤"


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One indicator x unit x period row of the results table."""

    database: str
    indicator: str
    period: str
    unit_type: str
    unit_id: str
    numerator: int | None
    denominator: int | None
    uoplyst: int | None
    excluded: int | None
    proportion: float | None
    ci_low: float | None
    ci_high: float | None
    ci_method: str | None
    standard: Standard | None
    standard_met: bool | None
    funnel_95_low: float | None
    funnel_95_high: float | None
    funnel_998_low: float | None
    funnel_998_high: float | None
    coverage: float | None
    completeness: float | None
    suppressed: bool
    data_cutoff: date | None
    definition_hash: str
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def public(rows: Iterable[ResultRow]) -> list[ResultRow]:
    """Rows safe for public outputs: every small-number value of a suppressed row is removed.

    Each registry run suppressed its own period against the sums inside it. A release that
    also holds a year together with all twelve of its months publishes one more sum (the
    year is its months); then the whole release is suppressed again with every relation
    (:func:`tvaers.registry.public.protect_release`, at the registry's default threshold;
    cells hidden by the runs stay hidden), so that no hidden month can be read off the year.
    """
    rows = list(rows)
    if _has_year_with_months(rows):
        rows = _protect_release(rows)
    blank: dict[str, Any] = dict.fromkeys(SUPPRESSED_FIELDS)
    return [dataclasses.replace(r, **blank) if r.suppressed else r for r in rows]


def _has_year_with_months(rows: Sequence[ResultRow]) -> bool:
    periods = {(r.database, r.indicator, r.period) for r in rows}
    return any(
        len(period) == 4 and all((db, ind, f"{period}-{m:02d}") in periods for m in range(1, 13))
        for db, ind, period in periods
    )


def _protect_release(rows: list[ResultRow]) -> list[ResultRow]:
    from tvaers.registry.indicators.results import default_universe
    from tvaers.registry.public import protect_release, release_key
    from tvaers.registry.settings import RegistrySettings
    from tvaers.stats import SuppressionPolicy

    plain = [
        {
            "indicator": r.indicator,
            "period": r.period,
            "stratum": r.extra.get("stratum"),
            "unit_type": r.unit_type,
            "unit_id": r.unit_id,
            "numerator": r.numerator or 0,
            "denominator": r.denominator or 0,
        }
        for r in rows
    ]
    hospitals = {r.unit_id for r in rows if r.unit_type == "hospital"}
    policy = SuppressionPolicy(RegistrySettings().suppression_threshold)
    hidden = protect_release(plain, policy, default_universe(hospitals))
    return [
        dataclasses.replace(r, suppressed=True)
        if release_key(d) in hidden and not r.suppressed
        else r
        for r, d in zip(rows, plain, strict=True)
    ]


_STANDARD_RE = re.compile(r"^\s*(>=|<=|≥|≤|>|<)?\s*([0-9]+(?:[.,][0-9]+)?)\s*(%)?\s*$")


def parse_standard(raw: Any, direction_hint: str | None = None) -> Standard | None:
    """Read a standard given as 0.9, "0.9", ">= 90 %", "<=0.15" or "≤ 15 %"; None if absent.

    A bare number takes ``direction_hint`` (from the definition), else ">=".
    """
    if _missing(raw):
        return None
    if isinstance(raw, int | float):
        return Standard(direction_hint or ">=", float(raw))
    match = _STANDARD_RE.match(str(raw))
    if not match:
        raise InputError(
            f"cannot read the standard {raw!r}",
            hint="write it as a fraction (0.9) or with a direction (>= 90 %)",
        )
    sign, number, percent = match.groups()
    value = float(number.replace(",", "."))
    if percent or value > 1:
        value /= 100
    direction = {"≥": ">=", ">": ">=", "≤": "<=", "<": "<="}.get(sign or "", sign or "")
    return Standard(direction or direction_hint or ">=", value)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _int(value: Any) -> int | None:
    return None if _missing(value) else int(float(value))


def _float(value: Any) -> float | None:
    return None if _missing(value) else float(value)


def _bool(value: Any) -> bool | None:
    if _missing(value):
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "ja")
    return bool(value)


def _date(value: Any) -> date | None:
    if _missing(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _text(value: Any) -> str:
    if _missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def row_from_mapping(record: dict[str, Any], where: str = "results") -> ResultRow:
    """Convert one record (column -> value) into a :class:`ResultRow`."""
    unit_type = _text(record["unit_type"])
    if unit_type not in UNIT_TYPES:
        raise InputError(
            f"unknown unit_type {unit_type!r}",
            location=where,
            hint=f"valid unit types: {', '.join(UNIT_TYPES)}",
        )
    extra = {k: v for k, v in record.items() if k not in RESULT_COLUMNS}
    return ResultRow(
        database=_text(record["database"]),
        indicator=_text(record["indicator"]),
        period=_text(record["period"]),
        unit_type=unit_type,
        unit_id=_text(record["unit_id"]),
        numerator=_int(record["numerator"]),
        denominator=_int(record["denominator"]),
        uoplyst=_int(record["uoplyst"]),
        excluded=_int(record["excluded"]),
        proportion=_float(record["proportion"]),
        ci_low=_float(record["ci_low"]),
        ci_high=_float(record["ci_high"]),
        ci_method=_text(record["ci_method"]) or None,
        standard=parse_standard(record["standard"], _text(extra.get("standard_direction")) or None),
        standard_met=_bool(record["standard_met"]),
        funnel_95_low=_float(record["funnel_95_low"]),
        funnel_95_high=_float(record["funnel_95_high"]),
        funnel_998_low=_float(record["funnel_998_low"]),
        funnel_998_high=_float(record["funnel_998_high"]),
        coverage=_float(record["coverage"]),
        completeness=_float(record["completeness"]),
        suppressed=bool(_bool(record["suppressed"])),
        data_cutoff=_date(record["data_cutoff"]),
        definition_hash=_text(record["definition_hash"]),
        extra=extra,
    )


def _records(path: Path) -> Iterator[dict[str, Any]]:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if path.suffix == ".parquet":
        table = pq.read_table(path)
    else:
        options = pacsv.ConvertOptions(
            strings_can_be_null=True,
            column_types={"unit_id": "string", "period": "string", "standard": "string"},
        )
        table = pacsv.read_csv(path, convert_options=options)
    missing = [c for c in RESULT_COLUMNS if c not in table.column_names]
    if missing:
        raise InputError(
            f"results table lacks the contract columns {', '.join(missing)}",
            location=str(path),
            hint="the columns are listed in docs/contracts.md (Files: results)",
        )
    yield from table.to_pylist()


def in_snapshot(path: Path, root: Path) -> bool:
    """Is ``path`` inside a frozen snapshot (``<db>/<period>/snapshots/<stage>/``) below root?"""
    return "snapshots" in path.relative_to(root).parts[:-1]


def results_files(source: Path) -> list[Path]:
    """The results file(s) under ``source``: a file; ``results.parquet`` or ``results.csv`` in
    it; else every ``results.parquet`` below it (the registry writes
    ``results/<database>/<period>/results.parquet``) except frozen snapshots (give a snapshot's
    folder itself to publish it); else ``results/*.parquet``."""
    if source.is_file():
        return [source]
    for name in ("results.parquet", "results.csv"):
        if (source / name).is_file():
            return [source / name]
    found = (
        sorted(p for p in source.glob("**/results.parquet") if not in_snapshot(p, source))
        if source.is_dir()
        else []
    )
    folder = source / "results"
    if not found and folder.is_dir():
        found = sorted(folder.glob("*.parquet"))
    if not found:
        raise InputError(
            "no results table found",
            location=str(source),
            hint="expected results.parquet or results.csv here, or results/<database>/<period>/results.parquet "
            "below it (written by `tvaers registry run`)",
        )
    return found


def read_results(source: Path) -> list[ResultRow]:
    """Read every results row under ``source`` (see :func:`results_files`)."""
    rows: list[ResultRow] = []
    for path in results_files(source):
        for number, record in enumerate(_records(path), start=1):
            rows.append(row_from_mapping(record, where=f"{path}: row {number}"))
    return rows
