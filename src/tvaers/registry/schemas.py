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

# Flat municipal tables (docs/registry.md). Each row is one *version* of a resource, known
# to the registry from ``known_from`` until ``known_to`` (null = still current), so that
# ``--as-of`` can see the state on any earlier day. Produced by the shipped ViewDefinitions.
KNOWN = (
    Column("known_from", "TIMESTAMP"),
    Column("known_to", "TIMESTAMP", nullable=True),
    Column("invalid", "BOOLEAN"),
)
CAREPLANS_119 = TableSpec(
    "careplans_119",
    (
        CPR,
        Column("careplan_id"),
        Column("kommunekode", syntax="kommunekode"),
        Column("category"),
        Column("status"),
        Column("period_start", "DATE", nullable=True),
        Column("period_end", "DATE", nullable=True),
        *KNOWN,
    ),
    ordered=(("period_start", "period_end"), ("known_from", "known_to")),
)
INTERVENTIONS_119 = TableSpec(
    "interventions_119",
    (
        CPR,
        Column("intervention_id"),
        Column("careplan_id", nullable=True),
        Column("kommunekode", syntax="kommunekode"),
        Column("code"),
        Column("status"),
        Column("period_start", "DATE", nullable=True),
        Column("period_end", "DATE", nullable=True),
        *KNOWN,
    ),
    ordered=(("period_start", "period_end"), ("known_from", "known_to")),
)
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
        CAREPLANS_119,
        INTERVENTIONS_119,
        COVERAGE,
    )
}
