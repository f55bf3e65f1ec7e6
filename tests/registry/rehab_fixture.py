"""Hand-made municipal rehabilitation fixture (M1-M4): every case worked out by hand.

Period 2025; data cut-off 2026-03-01. Care coverage: 101 and 147 report every month
2024-01..2026-02, 751 never. Functional levels: L0..L4 (FSIII B1..B5), NINE = "9 ikke
relevant". A condition version takes effect on its ``last_updated`` date (the EOJ's
change), whenever it arrived.

M1/M2 units (course x home-care condition it addresses, with the version in force at the
course start and a later version 60-180 days after; without a later version: no unit):

| citizen | course (start..end) | condition: start -> later | goal | M1 | M2 |
|---|---|---|---|---|---|
| C1 | legacy 02-01..04-15 | J1.1 L2 -> L1 (day 73) | L1 | numerator | numerator |
| C2 | simplified 03-01..05-20 | Personlig pleje L3 -> L3 (day 100) | L2 | denominator_only | denominator_only |
| C3 | legacy 04-01..06-10 | L2 -> L1 on day 40 only | - | - | - |
| C4 | legacy 10-01..12-20 | L2 -> L1 (day 70; window open at cut-off) | L0 | uoplyst (follow_up_open) | uoplyst (follow_up_open) |
| C5 | legacy 05-01..07-01; died 08-01 | NINE, no later version | - | - | - |
| C6 | legacy 06-01.. | J1.1 L2 -> same resource with a simplified code L1 (day 90) | L1 | - (same_generation) | - |
| C7 | legacy 02-10..2026-01-15 | a: J3.2 L3 -> L1 (day 70) | L2 | numerator | numerator |
|    |  | b: J1.6 L1 -> L1 (day 120) | L0 | denominator_only | denominator_only |
|    |  | c: entered-in-error | - | - | - |
| C8 | 147: legacy 03-01..05-30 | L2 -> L0, changed day 80, arrived day 106 | L0 | numerator | numerator |
| C9 | 751 (no care reports): legacy 04-01..07-01 | L2 -> L1 (day 90) | - | numerator | uoplyst (no_goal) |

M1: 4/6/1/0 (numerator/denominator/uoplyst/excluded); legacy 4/5/1/0, simplified 0/1/0/0.
M2: 3/5/2/0.

M4 (course ended in 2025; active §83 personal-care interventions at start vs 90 days after
the end; active on a day = started on or before it and not ended by it): C1 1 -> 0
numerator; C2 0 -> 1 denominator_only; C3 2 -> 1 numerator; C4 uoplyst (follow_up_open); C5
excluded (died_90d); C8 0 -> 0 (practical help only) denominator_only; C9 uoplyst
(municipality_not_reporting). 2/4/2/1; strata legacy 2/3/2/1, simplified (C2) 0/1/0/0.

M3 (§140 referrals authored in 2025; day = first offered contact - discharge date):
G1 day 5 numerator; G2 day 8 denominator_only; G3 Udskudt, G4 Anden kommune, G9 Frit valg
excluded; G5 no discharge date denominator_only; G6 day 5 (offer arrived 2026-01-02: as of
2025-12-31 uoplyst no_offer); G7 offer 2 days before discharge numerator; G8 never offered
uoplyst (no_offer); G10 (147) day 6 numerator. 4/6/1/3.
Completeness: expected GOP discharges G1 (hip fracture), X2 (stroke, no referral), G10
(knee replacement, referral day 4 > 3): national 1/3, 101 1/2, 147 0/1.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flat_factory import row, write_flat
from registry_factories import d, ts, write_table

CUTOFF = date(2026, 3, 1)
HOSP, ORT, NEU = "400000001", "400000011", "400000012"
RH = "2912752c-2e9e-4702-8787-b45f73ff5b05"  # H2.5 RH Personlig hygiejne
PERSONAL_CARE = "8dc5f564-b8c6-4aa1-ba34-682d62d15f31"
PC_H11 = "17312894-b23f-43d9-9723-b725ac25d872"
PRACTICAL = "43608562-e356-4990-8b96-e35128bbdc4f"
J11, J32, J16 = (
    "4d46bd94-9518-431c-82e8-ebb91bca307a",
    "4f915ee9-9f30-47b5-b582-c0f1467dd271",
    "888c8f63-c059-46c3-8f36-f9649dbd0771",
)
PLEJE = "feb38b55-c2d7-4d57-99c2-93622eaa0025"
L = {
    0: "9c5cfb57-a498-40e5-98a7-792bf5fb205b",
    1: "fcc16cb1-41f0-4832-b834-110fba0aaabe",
    2: "d984ad21-48fe-4619-845e-2aa0303048e7",
    3: "1ceef776-0cfa-4acd-b222-c5bb2424e0c1",
    4: "f4c9f159-5806-4c06-95e9-e69b83bab1a1",
}
NINE = "d7ff926a-4955-478f-b300-0b0ec0785013"
UDSKUDT = "a8632e22-bf0c-4f5a-92a7-70977ba104d5"
FRIT_VALG = "3796fa11-305f-47d6-b164-45b05489afb2"
ANDEN_KOMMUNE = "f64b8f5e-8ced-4a8b-ab73-8994fb524915"

C = {n: f"0606{64:02d}{n:04d}" for n in range(1, 11)}
G = {n: f"0707{40:02d}{n:04d}" for n in range(1, 11)}
X2 = f"0808{40:02d}0002"
HOME = {**{n: "101" for n in C}, 8: "147", 9: "751"}
PERSONS = [
    *[(C[n], d("1938-06-06"), "F", d("2025-08-01") if n == 5 else None, None) for n in C],
    *[(G[n], d("1940-07-07"), "M", None, None) for n in G],
    (X2, d("1940-08-08"), "F", None, None),
]
RESIDENCE = [
    *[(C[n], HOME[n], d("1990-01-01"), None) for n in C],
    *[(G[n], "147" if n == 10 else "101", d("1990-01-01"), None) for n in G],
    (X2, "101", d("1990-01-01"), None),
]


def _day(start: str, offset: int) -> date:
    return d(start) + timedelta(days=offset)


def course(n: int, rid: str, start: str, end: str | None, simplified: bool = False) -> Any:
    code, local = (PERSONAL_CARE, "sel83a-rehabilitering") if simplified else (RH, None)
    addresses = ["k7a", "k7b", "k7c"] if n == 7 else [f"k{n}"]
    return row("interventions_care", C[n], rid, kommune=HOME[n], code=code, local_code=local,
               status="completed" if end else "active", period_start=d(start),
               period_end=d(end) if end else None, last_updated=d(end or start),
               known=d(end or start), conditions=addresses)  # fmt: skip


def care(n: int, rid: str, code: str, start: str, end: str | None, local: str | None = None) -> Any:
    return row("interventions_care", C[n], rid, kommune=HOME[n], code=code, local_code=local,
               status="active", period_start=d(start), period_end=d(end) if end else None,
               last_updated=d(start), known=d(start))  # fmt: skip


def versions(
    table: str, n: int, rid: str, changes: list[tuple[date, dict[str, Any], date | None]]
) -> list[dict[str, Any]]:
    """Successive versions: (effective date, values, arrival date or None = same day)."""
    out = []
    arrivals = [arrived or eff for eff, _, arrived in changes]
    for k, (eff, values, _) in enumerate(changes):
        until = arrivals[k + 1] if k + 1 < len(changes) else None
        out.append(row(table, C[n], rid, kommune=HOME[n], known=arrivals[k], until=until,
                       last_updated=eff, **values))  # fmt: skip
    return out


def cond(code: str, level: str, **more: Any) -> dict[str, Any]:
    return {"code": code, "severity": level, "clinical_status": "active", **more}


CONDITIONS = [
    *versions("conditions_care", 1, "k1", [
        (d("2025-01-20"), cond(J11, L[2]), None),
        (_day("2025-02-01", 73), cond(J11, L[1]), None)]),
    *versions("conditions_care", 2, "k2", [
        (d("2025-02-25"), cond(PLEJE, L[3]), None),
        (_day("2025-03-01", 100), cond(PLEJE, L[3]), None)]),
    *versions("conditions_care", 3, "k3", [
        (d("2025-03-01"), cond(J11, L[2]), None),
        (_day("2025-04-01", 40), cond(J11, L[1]), None)]),
    *versions("conditions_care", 4, "k4", [
        (d("2025-09-01"), cond(J11, L[2]), None),
        (_day("2025-10-01", 70), cond(J11, L[1]), None)]),
    *versions("conditions_care", 5, "k5", [(d("2025-04-01"), cond(J11, NINE), None)]),
    *versions("conditions_care", 6, "k6", [
        (d("2025-05-01"), cond(J11, L[2]), None),
        (_day("2025-06-01", 90), cond(PLEJE, L[1]), None)]),
    *versions("conditions_care", 7, "k7a", [
        (d("2025-01-01"), cond(J32, L[3]), None),
        (_day("2025-02-10", 70), cond(J32, L[1]), None)]),
    *versions("conditions_care", 7, "k7b", [
        (d("2025-01-01"), cond(J16, L[1]), None),
        (_day("2025-02-10", 120), cond(J16, L[1]), None)]),
    *versions("conditions_care", 7, "k7c", [
        (d("2025-01-01"), cond(J11, L[3]), None),
        (d("2025-01-05"), {**cond(J11, L[3]), "verification_status": "entered-in-error"}, None)]),
    *versions("conditions_care", 8, "k8", [
        (d("2025-01-01"), cond(J11, L[2]), None),
        (_day("2025-03-01", 80), cond(J11, L[0]), _day("2025-03-01", 106))]),
    *versions("conditions_care", 9, "k9", [
        (d("2025-03-01"), cond(J11, L[2]), None),
        (_day("2025-04-01", 90), cond(J11, L[1]), None)]),
]  # fmt: skip
for r in CONDITIONS:  # the entered-in-error version of k7c
    if r["condition_id"] == "k7c" and r.get("verification_status") == "entered-in-error":
        r["invalid"] = True
GOALS = [
    row("goals_care", C[n], f"g{n}{sfx}", kommune=HOME[n], addresses=k, target_level=L[lv],
        lifecycle_status="active", start_date=d(on), last_updated=d(on), known=d(on))
    for n, sfx, k, lv, on in [
        (1, "", "k1", 1, "2025-02-01"), (2, "", "k2", 2, "2025-03-01"),
        (4, "", "k4", 0, "2025-10-01"), (6, "", "k6", 1, "2025-06-01"),
        (7, "a", "k7a", 2, "2025-02-10"), (7, "b", "k7b", 0, "2025-02-10"),
        (8, "", "k8", 0, "2025-03-05"),
    ]
]  # fmt: skip
INTERVENTIONS = [
    course(1, "r1", "2025-02-01", "2025-04-15"),
    course(2, "r2", "2025-03-01", "2025-05-20", simplified=True),
    course(3, "r3", "2025-04-01", "2025-06-10"),
    course(4, "r4", "2025-10-01", "2025-12-20"),
    course(5, "r5", "2025-05-01", "2025-07-01"),
    course(6, "r6", "2025-06-01", None),
    course(7, "r7", "2025-02-10", "2026-01-15"),
    course(8, "r8", "2025-03-01", "2025-05-30"),
    course(9, "r9", "2025-04-01", "2025-07-01"),
    care(1, "pc1", PC_H11, "2024-06-01", "2025-02-20"),
    care(2, "pc2", PERSONAL_CARE, "2025-05-21", None, local="sel83-personlig-hygiejne"),
    care(3, "pc3a", "H1.4", "2025-01-01", None),
    care(3, "pc3b", PC_H11, "2025-02-01", "2025-08-01"),
    care(8, "pc8", PRACTICAL, "2025-01-01", None),
    care(10, "pc10", PC_H11, "2025-01-01", None),
]


def referral(
    n: int,
    authored: str,
    discharge: str | None,
    offer: str | None,
    reason: str | None = None,
    known: str | None = None,
) -> list[dict[str, Any]]:
    base = {"authored_on": d(authored), "precondition_date": d(discharge) if discharge else None,
            "status": "active", "status_reason": reason}  # fmt: skip
    kommune = "147" if n == 10 else "101"
    if known is None:
        occurrence = d(offer) if offer else None
        return [row("servicerequests_140", G[n], f"gop{n}", kommune=kommune,
                    occurrence_start=occurrence, **base)]  # fmt: skip
    return [
        row("servicerequests_140", G[n], f"gop{n}", kommune=kommune, known=d(authored),
            until=d(known), **base),
        row("servicerequests_140", G[n], f"gop{n}", kommune=kommune, known=d(known),
            occurrence_start=d(offer or known), **base),
    ]  # fmt: skip


SERVICEREQUESTS_140 = [
    *referral(1, "2025-03-01", "2025-03-01", "2025-03-06"),
    *referral(2, "2025-04-01", "2025-04-01", "2025-04-09"),
    *referral(3, "2025-04-10", "2025-04-10", "2025-05-20", reason=UDSKUDT),
    *referral(4, "2025-04-12", "2025-04-12", None, reason=ANDEN_KOMMUNE),
    *referral(5, "2025-05-01", None, "2025-05-03"),
    *referral(6, "2025-12-28", "2025-12-28", "2026-01-02", known="2026-01-02"),
    *referral(7, "2025-06-03", "2025-06-03", "2025-06-01"),
    *referral(8, "2025-05-01", "2025-05-01", None),
    *referral(9, "2025-07-01", "2025-07-01", None, reason=FRIT_VALG),
    *referral(10, "2025-06-14", "2025-06-10", "2025-06-16"),
]


def stay(cid: str, cpr: str, discharge: str, unit: str = ORT) -> tuple[object, ...]:
    end = d(discharge)
    return (cid, cpr, unit, ts(f"{end - timedelta(days=4)} 08:00"), ts(f"{end} 11:00"),
            "physical", "acute", None, None)  # fmt: skip


CONTACTS = [
    stay("x1", G[1], "2025-03-01"),
    stay("x2", X2, "2025-05-10", NEU),
    stay("x3", G[10], "2025-06-10"),
    stay("x4", G[2], "2025-04-01"),
]
DIAGNOSES = [
    ("x1", "DS720", "A"),
    ("x2", "DI639", "A"),
    ("x3", "DM171", "A"),
    ("x4", "DJ189", "A"),
]
PROCEDURES = [("x3", "KNGB20", ts("2025-06-07 10:00"))]
ORGANISATIONS = [
    (HOSP, "Hospital Øst", "hospital", None, None, "1084", d("2007-01-01"), None),
    (ORT, "Ortopædkirurgisk afd.", "department", HOSP, None, None, d("2007-01-01"), None),
    (NEU, "Neurologisk afd.", "department", HOSP, None, None, d("2007-01-01"), None),
]
COVERAGE = [
    (k, "care", date(y, m, 1), 9, 0)
    for k in ("101", "147")
    for y in (2024, 2025, 2026)
    for m in range(1, 13)
    if date(y, m, 1) <= date(2026, 2, 1)
]
MUNICIPAL = (
    "conditions_care",
    "goals_care",
    "interventions_care",
    "servicerequests_140",
    "coverage",
)


def write_extracts(directory: Path) -> Path:
    write_table(directory, "cpr", PERSONS)
    write_table(directory, "cpr_residence", RESIDENCE)
    write_table(directory, "lpr_contacts", CONTACTS)
    write_table(directory, "lpr_diagnoses", DIAGNOSES)
    write_table(directory, "lpr_procedures", PROCEDURES)
    write_table(directory, "organisations", ORGANISATIONS)
    write_flat(directory, "conditions_care", CONDITIONS)
    write_flat(directory, "goals_care", GOALS)
    write_flat(directory, "interventions_care", INTERVENTIONS)
    write_flat(directory, "servicerequests_140", SERVICEREQUESTS_140)
    write_table(directory, "coverage", COVERAGE)
    return directory


M1 = {
    (1, "k1"): ("numerator", None),
    (2, "k2"): ("denominator_only", None),
    (4, "k4"): ("uoplyst", "follow_up_open"),
    (7, "k7a"): ("numerator", None),
    (7, "k7b"): ("denominator_only", None),
    (8, "k8"): ("numerator", None),
    (9, "k9"): ("numerator", None),
}
M2 = {**M1, (9, "k9"): ("uoplyst", "no_goal")}
M4 = {
    1: ("numerator", None),
    2: ("denominator_only", None),
    3: ("numerator", None),
    4: ("uoplyst", "follow_up_open"),
    5: ("excluded", "died_90d"),
    8: ("denominator_only", None),
    9: ("uoplyst", "municipality_not_reporting"),
}
M3 = {
    1: ("numerator", None),
    2: ("denominator_only", None),
    3: ("excluded", "udskudt"),
    4: ("excluded", "anden_kommune"),
    5: ("denominator_only", None),
    6: ("numerator", None),
    7: ("numerator", None),
    8: ("uoplyst", "no_offer"),
    9: ("excluded", "frit_valg"),
    10: ("numerator", None),
}
