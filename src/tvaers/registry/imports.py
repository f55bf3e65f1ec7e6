"""Imports of LPR, CPR, organisation and flat municipal extracts into the registry store.

One import = check every file completely (:mod:`tvaers.registry.extracts`), then write all
its tables into one store transaction, replacing the CPR number by the pseudonym on the
way. Any defect raises before the transaction opens; any failure inside it discards the
staging generation; so a store is never half-imported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from tvaers.registry.extracts import ExtractError, Problem, check_file, q, source
from tvaers.registry.pseudonym import PseudonymKey
from tvaers.registry.schemas import (
    CPR_RESIDENCE,
    CPR_TABLE,
    EXTRACTS,
    LPR_CONTACTS,
    LPR_DIAGNOSES,
    LPR_PROCEDURES,
    ORGANISATIONS,
    RESPONSIBLE_AUTHORITY,
    TableSpec,
)
from tvaers.registry.store import RegistryStore, TableInfo, now_iso
from tvaers.terminology.cpr import CprMode

#: Which extract tables each import reads, and which of them may be absent.
GROUPS: dict[str, tuple[tuple[TableSpec, ...], frozenset[str]]] = {
    "lpr": ((LPR_CONTACTS, LPR_DIAGNOSES, LPR_PROCEDURES), frozenset()),
    "cpr": ((CPR_TABLE, CPR_RESIDENCE), frozenset()),
    "organisations": ((ORGANISATIONS, RESPONSIBLE_AUTHORITY), frozenset({"responsible_authority"})),
}

#: Columns whose latest value bounds an extract's data cut-off when none is given (flat
#: municipal tables: ``known_from``).
CUTOFF_COLUMNS = {
    "cpr": ("death_date", "emigration_date"),
    "cpr_residence": ("valid_from",),
    "lpr_contacts": ("start",),
    "lpr_procedures": ("performed",),
    "coverage": ("month",),
}


@dataclass(frozen=True)
class Imported:
    """One table written by an import."""

    table: str
    rows: int
    data_cutoff: str


def import_group(
    store: RegistryStore,
    key: PseudonymKey,
    group: str,
    directory: Path,
    *,
    cpr_mode: CprMode = "dk-core",
    data_cutoff: date | None = None,
) -> list[Imported]:
    """Import the files of ``group`` (``lpr``, ``cpr``, ``organisations``) from ``directory``."""
    specs, optional = GROUPS[group]
    directory = Path(directory)
    if directory.is_file():  # a single organisations.parquet given directly
        directory = directory.parent
    files = {
        s.name: directory / s.file
        for s in specs
        if s.name not in optional or (directory / s.file).exists()
    }
    chosen = [s for s in specs if s.name in files]
    return import_tables(store, key, chosen, files, cpr_mode=cpr_mode, data_cutoff=data_cutoff)


def import_tables(
    store: RegistryStore,
    key: PseudonymKey,
    specs: Sequence[TableSpec],
    files: dict[str, Path],
    *,
    cpr_mode: CprMode = "dk-core",
    data_cutoff: date | None = None,
) -> list[Imported]:
    """Check, pseudonymise and store ``files`` (table name -> Parquet path) as one import."""
    import duckdb

    con = duckdb.connect()
    try:
        problems: list[Problem] = []
        readable = dict(files)
        for spec in specs:
            found = check_file(con, spec, files[spec.name], cpr_mode, readable)
            if any(p.fatal for p in found):
                readable.pop(spec.name)  # no reference checks against an unreadable file
            problems.extend(found)
        if problems:
            raise ExtractError(problems)
        _register_pseudonym(con, key)
        cutoff = _cutoff(con, specs, files, data_cutoff)
        done: list[Imported] = []
        with store.transaction(key) as tx:
            for spec in specs:
                path = files[spec.name]
                target = tx.path_for(spec.name)
                rows = _copy(con, spec, path, target)
                tx.record(
                    TableInfo(
                        name=spec.name,
                        rows=rows,
                        schema_version=spec.schema_version,
                        source=str(path.resolve()),
                        source_sha256=_sha256(path),
                        data_cutoff=cutoff,
                        imported_at=now_iso(),
                    )
                )
                done.append(Imported(spec.name, rows, cutoff))
        return done
    finally:
        con.close()


def import_named(
    store: RegistryStore,
    key: PseudonymKey,
    files: dict[str, Path],
    **options: Any,
) -> list[Imported]:
    """Import any of the known tables by name (used for hand-made flat municipal tables:
    the minimal forms in ``EXTRACTS``, else a view's full stored schema)."""
    from tvaers.errors import InputError
    from tvaers.registry.schemas import flat_spec

    specs = []
    for name in files:
        spec = EXTRACTS.get(name) or flat_spec(name)
        if spec is None:
            raise InputError(f"unknown table {name!r}", hint="a store table or a shipped view name")
        specs.append(spec)
    return import_tables(store, key, specs, files, **options)


def _register_pseudonym(con: Any, key: PseudonymKey) -> None:
    import pyarrow as pa

    def pseudonym(values: Any) -> Any:
        return pa.array(key.pseudonyms(values.to_pylist()), type=pa.string())

    con.create_function("pseudonym", pseudonym, ["VARCHAR"], "VARCHAR", type="arrow")


def _copy(con: Any, spec: TableSpec, path: Path, target: Path) -> int:
    """Write the stored form: typed columns, ``pid`` instead of the CPR column."""
    parts = []
    for column in spec.columns:
        if column.name == spec.person:
            parts.append(f"pseudonym(CAST({q(column.name)} AS VARCHAR)) AS pid")
        else:
            parts.append(f"CAST({q(column.name)} AS {column.type}) AS {q(column.name)}")
    literal = str(target).replace("'", "''")
    select = f"SELECT {', '.join(parts)} FROM {source(path)} ORDER BY file_row_number"
    con.execute(
        f"COPY ({select}) TO '{literal}' "
        f"(FORMAT parquet, KV_METADATA {{schema_version: '{spec.schema_version}'}})"
    )
    count = con.execute(f"SELECT count(*) FROM read_parquet('{literal}')").fetchone()
    return int(count[0]) if count else 0


def _cutoff(
    con: Any, specs: Sequence[TableSpec], files: dict[str, Path], given: date | None
) -> str:
    """The import's data cut-off: the option, else file metadata, else its latest event.

    One value for all tables of an import (they are one extract).
    """
    import pyarrow.parquet as pq

    if given is not None:
        return given.isoformat()
    latest: list[date] = []
    for spec in specs:
        path = files[spec.name]
        metadata = pq.read_schema(path).metadata or {}
        if b"data_cutoff" in metadata:
            return date.fromisoformat(metadata[b"data_cutoff"].decode()).isoformat()
        flat = ("known_from",) if any(c.name == "known_from" for c in spec.columns) else ()
        for column in CUTOFF_COLUMNS.get(spec.name, flat):
            sql = f"SELECT CAST(max({q(column)}) AS DATE) FROM {source(path)}"
            row = con.execute(sql).fetchone()
            if row and row[0] is not None:
                latest.append(row[0])
    return max(latest).isoformat() if latest else date.today().isoformat()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
