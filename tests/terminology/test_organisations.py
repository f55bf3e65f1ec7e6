"""Dated organisation lookups and the Parquet round trip."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tvaers.terminology.organisations import (
    Organisation,
    OrganisationTable,
    ResponsibleAuthority,
    read_organisations,
    write_organisations,
)

KBH = Organisation(
    "10000000001", "København Kommune", "municipality", None, "101", "1084", date(2007, 1, 1), None
)
UNIT = Organisation(
    "10000000002",
    "Hjemmeplejen Nord",
    "municipal_unit",
    "10000000001",
    None,
    None,
    date(2020, 1, 1),
    date(2025, 1, 1),
)
REGION = Organisation(
    "20000000001", "Region Hovedstaden", "region", None, None, "1084", date(2007, 1, 1), None
)


def table() -> OrganisationTable:
    return OrganisationTable(
        [KBH, UNIT, REGION],
        [
            ResponsibleAuthority("SUL §119", KBH.sor_code, date(2007, 1, 1), date(2027, 1, 1)),
            ResponsibleAuthority("SUL §119", REGION.sor_code, date(2027, 1, 1), None),
        ],
    )


def test_unit_resolves_to_its_municipality_while_valid() -> None:
    t = table()
    assert t.kommunekode_of(UNIT.sor_code, date(2024, 6, 1)) == "101"
    assert t.kommunekode_of(UNIT.sor_code, date(2025, 1, 1)) is None  # valid_to is exclusive
    assert t.region_of(KBH.sor_code) == "1084"
    assert t.kommunekode_of("99999999999") is None


def test_responsibility_moves_to_region_in_2027() -> None:
    t = table()
    assert t.responsible_for("SUL §119", date(2026, 12, 31)) == [KBH.sor_code]
    assert t.responsible_for("SUL §119", date(2027, 1, 1)) == [REGION.sor_code]


def test_parquet_round_trip(tmp_path: Path) -> None:
    write_organisations(table(), tmp_path)
    back = read_organisations(tmp_path)
    assert back.rows == table().rows
    assert back.responsible == table().responsible
