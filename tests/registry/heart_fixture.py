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
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

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


PERSONS = [
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
) -> tuple[object, ...]:
    start = day(n, offset)
    seen = known or start
    return (
        Q[n],
        cid,
        kommune,
        category,
        status,
        start,
        None,
        ts(f"{seen} 12:00"),
        ts(f"{until} 12:00") if until else None,
        status == "entered-in-error",  # invalid
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
    (
        Q[2],
        "pi02",
        None,
        "101",
        TRAINING,
        "active",
        day(2, 43),
        None,
        ts(f"{day(2, 43)} 12:00"),
        None,
        False,
    ),
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


def write_extracts(directory: Path) -> Path:
    write_table(directory, "cpr", PERSONS)
    write_table(directory, "cpr_residence", RESIDENCE)
    write_table(directory, "lpr_contacts", CONTACTS)
    write_table(directory, "lpr_diagnoses", DIAGNOSES)
    write_table(directory, "lpr_procedures", PROCEDURES)
    write_table(directory, "organisations", ORGANISATIONS)
    write_table(directory, "careplans_119", CAREPLANS)
    write_table(directory, "interventions_119", INTERVENTIONS)
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
