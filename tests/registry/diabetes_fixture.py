"""Hand-made diabetes fixture (D1 two cohorts, D2): every person is a case worked out by hand.

Period 2025; data cut-off 2026-03-01. §119 coverage: 101 reports every month 2022-01..2026-02;
751 never. Hospital contacts are 2-hour outpatient visits unless noted (cohort (a) counts
every contact type; the unit is the day's first contact with DE11*, no age limit).

| person | case | D1 (a) hospital | D1 (b) municipal | D2 |
|---|---|---|---|---|
| A1 | first DE11 (A) 03-01; SR DE119 03-05; Sygdomshåndtering 05-01; forløb active | numerator (day 61) | numerator (day 57) | - |
| A2 | DE11 as B-diagnosis 2025-04-01, earlier DE11 2024-01-10 (447 days: inside washout) | - | - | - |
| A3 | DE11 2025-02-01, earlier DE11 2022-06-01 (over 730 days before) | denominator_only | - | - |
| A4 | DE11 2025-10-01 (180-day window open at cut-off) | uoplyst (follow_up_open) | - | - |
| A5 | lives in 751 (no §119 reports); DE11 2025-06-01 | uoplyst (municipality_not_reporting) | - | - |
| A6 | DE10 (type 1) | - | - | - |
| A7 | aged 17 (D1 has no age limit); DE11 03-01 | denominator_only | - | - |
| A8 | virtual DE11 contact 01-15, physical DE11 05-01; Sygdomshåndtering day 200 | denominator_only (index 01-15) | - | - |
| B1 | SR T90 (ICPC-2) 02-01; Sygdomshåndtering 03-01; forløb 03-01..06-01 completed | - | numerator | numerator |
| B2 | SR DE119 03-01; only Kostvejledning; forløb 03-20..05-15 revoked "Aktivt fravalg" | - | denominator_only | denominator_only |
| B3 | SR DJ441 (COPD) | - | - | - |
| B4 | SR DE119 04-01; Sygdomshåndtering 04-20; forløb 04-20..05-03 revoked; died 05-01 | - | numerator | excluded (died_during_course) |

D1 (a): 1/4/2/0 (numerator/denominator/uoplyst/excluded); (b): 3/4/0/0; D2: 1/2/0/1.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flat_factory import row, write_flat
from registry_factories import d, ts, write_table

CUTOFF = date(2026, 3, 1)
HOSP, DEPT = "300000001", "300000011"
FORLOEB = "5c160c02-e858-4c1f-925a-71ed64844749"
EDUCATION = "e71b7d85-5c78-49c2-8624-8499d162317b"
DIET = "c9a99304-1788-43b7-b7be-e187b092ae9c"
FRAVALG = "3a5a72b7-addf-4857-b80c-04e4246e3072"

A = {n: f"0404{62:02d}{n:04d}" for n in range(1, 9)}
A[7] = f"0404{8:02d}0007"  # born 2008
B = {n: f"0505{63:02d}{n:04d}" for n in range(1, 5)}
DEATHS = {B[4]: d("2025-05-01")}
PERSONS = [
    (cpr, d("2008-04-04") if n == 7 and cpr in A.values() else d("1962-04-04"), "F", None, None)
    for group in (A, B)
    for n, cpr in group.items()
]
PERSONS = [(c, b, s, DEATHS.get(c), e) for c, b, s, _, e in PERSONS]
RESIDENCE = [
    (cpr, "751" if cpr == A[5] else "101", d("1990-01-01"), None)
    for group in (A, B)
    for cpr in group.values()
]


def visit(cid: str, cpr: str, day: str, kind: str = "physical") -> tuple[object, ...]:
    return (cid, cpr, DEPT, ts(f"{day} 08:00"), ts(f"{day} 10:00"), kind, "planned", None, None)


CONTACTS = [
    visit("a1", A[1], "2025-03-01"),
    visit("a2old", A[2], "2024-01-10"),
    visit("a2", A[2], "2025-04-01"),
    visit("a3old", A[3], "2022-06-01"),
    visit("a3", A[3], "2025-02-01"),
    visit("a4", A[4], "2025-10-01"),
    visit("a5", A[5], "2025-06-01"),
    visit("a6", A[6], "2025-03-01"),
    visit("a7", A[7], "2025-03-01"),
    visit("a8v", A[8], "2025-01-15", kind="virtual"),
    visit("a8", A[8], "2025-05-01"),
]
DIAGNOSES = [
    ("a1", "DE119", "A"),
    ("a2old", "DE119", "A"),
    ("a2", "DI109", "A"),
    ("a2", "DE119", "B"),
    ("a3old", "DE111", "A"),
    ("a3", "DE119", "A"),
    ("a4", "DE119", "A"),
    ("a5", "DE119", "A"),
    ("a6", "DE109", "A"),
    ("a7", "DE119", "A"),
    ("a8v", "DE119", "A"),
    ("a8", "DE119", "A"),
]
ORGANISATIONS = [
    (HOSP, "Hospital Vest", "hospital", None, None, "1084", d("2007-01-01"), None),
    (DEPT, "Endokrinologisk afd.", "department", HOSP, None, None, d("2007-01-01"), None),
]
#: cpr -> (authored, focus code, system)
REFERRALS = {
    A[1]: ("2025-03-05", "DE119", "SKS"),
    B[1]: ("2025-02-01", "T90", "ICPC2"),
    B[2]: ("2025-03-01", "DE119", "SKS"),
    B[3]: ("2025-03-01", "DJ441", "SKS"),
    B[4]: ("2025-04-01", "DE119", "SKS"),
}
SERVICEREQUESTS = [
    row("servicerequests_119", cpr, f"sr{k}", authored_on=d(a), status="active",
        focus_condition=f"fc{k}")
    for k, (cpr, (a, _, _)) in enumerate(REFERRALS.items())
]  # fmt: skip
FOCUS = [
    row("focus_conditions_119", cpr, f"fc{k}", code=code, code_system=system)
    for k, (cpr, (_, code, system)) in enumerate(REFERRALS.items())
]
SR = {cpr: f"sr{k}" for k, cpr in enumerate(REFERRALS)}
#: (cpr, forløb, start, end, status, reason)
COURSES = [
    (A[1], "fa1", "2025-05-01", None, "active", None),
    (B[1], "fb1", "2025-03-01", "2025-06-01", "completed", None),
    (B[2], "fb2", "2025-03-20", "2025-05-15", "revoked", FRAVALG),
    (B[4], "fb4", "2025-04-20", "2025-05-03", "revoked", None),
]
CAREPLANS = [
    row("careplans_119", cpr, cid, category=FORLOEB, status=st, period_start=d(a),
        period_end=d(b) if b else None, cancellation_reason=why, known=d(b or a))
    for cpr, cid, a, b, st, why in COURSES
]  # fmt: skip
#: (cpr, id, forløb, code, start)
PLANNED = [
    (A[1], "pa1", "fa1", EDUCATION, "2025-05-01"),
    (A[8], "pa8", None, EDUCATION, "2025-08-02"),  # day 199 after 01-15
    (B[1], "pb1", "fb1", EDUCATION, "2025-03-01"),
    (B[2], "pb2", "fb2", DIET, "2025-03-20"),
    (B[4], "pb4", "fb4", EDUCATION, "2025-04-20"),
]
INTERVENTIONS = [
    row("interventions_119", cpr, pid_, careplan_id=cp, servicerequest_id=SR.get(cpr),
        code=code, status="active", period_start=d(a))
    for cpr, pid_, cp, code, a in PLANNED
]  # fmt: skip
COVERAGE = [
    ("101", "prevention", date(y, m, 1), 5, 0)
    for y in range(2022, 2027)
    for m in range(1, 13)
    if date(y, m, 1) <= date(2026, 2, 1)
]
MUNICIPAL = (
    "servicerequests_119",
    "focus_conditions_119",
    "careplans_119",
    "interventions_119",
    "coverage",
)


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


D1A = {
    A[1]: ("numerator", None),
    A[3]: ("denominator_only", None),
    A[4]: ("uoplyst", "follow_up_open"),
    A[5]: ("uoplyst", "municipality_not_reporting"),
    A[7]: ("denominator_only", None),
    A[8]: ("denominator_only", None),
}
D1B = {
    A[1]: ("numerator", None),
    B[1]: ("numerator", None),
    B[2]: ("denominator_only", None),
    B[4]: ("numerator", None),
}
D2 = {
    B[1]: ("numerator", None),
    B[2]: ("denominator_only", None),
    B[4]: ("excluded", "died_during_course"),
}
