"""Non-personal data-quality statistics for the municipalities' feedback.

The seed paper asks that "input and output feed each other": each municipality should see
how its reports fare at the gateway. This module aggregates the gateway's own records into
three tables that contain no personal data (counts per municipality x IG x month only):

- ``coverage``: kommunekode, ig, month, accepted, rejected
- ``rejects``: kommunekode, ig, month, rule_key, count, message_da, fix_da
- ``lag``: kommunekode, ig, month, reports, median_days, p90_days (receipt - Bundle.timestamp)

``month`` is the month of the report's own ``Bundle.timestamp`` (what the data are about),
for accepted and rejected reports alike. `tvaers gateway stats --out DIR` writes them as
Parquet for `tvaers publish build --gateway-stats DIR`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tvaers.fhir.state import parse_instant
from tvaers.gateway.schema import rejects, reports
from tvaers.gateway.timeutil import from_text

UNKNOWN = "ukendt"  # a month or IG the report did not state


@dataclass
class Cell:
    """Counts for one municipality x IG x month."""

    accepted: int = 0
    rejected: int = 0
    rules: Counter[str] = field(default_factory=Counter)
    lags_days: list[float] = field(default_factory=list)


def _month(timestamp: str | None) -> str:
    stamp = parse_instant(timestamp) if timestamp else None
    return stamp.strftime("%Y-%m") if stamp is not None else UNKNOWN


def collect(conn: Connection) -> dict[tuple[str, str, str], Cell]:
    """Aggregate accepted reports and reject records per (kommunekode, ig, month)."""
    cells: dict[tuple[str, str, str], Cell] = defaultdict(Cell)
    accepted = select(
        reports.c.kommunekode, reports.c.ig, reports.c.bundle_timestamp, reports.c.received_at
    )
    for kommune, ig, timestamp, received in conn.execute(accepted):
        cell = cells[(kommune, ig or UNKNOWN, _month(timestamp))]
        cell.accepted += 1
        stamp = parse_instant(timestamp) if timestamp else None
        if stamp is not None:
            cell.lags_days.append((from_text(received) - stamp).total_seconds() / 86_400)
    refused = select(
        rejects.c.kommunekode, rejects.c.ig, rejects.c.bundle_timestamp, rejects.c.rule_keys
    ).where(rejects.c.kommunekode.is_not(None))
    for kommune, ig, timestamp, keys in conn.execute(refused):
        cell = cells[(kommune, ig or UNKNOWN, _month(timestamp))]
        cell.rejected += 1
        cell.rules.update(k for k in keys.split() if k != "-")
    return dict(cells)


def _quantile(values: list[float], q: float) -> float | None:
    """Nearest-rank quantile (no interpolation), rounded to 0.1 day."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 1))  # ceil(n * q), at least 1
    return round(ordered[int(rank) - 1], 1)


def tables(
    cells: Mapping[tuple[str, str, str], Cell], texts: Mapping[str, tuple[str, str]]
) -> dict[str, list[dict[str, Any]]]:
    """The three tables as rows; ``texts`` maps rule key -> (message_da, fix_da)."""
    coverage, reject_rows, lag = [], [], []
    for (kommune, ig, month), cell in sorted(cells.items()):
        base = {"kommunekode": kommune, "ig": ig, "month": month}
        coverage.append({**base, "accepted": cell.accepted, "rejected": cell.rejected})
        for rule, count in sorted(cell.rules.items()):
            message, fix = texts.get(rule, ("", ""))
            reject_rows.append(
                {**base, "rule_key": rule, "count": count, "message_da": message, "fix_da": fix}
            )
        if cell.lags_days:
            lag.append({
                **base, "reports": len(cell.lags_days),
                "median_days": _quantile(cell.lags_days, 0.5),
                "p90_days": _quantile(cell.lags_days, 0.9),
            })  # fmt: skip
    return {"coverage": coverage, "rejects": reject_rows, "lag": lag}


SCHEMAS: dict[str, list[tuple[str, str]]] = {
    "coverage": [("kommunekode", "string"), ("ig", "string"), ("month", "string"),
                 ("accepted", "int64"), ("rejected", "int64")],
    "rejects": [("kommunekode", "string"), ("ig", "string"), ("month", "string"),
                ("rule_key", "string"), ("count", "int64"), ("message_da", "string"),
                ("fix_da", "string")],
    "lag": [("kommunekode", "string"), ("ig", "string"), ("month", "string"),
            ("reports", "int64"), ("median_days", "float64"), ("p90_days", "float64")],
}  # fmt: skip


def write(rows: Mapping[str, Iterable[dict[str, Any]]], directory: Path) -> dict[str, int]:
    """Write each table as ``<name>.parquet``; return row counts."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, columns in SCHEMAS.items():
        schema = pa.schema([(c, getattr(pa, t)()) for c, t in columns])
        data = list(rows.get(name, ()))
        table = pa.Table.from_pylist(data, schema=schema)
        pq.write_table(table, directory / f"{name}.parquet")
        counts[name] = len(data)
    return counts


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "…"


def rule_texts(catalogue: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, str]]:
    """Rule key -> (Danish message, how to fix) from the rule catalogue.

    Message templates are filled with the rule's element; other placeholders (values
    that differ per report) become "…". The Danish fix text is used when the catalogue
    has one (``how_to_fix_da``), else the English one.
    """
    texts = {}
    for rule in catalogue:
        values = _Blank(element=str(rule.get("element") or ""))
        message = str(rule.get("message_da") or "").format_map(values)
        fix = str(rule.get("how_to_fix_da") or rule.get("how_to_fix") or "")
        texts[str(rule["key"])] = (message, fix)
    return texts


def export(
    conn: Connection, catalogue: Iterable[Mapping[str, Any]], directory: Path
) -> dict[str, int]:
    """Collect, tabulate and write the statistics; return row counts per table."""
    return write(tables(collect(conn), rule_texts(catalogue)), directory)
