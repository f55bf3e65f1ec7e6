"""Hand-made COPD fixture (K1, K2): every person is a case worked out by hand below.

Period 2025; data cut-off 2026-01-10 (so follow-up windows ending later are open).
Hospitals: H_NORD (departments NORD1, NORD2) in region 1084, H_SYD (department SYD1);
UNKNOWN is a SOR unit the organisation table does not know.

| person | case | K1 (index: discharge) | K2 (index: admission start) |
|---|---|---|---|
| P01 | transfer 3 h across midnight: one admission, not a readmission | denominator_only | denominator_only |
| P02 | new acute admission 6 h after discharge, same day (day 0) | denominator_only | denominator_only |
| P03 | planned admission day 10 (ignored), acute readmission day 30 | numerator | denominator_only |
| P04 | readmitted day 5, died day 15 after discharge | excluded (died_30d) | numerator (day 19) |
| P05 | died day 31 after discharge (day 32 after admission) | denominator_only | denominator_only |
| P06 | COPD as B-diagnosis with DJ18 as A (branch copd_b); died day 30 after admission | excluded | numerator |
| P07 | aged 29 | - | - |
| P08 | COPD diagnosis only on a transfer contact starting day 3 | - | - |
| P09 | 7-hour stay (not an admission) | - | - |
| P10 | planned admission with COPD | - | - |
| P11 | moved 101 -> 751 on 2025-03-15; admitted 03-10, discharged 03-16 | den. only in 751 | den. only in 101 |
| P12 | discharged 2025-12-20, cut-off 2026-01-10 | uoplyst (follow_up_open) | uoplyst (follow_up_open) |
| P13 | emigrated 14 days after discharge | uoplyst (emigrated) | uoplyst (emigrated) |
| P14 | COPD admissions 2024-12 and 2025-01 (second one 16 days later) | 2025 admission: den. only | 2025 admission: den. only |
| P15 | no residence in CPR; discharged from an unknown SOR unit | den. only (national only) | den. only |
| P16 | contact still open at cut-off | - | - |

K5 (K1 by §119 forløb started 0-60 days after discharge; §119 coverage: 101 and 147 report
every month, 751 and 461 never): unknown (the residence municipality did not report §119
in the window) P04, P05, P11 (751), P12 (461); participant P01 (forløb day 20), P14 (day 0);
non_participant P02, P03 (forløb day 61), P06, P13, P15 (no residence: not "not
reporting"). Per stratum (num, den, uoplyst, excl): participant 0/2/0/0, non_participant
1/3/1/1, unknown 0/2/1/1.

K3/K4, persons R1-R7 (§119 referrals, no LPR contacts):

| person | case | K3 | K4 |
|---|---|---|---|
| R1 | 101: SR DJ441 02-01; forløb 03-15 (day 42)..06-01 completed | numerator | numerator |
| R2 | 101: SR R95 (ICPC-2) 03-01; forløb 05-10 (day 70)..07-01 revoked "udeblevet" | denominator_only | denominator_only |
| R3 | lives in 751 (no §119 reports), referred by 101: SR DJ449 04-01 | uoplyst (municipality_not_reporting) | - |
| R4 | 101: SR DJ441 12-01 (window open at cut-off) | uoplyst (follow_up_open) | - |
| R5 | 101: SR DE119 (diabetes) | - | - |
| R6 | 101: SR DJ441 05-01, died 05-20, no forløb | denominator_only | - |
| R7 | 147: SR DJ441 06-01; forløb 06-20 (day 19)..08-10 revoked; died 08-08 | numerator | excluded (died_during_course) |
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flat_factory import row, write_flat
from registry_factories import d, ts, write_table

CUTOFF = date(2026, 1, 10)
H_NORD, NORD1, NORD2 = "100000001", "100000011", "100000012"
H_SYD, SYD1, UNKNOWN = "200000001", "200000011", "999999999"


def cpr(n: int, year: int = 50) -> str:
    return f"0101{year:02d}{n:04d}"


P = {n: cpr(n) for n in range(1, 17)}
P[7] = cpr(7, 96)

PERSONS = [
    # cpr, birth, sex, death, emigration
    (P[1], d("1950-01-01"), "M", None, None),
    (P[2], d("1950-01-01"), "F", None, None),
    (P[3], d("1950-01-01"), "M", None, None),
    (P[4], d("1950-01-01"), "F", d("2025-06-20"), None),
    (P[5], d("1950-01-01"), "M", d("2025-08-02"), None),
    (P[6], d("1950-01-01"), "F", d("2025-08-31"), None),
    (P[7], d("1996-01-01"), "M", None, None),
    (P[8], d("1950-01-01"), "F", None, None),
    (P[9], d("1950-01-01"), "M", None, None),
    (P[10], d("1950-01-01"), "F", None, None),
    (P[11], d("1950-01-01"), "M", None, None),
    (P[12], d("1950-01-01"), "F", None, None),
    (P[13], d("1950-01-01"), "M", None, d("2025-11-15")),
    (P[14], d("1950-01-01"), "F", None, None),
    (P[15], d("1950-01-01"), "M", None, None),
    (P[16], d("1950-01-01"), "F", None, None),
]
RESIDENCE = [
    (P[1], "101", d("1990-01-01"), None),
    (P[2], "101", d("1990-01-01"), None),
    (P[3], "147", d("1990-01-01"), None),
    (P[4], "751", d("1990-01-01"), None),
    (P[5], "751", d("1990-01-01"), None),
    (P[6], "101", d("1990-01-01"), None),
    (P[7], "101", d("1996-01-01"), None),
    (P[8], "101", d("1990-01-01"), None),
    (P[9], "101", d("1990-01-01"), None),
    (P[10], "101", d("1990-01-01"), None),
    (P[11], "101", d("1990-01-01"), d("2025-03-15")),
    (P[11], "751", d("2025-03-15"), None),
    (P[12], "461", d("1990-01-01"), None),
    (P[13], "101", d("1990-01-01"), None),
    (P[14], "147", d("1990-01-01"), None),
    (P[16], "101", d("1990-01-01"), None),
]


def contact(
    cid: str,
    n: int,
    start: str,
    end: str | None,
    prio: str = "acute",
    unit: str = NORD1,
    kind: str = "physical",
) -> tuple[object, ...]:
    return (cid, P[n], unit, ts(start), ts(end) if end else None, kind, prio, None, None)


CONTACTS = [
    contact("c01a", 1, "2025-03-01 08:00", "2025-03-03 23:00"),
    contact("c01b", 1, "2025-03-04 02:00", "2025-03-06 10:00", unit=NORD2),
    contact("c02a", 2, "2025-04-01 10:00", "2025-04-03 08:00"),
    contact("c02b", 2, "2025-04-03 14:00", "2025-04-04 14:00"),
    contact("c03a", 3, "2025-05-10 08:00", "2025-05-12 08:00"),
    contact("c03p", 3, "2025-05-22 08:00", "2025-05-23 08:00", prio="planned"),
    contact("c03b", 3, "2025-06-11 09:00", "2025-06-12 09:00"),
    contact("c04a", 4, "2025-06-01 08:00", "2025-06-05 08:00"),
    contact("c04b", 4, "2025-06-10 08:00", "2025-06-11 08:00"),
    contact("c05a", 5, "2025-07-01 08:00", "2025-07-02 08:00"),
    contact("c06a", 6, "2025-08-01 08:00", "2025-08-03 08:00"),
    contact("c07a", 7, "2025-02-01 08:00", "2025-02-03 08:00"),
    contact("c08a", 8, "2025-09-01 08:00", "2025-09-03 23:00"),
    contact("c08b", 8, "2025-09-04 01:00", "2025-09-06 08:00"),
    contact("c09a", 9, "2025-10-01 08:00", "2025-10-01 15:00"),
    contact("c10a", 10, "2025-10-01 08:00", "2025-10-03 08:00", prio="planned"),
    contact("c11a", 11, "2025-03-10 08:00", "2025-03-16 08:00", unit=SYD1),
    contact("c12a", 12, "2025-12-15 08:00", "2025-12-20 08:00"),
    contact("c13a", 13, "2025-10-28 08:00", "2025-11-01 08:00"),
    contact("c14a", 14, "2024-12-18 08:00", "2024-12-20 08:00"),
    contact("c14b", 14, "2025-01-05 08:00", "2025-01-07 08:00"),
    contact("c15a", 15, "2025-02-08 08:00", "2025-02-10 08:00", unit=UNKNOWN),
    contact("c16a", 16, "2025-12-30 08:00", None),
    # a virtual contact never chains into an admission
    contact("c01v", 1, "2025-03-06 12:00", "2025-03-06 12:30", kind="virtual"),
]
COPD_A = [
    "c01a",
    "c01b",
    "c02a",
    "c03a",
    "c04a",
    "c05a",
    "c07a",
    "c08b",
    "c09a",
    "c10a",
    "c11a",
    "c12a",
    "c13a",
    "c14a",
    "c14b",
    "c15a",
    "c16a",
]
DIAGNOSES = [
    *[(cid, "DJ441", "A") for cid in COPD_A],
    ("c02b", "DR060", "A"),
    ("c03p", "DJ441", "A"),  # planned: never a readmission, never an index
    ("c03b", "DR060", "A"),
    ("c04b", "DR060", "A"),
    ("c06a", "DJ189", "A"),
    ("c06a", "DJ449", "B"),
    ("c08a", "DR060", "A"),
]
ORGANISATIONS = [
    (H_NORD, "Hospital Nord", "hospital", None, None, "1084", d("2007-01-01"), None),
    (NORD1, "Lungemedicinsk afd.", "department", H_NORD, None, None, d("2007-01-01"), None),
    (NORD2, "Intensiv afd.", "department", H_NORD, None, None, d("2007-01-01"), None),
    (H_SYD, "Hospital Syd", "hospital", None, None, "1082", d("2007-01-01"), None),
    (SYD1, "Medicinsk afd.", "department", H_SYD, None, None, d("2007-01-01"), None),
]


FORLOEB = "5c160c02-e858-4c1f-925a-71ed64844749"
TRAINING = "ab87c0b5-40be-4e0a-b749-d9f833bfed2d"
UDEBLEVET = "ef491570-7884-4acd-bcf7-43d6b2c64762"
R = {n: f"0202{61:02d}{n:04d}" for n in range(1, 8)}
#: person -> (residence, reporting municipality, authored, focus, system, death)
REFERRALS = {
    1: ("101", "101", "2025-02-01", "DJ441", "SKS", None),
    2: ("101", "101", "2025-03-01", "R95", "ICPC2", None),
    3: ("751", "101", "2025-04-01", "DJ449", "SKS", None),
    4: ("101", "101", "2025-12-01", "DJ441", "SKS", None),
    5: ("101", "101", "2025-02-15", "DE119", "SKS", None),
    6: ("101", "101", "2025-05-01", "DJ441", "SKS", "2025-05-20"),
    7: ("147", "147", "2025-06-01", "DJ441", "SKS", "2025-08-08"),
}
PERSONS += [
    (R[n], d("1945-03-03"), "M", d(death) if death else None, None)
    for n, (_, _, _, _, _, death) in REFERRALS.items()
]
RESIDENCE += [(R[n], res, d("1990-01-01"), None) for n, (res, *_) in REFERRALS.items()]
SERVICEREQUESTS = [
    row("servicerequests_119", R[n], f"sr{n}", kommune=k, authored_on=d(a), status="active",
        focus_condition=f"fc{n}")
    for n, (_, k, a, _, _, _) in REFERRALS.items()
]  # fmt: skip
FOCUS = [
    row("focus_conditions_119", R[n], f"fc{n}", kommune=k, code=code, code_system=system)
    for n, (_, k, _, code, system, _) in REFERRALS.items()
]
#: (cpr, id, municipality, start, end, status, reason, referral)
COURSES = [
    (R[1], "f1", "101", "2025-03-15", "2025-06-01", "completed", None, "sr1"),
    (R[2], "f2", "101", "2025-05-10", "2025-07-01", "revoked", UDEBLEVET, "sr2"),
    (R[7], "f7", "147", "2025-06-20", "2025-08-10", "revoked", None, "sr7"),
    (P[1], "g1", "101", "2025-03-26", None, "active", None, None),
    (P[3], "g3", "147", "2025-07-12", None, "active", None, None),
    (P[14], "g14", "147", "2025-01-07", None, "active", None, None),
]
CAREPLANS = [
    row("careplans_119", cpr_, cid, kommune=k, category=FORLOEB, status=st, period_start=d(a),
        period_end=d(b) if b else None, cancellation_reason=why, known=d(b or a))
    for cpr_, cid, k, a, b, st, why, _ in COURSES
]  # fmt: skip
INTERVENTIONS = [
    row("interventions_119", cpr_, f"pi_{cid}", kommune=k, careplan_id=cid, servicerequest_id=sr,
        code=TRAINING, status=st, period_start=d(a), period_end=d(b) if b else None)
    for cpr_, cid, k, a, b, st, _, sr in COURSES
    if sr
]  # fmt: skip
COVERAGE = [
    (k, "prevention", date(y, mo, 1), 10, 0)
    for k in ("101", "147")
    for y, mo in [(2024, m) for m in range(1, 13)] + [(2025, m) for m in range(1, 13)] + [(2026, 1)]
]


def write_extracts(directory: Path) -> Path:
    write_table(directory, "cpr", PERSONS)
    write_table(directory, "cpr_residence", RESIDENCE)
    write_table(directory, "lpr_contacts", CONTACTS)
    write_table(directory, "lpr_diagnoses", DIAGNOSES)
    write_table(directory, "lpr_procedures", [])
    write_table(directory, "organisations", ORGANISATIONS)
    write_flat(directory, "servicerequests_119", SERVICEREQUESTS)
    write_flat(directory, "focus_conditions_119", FOCUS)
    write_flat(directory, "careplans_119", CAREPLANS)
    write_flat(directory, "interventions_119", INTERVENTIONS)
    write_table(directory, "coverage", COVERAGE)
    return directory


MUNICIPAL = (
    "servicerequests_119",
    "focus_conditions_119",
    "careplans_119",
    "interventions_119",
    "coverage",
)


# Expected buckets: person -> (bucket, reason) for the unit in period 2025.
K1 = {
    1: ("denominator_only", None),
    2: ("denominator_only", None),
    3: ("numerator", None),
    4: ("excluded", "died_30d"),
    5: ("denominator_only", None),
    6: ("excluded", "died_30d"),
    11: ("denominator_only", None),
    12: ("uoplyst", "follow_up_open"),
    13: ("uoplyst", "emigrated"),
    14: ("denominator_only", None),
    15: ("denominator_only", None),
}
K2 = {
    1: ("denominator_only", None),
    2: ("denominator_only", None),
    3: ("denominator_only", None),
    4: ("numerator", None),
    5: ("denominator_only", None),
    6: ("numerator", None),
    11: ("denominator_only", None),
    12: ("uoplyst", "follow_up_open"),
    13: ("uoplyst", "emigrated"),
    14: ("denominator_only", None),
    15: ("denominator_only", None),
}
K3 = {
    1: ("numerator", None),
    2: ("denominator_only", None),
    3: ("uoplyst", "municipality_not_reporting"),
    4: ("uoplyst", "follow_up_open"),
    6: ("denominator_only", None),
    7: ("numerator", None),
}
K4 = {1: ("numerator", None), 2: ("denominator_only", None), 7: ("excluded", "died_during_course")}
K5_STRATUM = {
    1: "participant",
    14: "participant",
    2: "non_participant",
    3: "non_participant",
    6: "non_participant",
    13: "non_participant",
    15: "non_participant",
    4: "unknown",
    5: "unknown",
    11: "unknown",
    12: "unknown",
}
