"""Hand-made prevention fixture (P1 follow-up on time, P2 goal registered).

Period 2025; data cut-off 2026-03-01. 101 reports FollowUpObservations, 147 never does.
Care coverage: 101 every month 2024-01..2026-02; 147 only 2024-01..2025-10.

P1 (planned follow-ups, "opfølgning", dated in 2025):

| citizen | case | P1 |
|---|---|---|
| E1 | GeneralEncounter 03-10 on condition k1; observation on k1 day 5 | numerator |
| E2 | GeneralEncounter 04-10 on k2; observation day 21 | denominator_only |
| E3 | old Encounter 05-10 without reasonReference; k3 points at it (extension); observation on k3 day 3 | numerator |
| E4 | 147 (never reports observations): GeneralEncounter 06-01 | uoplyst (follow_up_not_reported) |
| E5 | GeneralEncounter 12-25; observation 2026-01-03 (day 9) | numerator (as of 2025-12-31: uoplyst follow_up_open) |
| E6 | GeneralEncounter of another type | - |
| E7 | GeneralEncounter 07-01 on k7; observation on another condition day 2 | denominator_only |
| E8 | GeneralEncounter 08-01 on k8; observation 2 days before | denominator_only |

P1: 3/6/1/0. P2 (home-care conditions active on 2025-12-31):

| citizen | case | P2 |
|---|---|---|
| K1 | active L2; active goal | numerator |
| K2 | active; goal completed | denominator_only |
| K3 | inactive from 11-01 | - |
| K4 | active; goal entered-in-error | denominator_only |
| K5 | nursing condition (no functional level) | - |
| K6 | active; goal only from 2026-01-05 | denominator_only |
| K7 | died 10-01, condition (and goal) still active | numerator |
| K8 | 147 (no care reports after October), active goal | numerator |
| K9 | condition first recorded 2026-01-10 | - |
| K10 | active; goal cancelled 12-01 | denominator_only |
| E3 | k3 (P1's condition) is active too, without a goal | denominator_only |

P2: 3/8/0/0.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from flat_factory import row, write_flat
from registry_factories import d, write_table

CUTOFF = date(2026, 3, 1)
OPFOELGNING = "9f03dfbb-7a97-45a5-94db-d4c3501714a9"
OTHER_TYPE = "784275f1-0000-4000-8000-000000000000"
LEVEL2 = "d984ad21-48fe-4619-845e-2aa0303048e7"
J11 = "4d46bd94-9518-431c-82e8-ebb91bca307a"
WOUND = "19503407-1ae8-4b17-b96a-98387c24278d"
E = {n: f"0909{41:02d}{n:04d}" for n in range(1, 9)}
K = {n: f"1010{42:02d}{n:04d}" for n in range(1, 11)}
HOME = {**{c: "101" for c in [*E.values(), *K.values()]}, E[4]: "147", K[8]: "147"}
PERSONS = [(c, d("1940-01-01"), "F", d("2025-10-01") if c == K[7] else None, None) for c in HOME]
RESIDENCE = [(c, k, d("1990-01-01"), None) for c, k in HOME.items()]


def _r(table: str, cpr: str, rid: str, **values: Any) -> dict[str, Any]:
    return row(table, cpr, rid, kommune=HOME[cpr], **values)


GENERAL = [
    _r("general_encounters_care", E[n], f"e{n}", type=t, status="planned", period_start=d(on),
       conditions=conds)
    for n, on, conds, t in [
        (1, "2025-03-10", ["k1"], OPFOELGNING), (2, "2025-04-10", ["k2"], OPFOELGNING),
        (4, "2025-06-01", ["k4"], OPFOELGNING), (5, "2025-12-25", ["k5"], OPFOELGNING),
        (6, "2025-06-05", ["k6"], OTHER_TYPE), (7, "2025-07-01", ["k7"], OPFOELGNING),
        (8, "2025-08-01", ["k8"], OPFOELGNING),
    ]
]  # fmt: skip
OLD_ENCOUNTERS = [
    _r("encounters_care", E[3], "e3", type=OPFOELGNING, status="planned", class_="HH",
       period_start=d("2025-05-10"))
]  # fmt: skip
for r in OLD_ENCOUNTERS:
    r["class"] = r.pop("class_")
OBSERVATIONS = [
    _r("follow_up_observations_care", E[n], f"o{n}", status="final", focus=focus,
       effective=d(on), known=d(on))
    for n, focus, on in [
        (1, "k1", "2025-03-15"), (2, "k2", "2025-05-01"), (3, "k3", "2025-05-13"),
        (5, "k5", "2026-01-03"), (7, "k7x", "2025-07-03"), (8, "k8", "2025-07-30"),
    ]
]  # fmt: skip


def _cond(cpr: str, rid: str, on: str, **values: Any) -> dict[str, Any]:
    base = {"code": J11, "severity": LEVEL2, "clinical_status": "active"}
    return _r("conditions_care", cpr, rid, last_updated=d(on), known=d(on), **{**base, **values})


CONDITIONS = [
    _cond(E[3], "k3", "2025-01-01", follow_up_encounter="e3"),
    _cond(K[1], "c1", "2025-01-01"),
    _cond(K[2], "c2", "2025-01-01"),
    _cond(K[3], "c3", "2025-01-01", until=d("2025-11-01")),
    _cond(K[3], "c3", "2025-11-01", clinical_status="inactive"),
    _cond(K[4], "c4", "2025-01-01"),
    _cond(K[5], "c5", "2025-01-01", code=WOUND, severity=None),
    _cond(K[6], "c6", "2025-01-01"),
    _cond(K[7], "c7", "2025-01-01"),
    _cond(K[8], "c8", "2025-01-01"),
    _cond(K[9], "c9", "2026-01-10"),
    _cond(K[10], "c10", "2025-01-01"),
]


def _goal(cpr: str, rid: str, target: str, on: str, status: str, **more: Any) -> dict[str, Any]:
    return _r("goals_care", cpr, rid, addresses=target, lifecycle_status=status,
              target_level=LEVEL2, start_date=d(on), last_updated=d(on), known=d(on),
              **more)  # fmt: skip


GOALS = [
    _goal(K[1], "g1", "c1", "2025-02-01", "active"),
    _goal(K[2], "g2", "c2", "2025-02-01", "completed"),
    _goal(K[4], "g4", "c4", "2025-02-01", "active", until=d("2025-03-01")),
    _goal(K[4], "g4", "c4", "2025-03-01", "entered-in-error", invalid=True),
    _goal(K[6], "g6", "c6", "2026-01-05", "active"),
    _goal(K[7], "g7", "c7", "2025-02-01", "active"),
    _goal(K[8], "g8", "c8", "2025-02-01", "active"),
    _goal(K[10], "g10", "c10", "2025-03-01", "active", until=d("2025-12-01")),
    _goal(K[10], "g10", "c10", "2025-12-01", "cancelled"),
]
COVERAGE = [
    (k, "care", date(y, m, 1), 7, 0)
    for k, last in (("101", date(2026, 2, 1)), ("147", date(2025, 10, 1)))
    for y in (2024, 2025, 2026)
    for m in range(1, 13)
    if date(y, m, 1) <= last
]
MUNICIPAL = (
    "general_encounters_care",
    "encounters_care",
    "follow_up_observations_care",
    "conditions_care",
    "goals_care",
    "coverage",
)


def write_extracts(directory: Path) -> Path:
    write_table(directory, "cpr", PERSONS)
    write_table(directory, "cpr_residence", RESIDENCE)
    write_flat(directory, "general_encounters_care", GENERAL)
    write_flat(directory, "encounters_care", OLD_ENCOUNTERS)
    write_flat(directory, "follow_up_observations_care", OBSERVATIONS)
    write_flat(directory, "conditions_care", CONDITIONS)
    write_flat(directory, "goals_care", GOALS)
    write_table(directory, "coverage", COVERAGE)
    return directory


P1 = {
    E[1]: ("numerator", None),
    E[2]: ("denominator_only", None),
    E[3]: ("numerator", None),
    E[4]: ("uoplyst", "follow_up_not_reported"),
    E[5]: ("numerator", None),
    E[7]: ("denominator_only", None),
    E[8]: ("denominator_only", None),
}
P2 = {
    K[1]: ("numerator", None),
    K[2]: ("denominator_only", None),
    K[4]: ("denominator_only", None),
    K[6]: ("denominator_only", None),
    K[7]: ("numerator", None),
    K[8]: ("numerator", None),
    K[10]: ("denominator_only", None),
    E[3]: ("denominator_only", None),
}
