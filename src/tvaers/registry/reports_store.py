"""The stored side of report imports: the report log, the flat tables, coverage.

``reports_log`` keeps every report the registry has received (pseudonymised: CPR values
replaced by pseudonyms) with its arrival sequence, time and municipality. It lets an import
fold a citizen's earlier reports again without re-reading old files, and lets ``rebuild``
replay everything through the current views. All tables of one import are written in one
store transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tvaers.fhir.state import Report, fold
from tvaers.registry.flatten import Flattener, coverage_table, shipped_views
from tvaers.registry.pseudonym import PseudonymKey
from tvaers.registry.store import RegistryStore, TableInfo, now_iso

if TYPE_CHECKING:
    from tvaers.registry.reports import Prepared

LOG = "reports_log"
SORT = [("pid", "ascending"), ("resource_key", "ascending"), ("known_from", "ascending")]


@dataclass
class StoredReports:
    """What earlier imports left in the store."""

    log: list[dict[str, Any]]
    tables: dict[str, Any]  # view name -> Arrow table (absent: not imported yet)
    coverage: Any | None

    @property
    def seen(self) -> set[tuple[str, str]]:
        return {(r["pid"], r["report_id"]) for r in self.log}


def _read(store: RegistryStore, name: str) -> Any | None:
    import pyarrow.parquet as pq

    path = store.table_path(name)
    return None if path is None else pq.read_table(path)


def load_state(store: RegistryStore) -> StoredReports:
    log = _read(store, LOG)
    tables = {name: t for name in shipped_views() if (t := _read(store, name)) is not None}
    rows = [] if log is None else sorted(log.to_pylist(), key=lambda r: r["sequence"])
    return StoredReports(rows, tables, _read(store, "coverage"))


def log_row(p: Prepared, sequence: int) -> dict[str, Any]:
    """One row of the report log: the pseudonymised Bundle as canonical JSON."""
    return {
        "sequence": sequence,
        "received": p.received,
        "kommunekode": p.kommunekode,
        "pid": p.pid,
        "report_id": p.report_id,
        "bundle": json.dumps(p.bundle, sort_keys=True, separators=(",", ":")),
    }


def _log_rows(fresh: Sequence[Prepared], first: int) -> list[dict[str, Any]]:
    return [log_row(p, first + i) for i, p in enumerate(fresh)]


def _replay(flat: Flattener, rows: Sequence[dict[str, Any]]) -> None:
    for row in rows:
        flat.add(
            json.loads(row["bundle"]),
            row["sequence"],
            row["pid"],
            row["kommunekode"],
            row["received"],
        )


def _resume(flat: Flattener, stored: StoredReports, touched: set[str]) -> None:
    """Seed the touched citizens' states (from the log) and their stored rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    by_person: dict[str, list[Report]] = defaultdict(list)
    for row in stored.log:
        if row["pid"] in touched:
            by_person[row["pid"]].append(Report.of(json.loads(row["bundle"]), row["sequence"]))
    rows: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    wanted = pa.array(sorted(touched), type=pa.string())
    for name, table in stored.tables.items():
        for row in table.filter(pc.is_in(table["pid"], value_set=wanted)).to_pylist():
            rows[row["pid"]][name].append(row)
    for person in touched:
        flat.resume(person, fold(by_person.get(person, [])), rows.get(person, {}))


def _merge_tables(
    flat: Flattener, stored: StoredReports, touched: set[str], rebuild: bool
) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.compute as pc

    fresh_tables = flat.tables()
    wanted = pa.array(sorted(touched), type=pa.string())
    out = {}
    for name, table in fresh_tables.items():
        old = None if rebuild else stored.tables.get(name)
        if old is not None:
            kept = old.filter(pc.invert(pc.is_in(old["pid"], value_set=wanted))).cast(table.schema)
            table = pa.concat_tables([kept, table])
        out[name] = table.sort_by(SORT)
    return out


def _merge_coverage(flat: Flattener, stored: StoredReports, rebuild: bool) -> Any:
    counts: dict[tuple[str, str, date], int] = defaultdict(int)
    if stored.coverage is not None and not rebuild:
        for row in stored.coverage.to_pylist():
            counts[(row["kommunekode"], row["ig"], row["month"])] += row["accepted"]
    for item, n in flat.coverage.items():
        counts[item] += n
    return coverage_table(counts.items())


def log_table(rows: Sequence[dict[str, Any]]) -> Any:
    import pyarrow as pa

    schema = pa.schema(
        [
            ("sequence", pa.int64()),
            ("received", pa.timestamp("us")),
            ("kommunekode", pa.string()),
            ("pid", pa.string()),
            ("report_id", pa.string()),
            ("bundle", pa.string()),
        ]
    )
    return pa.Table.from_pylist(list(rows), schema=schema)


def save(
    store: RegistryStore,
    key: PseudonymKey,
    stored: StoredReports,
    fresh: Sequence[Prepared],
    *,
    source: Path | str,
    rebuild: bool,
    extra: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Fold the new reports in and write every table (and ``extra`` ones) in one transaction."""
    first = (stored.log[-1]["sequence"] + 1) if stored.log else 1
    new_log = _log_rows(fresh, first)
    flat = Flattener()
    if rebuild:
        touched = {r["pid"] for r in [*stored.log, *new_log]}
        _replay(flat, [*stored.log, *new_log])
    else:
        touched = {p.pid for p in fresh}
        _resume(flat, stored, touched)
        _replay(flat, new_log)
    tables = _merge_tables(flat, stored, touched, rebuild)
    tables["coverage"] = _merge_coverage(flat, stored, rebuild)
    log = [*stored.log, *new_log]
    tables[LOG] = log_table(log)
    tables.update(extra or {})
    cutoff = max((r["received"] for r in log), default=None)
    return _write(store, key, tables, source, cutoff.date() if cutoff else date.today())


def _write(
    store: RegistryStore,
    key: PseudonymKey,
    tables: dict[str, Any],
    source: Path | str,
    cutoff: date,
) -> dict[str, int]:
    import pyarrow.parquet as pq

    done: dict[str, int] = {}
    with store.transaction(key) as tx:
        for name, table in tables.items():
            meta = dict(table.schema.metadata or {})
            meta[b"schema_version"] = b"1"
            pq.write_table(table.replace_schema_metadata(meta), tx.path_for(name))
            tx.record(
                TableInfo(
                    name=name,
                    rows=table.num_rows,
                    schema_version=1,
                    source=str(source.resolve()) if isinstance(source, Path) else source,
                    source_sha256=None,
                    data_cutoff=cutoff.isoformat(),
                    imported_at=now_iso(),
                )
            )
            done[name] = table.num_rows
    return done
