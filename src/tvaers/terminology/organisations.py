"""Dated organisation facts: who delivers (SOR units) and who is responsible.

Rows follow `docs/contracts.md` (Organisations): ``organisations.parquet`` holds
(sor_code, name, kind, parent_sor, kommunekode, region_code, valid_from, valid_to) and
``responsible_authority.parquet`` holds (law_section, organisation, valid_from, valid_to),
kept apart because from 2027 the region may be responsible for what a municipality
delivers. Real SOR codes are not shipped; the synthetic generator writes fictitious ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import date
from pathlib import Path
from typing import Literal

from tvaers.errors import InputError

OrganisationKind = Literal["municipality", "municipal_unit", "region", "hospital", "department"]
KINDS: tuple[str, ...] = ("municipality", "municipal_unit", "region", "hospital", "department")
SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Organisation:
    sor_code: str
    name: str
    kind: OrganisationKind
    parent_sor: str | None
    kommunekode: str | None  # three digits, for municipalities and their units
    region_code: str | None  # 1081..1085
    valid_from: date
    valid_to: date | None  # None = still valid

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True, slots=True)
class ResponsibleAuthority:
    law_section: str  # e.g. "SUL §119", "SUL §140"
    organisation: str  # sor_code of the responsible municipality or region
    valid_from: date
    valid_to: date | None


class OrganisationTable:
    """Lookup over dated organisation rows."""

    def __init__(
        self,
        rows: Iterable[Organisation],
        responsible: Iterable[ResponsibleAuthority] = (),
    ):
        self.rows = tuple(rows)
        self.responsible = tuple(responsible)
        self._by_sor: dict[str, list[Organisation]] = defaultdict(list)
        for row in self.rows:
            if row.kind not in KINDS:
                raise InputError(
                    f"organisation {row.sor_code}: kind {row.kind!r} is not one of {', '.join(KINDS)}"
                )
            self._by_sor[row.sor_code].append(row)

    def get(self, sor_code: str, on: date | None = None) -> Organisation | None:
        """The organisation row for ``sor_code`` valid on ``on`` (any version if None)."""
        versions = self._by_sor.get(sor_code)
        if not versions:
            return None
        if on is None:
            return versions[-1]
        for row in versions:
            if row.valid_on(on):
                return row
        return None

    def kommunekode_of(self, sor_code: str, on: date | None = None) -> str | None:
        """The municipality a SOR unit belongs to (itself or its nearest ancestor)."""
        return self._inherited(sor_code, on, "kommunekode")

    def region_of(self, sor_code: str, on: date | None = None) -> str | None:
        """The region a SOR unit belongs to (itself or its nearest ancestor)."""
        return self._inherited(sor_code, on, "region_code")

    def _inherited(
        self, sor_code: str, on: date | None, attribute: Literal["kommunekode", "region_code"]
    ) -> str | None:
        """``attribute`` of the unit or of its nearest ancestor that has one (cycle-safe)."""
        seen: set[str] = set()
        current = self.get(sor_code, on)
        while current is not None and current.sor_code not in seen:
            value: str | None = getattr(current, attribute)
            if value:
                return value
            seen.add(current.sor_code)
            current = self.get(current.parent_sor, on) if current.parent_sor else None
        return None

    def responsible_for(self, law_section: str, on: date) -> list[str]:
        """SOR codes responsible for ``law_section`` on ``on``."""
        return [
            r.organisation
            for r in self.responsible
            if r.law_section == law_section
            and r.valid_from <= on
            and (r.valid_to is None or on < r.valid_to)
        ]


def _column_names(cls: type) -> list[str]:
    return [f.name for f in fields(cls)]


def write_organisations(table: OrganisationTable, directory: Path) -> None:
    """Write ``organisations.parquet`` and ``responsible_authority.parquet``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    org_cols = _column_names(Organisation)
    org = pa.Table.from_pylist(
        [asdict(r) for r in table.rows] or [dict.fromkeys(org_cols)],
        schema=pa.schema(
            [(c, pa.date32() if c.startswith("valid_") else pa.string()) for c in org_cols]
        ),
    )
    if not table.rows:
        org = org.slice(0, 0)
    pq.write_table(
        org.replace_schema_metadata({"schema_version": str(SCHEMA_VERSION)}),
        directory / "organisations.parquet",
    )
    ra_cols = _column_names(ResponsibleAuthority)
    ra = pa.Table.from_pylist(
        [asdict(r) for r in table.responsible],
        schema=pa.schema(
            [(c, pa.date32() if c.startswith("valid_") else pa.string()) for c in ra_cols]
        ),
    )
    pq.write_table(
        ra.replace_schema_metadata({"schema_version": str(SCHEMA_VERSION)}),
        directory / "responsible_authority.parquet",
    )


def read_organisations(directory_or_file: Path) -> OrganisationTable:
    """Read ``organisations.parquet`` (and ``responsible_authority.parquet`` beside it)."""
    import pyarrow.parquet as pq

    path = Path(directory_or_file)
    org_path = path / "organisations.parquet" if path.is_dir() else path
    if not org_path.exists():
        raise InputError(f"organisation file not found: {org_path}")
    org = pq.read_table(org_path)
    missing = set(_column_names(Organisation)) - set(org.column_names)
    if missing:
        raise InputError(
            f"{org_path}: missing columns {', '.join(sorted(missing))}",
            hint="see docs/data-formats.md (organisations.parquet, schema_version 1)",
        )
    rows = [
        Organisation(**{c: rec[c] for c in _column_names(Organisation)}) for rec in org.to_pylist()
    ]
    ra_path = org_path.parent / "responsible_authority.parquet"
    responsible: list[ResponsibleAuthority] = []
    if ra_path.exists():
        responsible = [
            ResponsibleAuthority(**{c: rec[c] for c in _column_names(ResponsibleAuthority)})
            for rec in pq.read_table(ra_path).to_pylist()
        ]
    return OrganisationTable(rows, responsible)
