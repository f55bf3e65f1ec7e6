"""The fictitious health system: hospitals, departments, municipal units, EOJ clients.

SOR codes are fictitious but syntactically valid (17 digits, prefix ``99`` so they can never
be mistaken for real ones) and derive from the structure alone, so they are the same for every
seed. Hospitals sit in the most populous municipalities of each region; every municipality is
served by one local hospital (a balanced, fictitious catchment). Each region's largest
hospital is its university hospital with PCI; CABG is done at the university hospitals of
four regions (Region Sjælland's patients go to Region Hovedstaden's), as in Denmark.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np
import numpy.typing as npt

from tvaers.terminology.geography import municipalities, regions
from tvaers.terminology.organisations import (
    Organisation,
    OrganisationTable,
    ResponsibleAuthority,
)

HOSPITALS_PER_REGION = {"1081": 3, "1082": 5, "1083": 5, "1084": 6, "1085": 4}
CABG_REGION_FOR = {"1085": "1084"}
DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("FAM", "Akutmodtagelse"),
    ("MED", "Medicinsk afdeling"),
    ("KAR", "Kardiologisk afdeling"),
    ("LUN", "Lungemedicinsk afdeling"),
    ("END", "Endokrinologisk afdeling"),
    ("ORT", "Ortopædkirurgisk afdeling"),
    ("NEU", "Neurologisk afdeling"),
    ("THX", "Thoraxkirurgisk afdeling"),
)
DEPT = {code: i for i, (code, _) in enumerate(DEPARTMENTS)}
MUNICIPAL_UNITS = ("Hjemmepleje", "Hjemmesygepleje", "Genoptræning", "Sundhedscenter")
VALID_FROM = date(2007, 1, 1)  # the 2007 structural reform: 98 municipalities, 5 regions
REFORM_2027 = date(2027, 1, 1)
SITE_LOCAL, SITE_PCI, SITE_CABG = 0, 1, 2


def sor(kind: int, major: int, minor: int = 0) -> str:
    """A fictitious SOR code: 99, kind digit, 5-digit major, 2-digit minor, namespace."""
    return f"99{kind}{major:05d}{minor:02d}1000016"


@dataclass(frozen=True)
class HealthSystem:
    """Organisation rows plus the arrays the generator uses to pick a unit."""

    table: OrganisationTable
    kommunekoder: tuple[str, ...]
    muni_region: npt.NDArray[np.int16]  # region index per municipality
    muni_weight: npt.NDArray[np.float64]  # 2024 population estimate per municipality
    muni_hospital: npt.NDArray[np.int16]  # local hospital per municipality
    hospital_site: npt.NDArray[np.int16]  # [hospital, site] -> hospital doing it
    dept_sor: tuple[str, ...]  # flat list of department SOR codes
    dept_index: npt.NDArray[np.int32]  # [hospital, department] -> index in dept_sor or -1
    municipality_sor: tuple[str, ...]
    region_codes: tuple[str, ...]


def _hospital_sites() -> list[tuple[str, str, bool]]:
    """(region_code, host kommunekode, is_university) for every hospital, in code order."""
    sites: list[tuple[str, str, bool]] = []
    for region in regions():
        members = sorted(
            (m for m in municipalities() if m.region_code == region.region_code),
            key=lambda m: (-m.population_2020, m.kommunekode),
        )
        for i, m in enumerate(members[: HOSPITALS_PER_REGION[region.region_code]]):
            sites.append((region.region_code, m.kommunekode, i == 0))
    return sites


def _catchment(sites: list[tuple[str, str, bool]]) -> dict[str, int]:
    """Municipality -> local hospital: hosts serve themselves, the rest go to the least loaded."""
    host_of = {k: i for i, (_, k, _) in enumerate(sites)}
    load = [0.0] * len(sites)
    result: dict[str, int] = {}
    for m in sorted(municipalities(), key=lambda m: (-m.population_2020, m.kommunekode)):
        if m.kommunekode in host_of:
            h = host_of[m.kommunekode]
        else:
            candidates = [i for i, s in enumerate(sites) if s[0] == m.region_code]
            h = min(candidates, key=lambda i: (load[i], i))
        load[h] += m.population_2020
        result[m.kommunekode] = h
    return result


@cache
def health_system() -> HealthSystem:
    """The fictitious organisations of Synthetic Denmark (the same for every seed)."""
    names = {m.kommunekode: m.name for m in municipalities()}
    rows: list[Organisation] = []
    region_sor = {r.region_code: sor(1, int(r.region_code)) for r in regions()}
    for r in regions():
        rows.append(_org(region_sor[r.region_code], r.name, "region", None, None, r.region_code))
    sites = _hospital_sites()
    dept_sor: list[str] = []
    dept_index = np.full((len(sites), len(DEPARTMENTS)), -1, dtype=np.int32)
    university = {reg: i for i, (reg, _, uni) in enumerate(sites) if uni}
    for h, (reg, host, uni) in enumerate(sites):
        kind_name = "Universitetshospital" if uni else "Sygehus"
        h_sor = sor(2, h + 1)
        rows.append(
            _org(h_sor, f"{kind_name} {names[host]}", "hospital", region_sor[reg], None, reg)
        )
        cabg_centre = uni and reg not in CABG_REGION_FOR
        for d, (code, dname) in enumerate(DEPARTMENTS):
            if code == "THX" and not cabg_centre:
                continue
            code_sor = sor(3, h + 1, d + 1)
            rows.append(
                _org(
                    code_sor, f"{dname}, {kind_name} {names[host]}", "department", h_sor, None, reg
                )
            )
            dept_index[h, d] = len(dept_sor)
            dept_sor.append(code_sor)
    hospital_site = np.zeros((len(sites), 3), dtype=np.int16)
    for h, (reg, _, _) in enumerate(sites):
        hospital_site[h] = (h, university[reg], university[CABG_REGION_FOR.get(reg, reg)])
    muni_sor: list[str] = []
    responsible: list[ResponsibleAuthority] = []
    for m in municipalities():
        k = int(m.kommunekode)
        m_sor = sor(4, k)
        muni_sor.append(m_sor)
        rows.append(
            _org(m_sor, f"{m.name} Kommune", "municipality", None, m.kommunekode, m.region_code)
        )
        for u, unit in enumerate(MUNICIPAL_UNITS):
            rows.append(
                _org(
                    sor(5, k, u + 1),
                    f"{unit}, {m.name} Kommune",
                    "municipal_unit",
                    m_sor,
                    m.kommunekode,
                    m.region_code,
                )
            )
        responsible.extend(_municipal_responsibility(m_sor))
    for r in regions():
        for section in ("SUL §119", "SUL §140 specialiseret"):
            responsible.append(
                ResponsibleAuthority(section, region_sor[r.region_code], REFORM_2027, None)
            )
    catchment = _catchment(sites)
    region_codes = tuple(r.region_code for r in regions())
    growth = {r.region_code: r.growth_2020_to_2024 for r in regions()}
    return HealthSystem(
        table=OrganisationTable(rows, responsible),
        kommunekoder=tuple(m.kommunekode for m in municipalities()),
        muni_region=np.array(
            [region_codes.index(m.region_code) for m in municipalities()], dtype=np.int16
        ),
        muni_weight=np.array([m.population_2020 * growth[m.region_code] for m in municipalities()]),
        muni_hospital=np.array(
            [catchment[m.kommunekode] for m in municipalities()], dtype=np.int16
        ),
        hospital_site=hospital_site,
        dept_sor=tuple(dept_sor),
        dept_index=dept_index,
        municipality_sor=tuple(muni_sor),
        region_codes=region_codes,
    )


def _org(
    code: str, name: str, kind: str, parent: str | None, kommune: str | None, region: str | None
) -> Organisation:
    return Organisation(code, name, kind, parent, kommune, region, VALID_FROM, None)  # type: ignore[arg-type]


def _municipal_responsibility(m_sor: str) -> list[ResponsibleAuthority]:
    """Municipal law sections; §119 and specialised §140 move to the regions in 2027."""
    return [
        ResponsibleAuthority("SUL §119", m_sor, VALID_FROM, REFORM_2027),
        ResponsibleAuthority("SUL §140", m_sor, VALID_FROM, None),
        ResponsibleAuthority("SUL §140 specialiseret", m_sor, VALID_FROM, REFORM_2027),
        ResponsibleAuthority("SUL §138", m_sor, VALID_FROM, None),
        ResponsibleAuthority("SEL §83", m_sor, VALID_FROM, None),
        ResponsibleAuthority("SEL §83a", m_sor, date(2015, 1, 1), None),
    ]
