"""The indicator frame of the ground truth: units, rules, buckets, for one view at a time.

An indicator is a unit query plus rules, as in the registry's definitions (docs/indicators.md):
buckets are decided in the order ``excluded`` (any exclusion), ``uoplyst`` (any uoplyst rule),
``numerator``, else ``denominator_only``; ``reason`` is the first exclusion or uoplyst rule
met (in order); ``rules`` lists the inclusion branches and every rule met. The same
indicator runs on the ``actual`` and the ``observable`` view (``inputs``).

A unit query returns: unit_id, cpr, index_date, period_date, delivering_municipality,
hospital, stratum, value, detail, inc (list of inclusion branches), and any column its rules
use. Rules see the unit as ``u`` with ``municipality`` (CPR residence on the index date),
``death_date`` and ``emigration_date`` added; ``cutoff()`` is the data cut-off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

Sql = Callable[[str], str]  # view name ("actual" | "observable") -> SQL


@dataclass(frozen=True)
class Rule:
    """A named boolean condition on a unit ``u`` (with ``u.municipality`` = residence)."""

    id: str
    sql: Sql


@dataclass(frozen=True)
class Indicator:
    """One indicator: its units (per view) and its rules."""

    id: str
    units: Sql
    numerator: Rule
    exclusions: tuple[Rule, ...] = ()
    uoplyst: tuple[Rule, ...] = ()
    stratum: Sql | None = None  # replaces the unit query's stratum (may use u.municipality)


def rule(rule_id: str, sql: str | Sql) -> Rule:
    """A rule from a view-independent SQL string or a function of the view."""
    if callable(sql):
        return Rule(rule_id, sql)
    text = sql
    return Rule(rule_id, lambda _view: text)


def not_reporting(ig: str, lo: str, hi: str, kommune: str = "u.municipality") -> Sql:
    """True when ``kommune`` had no accepted ``ig`` reports in the months of [lo, hi]
    (observable view only: the actual view knows what happened regardless of reporting)."""

    def sql(view: str) -> str:
        if view != "observable":
            return "FALSE"
        return (
            f"({kommune} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM coverage cv "
            f"WHERE cv.kommunekode = {kommune} AND cv.ig = '{ig}' "
            f"AND cv.month BETWEEN date_trunc('month', {lo}) AND date_trunc('month', {hi})))"
        )

    return sql


def build(con: duckdb.DuckDBPyConnection, ind: Indicator, view: str) -> str:
    """Create ``units_<id>_<view>`` (one row per unit, with bucket and reason); its name."""
    name = f"units_{ind.id.lower()}_{view}"
    rules = [*ind.exclusions, *ind.uoplyst, ind.numerator]
    flags = ",\n".join(f"({r.sql(view)}) AS r_{r.id}" for r in rules)
    excl = " OR ".join(f"r_{r.id}" for r in ind.exclusions) or "FALSE"
    uopl = " OR ".join(f"r_{r.id}" for r in ind.uoplyst) or "FALSE"
    reason = " ".join(f"WHEN r_{r.id} THEN '{r.id}'" for r in (*ind.exclusions, *ind.uoplyst))
    met = ", ".join(f"CASE WHEN r_{r.id} THEN '{r.id}' END" for r in rules)
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE {name} AS
WITH t_base AS ({ind.units(view)}),
t_unit AS (
    SELECT b.*, res.kommunekode AS municipality, p.death_date, p.emigration_date
    FROM t_base b LEFT JOIN cpr p ON p.cpr = b.cpr
    LEFT JOIN cpr_residence res
      ON res.cpr = b.cpr AND b.index_date >= res.valid_from
     AND (res.valid_to IS NULL OR b.index_date < res.valid_to)
),
t_flags AS (SELECT u.*, {flags} FROM t_unit u)
SELECT unit_id, cpr, index_date, period_date, municipality, delivering_municipality,
       hospital, {ind.stratum(view) if ind.stratum else "stratum"} AS stratum, value, detail,
       CASE WHEN {excl} THEN 'excluded' WHEN {uopl} THEN 'uoplyst'
            WHEN r_{ind.numerator.id} THEN 'numerator' ELSE 'denominator_only' END AS bucket,
       CASE {reason or "WHEN FALSE THEN NULL"} ELSE NULL END AS reason,
       list_concat(inc, list_filter([{met}], lambda x: x IS NOT NULL)) AS rules
FROM t_flags u
""")
    return name


def both_views(con: duckdb.DuckDBPyConnection, ind: Indicator, start: str, end: str) -> str:
    """``truth_<id>``: the actual and the observable bucket of every unit of either view."""
    a, o = build(con, ind, "actual"), build(con, ind, "observable")
    name = f"truth_{ind.id.lower()}"
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE {name} AS
SELECT '{ind.id}' AS indicator, unit_id,
       coalesce(a.cpr, o.cpr) AS cpr,
       year(coalesce(a.period_date, o.period_date)) AS period,
       coalesce(a.index_date, o.index_date) AS index_date,
       coalesce(a.municipality, o.municipality) AS municipality,
       coalesce(a.delivering_municipality, o.delivering_municipality) AS delivering_municipality,
       coalesce(a.hospital, o.hospital) AS hospital,
       a.bucket AS bucket_actual, a.reason AS reason_actual, a.rules AS rules_actual,
       o.bucket AS bucket_observable, o.reason AS reason_observable, o.rules AS rules_observable,
       a.stratum AS stratum_actual, o.stratum AS stratum_observable,
       a.value AS value_actual, o.value AS value_observable,
       a.detail AS detail_actual, o.detail AS detail_observable
FROM {a} a FULL OUTER JOIN {o} o USING (unit_id)
WHERE coalesce(a.period_date, o.period_date) BETWEEN DATE '{start}' AND DATE '{end}'
""")
    return name
