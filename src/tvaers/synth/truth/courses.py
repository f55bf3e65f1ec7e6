"""SQL pieces about §119 courses shared by the heart, COPD and diabetes indicators.

A forløb (CarePlan "Interventionsforløb efter §119") belongs to a referral through its
planned interventions: ``basedOn`` -> forløb and the BasedOnServiceRequest extension ->
ServiceRequest, whose focus diagnosis (SKS or ICPC-2) says which programme it is.
"""

from __future__ import annotations

from tvaers.synth.municipal import codes as c
from tvaers.synth.truth.frame import Indicator, Sql, rule

#: Focus diagnoses of the programmes (regular expressions on the code).
HEART_FOCUS = "^DI2[0-5]"
COPD_FOCUS = "^(DJ44|R95$)"
DIABETES_FOCUS = "^(DE11|T90$)"


def forloeb(view: str) -> str:
    """Current §119 intervention courses."""
    return (
        f"SELECT * FROM cur_{view} WHERE ig = 'prevention' AND kind = 'forloeb' "
        f"AND category = '{c.FORLOEB_119}'"
    )


def programme_forloeb(view: str, focus: str) -> str:
    """Current §119 courses linked (through an intervention) to a referral with ``focus``."""
    return f"""
SELECT DISTINCT f.* FROM ({forloeb(view)}) f
JOIN cur_{view} p ON p.ig = 'prevention' AND p.kind = 'pi'
     AND p.based_on = 'CarePlan/' || f.resource_id
JOIN cur_{view} s ON s.ig = 'prevention' AND s.kind = 'sr'
     AND p.service_request = 'ServiceRequest/' || s.resource_id
WHERE regexp_matches(s.code, '{focus}')"""


def ended_units(focus: str) -> Sql:
    """Unit query: courses of a programme that ended (completed or cancelled), by end date."""

    def sql(view: str) -> str:
        return f"""
SELECT f.resource_id AS unit_id, f.cpr, f."end" AS index_date, f."end" AS period_date,
       f.kommunekode AS delivering_municipality, NULL::VARCHAR AS hospital,
       NULL::VARCHAR AS stratum, NULL::DOUBLE AS value, f.status_reason AS detail,
       []::VARCHAR[] AS inc, f.status, f.start AS course_start, f."end" AS course_end
FROM ({programme_forloeb(view, focus)}) f
WHERE f."end" IS NOT NULL AND f.status IN ('completed', 'revoked')"""

    return sql


def completed_course(indicator_id: str, focus: str) -> Indicator:
    """H3, K4, D2: the share of ended courses that were completed; deaths excluded."""
    return Indicator(
        indicator_id,
        ended_units(focus),
        numerator=rule("completed", "u.status = 'completed'"),
        exclusions=(
            rule("died_during_course", "u.death_date BETWEEN u.course_start AND u.course_end"),
        ),
    )
