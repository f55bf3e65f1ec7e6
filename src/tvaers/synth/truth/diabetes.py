"""Diabetes (DVDD-like): D1 (two cohorts, as strata) and D2 (indicators.md).

D1 cohort ``hospital``: an LPR contact with DE11* (A or B) and no DE11* contact in the 730
days before (washout), index = the contact's start day (unit = the day's first such contact).
Cohort ``municipal``: a §119 referral with focus DE11* (SKS) or T90 (ICPC-2), index =
authoredOn. Numerator: a §119 planned intervention "Sygdomshåndtering" belonging to a forløb
(basedOn) starting 0-180 days after the index.
"""

from __future__ import annotations

from tvaers.synth.municipal import codes as c
from tvaers.synth.truth.courses import DIABETES_FOCUS, completed_course
from tvaers.synth.truth.frame import Indicator, not_reporting, rule

WASHOUT, WINDOW = 730, 180


def d1_units(view: str) -> str:
    return f"""
WITH de11 AS (SELECT k.cpr, k.contact_id, k.sor_unit, k."start"::DATE AS day
              FROM lpr_contacts k JOIN lpr_diagnoses d USING (contact_id)
              WHERE d.code LIKE 'DE11%'),
days AS (SELECT cpr, day, first(contact_id ORDER BY contact_id) AS contact_id,
                first(sor_unit ORDER BY contact_id) AS sor_unit
         FROM de11 GROUP BY cpr, day),
hospital AS (SELECT d.* FROM days d WHERE NOT EXISTS (
               SELECT 1 FROM days p WHERE p.cpr = d.cpr AND p.day < d.day
               AND p.day >= d.day - {WASHOUT}))
SELECT h.contact_id AS unit_id, h.cpr, h.day AS index_date, h.day AS period_date,
       NULL::VARCHAR AS delivering_municipality, ho.hospital, 'hospital' AS stratum,
       NULL::DOUBLE AS value, NULL::VARCHAR AS detail, []::VARCHAR[] AS inc
FROM hospital h LEFT JOIN hospital_of ho ON ho.sor_code = h.sor_unit
UNION ALL
SELECT resource_id, cpr, authored, authored, kommunekode, NULL, 'municipal', NULL, NULL,
       []::VARCHAR[]
FROM cur_{view} WHERE ig = 'prevention' AND kind = 'sr'
  AND regexp_matches(code, '{DIABETES_FOCUS}')"""


def _education(view: str) -> str:
    return f"""EXISTS (SELECT 1 FROM cur_{view} p WHERE p.cpr = u.cpr AND p.ig = 'prevention'
  AND p.kind = 'pi' AND p.code = '{c.I119_DISEASE}' AND p.based_on IS NOT NULL
  AND date_diff('day', u.index_date, p.start) BETWEEN 0 AND {WINDOW})"""


INDICATORS = (
    Indicator(
        "D1",
        d1_units,
        numerator=rule("education_180d", _education),
        uoplyst=(
            rule("residence_unknown", "u.municipality IS NULL"),
            rule("municipality_not_reporting",
                 not_reporting("prevention", "u.index_date", f"u.index_date + {WINDOW}")),
            rule("emigrated", f"date_diff('day', u.index_date, u.emigration_date) BETWEEN 0 AND {WINDOW}"),
            rule("follow_up_open", f"u.index_date + {WINDOW} > cutoff()"),
        ),
    ),
    completed_course("D2", DIABETES_FOCUS),
)  # fmt: skip
