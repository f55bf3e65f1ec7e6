"""Aggregates of the truth units: counts and proportions per unit type and period, and the bias.

Denominator = numerator + denominator_only (uoplyst and excluded are reported apart and left
out, the registry's default). Proportion is null when the denominator is 0. ``bias`` is
proportion_actual - proportion_observable: what coverage gaps, rejected, late and lost
reports do to the published number. Strata (K5 participation, D1 cohort, M1/M2/M4/P2 code
generation) get their own rows; ``stratum = 'all'`` is the whole indicator.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

VIEWS = ("actual", "observable")
UNIT_TYPES = """[
    {'t': 'national', 'id': 'DK'},
    {'t': 'region', 'id': r.region_code},
    {'t': 'municipality', 'id': l.municipality},
    {'t': 'delivering_municipality', 'id': l.delivering_municipality},
    {'t': 'hospital', 'id': l.hospital}]"""
KEYS = "indicator, period, unit_type, unit_id, stratum"


def _long(view: str) -> str:
    return f"""SELECT indicator, period, bucket_{view} AS bucket, stratum_{view} AS stratum,
       reason_{view} AS reason, value_{view} AS value, detail_{view} AS detail, municipality,
       delivering_municipality, hospital
FROM truth_units WHERE bucket_{view} IS NOT NULL"""


def _counts(view: str) -> str:
    return f"""
WITH keyed AS (
  SELECT l.*, unnest({UNIT_TYPES}) AS k
  FROM ({_long(view)}) l LEFT JOIN region_of r ON r.kommunekode = l.municipality),
strata AS (SELECT *, 'all' AS st FROM keyed
           UNION ALL SELECT *, stratum FROM keyed WHERE stratum IS NOT NULL)
SELECT indicator, period, k.t AS unit_type, k.id AS unit_id, st AS stratum,
       count(*) FILTER (WHERE bucket = 'numerator') AS numerator,
       count(*) FILTER (WHERE bucket IN ('numerator', 'denominator_only')) AS denominator,
       count(*) FILTER (WHERE bucket = 'uoplyst') AS uoplyst,
       count(*) FILTER (WHERE bucket = 'excluded') AS excluded
FROM strata WHERE k.id IS NOT NULL GROUP BY ALL"""


def aggregates(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """One row per indicator x period x unit type x unit x stratum, both views side by side."""
    a, o = _counts("actual"), _counts("observable")
    cols = ", ".join(
        f"coalesce({v[0]}.{c}, 0) AS {c}_{v}"
        for v in VIEWS
        for c in ("numerator", "denominator", "uoplyst", "excluded")
    )
    return con.sql(f"""
WITH a AS ({a}), o AS ({o}),
j AS (SELECT {KEYS}, {cols} FROM a FULL OUTER JOIN o USING ({KEYS}))
SELECT *,
  CASE WHEN denominator_actual > 0 THEN numerator_actual / denominator_actual END AS proportion_actual,
  CASE WHEN denominator_observable > 0 THEN numerator_observable / denominator_observable END
    AS proportion_observable,
  proportion_actual - proportion_observable AS bias
FROM j ORDER BY {KEYS}
""").to_arrow_table()


def _distribution(view: str) -> str:
    return f"""
SELECT indicator, period, 'national' AS unit_type, 'DK' AS unit_id, 'median_days' AS metric,
       '' AS key, median(value) AS value
FROM ({_long(view)}) WHERE indicator = 'H2' AND value IS NOT NULL GROUP BY ALL
UNION ALL
SELECT indicator, period, 'delivering_municipality', delivering_municipality, 'median_days',
       '', median(value)
FROM ({_long(view)}) WHERE indicator = 'H2' AND value IS NOT NULL GROUP BY ALL
UNION ALL
SELECT indicator, period, 'national', 'DK', 'cancellation_reason', detail, count(*)
FROM ({_long(view)}) WHERE indicator IN ('H3', 'K4', 'D2') AND bucket = 'denominator_only'
  AND detail IS NOT NULL GROUP BY ALL
UNION ALL
SELECT indicator, period, 'national', 'DK', 'excluded_reason', reason, count(*)
FROM ({_long(view)}) WHERE bucket = 'excluded' GROUP BY ALL"""


def distributions(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """H2 median days to first contact; H3/K4/D2 cancellation reasons; exclusion reasons."""
    keys = "indicator, period, unit_type, unit_id, metric, key"
    return con.sql(f"""
SELECT {keys}, a.value AS value_actual, o.value AS value_observable
FROM ({_distribution("actual")}) a FULL OUTER JOIN ({_distribution("observable")}) o
USING ({keys}) ORDER BY {keys}
""").to_arrow_table()
