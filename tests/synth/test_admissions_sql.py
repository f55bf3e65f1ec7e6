"""The admission rule (indicators.md) and DrKOL K1/K2 as SQL, on hand-worked contacts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import duckdb
import pytest

from tvaers.synth.calibration import define_admissions, named_queries


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


CONTACTS = [
    # person A: c1 -> c2 (gap 3 h) -> c3 (gap exactly 4 h) is one admission with two transfers
    ("c1", "A", "u-fam", "2024-03-01 08:00", "2024-03-01 12:00", "physical", "acute"),
    ("c2", "A", "u-med", "2024-03-01 15:00", "2024-03-04 10:00", "physical", "acute"),
    ("c3", "A", "u-lun", "2024-03-04 14:00", "2024-03-06 09:00", "physical", "acute"),
    ("c4", "A", "u-lun", "2024-03-06 10:00", "2024-03-06 10:30", "virtual", "planned"),
    # gap 4 h 1 min: a new admission on the discharge day
    ("c5", "A", "u-fam", "2024-03-06 13:01", "2024-03-08 12:00", "physical", "acute"),
    ("c6", "A", "u-kar", "2024-03-20 09:00", "2024-03-20 11:00", "physical", "planned"),
    ("c7", "A", "u-fam", "2024-03-25 10:00", "2024-03-25 21:59", "physical", "acute"),
    ("c8", "A", "u-fam", "2024-03-30 10:00", "2024-03-31 10:00", "physical", "acute"),
    # person B: c10 lies inside c9; c11 starts 3 h after c9 ends -> one admission
    ("c9", "B", "u-fam", "2024-05-01 08:00", "2024-05-03 08:00", "physical", "planned"),
    ("c10", "B", "u-kar", "2024-05-02 10:00", "2024-05-02 12:00", "physical", "acute"),
    ("c11", "B", "u-med", "2024-05-03 11:00", "2024-05-05 00:00", "physical", "acute"),
]


def connect(contacts: list[tuple[str, ...]], gap_hours: float = 4.0) -> Any:
    con = duckdb.connect()
    con.execute(
        """CREATE TABLE lpr_contacts (contact_id VARCHAR, cpr VARCHAR, sor_unit VARCHAR,
           "start" TIMESTAMP, "end" TIMESTAMP, contact_type VARCHAR, priority VARCHAR)"""
    )
    con.executemany(
        "INSERT INTO lpr_contacts VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(c[0], c[1], c[2], ts(c[3]), ts(c[4]), c[5], c[6]) for c in contacts],
    )
    define_admissions(con, gap_hours=gap_hours)
    return con


def test_chains_transfers_and_the_12_hour_rule() -> None:
    rows = (
        connect(CONTACTS)
        .execute(
            """SELECT cpr, admitted, discharged, n_contacts, priority, discharge_sor
           FROM admissions ORDER BY cpr, admitted"""
        )
        .fetchall()
    )
    assert rows == [
        ("A", ts("2024-03-01 08:00"), ts("2024-03-06 09:00"), 3, "acute", "u-lun"),
        ("A", ts("2024-03-06 13:01"), ts("2024-03-08 12:00"), 1, "acute", "u-fam"),
        ("A", ts("2024-03-30 10:00"), ts("2024-03-31 10:00"), 1, "acute", "u-fam"),
        ("B", ts("2024-05-01 08:00"), ts("2024-05-05 00:00"), 3, "planned", "u-med"),
    ]


def test_a_transfer_is_never_a_readmission() -> None:
    con = connect(CONTACTS)
    readmissions = con.execute(
        """SELECT a.admitted, b.admitted FROM admissions a JOIN admissions b
           ON a.cpr = b.cpr AND b.priority = 'acute'
           AND date_diff('day', a.discharged::DATE, b.admitted::DATE) BETWEEN 1 AND 30
           ORDER BY 1, 2"""
    ).fetchall()
    # c2 and c3 (transfers) are not readmissions of c1; only c8 readmits (22 and 24 days later)
    assert readmissions == [
        (ts("2024-03-01 08:00"), ts("2024-03-30 10:00")),
        (ts("2024-03-06 13:01"), ts("2024-03-30 10:00")),
    ]
    members = con.execute(
        "SELECT list(contact_id ORDER BY start) FROM admission_contacts GROUP BY admission_id ORDER BY 1"
    ).fetchall()
    assert sorted(m[0] for m in members) == [
        ["c1", "c2", "c3"],
        ["c5"],
        ["c8"],
        ["c9", "c10", "c11"],
    ]


def test_the_gap_is_a_parameter() -> None:
    rows = (
        connect(CONTACTS, gap_hours=2.0)
        .execute("SELECT count(*) FROM admissions WHERE cpr = 'A'")
        .fetchall()
    )
    # with 2 h, c1 (4 h) is no admission and c2, c3 are separate admissions
    assert rows == [(4,)]


COPD_CONTACTS = [
    # C (75): dyspnoea in the emergency department, transfer to lungs with DJ441 -> a course;
    # readmitted 15 days after discharge with a urinary infection (not a course itself)
    ("x1", "C", "u", "2024-02-01 10:00", "2024-02-01 14:00", "physical", "acute"),
    ("x2", "C", "u", "2024-02-01 16:00", "2024-02-05 12:00", "physical", "acute"),
    ("y1", "C", "u", "2024-02-20 08:00", "2024-02-22 08:00", "physical", "acute"),
    # D (82): pneumonia A with COPD B -> a course; dies 19 days after admission
    ("z1", "D", "u", "2024-03-01 10:00", "2024-03-03 10:00", "physical", "acute"),
    # E (40): DJ441 only on a contact starting more than 2 days after admission; a planned stay
    ("w1", "E", "u", "2024-04-01 10:00", "2024-04-01 13:00", "physical", "acute"),
    ("w2", "E", "u", "2024-04-01 14:00", "2024-04-04 10:00", "physical", "acute"),
    ("w3", "E", "u", "2024-04-04 12:00", "2024-04-06 12:00", "physical", "acute"),
    ("v1", "E", "u", "2024-05-01 08:00", "2024-05-02 08:00", "physical", "planned"),
    # F (25): too young
    ("f1", "F", "u", "2024-06-01 08:00", "2024-06-03 08:00", "physical", "acute"),
]
COPD_DIAGNOSES = [
    ("x1", "DR060", "A"),
    ("x2", "DJ441", "A"),
    ("y1", "DN390", "A"),
    ("y1", "DJ449", "B"),
    ("z1", "DJ189", "A"),
    ("z1", "DJ449", "B"),
    ("w1", "DR060", "A"),
    ("w2", "DR060", "A"),
    ("w3", "DJ441", "A"),
    ("v1", "DJ441", "A"),
    ("f1", "DJ441", "A"),
]
PEOPLE = [
    ("C", date(1949, 1, 1), None, None),
    ("D", date(1941, 6, 1), date(2024, 3, 20), None),
    ("E", date(1984, 1, 1), None, None),
    ("F", date(1999, 1, 1), None, None),
]


@pytest.fixture
def copd_con() -> tuple[Any, list[tuple[Any, ...]]]:
    con = connect(COPD_CONTACTS)
    con.execute("CREATE TABLE lpr_diagnoses (contact_id VARCHAR, code VARCHAR, diag_type VARCHAR)")
    con.executemany("INSERT INTO lpr_diagnoses VALUES (?, ?, ?)", COPD_DIAGNOSES)
    con.execute(
        "CREATE TABLE cpr (cpr VARCHAR, birth_date DATE, death_date DATE, emigration_date DATE)"
    )
    con.executemany("INSERT INTO cpr VALUES (?, ?, ?, ?)", PEOPLE)
    window = {"start": date(2024, 1, 1), "end": date(2024, 12, 31)}
    queries = named_queries()
    con.execute(
        queries["copd_courses"],
        {k: v for k, v in window.items() if f"${k}" in queries["copd_courses"]},
    )
    outcomes = con.execute(queries["copd_outcomes"], {"end": window["end"]}).fetchall()
    return con, outcomes


def test_drkol_courses_follow_the_population_rule(copd_con: tuple[Any, Any]) -> None:
    courses = (
        copd_con[0]
        .execute("SELECT cpr, admitted, readmitted FROM copd_courses ORDER BY cpr")
        .fetchall()
    )
    assert courses == [("C", ts("2024-02-01 10:00"), True), ("D", ts("2024-03-01 10:00"), False)]


def test_k1_excludes_early_deaths_and_k2_counts_them(copd_con: tuple[Any, Any]) -> None:
    # (band, K1 denominator, K1 numerator, K2 denominator, K2 numerator)
    assert copd_con[1] == [
        ("60-79", 1, 1, 1, 0),
        ("80+", 0, 0, 1, 1),
        ("all", 1, 1, 2, 1),
    ]
