"""The registry store: Parquet tables in immutable generations, switched atomically.

Layout under ``registry_dir``::

    CURRENT                 name of the current generation (replaced atomically)
    generations/g000007/    one Parquet file per table + manifest.json
    registry.duckdb         catalog: one view per current table (for analysts; rebuilt)
    results/                outputs of ``registry run``
    .lock                   held while a transaction is open

An import opens a :class:`Transaction`: a staging directory starts as hard links to the
current tables, the import writes its new tables there, and commit renames the directory
into place and then replaces ``CURRENT`` (an atomic rename). A failed import removes the
staging directory; readers never see a half-written table, and earlier generations stay
as history. Tables hold pseudonyms, never CPR numbers; the manifest records the
pseudonymisation key's fingerprint (not the key) so a second key is refused.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tvaers.errors import ConfigError, InputError
from tvaers.registry.pseudonym import PseudonymKey

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class TableInfo:
    """What the manifest knows about one stored table."""

    name: str
    rows: int
    schema_version: int
    source: str | None
    source_sha256: str | None
    data_cutoff: str | None
    imported_at: str

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "name"}


@dataclass
class Manifest:
    """The content of one generation."""

    generation: int = 0
    created_at: str = ""
    key_fingerprint: str | None = None
    tables: dict[str, TableInfo] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Manifest:
        data = json.loads(path.read_text("utf-8"))
        tables = {name: TableInfo(name=name, **info) for name, info in data["tables"].items()}
        return cls(data["generation"], data["created_at"], data["key_fingerprint"], tables)

    def write(self, path: Path) -> None:
        data = {
            "generation": self.generation,
            "created_at": self.created_at,
            "key_fingerprint": self.key_fingerprint,
            "tables": {n: t.to_json() for n, t in sorted(self.tables.items())},
        }
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", "utf-8")


class RegistryStore:
    """Read access to the current generation and transactions that create the next."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @property
    def generations_dir(self) -> Path:
        return self.root / "generations"

    def current_dir(self) -> Path | None:
        """Directory of the current generation, or None for an empty store."""
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            return None
        return self.generations_dir / pointer.read_text("utf-8").strip()

    def manifest(self) -> Manifest:
        current = self.current_dir()
        return Manifest() if current is None else Manifest.read(current / MANIFEST)

    def table_path(self, name: str) -> Path | None:
        """The Parquet file of table ``name`` in the current generation."""
        current = self.current_dir()
        if current is None or name not in self.manifest().tables:
            return None
        return current / f"{name}.parquet"

    def tables(self) -> dict[str, Path]:
        current = self.current_dir()
        if current is None:
            return {}
        return {name: current / f"{name}.parquet" for name in self.manifest().tables}

    def require(self, name: str, hint: str) -> Path:
        """The table's file, or an error that says which import provides it."""
        path = self.table_path(name)
        if path is None:
            raise InputError(f"the registry at {self.root} has no table {name!r}", hint=hint)
        return path

    @contextlib.contextmanager
    def transaction(self, key: PseudonymKey) -> Iterator[Transaction]:
        """Stage the next generation; commit on success, discard on any error."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.generations_dir.mkdir(exist_ok=True)
        with open(self.root / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            base = self.manifest()
            if base.key_fingerprint and base.key_fingerprint != key.fingerprint:
                raise ConfigError(
                    "the pseudonymisation key differs from the one this registry was built with",
                    hint="use the registry's own key file; a new key would break every link",
                )
            staging = self.generations_dir / f".staging-{uuid.uuid4().hex}"
            staging.mkdir()
            try:
                tx = Transaction(self, staging, base, key)
                tx.link_current()
                yield tx
                tx.commit()
            finally:
                if staging.exists():
                    shutil.rmtree(staging)

    def refresh_catalog(self) -> None:
        """Rebuild ``registry.duckdb`` views over the current tables (best effort)."""
        import duckdb

        try:
            con = duckdb.connect(str(self.root / "registry.duckdb"))
        except duckdb.Error:
            return  # another process holds the catalog open; it is only a convenience
        try:
            for name, path in self.tables().items():
                con.execute(
                    f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{path}')"
                )
        finally:
            con.close()


class Transaction:
    """One import: write tables into the staging generation, then commit."""

    def __init__(self, store: RegistryStore, staging: Path, base: Manifest, key: PseudonymKey):
        self.store = store
        self.staging = staging
        self.key = key
        self.manifest = Manifest(
            generation=base.generation + 1,
            key_fingerprint=key.fingerprint,
            tables=dict(base.tables),
        )

    def link_current(self) -> None:
        current = self.store.current_dir()
        if current is None:
            return
        for name in self.manifest.tables:
            src = current / f"{name}.parquet"
            try:
                os.link(src, self.staging / src.name)
            except OSError:
                shutil.copy2(src, self.staging / src.name)

    def path_for(self, name: str) -> Path:
        """Where to write table ``name`` (an existing link is removed first)."""
        path = self.staging / f"{name}.parquet"
        path.unlink(missing_ok=True)
        return path

    def record(self, info: TableInfo) -> None:
        self.manifest.tables[info.name] = info

    def commit(self) -> None:
        self.manifest.created_at = now_iso()
        self.manifest.write(self.staging / MANIFEST)
        name = f"g{self.manifest.generation:06d}"
        final = self.store.generations_dir / name
        os.rename(self.staging, final)
        pointer = self.store.root / "CURRENT.tmp"
        with open(pointer, "w", encoding="utf-8") as handle:
            handle.write(name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(pointer, self.store.root / "CURRENT")
        self.store.refresh_catalog()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
