"""Counts per unit -> the results rows of docs/contracts.md, with statistics and suppression.

Every unit of a unit type is reported, also when nobody falls in it (``denominator`` 0,
``proportion`` null): all 98 municipalities, the 5 regions, every hospital the organisation
table knows; and every stratum (a cohort of D1, a stratum of K5) of each. Columns after the
contract's are additions (allowed by the contract: "extend by adding columns"):
``standard_direction``, ``ci_vs_standard``, ``title``, ``stratum`` (null for the indicator
as a whole), ``median_days`` (an indicator's measure), and the data completeness counts
``completeness_expected``/``completeness_found`` with ``completeness_met`` (against the
definition's bar, RKKP's 90 % by default).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from tvaers.registry.indicators import model as m
from tvaers.registry.indicators.compile_units import NATIONAL_ID
from tvaers.stats import (
    CountCell,
    Relation,
    SuppressionPolicy,
    funnel_limits,
    proportion_ci,
    protect,
)

#: The counts a public cell hides together (with its proportion and CI); the first two
#: carry its value and are audited (tvaers.stats.audit).
COUNTS = ("numerator", "denominator", "uoplyst", "excluded")
AUDITED = ("numerator", "denominator")

CONTRACT_COLUMNS = (
    "database",
    "indicator",
    "period",
    "unit_type",
    "unit_id",
    "numerator",
    "denominator",
    "uoplyst",
    "excluded",
    "proportion",
    "ci_low",
    "ci_high",
    "ci_method",
    "standard",
    "standard_met",
    "funnel_95_low",
    "funnel_95_high",
    "funnel_998_low",
    "funnel_998_high",
    "coverage",
    "completeness",
    "suppressed",
    "data_cutoff",
    "definition_hash",
)
EXTRA_COLUMNS = (
    "standard_direction",
    "ci_vs_standard",
    "title",
    "stratum",
    "median_days",
    "completeness_expected",
    "completeness_found",
    "completeness_met",
)
COLUMNS = (*CONTRACT_COLUMNS, *EXTRA_COLUMNS)


@dataclass(frozen=True)
class Universe:
    """Every unit id per unit type (so empty units are reported too)."""

    regions: dict[str, tuple[str, ...]]  # region code -> its municipalities
    hospitals: tuple[str, ...]

    def ids(self, unit_type: str, seen: Iterable[str]) -> list[str]:
        known: set[str] = set(seen)
        if unit_type == "national":
            return [NATIONAL_ID]
        if unit_type == "region":
            known |= set(self.regions)
        elif unit_type in ("municipality", "delivering_municipality"):
            known |= {k for ks in self.regions.values() for k in ks}
        elif unit_type == "hospital":
            known |= set(self.hospitals)
        return sorted(known)


def default_universe(hospitals: Iterable[str]) -> Universe:
    from tvaers.terminology.geography import municipalities, regions

    by_region: dict[str, list[str]] = {r.region_code: [] for r in regions()}
    for mun in municipalities():
        by_region.setdefault(mun.region_code, []).append(mun.kommunekode)
    return Universe({k: tuple(v) for k, v in by_region.items()}, tuple(sorted(set(hospitals))))


def strata_of(ind: m.Indicator) -> list[str | None]:
    """The strata an indicator reports: None (the whole), cohorts, stratum rules."""
    if ind.cohorts[0].id is not None:
        return [k.id for k in ind.cohorts]
    return ([None] if ind.total else []) + [s.id for s in ind.strata]


def build_rows(
    db: m.Database,
    ind: m.Indicator,
    counts: list[dict[str, Any]],
    *,
    period: str,
    data_cutoff: date,
    universe: Universe,
    policy: SuppressionPolicy,
    ci_method: str | None = None,
    completeness: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The results rows of one indicator and period (every stratum)."""
    found = {(r["unit_type"], str(r["unit_id"]), r.get("stratum")): r for r in counts}
    compl = {(r["unit_type"], str(r["unit_id"])): r for r in completeness or []}
    has_gap_rules = _has_reporting_rules(ind)
    method = ci_method or ind.ci_method
    rows = []
    for stratum in strata_of(ind):
        part = []
        for unit_type in ("national", *(u for u in ind.units if u != "national")):
            seen = [uid for (ut, uid, st) in found if ut == unit_type and st == stratum]
            for unit_id in universe.ids(unit_type, seen):
                got = found.get((unit_type, unit_id, stratum), {})
                row = _row(
                    db, ind, unit_type, unit_id, got, period, data_cutoff, method, has_gap_rules
                )
                row["stratum"] = stratum
                _add_completeness(ind, row, compl.get((unit_type, unit_id)))
                part.append(row)
        _add_funnels(ind, part)
        rows += part
    hidden = protect(
        [CountCell(_key(r), (r["numerator"], r["denominator"])) for r in rows],
        _relations(rows, universe, strata_of(ind)),
        policy,
    )
    for row in rows:
        row["suppressed"] = _key(row) in hidden
    return rows


def _key(row: dict[str, Any]) -> tuple[str, str, str | None]:
    return row["unit_type"], row["unit_id"], row.get("stratum")


def _add_completeness(ind: m.Indicator, row: dict[str, Any], got: dict[str, Any] | None) -> None:
    spec = ind.completeness
    if spec is None:
        return
    expected = int((got or {}).get("expected") or 0)
    hits = int((got or {}).get("found") or 0)
    row["completeness_expected"], row["completeness_found"] = expected, hits
    if expected:
        row["completeness"] = hits / expected
        row["completeness_met"] = hits / expected >= spec.bar


def _count(got: dict[str, Any], name: str) -> int:
    value = got.get(name)
    return int(value) if value is not None else 0


def _row(
    db: m.Database,
    ind: m.Indicator,
    unit_type: str,
    unit_id: str,
    got: dict[str, Any],
    period: str,
    data_cutoff: date,
    method: str,
    has_gap_rules: bool,
) -> dict[str, Any]:
    numerator = _count(got, "numerator")
    uoplyst = _count(got, "uoplyst")
    denominator = numerator + _count(got, "denominator_only")
    if ind.uoplyst_in_denominator:
        denominator += uoplyst
    proportion = numerator / denominator if denominator else None
    interval = proportion_ci(numerator, denominator, method)  # type: ignore[arg-type]
    standard = ind.standard
    evaluated = _count(got, "evaluated")
    coverage = _count(got, "reporting_ok") / evaluated if has_gap_rules and evaluated else None
    return {
        "database": db.id,
        "indicator": ind.id,
        "period": period,
        "unit_type": unit_type,
        "unit_id": unit_id,
        "numerator": numerator,
        "denominator": denominator,
        "uoplyst": uoplyst,
        "excluded": _count(got, "excluded"),
        "proportion": proportion,
        "ci_low": interval.low if interval else None,
        "ci_high": interval.high if interval else None,
        "ci_method": method,
        "standard": standard.text() if standard else None,
        "standard_met": standard.met(proportion) if standard and proportion is not None else None,
        "funnel_95_low": None,
        "funnel_95_high": None,
        "funnel_998_low": None,
        "funnel_998_high": None,
        "coverage": coverage,
        "completeness": None,
        "suppressed": False,
        "data_cutoff": data_cutoff,
        "definition_hash": ind.definition_hash,
        "standard_direction": standard.direction if standard else None,
        "ci_vs_standard": _ci_vs_standard(standard, interval.low, interval.high)
        if standard and interval
        else None,
        "title": ind.title,
        "stratum": None,
        "median_days": _median(ind, got),
        "completeness_expected": None,
        "completeness_found": None,
        "completeness_met": None,
    }


def _median(ind: m.Indicator, got: dict[str, Any]) -> float | None:
    if not ind.measures:
        return None
    value = got.get(f"median_{ind.measures[0].id}")
    return float(value) if value is not None else None


def _ci_vs_standard(standard: m.Standard, low: float, high: float) -> str:
    """Whether the whole CI lies above or below the standard (or overlaps it)."""
    if low > standard.value:
        return "above"
    if high < standard.value:
        return "below"
    return "overlaps"


def _has_reporting_rules(ind: m.Indicator) -> bool:
    from tvaers.registry.indicators.plan import leaves

    return any(
        isinstance(leaf, m.NotReporting | m.ResidenceUnknown)
        for rule in ind.uoplyst
        for leaf in leaves(rule.criterion)
    )


def _add_funnels(ind: m.Indicator, rows: list[dict[str, Any]]) -> None:
    """Funnel limits around the national proportion (or the standard) for each row."""
    national = next(r for r in rows if r["unit_type"] == "national")
    target = national["proportion"]
    if ind.funnel_target == "standard" and ind.standard is not None:
        target = ind.standard.value
    if target is None:
        return
    for row in rows:
        limits = funnel_limits(target, row["denominator"])
        if limits is not None:
            row["funnel_95_low"], row["funnel_95_high"] = limits.low_95, limits.high_95
            row["funnel_998_low"], row["funnel_998_high"] = limits.low_998, limits.high_998


def _relations(
    rows: list[dict[str, Any]], universe: Universe, strata: list[str | None]
) -> list[Relation]:
    """Published sums per stratum: nation = regions = hospitals; region = its municipalities;
    and the whole = the sum of its strata (when both are published)."""
    present: dict[tuple[str, str | None], set[str]] = {}
    for row in rows:
        present.setdefault((row["unit_type"], row["stratum"]), set()).add(row["unit_id"])
    rels = []
    for stratum in strata:
        nation: Hashable = ("national", NATIONAL_ID, stratum)
        for unit_type in ("region", "hospital", "delivering_municipality"):
            ids = present.get((unit_type, stratum))
            if ids:
                rels.append(Relation(nation, tuple((unit_type, u, stratum) for u in sorted(ids))))
        if ("municipality", stratum) in present and ("region", stratum) in present:
            for region, members in universe.regions.items():
                rels.append(
                    Relation(
                        ("region", region, stratum),
                        tuple(("municipality", k, stratum) for k in members),
                    )
                )
    parts = [s for s in strata if s is not None]
    if None in strata and parts:
        for (unit_type, stratum), ids in present.items():
            if stratum is None:
                for u in ids:
                    rels.append(
                        Relation((unit_type, u, None), tuple((unit_type, u, s) for s in parts))
                    )
    return rels
