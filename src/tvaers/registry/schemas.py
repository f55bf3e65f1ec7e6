"""Table schemas: the input extracts (docs/contracts.md, Files) and the store's own tables.

Input extracts are keyed by CPR number; the store replaces the ``cpr`` column by ``pid``
(the pseudonym) at import. Columns may be *added* to an extract in a later schema version
(never renamed); unknown extra columns are ignored at import.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Column:
    """One column: DuckDB type, nullability, allowed values and a syntax check."""

    name: str
    type: str = "VARCHAR"
    nullable: bool = False
    values: tuple[str, ...] = ()
    syntax: str | None = None  # "cpr" | "kommunekode" | a whole-value regular expression


@dataclass(frozen=True)
class TableSpec:
    """An extract file (or store table) and its rules."""

    name: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()
    references: tuple[tuple[str, str, str], ...] = ()  # (column, table, column)
    ordered: tuple[tuple[str, str], ...] = ()  # (earlier, later): later >= earlier
    person: str | None = "cpr"  # the CPR column to pseudonymise, if any
    schema_version: int = SCHEMA_VERSION

    @property
    def file(self) -> str:
        return f"{self.name}.parquet"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


CPR = Column("cpr", syntax="cpr")
SKS = "[A-Z][A-Z0-9]{1,9}"  # a regular expression matched against the whole value

CPR_TABLE = TableSpec(
    "cpr",
    (
        CPR,
        Column("birth_date", "DATE"),
        Column("sex", values=("M", "F")),
        Column("death_date", "DATE", nullable=True),
        Column("emigration_date", "DATE", nullable=True),
    ),
    unique=("cpr",),
    ordered=(("birth_date", "death_date"), ("birth_date", "emigration_date")),
)
CPR_RESIDENCE = TableSpec(
    "cpr_residence",
    (
        CPR,
        Column("kommunekode", syntax="kommunekode"),
        Column("valid_from", "DATE"),
        Column("valid_to", "DATE", nullable=True),
    ),
    references=(("cpr", "cpr", "cpr"),),
    ordered=(("valid_from", "valid_to"),),
)
LPR_CONTACTS = TableSpec(
    "lpr_contacts",
    (
        Column("contact_id"),
        CPR,
        Column("sor_unit"),
        Column("start", "TIMESTAMP"),
        Column("end", "TIMESTAMP", nullable=True),
        Column("contact_type", values=("physical", "home", "virtual")),
        Column("priority", values=("acute", "planned")),
        Column("episode_id", nullable=True),
        Column("episode_label", nullable=True),
    ),
    unique=("contact_id",),
    ordered=(("start", "end"),),
)
LPR_DIAGNOSES = TableSpec(
    "lpr_diagnoses",
    (Column("contact_id"), Column("code", syntax=SKS), Column("diag_type", values=("A", "B"))),
    references=(("contact_id", "lpr_contacts", "contact_id"),),
    person=None,
)
LPR_PROCEDURES = TableSpec(
    "lpr_procedures",
    (Column("contact_id"), Column("code", syntax=SKS), Column("performed", "TIMESTAMP")),
    references=(("contact_id", "lpr_contacts", "contact_id"),),
    person=None,
)
ORGANISATIONS = TableSpec(
    "organisations",
    (
        Column("sor_code"),
        Column("name"),
        Column(
            "kind", values=("municipality", "municipal_unit", "region", "hospital", "department")
        ),
        Column("parent_sor", nullable=True),
        Column("kommunekode", nullable=True, syntax="kommunekode"),
        Column("region_code", nullable=True, values=("1081", "1082", "1083", "1084", "1085")),
        Column("valid_from", "DATE"),
        Column("valid_to", "DATE", nullable=True),
    ),
    ordered=(("valid_from", "valid_to"),),
    person=None,
)
RESPONSIBLE_AUTHORITY = TableSpec(
    "responsible_authority",
    (
        Column("law_section"),
        Column("organisation"),
        Column("valid_from", "DATE"),
        Column("valid_to", "DATE", nullable=True),
    ),
    ordered=(("valid_from", "valid_to"),),
    person=None,
)

# Flat municipal tables (docs/registry.md) have the stored schema of their view (see
# ``flat_spec``): each row is one *version* of a resource, known to the registry from
# ``known_from`` until ``known_to`` (null = still current), so that ``--as-of`` can see
# the state on any earlier day.
COVERAGE = TableSpec(
    "coverage",
    (
        Column("kommunekode", syntax="kommunekode"),
        Column("ig", values=("care", "rehab", "prevention")),
        Column("month", "DATE"),
        Column("accepted", "BIGINT"),
        Column("rejected", "BIGINT"),
    ),
    unique=("kommunekode", "ig", "month"),
    person=None,
)


def flat_spec(table: str) -> TableSpec | None:
    """The extract form of a flat municipal table (its view's stored schema with ``cpr``
    instead of ``pid``): for hand-made tables in tests and for migrations. Every view
    column must be present; values may be null except the bookkeeping columns."""
    import pyarrow as pa

    from tvaers.registry.flatten import shipped_views, table_schema

    views = shipped_views()
    if table not in views:
        return None
    required = {"resource_key", "known_from", "invalid"}
    columns = [CPR]
    for f in table_schema(views[table]):
        if f.name == "pid":
            continue
        if f.name == "kommunekode":
            columns.append(Column("kommunekode", syntax="kommunekode"))
            continue
        kind = (
            "DATE"
            if pa.types.is_date(f.type)
            else "TIMESTAMP"
            if pa.types.is_timestamp(f.type)
            else "BOOLEAN"
            if pa.types.is_boolean(f.type)
            else "VARCHAR[]"
            if pa.types.is_list(f.type)
            else "VARCHAR"
        )
        columns.append(Column(f.name, kind, nullable=f.name not in required))
    return TableSpec(table, tuple(columns), ordered=(("known_from", "known_to"),))


EXTRACTS: dict[str, TableSpec] = {
    t.name: t
    for t in (
        CPR_TABLE,
        CPR_RESIDENCE,
        LPR_CONTACTS,
        LPR_DIAGNOSES,
        LPR_PROCEDURES,
        ORGANISATIONS,
        RESPONSIBLE_AUTHORITY,
        COVERAGE,
    )
}
