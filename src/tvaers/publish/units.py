"""Names and parents of reporting units (nation, regions, municipalities, hospitals).

Regions and municipalities come from :mod:`tvaers.terminology.geography`; hospitals (SOR
codes) from an optional ``organisations.parquet`` (``docs/contracts.md``, Organisations).
A unit without a known name is shown by its id, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tvaers.terminology.geography import municipality_by_code, region_by_code
from tvaers.terminology.organisations import OrganisationTable, read_organisations

NATIONAL_ID = "DK"
UNIT_TYPE_LABELS = {
    "national": "Hele landet",
    "region": "Region",
    "municipality": "Bopælskommune",
    "delivering_municipality": "Leverende kommune",
    "hospital": "Hospital",
}
UNIT_TYPE_PLURAL = {
    "national": "Hele landet",
    "region": "Regioner",
    "municipality": "Bopælskommuner",
    "delivering_municipality": "Leverende kommuner",
    "hospital": "Hospitaler",
}


@dataclass(slots=True)
class UnitDirectory:
    """Unit id -> display name and region, for every unit type in the results."""

    organisations: OrganisationTable | None = None
    overrides: dict[tuple[str, str], str] = field(default_factory=dict)

    def name(self, unit_type: str, unit_id: str) -> str:
        """The Danish display name of a unit (its id when unknown)."""
        if (unit_type, unit_id) in self.overrides:
            return self.overrides[(unit_type, unit_id)]
        if unit_type == "national":
            return "Hele landet"
        if unit_type == "region":
            region = region_by_code().get(unit_id)
            return region.name if region else unit_id
        if unit_type in ("municipality", "delivering_municipality"):
            municipality = municipality_by_code().get(unit_id)
            return municipality.name if municipality else unit_id
        if unit_type == "hospital" and self.organisations is not None:
            org = self.organisations.get(unit_id)
            return org.name if org else unit_id
        return unit_id

    def region_of(self, unit_type: str, unit_id: str) -> str | None:
        """The region code a unit belongs to (None for the nation or an unknown unit)."""
        if unit_type == "region":
            return unit_id if unit_id in region_by_code() else None
        if unit_type in ("municipality", "delivering_municipality"):
            municipality = municipality_by_code().get(unit_id)
            return municipality.region_code if municipality else None
        if unit_type == "hospital" and self.organisations is not None:
            return self.organisations.region_of(unit_id)
        return None


def organisations_file(results_dir: Path) -> Path | None:
    """``organisations.parquet`` beside the results or in a folder above them; in a registry
    store, the one of the current generation (``CURRENT`` names it)."""
    for folder in [results_dir, *list(results_dir.parents)[:4]]:
        if (folder / "organisations.parquet").is_file():
            return folder / "organisations.parquet"
        current = folder / "CURRENT"
        if current.is_file():
            candidate = (
                folder / "generations" / current.read_text().strip() / "organisations.parquet"
            )
            if candidate.is_file():
                return candidate
    return None


def load_units(results_dir: Path | None) -> UnitDirectory:
    """A directory with hospital names from the organisation table, when one is found."""
    found = organisations_file(results_dir.resolve()) if results_dir is not None else None
    return UnitDirectory(organisations=read_organisations(found)) if found else UnitDirectory()
