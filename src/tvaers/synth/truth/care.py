"""Municipal rehabilitation and prevention: M1-M4, P1, P2 (indicators.md), from care and §140.

Code lists (both FSIII generations; a vendor may send UUIDs or legacy keys):
- §83a course: a care planned intervention with a level-2 code ``H2.*`` (legacy "RH"
  interventions, UUID or key) or the local level-3 code ``sel83a-rehabilitering``;
- §83 personal care: level-2 ``H1.1``-``H1.6`` (UUID or key), or "Personlig hjælp og pleje"
  (``8dc5f564-…``) without the §83a local code;
- home-care condition: a care Condition with a severity (functional level 0-4).
"""

from __future__ import annotations

from functools import cache

from tvaers.synth.municipal import codes as c
from tvaers.synth.truth.frame import Indicator, not_reporting, rule
from tvaers.terminology.fsiii import uuid_to_legacy

PAIR_DAYS = (60, 180)
M4_DAYS, ON_TIME_DAYS = 90, 14
STATUS_REASONS = {
    "udskudt": c.SR_STATUS_REASON["udskudt"], "frit_valg": c.SR_STATUS_REASON["frit_valg"],
    "frit_valg_afslaaet": c.SR_STATUS_REASON["frit_valg_afslaaet"],
    "anden_kommune": c.SR_STATUS_REASON["anden_kommune"],
    "fejl": "8ac7be88-5d16-4dbd-a61a-ab02673f4b34",
}  # fmt: skip


@cache
def _codes(prefixes: tuple[str, ...]) -> str:
    keys = [(u, k) for u, k in uuid_to_legacy().items() if k.startswith(prefixes)]
    return ", ".join(f"'{x}'" for pair in sorted(keys) for x in pair)


def reablement(alias: str) -> str:
    """SQL: the care intervention ``alias`` is a §83a course."""
    return (f"({alias}.code IN ({_codes(('H2.',))}) "
            f"OR {alias}.local_code = '{c.REABLEMENT_LOCAL[0]}')")  # fmt: skip


def personal_care(alias: str) -> str:
    """SQL: the care intervention ``alias`` is §83 personal care."""
    personal = tuple(f"H1.{i}" for i in range(1, 7))
    own = ", ".join(
        f"'{x}'" for u, k in sorted(uuid_to_legacy().items()) if k in personal for x in (u, k)
    )
    return (f"({alias}.code IN ({own}) OR ({alias}.code = '{c.PERSONAL_CARE}' "
            f"AND ({alias}.local_code IS NULL OR {alias}.local_code NOT LIKE 'sel83a%')))")  # fmt: skip


def m1_units(view: str) -> str:
    """(§83a course, addressed home-care condition) with a level at the course start and a
    later level 60-180 days after (the last version in that window)."""
    lo, hi = PAIR_DAYS
    return f"""
WITH pi AS (SELECT * FROM cur_{view} u WHERE ig = 'care' AND kind = 'care_pi' AND {reablement("u")}),
pairs AS (SELECT resource_id AS pi_id, cpr, start, kommunekode,
                 unnest(string_split(refs, ',')) AS cond_key FROM pi),
h AS (SELECT * FROM hist_{view} WHERE ig = 'care' AND kind = 'care_cond'
      AND level IS NOT NULL AND NOT invalid),
levels AS (
  SELECT p.pi_id, p.cpr, p.start, p.kommunekode, p.cond_key,
         arg_max(h.level, h.last_updated) FILTER (WHERE h.last_updated::DATE <= p.start) AS baseline,
         arg_max(h.level, h.last_updated) FILTER (
           WHERE date_diff('day', p.start, h.last_updated::DATE) BETWEEN {lo} AND {hi}) AS later,
         arg_max(h.generation, h.last_updated) AS generation
  FROM pairs p JOIN h ON 'Condition/' || h.resource_id = p.cond_key AND h.cpr = p.cpr
  GROUP BY ALL)
SELECT l.pi_id || '|' || split_part(l.cond_key, '/', 2) AS unit_id, l.cpr,
       l.start AS index_date, l.start AS period_date, l.kommunekode AS delivering_municipality,
       NULL::VARCHAR AS hospital, l.generation AS stratum, (l.later - l.baseline)::DOUBLE AS value,
       NULL::VARCHAR AS detail, []::VARCHAR[] AS inc, l.baseline, l.later,
       (SELECT min(g.level) FROM cur_{view} g WHERE g.ig = 'care' AND g.kind = 'goal'
        AND g.cpr = l.cpr AND g.refs = l.cond_key) AS target
FROM levels l WHERE l.baseline IS NOT NULL AND l.later IS NOT NULL"""


def m3_units(view: str) -> str:
    return f"""
SELECT resource_id AS unit_id, cpr, authored AS index_date, authored AS period_date,
       kommunekode AS delivering_municipality, NULL::VARCHAR AS hospital,
       NULL::VARCHAR AS stratum, date_diff('day', discharge, occurrence)::DOUBLE AS value,
       status_reason AS detail, []::VARCHAR[] AS inc, status_reason, occurrence
FROM cur_{view} WHERE ig = 'rehab' AND kind = 'sr'"""


def _active_on(view: str, day: str) -> str:
    return f"""(SELECT count(*) FROM cur_{view} q WHERE q.cpr = m.cpr AND q.ig = 'care'
  AND q.kind = 'care_pi' AND {personal_care("q")} AND q.start <= {day}
  AND (q."end" IS NULL OR q."end" > {day}))"""


def m4_units(view: str) -> str:
    """Completed §83a courses; value = personal-care interventions after 90 days minus at start."""
    return f"""
SELECT m.resource_id AS unit_id, m.cpr, m."end" AS index_date, m."end" AS period_date,
       m.kommunekode AS delivering_municipality, NULL::VARCHAR AS hospital,
       m.generation AS stratum,
       ({_active_on(view, f'm."end" + {M4_DAYS}')} - {_active_on(view, "m.start")})::DOUBLE AS value,
       NULL::VARCHAR AS detail, []::VARCHAR[] AS inc
FROM cur_{view} m WHERE m.ig = 'care' AND m.kind = 'care_pi' AND {reablement("m")}
  AND m.status = 'completed' AND m."end" IS NOT NULL"""


def p1_units(view: str) -> str:
    """Planned follow-ups (GeneralEncounter "opfølgning") whose date has passed."""
    return f"""
SELECT resource_id AS unit_id, cpr, start AS index_date, start AS period_date,
       kommunekode AS delivering_municipality, NULL::VARCHAR AS hospital,
       NULL::VARCHAR AS stratum, NULL::DOUBLE AS value, NULL::VARCHAR AS detail,
       []::VARCHAR[] AS inc, refs
FROM cur_{view} WHERE ig = 'care' AND kind = 'care_enc' AND category = '{c.ENC_FOLLOW_UP}'
  AND status <> 'cancelled' AND start <= cutoff()"""


def _followed_up(view: str) -> str:
    return f"""EXISTS (SELECT 1 FROM cur_{view} o WHERE o.cpr = u.cpr AND o.ig = 'care'
  AND o.kind = 'fuo' AND o.status = 'final' AND list_contains(string_split(u.refs, ','), o.refs)
  AND date_diff('day', u.index_date, o.start) BETWEEN 0 AND {ON_TIME_DAYS})"""


def _no_follow_up_data(view: str) -> str:
    if view == "observable":
        return ("NOT EXISTS (SELECT 1 FROM hist_observable o WHERE o.kind = 'fuo' "
                "AND o.kommunekode = u.delivering_municipality)")  # fmt: skip
    return ("EXISTS (SELECT 1 FROM plan pl WHERE pl.kommunekode = u.delivering_municipality "
            "AND NOT pl.follow_up_observations)")  # fmt: skip


def p2_units(view: str) -> str:
    """Active home-care conditions on 31 December of each year (versions as of that day)."""
    return f"""
WITH years AS (SELECT make_date(y::INTEGER, 12, 31) AS day
               FROM range(year(window_start()), year(cutoff()) + 1) t(y)
               WHERE make_date(y::INTEGER, 12, 31) <= cutoff()),
as_of AS (SELECT h.*, y.day FROM hist_{view} h JOIN years y
         ON h.last_updated::DATE <= y.day AND (h.valid_to IS NULL OR h.valid_to::DATE > y.day)
         WHERE h.ig = 'care' AND h.kind IN ('care_cond', 'goal') AND NOT h.invalid)
SELECT a.resource_id || '|' || year(a.day) AS unit_id, a.cpr, a.day AS index_date,
       a.day AS period_date, a.kommunekode AS delivering_municipality, NULL::VARCHAR AS hospital,
       a.generation AS stratum, NULL::DOUBLE AS value, NULL::VARCHAR AS detail,
       []::VARCHAR[] AS inc,
       EXISTS (SELECT 1 FROM as_of g WHERE g.kind = 'goal' AND g.day = a.day AND g.cpr = a.cpr
               AND g.status = 'active' AND g.refs = 'Condition/' || a.resource_id) AS has_goal
FROM as_of a WHERE a.kind = 'care_cond' AND a.level IS NOT NULL AND a.status = 'active'
  AND a.start <= a.day"""


UNTIL = f"u.index_date + {PAIR_DAYS[1]} > cutoff()"
INDICATORS = (
    Indicator("M1", m1_units, numerator=rule("improved", "u.later < u.baseline"),
              uoplyst=(rule("follow_up_open", UNTIL),)),
    Indicator("M2", m1_units, numerator=rule("goal_met", "u.later <= u.target"),
              uoplyst=(rule("follow_up_open", UNTIL), rule("no_goal", "u.target IS NULL"))),
    Indicator(
        "M3",
        m3_units,
        numerator=rule("offered_7d", "u.value <= 7"),
        exclusions=tuple(rule(k, f"u.status_reason = '{v}'") for k, v in STATUS_REASONS.items()),
        uoplyst=(rule("no_offer", "u.occurrence IS NULL"),),
    ),
    Indicator(
        "M4",
        m4_units,
        numerator=rule("less_home_care", "u.value < 0"),
        exclusions=(rule("died_90d", f"date_diff('day', u.index_date, u.death_date) BETWEEN 0 AND {M4_DAYS}"),),
        uoplyst=(
            rule("follow_up_open", f"u.index_date + {M4_DAYS} > cutoff()"),
            rule("municipality_not_reporting",
                 not_reporting("care", "u.index_date", f"u.index_date + {M4_DAYS}",
                               "u.delivering_municipality")),
        ),
    ),
    Indicator(
        "P1",
        p1_units,
        numerator=rule("observed_14d", _followed_up),
        uoplyst=(rule("follow_up_not_reported", _no_follow_up_data),
                 rule("follow_up_open", f"u.index_date + {ON_TIME_DAYS} > cutoff()")),
    ),
    Indicator("P2", p2_units, numerator=rule("goal_registered", "u.has_goal")),
)  # fmt: skip
