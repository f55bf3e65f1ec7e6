"""``tvaers registry import-reports DIR``: delivery reports from files into the store.

The same path as ``registry sync`` without HTTP: reports are read in submission order
(``reports/YYYY-MM-DD/<kommunekode>.ndjson.zst``: folder date, then file, then line; plain
``.json`` Bundles and ``.ndjson`` work too), folded per citizen with ``apply_report`` and
flattened by the shipped views (:mod:`tvaers.registry.flatten`). A report's arrival time is
its folder's date (else ``Bundle.timestamp``); its municipality is the file name's
kommunekode. Coverage counts every report read as accepted (the files hold what the gateway
forwarded; rejected reports never reach a recipient).

Everything is read and checked first; then all tables are written in one store
transaction, with CPR numbers replaced by pseudonyms. A malformed report stops the import
with its file and line, and the store is unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tvaers.errors import InputError
from tvaers.fhir.jsonio import parse_json
from tvaers.fhir.state import citizen_cpr, parse_instant
from tvaers.registry.flatten import Flattener
from tvaers.registry.pseudonym import PseudonymKey
from tvaers.registry.store import RegistryStore, TableInfo, now_iso
from tvaers.terminology.cpr import CprMode, cpr_problem
from tvaers.terminology.geography import municipalities

SUFFIXES = (".json", ".ndjson", ".ndjson.zst")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class RawReport:
    """One delivery report and where it came from."""

    bundle: dict[str, Any]
    where: str  # file:line
    folder_day: date | None
    kommunekode: str | None


def report_files(directory: Path) -> list[Path]:
    """Report files in submission order (dated folder, then file name)."""
    if directory.is_file():
        return [directory]
    if not directory.is_dir():
        raise InputError(f"report folder not found: {directory}")
    files = [p for p in directory.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES)]
    return sorted(files, key=lambda p: (str(p.parent.relative_to(directory)), p.name))


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    if path.name.endswith(".zst"):
        import io

        import zstandard

        with open(path, "rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as reader:
            for number, line in enumerate(io.BufferedReader(reader), start=1):
                if line.strip():
                    yield number, line
    elif path.suffix == ".ndjson":
        with open(path, "rb") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield number, line
    else:
        yield 1, path.read_bytes()


def read_reports(directory: Path) -> Iterator[RawReport]:
    """Every delivery report under ``directory`` in submission order."""
    known = {m.kommunekode for m in municipalities()}
    for path in report_files(directory):
        day = date.fromisoformat(path.parent.name) if _DAY.match(path.parent.name) else None
        stem = path.name.split(".", 1)[0]
        kommune = stem if stem in known else None
        for number, data in _lines(path):
            where = f"{path}:{number}"
            bundle = parse_json(data, source=where)
            if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
                raise InputError("not a delivery report (a Bundle)", location=where)
            yield RawReport(bundle, where, day, kommune)


def _received(report: RawReport) -> datetime:
    if report.folder_day is not None:
        return datetime(report.folder_day.year, report.folder_day.month, report.folder_day.day)
    instant = parse_instant(report.bundle.get("timestamp"))
    if instant is None:
        raise InputError(
            "cannot tell when the report arrived",
            location=report.where,
            hint="put report files in reports/YYYY-MM-DD/ folders or give Bundle.timestamp",
        )
    return instant.astimezone(UTC).replace(tzinfo=None)


def fold_reports(directory: Path, cpr_mode: CprMode = "dk-core") -> Flattener:
    """Read, check and fold every report (nothing is written)."""
    flat = Flattener()
    for report in read_reports(directory):
        cpr = citizen_cpr(report.bundle)
        if cpr is None:
            raise InputError(
                "the report does not name exactly one citizen (Patient with a CPR identifier)",
                location=report.where,
            )
        problem = cpr_problem(cpr, cpr_mode)
        if problem:
            raise InputError(f"citizen CPR {cpr!r}: {problem}", location=report.where)
        try:
            flat.add(report.bundle, cpr, report.kommunekode, _received(report))
        except InputError as exc:
            raise InputError(
                exc.message,
                location=f"{report.where}: {exc.location or ''}".rstrip(": "),
                hint=exc.hint,
            ) from exc
    return flat


def import_reports(
    store: RegistryStore,
    key: PseudonymKey,
    directory: Path,
    *,
    cpr_mode: CprMode = "dk-core",
) -> dict[str, int]:
    """Import every report under ``directory``: the flat tables replace the previous ones."""
    flat = fold_reports(Path(directory), cpr_mode)
    tables = flat.tables()
    cutoff = max((r["known_from"] for rows in flat.rows.values() for r in rows), default=None)
    done: dict[str, int] = {}
    with store.transaction(key) as tx:
        for name, table in tables.items():
            stored = pseudonymise(table, key)
            write_table(stored, tx.path_for(name))
            tx.record(
                TableInfo(
                    name=name,
                    rows=stored.num_rows,
                    schema_version=1,
                    source=str(Path(directory).resolve()),
                    source_sha256=None,
                    data_cutoff=(cutoff.date() if cutoff else date.today()).isoformat(),
                    imported_at=now_iso(),
                )
            )
            done[name] = stored.num_rows
    return done


def pseudonymise(table: Any, key: PseudonymKey) -> Any:
    """Replace the ``cpr`` column by ``pid`` (first column); other columns unchanged."""
    import pyarrow as pa

    if "cpr" not in table.column_names:
        return table
    pids = pa.array(key.pseudonyms(table.column("cpr").to_pylist()), type=pa.string())
    rest = table.drop_columns(["cpr"])
    return rest.add_column(0, "pid", pids)


def write_table(table: Any, path: Path) -> None:
    import pyarrow.parquet as pq

    meta = dict(table.schema.metadata or {})
    meta[b"schema_version"] = b"1"
    pq.write_table(table.replace_schema_metadata(meta), path)
