"""Hand-made heart-rehabilitation fixture (H1): every person is a case worked out by hand.

Period 2025; data cut-off 2026-03-01 (a 90-day window from a discharge after 2025-12-01 is
still open). §119 coverage: 101 and 147 report every month 2024-01..2026-02; 751 sends only
rejected reports; 461 reports January-March 2025 only.

| person | case | H1 |
|---|---|---|
| Q01 | AMI (DI214 as A); §119 forløb starts day 24 | numerator |
| Q02 | PCI (KFNG02A); "Fysisk træning" intervention day 43 | numerator |
| Q03 | CABG (KFNA00); forløb day 95; an Opfølgningsforløb (other category) day 10 | denominator_only |
| Q04 | forløb day 5 but died day 20 | excluded (died_30d) |
| Q05 | lives in 751 (only rejected reports) | uoplyst (municipality_not_reporting) |
| Q06 | forløb day 10 marked entered-in-error | denominator_only |
| Q07 | forløb start first reported as day 200, corrected to day 20 on 2026-01-05 | numerator (as of 2025-12-31: denominator_only) |
| Q08 | moved 751 -> 101 on 2025-05-01, discharged 05-10; forløb day 20 | numerator, in 101 |
| Q09 | moved 101 -> 751 on 2025-06-01, discharged 06-05 | uoplyst, in 751 |
| Q10 | AMI 2025-01 (index) and 2025-08 (inside 365 days); forløb day 30 | numerator, one unit |
| Q11 | AMI 2024-06 (index), 2025-03 (inside 365 days), 2025-07 (index: 395 days later) | denominator_only (index 2025-07-03) |
| Q12 | aged 17 | - |
| Q13 | no residence | uoplyst (residence_unknown) |
| Q14 | discharged 2025-12-15 | uoplyst (follow_up_open) |
| Q15 | lives in 461, discharged 06-01: no reports Jun-Aug | uoplyst (municipality_not_reporting) |
| Q16 | lives in 461, discharged 01-15: reports Jan-Mar, none in April | denominator_only (any_month_missing rule: uoplyst) |
| Q17 | AMI only as B-diagnosis | - |
| Q18 | procedure ZZ0150 day 10; forløb day 40 | numerator (with ZZ0150 as phase II: excluded) |
| Q20 | died day 31 | denominator_only |

§119 courses (H2-H4), persons P01-P10 (no LPR contacts; municipality = residence, "147*" =
reported by 147 while living in 101). SR = §119 ServiceRequest (focus diagnosis), PI =
planned intervention, E = encounter, F = forløb. Day n = n days after the referral.

| person | case | H2 | H3 | H4 |
|---|---|---|---|---|
| P01 | SR DI214 01-10; clarify PI + finished E day 9; F 01-25..05-01 completed; tobacco condition + tobacco PI | numerator (9 d) | numerator | numerator |
| P02 | SR DI251 02-01; PI + E day 20; F 02-25..04-01 revoked "Aktivt fravalg"; tobacco condition | denominator_only (20 d) | denominator_only | denominator_only |
| P03 | SR DI500 (heart failure) 03-01; F completed 06-01 | - | - | - |
| P04 | SR DI211 03-10, no PI; an unlinked finished E 03-15 | numerator (fallback, 5 d) | - | - |
| P05 | SR DI214 11-20 still active, no E | uoplyst (no_contact_yet) | - | - |
| P06 | 147*: SR DI214 04-01 revoked, no E | denominator_only | - | - |
| P07 | 147*: SR DI214 05-01; F 05-10 active; E planned day 3, finished day 14 (on F) | numerator (14 d) | - | - |
| P08 | 147: SR DI214 06-01 completed; linked E day 3 entered-in-error; F 06-10..07-15 revoked "udeblevet"; tobacco condition, tobacco PI entered-in-error | denominator_only | denominator_only | denominator_only |
| P09 | SR DI214 2024-12-20; F 2025-01-05..03-03 revoked; died 2025-03-01 | - (2024) | excluded (died_during_course) | - |
| P10 | SR DI251 09-01; PI + E day 12; F 09-20..2026-01-10 completed | numerator (12 d) | - (2026) | - |

H2 median days: 5, 9, 12, 14, 20 -> 12. H5 (coverage of the Q persons' municipalities in
the 90-day window's months): numerator Q01-04, 06-08, 10, 11, 14, 16, 18, 20;
denominator_only Q05, Q09, Q15; uoplyst Q13 (residence_unknown).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from flat_factory import row, write_flat
from registry_factories import d, ts, write_table

CUTOFF = date(2026, 3, 1)
H_NORD, NORD1 = "100000001", "100000011"
H_SYD, SYD1 = "200000001", "200000011"
FORLOEB = "5c160c02-e858-4c1f-925a-71ed64844749"
OPFOELGNING = "9791e55a-656f-47eb-8fd5-c4a06b0a4662"
TRAINING = "ab87c0b5-40be-4e0a-b749-d9f833bfed2d"


def cpr(n: int, year: int = 50) -> str:
    return f"0202{year:02d}{n:04d}"


Q = {n: cpr(n) for n in range(1, 21)}
Q[12] = cpr(12, 8)

DEATHS = {4: None, 20: None}
DISCHARGE = {
    1: "2025-02-05",
    2: "2025-03-03",
    3: "2025-04-10",
    4: "2025-04-20",
    5: "2025-05-05",
    6: "2025-05-15",
    7: "2025-03-10",
    8: "2025-05-10",
    9: "2025-06-05",
    10: "2025-01-12",
    12: "2025-02-03",
    13: "2025-06-20",
    14: "2025-12-15",
    15: "2025-06-01",
    16: "2025-01-15",
    17: "2025-07-01",
    18: "2025-09-10",
    20: "2025-10-01",
}


def day(n: int, offset: int) -> date:
    """The date ``offset`` days after person n's discharge."""
    return d(DISCHARGE[n]) + timedelta(days=offset)


PERSONS_Q = [
    (
        Q[n],
        d("2008-01-01") if n == 12 else d("1950-02-02"),
        "M" if n % 2 else "F",
        {4: day(4, 20), 20: day(20, 31)}.get(n),
        None,
    )
    for n in range(1, 21)
]
RESIDENCE = [
    *[(Q[n], "101", d("1990-01-01"), None) for n in (1, 2, 3, 4, 6, 10, 12, 14, 17, 18)],
    *[(Q[n], "147", d("1990-01-01"), None) for n in (7, 11, 19, 20)],
    (Q[5], "751", d("1990-01-01"), None),
    (Q[8], "751", d("1990-01-01"), d("2025-05-01")),
    (Q[8], "101", d("2025-05-01"), None),
    (Q[9], "101", d("1990-01-01"), d("2025-06-01")),
    (Q[9], "751", d("2025-06-01"), None),
    (Q[15], "461", d("1990-01-01"), None),
    (Q[16], "461", d("1990-01-01"), None),
]


def admission(cid: str, n: int, start: str, end: str, unit: str = NORD1) -> tuple[object, ...]:
    return (cid, Q[n], unit, ts(start), ts(end), "physical", "acute", None, None)


def stay(n: int, days: int = 3, cid: str | None = None) -> tuple[object, ...]:
    end = d(DISCHARGE[n])
    start = end - timedelta(days=days)
    return admission(cid or f"h{n:02d}", n, f"{start} 08:00", f"{end} 10:00")


CONTACTS = [
    *[stay(n) for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16, 17, 18, 20)],
    stay(10),
    admission("h10b", 10, "2025-08-01 08:00", "2025-08-03 10:00"),
    admission("h11a", 11, "2024-06-01 08:00", "2024-06-03 10:00", unit=SYD1),
    admission("h11b", 11, "2025-03-01 08:00", "2025-03-03 10:00", unit=SYD1),
    admission("h11c", 11, "2025-07-01 08:00", "2025-07-03 10:00", unit=SYD1),
]
AMI = [f"h{n:02d}" for n in (1, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 18, 20)]
DIAGNOSES = [
    *[(cid, "DI214", "A") for cid in [*AMI, "h10b", "h11a", "h11b", "h11c"]],
    ("h02", "DI251", "A"),
    ("h03", "DI251", "A"),
    ("h17", "DR072", "A"),
    ("h17", "DI219", "B"),
]
PROCEDURES = [
    ("h02", "KFNG02A", ts("2025-03-01 12:00")),
    ("h03", "KFNA00", ts("2025-04-08 12:00")),
    ("h18", "ZZ0150", ts(f"{day(18, 10)} 09:00")),
]


def careplan(
    n: int,
    cid: str,
    offset: int,
    *,
    category: str = FORLOEB,
    status: str = "active",
    known: date | None = None,
    until: date | None = None,
    kommune: str = "101",
) -> dict[str, object]:
    start = day(n, offset)
    return row(
        "careplans_119",
        Q[n],
        cid,
        kommune=kommune,
        known=known or start,
        until=until,
        invalid=status == "entered-in-error",
        category=category,
        status=status,
        period_start=start,
    )


CAREPLANS = [
    careplan(1, "cp01", 24),
    careplan(3, "cp03", 95),
    careplan(3, "cp03f", 10, category=OPFOELGNING),
    careplan(4, "cp04", 5),
    careplan(6, "cp06", 10, status="entered-in-error"),
    careplan(7, "cp07", 200, known=d("2025-04-01"), until=d("2026-01-05"), kommune="147"),
    careplan(7, "cp07", 20, known=d("2026-01-05"), kommune="147"),
    careplan(8, "cp08", 20),
    careplan(10, "cp10", 30),
    careplan(18, "cp18", 40),
]
INTERVENTIONS = [
    row(
        "interventions_119",
        Q[2],
        "pi02",
        code=TRAINING,
        status="active",
        period_start=day(2, 43),
    ),
]


# --- §119 courses (H2-H4) -------------------------------------------------------------
P = {n: f"0303{60:02d}{n:04d}" for n in range(1, 11)}
P_RESIDENCE = {n: "147" if n == 8 else "101" for n in P}
P_DEATH = {9: d("2025-03-01")}
CANCEL_FRAVALG = "3a5a72b7-addf-4857-b80c-04e4246e3072"
CANCEL_UDEBLEVET = "ef491570-7884-4acd-bcf7-43d6b2c64762"
CANCEL_EVENT = "82e99421-31da-4915-96ed-168ccfa1d20c"
CLARIFY = "6eddbaf7-2a73-49d4-91e7-6138d419f58c"
TOBACCO_CONDITION = "1a34ed6c-083b-451f-b8c8-137f99126b0c"
TOBACCO_PI = "6d24992e-e0a2-43e7-bc27-0234622a8655"
#: person -> (authored, status, focus code, reporting municipality)
REFERRALS = {
    1: ("2025-01-10", "completed", "DI214", "101"),
    2: ("2025-02-01", "revoked", "DI251", "101"),
    3: ("2025-03-01", "completed", "DI500", "101"),
    4: ("2025-03-10", "active", "DI211", "101"),
    5: ("2025-11-20", "active", "DI214", "101"),
    6: ("2025-04-01", "revoked", "DI214", "147"),
    7: ("2025-05-01", "active", "DI214", "147"),
    8: ("2025-06-01", "completed", "DI214", "147"),
    9: ("2024-12-20", "revoked", "DI214", "101"),
    10: ("2025-09-01", "active", "DI251", "101"),
}


def after(n: int, days: int) -> date:
    return d(REFERRALS[n][0]) + timedelta(days=days)


def _p(table: str, n: int, rid: str, **values: object) -> dict[str, object]:
    return row(table, P[n], rid, kommune=REFERRALS[n][3], **values)  # type: ignore[arg-type]


SERVICEREQUESTS_119 = [
    _p("servicerequests_119", n, f"sr{n}", authored_on=d(a), status=st, focus_condition=f"fc{n}")
    for n, (a, st, _, _) in REFERRALS.items()
]
FOCUS_119 = [
    _p("focus_conditions_119", n, f"fc{n}", code=code, code_system="SKS")
    for n, (_, _, code, _) in REFERRALS.items()
]
#: (person, id, careplan, code, status, start, end)
P_INTERVENTIONS = [
    (1, "pi1c", None, CLARIFY, "completed", after(1, 9), after(1, 9)),
    (1, "pi1t", "f1", TRAINING, "completed", d("2025-01-25"), d("2025-05-01")),
    (1, "pi1s", "f1", TOBACCO_PI, "completed", d("2025-01-25"), d("2025-05-01")),
    (2, "pi2c", None, CLARIFY, "completed", after(2, 20), after(2, 20)),
    (2, "pi2t", "f2", TRAINING, "revoked", d("2025-02-25"), d("2025-04-01")),
    (3, "pi3t", "f3", TRAINING, "completed", d("2025-03-20"), d("2025-06-01")),
    (7, "pi7t", "f7", TRAINING, "active", d("2025-05-10"), None),
    (8, "pi8c", None, CLARIFY, "completed", after(8, 3), after(8, 3)),
    (8, "pi8t", "f8", TRAINING, "revoked", d("2025-06-10"), d("2025-07-15")),
    (9, "pi9t", "f9", TRAINING, "revoked", d("2025-01-05"), d("2025-03-03")),
    (10, "pi10c", None, CLARIFY, "completed", after(10, 12), after(10, 12)),
    (10, "pi10t", "f10", TRAINING, "completed", d("2025-09-20"), d("2026-01-10")),
]
INTERVENTIONS += [
    _p(
        "interventions_119",
        n,
        rid,
        careplan_id=cp,
        servicerequest_id=f"sr{n}",
        code=code,
        status=st,
        period_start=start,
        period_end=end,
    )
    for n, rid, cp, code, st, start, end in P_INTERVENTIONS
]
INTERVENTIONS.append(
    _p(
        "interventions_119",
        8,
        "pi8s",
        careplan_id="f8",
        servicerequest_id="sr8",
        code=TOBACCO_PI,
        status="entered-in-error",
        period_start=d("2025-06-10"),
        invalid=True,
    )
)
#: (person, id, status, start, end, reason)
P_COURSES = [
    (1, "f1", "completed", "2025-01-25", "2025-05-01", None),
    (2, "f2", "revoked", "2025-02-25", "2025-04-01", CANCEL_FRAVALG),
    (3, "f3", "completed", "2025-03-20", "2025-06-01", None),
    (7, "f7", "active", "2025-05-10", None, None),
    (8, "f8", "revoked", "2025-06-10", "2025-07-15", CANCEL_UDEBLEVET),
    (9, "f9", "revoked", "2025-01-05", "2025-03-03", CANCEL_EVENT),
    (10, "f10", "completed", "2025-09-20", "2026-01-10", None),
]
CAREPLANS += [
    _p(
        "careplans_119",
        n,
        rid,
        category=FORLOEB,
        status=st,
        period_start=d(start),
        period_end=d(end) if end else None,
        cancellation_reason=reason,
        known=d(end) if end else d(start),
    )
    for n, rid, st, start, end, reason in P_COURSES
]
#: (person, id, status, day, based on, invalid)
P_ENCOUNTERS = [
    (1, "e1", "finished", after(1, 9), "pi1c", False),
    (1, "e1b", "finished", d("2025-02-01"), "pi1t", False),
    (2, "e2", "finished", after(2, 20), "pi2c", False),
    (4, "e4", "finished", after(4, 5), "zz", False),
    (7, "e7a", "planned", after(7, 3), "f7", False),
    (7, "e7b", "finished", after(7, 14), "f7", False),
    (8, "e8", "finished", after(8, 3), "pi8c", True),
    (10, "e10", "finished", after(10, 12), "pi10c", False),
]
ENCOUNTERS_119 = [
    _p("encounters_119", n, rid, status=st, period_start=day_, careplan_id=cp, invalid=bad)
    for n, rid, st, day_, cp, bad in P_ENCOUNTERS
]
CONDITIONS_119 = [
    _p("conditions_119", n, f"tc{n}", code=TOBACCO_CONDITION, recorded_date=day_)
    for n, day_ in ((1, d("2025-01-19")), (2, d("2025-02-21")), (8, d("2025-06-05")))
]


def month_rows(
    kommune: str, months: list[date], accepted: int, rejected: int = 0
) -> list[tuple[object, ...]]:
    return [(kommune, "prevention", m, accepted, rejected) for m in months]


def months(first: date, last: date) -> list[date]:
    out, current = [], first
    while current <= last:
        out.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return out


COVERAGE = [
    *month_rows("101", months(date(2024, 1, 1), date(2026, 2, 1)), 10),
    *month_rows("147", months(date(2024, 1, 1), date(2026, 2, 1)), 10),
    *month_rows("751", months(date(2024, 1, 1), date(2026, 2, 1)), 0, 5),
    *month_rows("461", months(date(2025, 1, 1), date(2025, 3, 1)), 3),
]
ORGANISATIONS = [
    (H_NORD, "Hospital Nord", "hospital", None, None, "1084", d("2007-01-01"), None),
    (NORD1, "Kardiologisk afd.", "department", H_NORD, None, None, d("2007-01-01"), None),
    (H_SYD, "Hospital Syd", "hospital", None, None, "1082", d("2007-01-01"), None),
    (SYD1, "Kardiologisk afd. Syd", "department", H_SYD, None, None, d("2007-01-01"), None),
]


PERSONS = [
    *PERSONS_Q,
    *[(P[n], d("1955-05-05"), "F", P_DEATH.get(n), None) for n in P],
]
RESIDENCE += [(P[n], P_RESIDENCE[n], d("1990-01-01"), None) for n in P]


MUNICIPAL = (
    "careplans_119",
    "interventions_119",
    "servicerequests_119",
    "focus_conditions_119",
    "encounters_119",
    "conditions_119",
    "coverage",
)


def write_extracts(directory: Path) -> Path:
    write_table(directory, "cpr", PERSONS)
    write_table(directory, "cpr_residence", RESIDENCE)
    write_table(directory, "lpr_contacts", CONTACTS)
    write_table(directory, "lpr_diagnoses", DIAGNOSES)
    write_table(directory, "lpr_procedures", PROCEDURES)
    write_table(directory, "organisations", ORGANISATIONS)
    write_flat(directory, "careplans_119", CAREPLANS)
    write_flat(directory, "interventions_119", INTERVENTIONS)
    write_flat(directory, "servicerequests_119", SERVICEREQUESTS_119)
    write_flat(directory, "focus_conditions_119", FOCUS_119)
    write_flat(directory, "encounters_119", ENCOUNTERS_119)
    write_flat(directory, "conditions_119", CONDITIONS_119)
    write_table(directory, "coverage", COVERAGE)
    return directory


H1 = {
    1: ("numerator", None),
    2: ("numerator", None),
    3: ("denominator_only", None),
    4: ("excluded", "died_30d"),
    5: ("uoplyst", "municipality_not_reporting"),
    6: ("denominator_only", None),
    7: ("numerator", None),
    8: ("numerator", None),
    9: ("uoplyst", "municipality_not_reporting"),
    10: ("numerator", None),
    11: ("denominator_only", None),
    13: ("uoplyst", "residence_unknown"),
    14: ("uoplyst", "follow_up_open"),
    15: ("uoplyst", "municipality_not_reporting"),
    16: ("denominator_only", None),
    18: ("numerator", None),
    20: ("denominator_only", None),
}

H2 = {
    1: ("numerator", None),
    2: ("denominator_only", None),
    4: ("numerator", None),
    5: ("uoplyst", "no_contact_yet"),
    6: ("denominator_only", None),
    7: ("numerator", None),
    8: ("denominator_only", None),
    10: ("numerator", None),
}
H3 = {
    1: ("numerator", None),
    2: ("denominator_only", None),
    8: ("denominator_only", None),
    9: ("excluded", "died_during_course"),
}
H4 = {1: ("numerator", None), 2: ("denominator_only", None), 8: ("denominator_only", None)}
H5 = {
    **{n: ("numerator", None) for n in (1, 2, 3, 4, 6, 7, 8, 10, 11, 14, 16, 18, 20)},
    **{n: ("denominator_only", None) for n in (5, 9, 15)},
    13: ("uoplyst", "residence_unknown"),
}
