"""COPD (DrKOL-like): K1-K5 (indicators.md; registry definition copd.yaml).

K1/K2 population: acute admissions of persons aged >= 30 on the admission day with, on a
contact starting day 0-2 of the admission, DJ44* as A-diagnosis, or DJ44* as B with an
A-diagnosis in DJ96* or DJ13*-DJ18* (branches ``copd_a``, ``copd_b``). Every admission is
a unit (no lockout).
"""

from __future__ import annotations

import duckdb

from tvaers.synth.truth.courses import COPD_FOCUS, completed_course, forloeb
from tvaers.synth.truth.frame import Indicator, not_reporting, rule

MIN_AGE, FIRST_DAYS, FOLLOW_UP, START_WINDOW = 30, 2, 30, 60
B_WITH_A = "^(DJ96|DJ1[3-8])"


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """``copd_admissions``: the K1/K2 population with its inclusion branches."""
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE copd_admissions AS
WITH early AS (SELECT * FROM admission_contacts
               WHERE date_diff('day', admitted::DATE, "start"::DATE) BETWEEN 0 AND {FIRST_DAYS}),
branch_a AS (SELECT DISTINCT e.admission_id FROM early e JOIN lpr_diagnoses d USING (contact_id)
             WHERE d.diag_type = 'A' AND d.code LIKE 'DJ44%'),
branch_b AS (SELECT DISTINCT e.admission_id FROM early e
             JOIN lpr_diagnoses b ON b.contact_id = e.contact_id AND b.diag_type = 'B'
                  AND b.code LIKE 'DJ44%'
             JOIN lpr_diagnoses a ON a.contact_id = e.contact_id AND a.diag_type = 'A'
                  AND regexp_matches(a.code, '{B_WITH_A}'))
SELECT a.*, a.admission_id IN (SELECT * FROM branch_a) AS copd_a,
       a.admission_id IN (SELECT * FROM branch_b) AS copd_b
FROM admissions a JOIN cpr p USING (cpr)
WHERE a.priority = 'acute' AND age_years(p.birth_date, a.admitted::DATE) >= {MIN_AGE}
  AND (a.admission_id IN (SELECT * FROM branch_a) OR a.admission_id IN (SELECT * FROM branch_b))
""")


def _units(anchor: str) -> str:
    return f"""
SELECT a.admission_id AS unit_id, a.cpr, a.{anchor}::DATE AS index_date,
       a.{anchor}::DATE AS period_date, NULL::VARCHAR AS delivering_municipality,
       ho.hospital, NULL::VARCHAR AS stratum, NULL::DOUBLE AS value, NULL::VARCHAR AS detail,
       list_filter(['copd_a', 'copd_b'], lambda x, i: [a.copd_a, a.copd_b][i]) AS inc
FROM copd_admissions a LEFT JOIN hospital_of ho ON ho.sor_code = a.discharge_sor"""


def k1_units(_view: str) -> str:
    return _units("discharged")


def k2_units(_view: str) -> str:
    return _units("admitted")


def k3_units(view: str) -> str:
    """§119 referrals with a COPD focus (SKS DJ44* or ICPC-2 R95)."""
    return f"""
SELECT resource_id AS unit_id, cpr, authored AS index_date, authored AS period_date,
       kommunekode AS delivering_municipality, NULL::VARCHAR AS hospital,
       NULL::VARCHAR AS stratum, NULL::DOUBLE AS value, NULL::VARCHAR AS detail,
       []::VARCHAR[] AS inc
FROM cur_{view} WHERE ig = 'prevention' AND kind = 'sr' AND regexp_matches(code, '{COPD_FOCUS}')"""


def _course_started(view: str) -> str:
    return f"""EXISTS (SELECT 1 FROM ({forloeb(view)}) f WHERE f.cpr = u.cpr
  AND date_diff('day', u.index_date, f.start) BETWEEN 0 AND {START_WINDOW})"""


def _stratum(view: str) -> str:
    """K5: course started within 60 days of discharge (participant) or not; unknown when the
    residence municipality did not report §119 in the window (observable view)."""
    gap = not_reporting("prevention", "u.index_date", f"u.index_date + {START_WINDOW}")(view)
    return (
        f"CASE WHEN {gap} THEN 'unknown' WHEN {_course_started(view)} THEN 'participant' "
        "ELSE 'non_participant' END"
    )


def _days(lo: int, hi: int, column: str) -> str:
    return f"date_diff('day', u.index_date, u.{column}) BETWEEN {lo} AND {hi}"


READMITTED = rule(
    "readmitted",
    f"""EXISTS (SELECT 1 FROM admissions b WHERE b.cpr = u.cpr
  AND b.admission_id <> u.unit_id AND b.priority = 'acute'
  AND date_diff('day', u.index_date, b.admitted::DATE) BETWEEN 1 AND {FOLLOW_UP})""",
)
K1_EXCLUSIONS = (rule("died_30d", _days(0, FOLLOW_UP, "death_date")),)
OPEN = (
    rule("emigrated", _days(0, FOLLOW_UP, "emigration_date")),
    rule("follow_up_open", f"u.index_date + {FOLLOW_UP} > cutoff()"),
)
INDICATORS = (
    Indicator("K1", k1_units, numerator=READMITTED, exclusions=K1_EXCLUSIONS, uoplyst=OPEN),
    Indicator("K2", k2_units, numerator=rule("died_30d", _days(0, FOLLOW_UP, "death_date")),
              uoplyst=OPEN),
    Indicator(
        "K3",
        k3_units,
        numerator=rule("started_60d", _course_started),
        uoplyst=(
            rule("residence_unknown", "u.municipality IS NULL"),
            rule("municipality_not_reporting",
                 not_reporting("prevention", "u.index_date", f"u.index_date + {START_WINDOW}")),
            rule("emigrated", _days(0, START_WINDOW, "emigration_date")),
            rule("follow_up_open", f"u.index_date + {START_WINDOW} > cutoff()"),
        ),
    ),
    completed_course("K4", COPD_FOCUS),
    Indicator("K5", k1_units, numerator=READMITTED, exclusions=K1_EXCLUSIONS, uoplyst=OPEN,
              stratum=_stratum),
)  # fmt: skip
