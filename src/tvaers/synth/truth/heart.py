"""Heart rehabilitation (DHRD-like): H1-H5 (indicators.md; registry definition heart.yaml).

Population (H1, H5): admissions (LPR3 chains) with an AMI A-diagnosis (DI21*, DI22*) or a
PCI/CABG procedure, age >= 18 on the discharge day, index = discharge, a new index only more
than 365 days after the previous one (greedy over all LPR history, lookback included).
"""

from __future__ import annotations

from datetime import date

import duckdb

from tvaers.synth.municipal import codes as c
from tvaers.synth.truth.courses import HEART_FOCUS, completed_course, forloeb, programme_forloeb
from tvaers.synth.truth.frame import Indicator, not_reporting, rule

PCI = ("KFNG00", "KFNG02", "KFNG02A", "KFNG05", "KFNG05A", "KFNG10", "KFNG12", "KFNG20",
       "KFNG22", "KFNG30", "KFNG40", "KFNG96", "KZFX01")  # fmt: skip
CABG_PATTERN = "^KFN[A-FHJKW]"
MIN_AGE, NEW_INDEX_DAYS, START_WINDOW, SURVIVAL, CONTACT_DAYS = 18, 365, 90, 30, 14


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """``heart_index``: the H1/H5 index admissions after the 365-day lockout."""
    pci = ", ".join(f"'{code}'" for code in PCI)
    rows = con.execute(f"""
WITH ami AS (SELECT DISTINCT ac.admission_id FROM admission_contacts ac
             JOIN lpr_diagnoses d USING (contact_id)
             WHERE d.diag_type = 'A' AND (d.code LIKE 'DI21%' OR d.code LIKE 'DI22%')),
pci AS (SELECT DISTINCT ac.admission_id FROM admission_contacts ac
        JOIN lpr_procedures p USING (contact_id) WHERE p.code IN ({pci})),
cabg AS (SELECT DISTINCT ac.admission_id FROM admission_contacts ac
         JOIN lpr_procedures p USING (contact_id) WHERE regexp_matches(p.code, '{CABG_PATTERN}'))
SELECT a.admission_id, a.cpr, a.discharged::DATE AS index_date, a.discharge_sor,
       a.admission_id IN (SELECT * FROM ami) AS ami, a.admission_id IN (SELECT * FROM pci) AS pci,
       a.admission_id IN (SELECT * FROM cabg) AS cabg
FROM admissions a JOIN cpr p USING (cpr)
WHERE age_years(p.birth_date, a.discharged::DATE) >= {MIN_AGE}
  AND (a.admission_id IN (SELECT * FROM ami) OR a.admission_id IN (SELECT * FROM pci)
       OR a.admission_id IN (SELECT * FROM cabg))
ORDER BY a.cpr, index_date, a.admission_id
""").fetchall()
    kept: list[tuple[object, ...]] = []
    last: dict[str, date] = {}
    for row in rows:
        previous = last.get(row[1])
        if previous is None or (row[2] - previous).days > NEW_INDEX_DAYS:
            kept.append(row)
            last[row[1]] = row[2]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE heart_index (admission_id VARCHAR, cpr VARCHAR, "
        "index_date DATE, discharge_sor VARCHAR, ami BOOLEAN, pci BOOLEAN, cabg BOOLEAN)"
    )
    if kept:
        con.executemany("INSERT INTO heart_index VALUES (?, ?, ?, ?, ?, ?, ?)", kept)


def index_units(_view: str) -> str:
    return """
SELECT h.admission_id AS unit_id, h.cpr, h.index_date, h.index_date AS period_date,
       NULL::VARCHAR AS delivering_municipality, ho.hospital, NULL::VARCHAR AS stratum,
       NULL::DOUBLE AS value, NULL::VARCHAR AS detail,
       list_filter(['ami', 'pci', 'cabg'], lambda x, i: [h.ami, h.pci, h.cabg][i]) AS inc
FROM heart_index h LEFT JOIN hospital_of ho ON ho.sor_code = h.discharge_sor"""


def _started(view: str) -> str:
    return f"""EXISTS (SELECT 1 FROM cur_{view} f WHERE f.cpr = u.cpr AND f.ig = 'prevention'
  AND ((f.kind = 'forloeb' AND f.category = '{c.FORLOEB_119}')
       OR (f.kind = 'pi' AND f.code = '{c.I119_TRAINING}'))
  AND date_diff('day', u.index_date, f.start) BETWEEN 0 AND {START_WINDOW})"""


def _reported(view: str) -> str:
    """H5: the residence municipality delivered §119 data in the window."""
    if view == "observable":
        return f"NOT {not_reporting('prevention', 'u.index_date', f'u.index_date + {START_WINDOW}')(view)}"
    return f"""EXISTS (SELECT 1 FROM plan pl WHERE pl.kommunekode = u.municipality
  AND (pl.prevention_reporting = 'always' OR (pl.prevention_reporting = 'from'
       AND pl.prevention_from <= u.index_date + {START_WINDOW})))"""


def h2_units(view: str) -> str:
    """§119 referrals with a cardiac focus; value = days to the first linked encounter."""
    return f"""
WITH sr AS (SELECT * FROM cur_{view} WHERE ig = 'prevention' AND kind = 'sr'
            AND regexp_matches(code, '{HEART_FOCUS}')),
pi AS (SELECT resource_id, service_request, based_on FROM cur_{view}
       WHERE ig = 'prevention' AND kind = 'pi'),
enc AS (SELECT cpr, based_on, start FROM cur_{view}
        WHERE ig = 'prevention' AND kind = 'enc' AND status = 'finished'),
links AS (SELECT 'CarePlan/' || resource_id AS plan, service_request FROM pi
          UNION SELECT based_on, service_request FROM pi WHERE based_on IS NOT NULL),
linked AS (SELECT l.service_request, min(e.start) AS first
           FROM enc e JOIN links l ON e.based_on = l.plan GROUP BY 1),
open_course AS (SELECT DISTINCT p.service_request FROM pi p
                JOIN cur_{view} f ON p.based_on = 'CarePlan/' || f.resource_id
                WHERE f.kind = 'forloeb' AND f.status = 'active'),
firsts AS (
  SELECT s.*, coalesce(l.first, (SELECT min(e.start) FROM enc e
                                 WHERE e.cpr = s.cpr AND e.start >= s.authored)) AS first,
         ('ServiceRequest/' || s.resource_id) IN (SELECT * FROM open_course) AS course_open
  FROM sr s LEFT JOIN linked l ON l.service_request = 'ServiceRequest/' || s.resource_id)
SELECT resource_id AS unit_id, cpr, authored AS index_date, authored AS period_date,
       kommunekode AS delivering_municipality, NULL::VARCHAR AS hospital,
       NULL::VARCHAR AS stratum, date_diff('day', authored, first)::DOUBLE AS value,
       NULL::VARCHAR AS detail, []::VARCHAR[] AS inc, status, first, course_open
FROM firsts"""


def h4_units(view: str) -> str:
    """Cardiac courses started, of citizens with a tobacco condition recorded."""
    return f"""
SELECT f.resource_id AS unit_id, f.cpr, f.start AS index_date, f.start AS period_date,
       f.kommunekode AS delivering_municipality, NULL::VARCHAR AS hospital,
       NULL::VARCHAR AS stratum, NULL::DOUBLE AS value, NULL::VARCHAR AS detail,
       []::VARCHAR[] AS inc
FROM ({programme_forloeb(view, HEART_FOCUS)}) f
WHERE EXISTS (SELECT 1 FROM cur_{view} k WHERE k.cpr = f.cpr AND k.ig = 'prevention'
              AND k.kind = 'cond' AND k.code = '{c.C119_TOBACCO}')"""


def _offered(view: str) -> str:
    return f"""EXISTS (SELECT 1 FROM cur_{view} p WHERE p.ig = 'prevention' AND p.kind = 'pi'
  AND p.code = '{c.I119_TOBACCO}' AND p.based_on = 'CarePlan/' || u.unit_id)"""


WINDOW = f"u.index_date + {START_WINDOW}"
INDICATORS = (
    Indicator(
        "H1",
        index_units,
        numerator=rule("started", _started),
        exclusions=(
            rule(
                "died_30d", f"date_diff('day', u.index_date, u.death_date) BETWEEN 0 AND {SURVIVAL}"
            ),
            rule("hospital_rehab", "FALSE"),  # the phase II procedure list is empty by default
        ),
        uoplyst=(
            rule("residence_unknown", "u.municipality IS NULL"),
            rule("municipality_not_reporting", not_reporting("prevention", "u.index_date", WINDOW)),
            rule(
                "emigrated",
                f"date_diff('day', u.index_date, u.emigration_date) BETWEEN 0 AND {START_WINDOW}",
            ),
            rule("follow_up_open", f"{WINDOW} > cutoff()"),
        ),
    ),
    Indicator(
        "H2",
        h2_units,
        numerator=rule("contact_14d", f"u.value BETWEEN 0 AND {CONTACT_DAYS}"),
        uoplyst=(
            rule("no_contact_yet", "u.first IS NULL AND (u.status = 'active' OR u.course_open)"),
        ),
    ),
    completed_course("H3", HEART_FOCUS),
    Indicator("H4", h4_units, numerator=rule("cessation_offered", _offered)),
    Indicator(
        "H5",
        index_units,
        numerator=rule("reported", _reported),
        uoplyst=(rule("residence_unknown", "u.municipality IS NULL"),),
    ),
)

__all__ = ["INDICATORS", "forloeb", "prepare"]
