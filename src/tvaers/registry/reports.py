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
from tvaers.registry.pseudonym import PseudonymKey
from tvaers.registry.store import RegistryStore
from tvaers.terminology.cpr import CPR_SYSTEM, CprMode, cpr_problem
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
    raw_meta = report.bundle.get("meta")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    # A Bundle read back from the gateway carries the server's receipt in meta.lastUpdated.
    instant = parse_instant(meta.get("lastUpdated")) or parse_instant(
        report.bundle.get("timestamp")
    )
    if instant is None:
        raise InputError(
            "cannot tell when the report arrived",
            location=report.where,
            hint="put report files in reports/YYYY-MM-DD/ folders or give Bundle.timestamp",
        )
    return instant.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Prepared:
    """A checked, pseudonymised report ready to fold."""

    pid: str
    report_id: str
    bundle: dict[str, Any]
    received: datetime
    kommunekode: str | None


def pseudonymise_bundle(bundle: Any, key: PseudonymKey) -> Any:
    """A copy of ``bundle`` with every CPR identifier value replaced by its pseudonym."""
    if isinstance(bundle, dict):
        if bundle.get("system") == CPR_SYSTEM and isinstance(bundle.get("value"), str):
            return {**bundle, "value": key.pseudonym(bundle["value"])}
        return {k: pseudonymise_bundle(v, key) for k, v in bundle.items()}
    if isinstance(bundle, list):
        return [pseudonymise_bundle(v, key) for v in bundle]
    return bundle


def prepare(report: RawReport, key: PseudonymKey, cpr_mode: CprMode) -> Prepared:
    """Check one report and pseudonymise it (its CPR numbers never reach the store)."""
    cpr = citizen_cpr(report.bundle)
    if cpr is None:
        raise InputError(
            "the report does not name exactly one citizen (Patient with a CPR identifier)",
            location=report.where,
        )
    problem = cpr_problem(cpr, cpr_mode)
    if problem:
        raise InputError(f"citizen CPR {cpr!r}: {problem}", location=report.where)
    report_id = report.bundle.get("id")
    if not isinstance(report_id, str) or not report_id:
        raise InputError("delivery report has no Bundle.id", location=report.where)
    bundle = pseudonymise_bundle(report.bundle, key)
    return Prepared(key.pseudonym(cpr), report_id, bundle, _received(report), report.kommunekode)


def fresh_reports(prepared: list[Prepared], seen: set[tuple[str, str]]) -> list[Prepared]:
    """Reports not received before (same citizen and Bundle.id), first copy only."""
    fresh = []
    known = set(seen)
    for item in prepared:
        if (item.pid, item.report_id) not in known:
            known.add((item.pid, item.report_id))
            fresh.append(item)
    return fresh


def import_reports(
    store: RegistryStore,
    key: PseudonymKey,
    directory: Path,
    *,
    cpr_mode: CprMode = "dk-core",
    rebuild: bool = False,
) -> dict[str, int]:
    """Import the reports under ``directory`` that the registry has not seen yet.

    Only the citizens with new reports are folded again (from the report log) and only
    the resources a new report changed are flattened again; ``rebuild`` replays the whole
    log (after a change of the shipped views). The first import and a rebuild stream
    through citizen buckets (:mod:`.reports_bulk`) to bound memory. The result does not
    depend on how the reports were split over imports.
    """
    from tvaers.registry.reports_store import LOG, load_state, save

    if rebuild or store.table_path(LOG) is None:
        # Everything is replayed: stream it through citizen buckets (bounded memory).
        from tvaers.registry.reports_bulk import import_all

        stream = (prepare(r, key, cpr_mode) for r in read_reports(Path(directory)))
        return import_all(store, key, stream, Path(directory), rebuild=rebuild)
    prepared = [prepare(r, key, cpr_mode) for r in read_reports(Path(directory))]
    state = load_state(store)
    fresh = fresh_reports(prepared, state.seen)
    return save(store, key, state, fresh, source=Path(directory), rebuild=rebuild)
