"""Distribution rows (e.g. cancellation reasons of completed-course indicators) with
small-number suppression.

A distribution cell is the count of one value (``category``) of a field among one
reporting unit's units in the chosen buckets. Its published relations: each category's
nation = regions = delivering municipalities, a region = its municipalities, and each
unit's categories sum to a count the results publish (e.g. the denominator minus the
numerator), so complementary suppression keeps at least two hidden cells in each. The
cells of a suppressed result row are hidden too.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from tvaers.registry.indicators import model as m
from tvaers.registry.indicators.compile_units import NATIONAL_ID
from tvaers.registry.indicators.results import Universe
from tvaers.stats import Cell, Relation, SuppressionPolicy, suppress

TOTAL = "__total__"


def distribution_rows(
    db: m.Database,
    ind: m.Indicator,
    found: list[dict[str, Any]],
    results: list[dict[str, Any]],
    *,
    period: str,
    universe: Universe,
    policy: SuppressionPolicy,
) -> list[dict[str, Any]]:
    """The rows of ``distributions.parquet`` for one indicator (null categories dropped)."""
    rows = [
        {
            "database": db.id,
            "indicator": ind.id,
            "period": period,
            "unit_type": r["unit_type"],
            "unit_id": str(r["unit_id"]),
            "stratum": r.get("stratum"),
            "distribution": r["distribution"],
            "category": r["category"],
            "count": int(r["count"] or 0),
        }
        for r in found
        if r["category"] is not None and r["count"]
    ]
    rows.sort(
        key=lambda r: (
            r["distribution"],
            r["unit_type"],
            r["unit_id"],
            str(r["stratum"]),
            r["category"],
        )
    )
    cells = [Cell(_key(r), r["count"], r["count"]) for r in rows]
    totals, hidden = _unit_totals(rows, results)
    cells += totals
    relations = _relations(rows, universe)
    gone = suppress(cells, relations, policy, hidden_already=hidden)
    for row in rows:
        row["suppressed"] = _key(row) in gone
    return rows


def _key(row: dict[str, Any]) -> Hashable:
    return (row["distribution"], row["stratum"], row["unit_type"], row["unit_id"], row["category"])


def _unit_totals(
    rows: list[dict[str, Any]], results: list[dict[str, Any]]
) -> tuple[list[Cell], set[Hashable]]:
    """A published total cell per unit (hidden when its result row is suppressed)."""
    suppressed = {
        (r["unit_type"], r["unit_id"], r.get("stratum")): r["suppressed"] for r in results
    }
    sums: dict[Hashable, int] = {}
    hidden: set[Hashable] = set()
    for row in rows:
        key = (row["distribution"], row["stratum"], row["unit_type"], row["unit_id"], TOTAL)
        sums[key] = sums.get(key, 0) + row["count"]
        if suppressed.get((row["unit_type"], row["unit_id"], row["stratum"])):
            hidden |= {key, _key(row)}
    return [Cell(k, n, n) for k, n in sums.items()], hidden


def _relations(rows: list[dict[str, Any]], universe: Universe) -> list[Relation]:
    per_category: dict[tuple[Any, ...], set[str]] = {}
    per_unit: dict[tuple[Any, ...], set[str]] = {}
    for row in rows:
        dist, stratum = row["distribution"], row["stratum"]
        category_key = (dist, stratum, row["category"], row["unit_type"])
        per_category.setdefault(category_key, set()).add(row["unit_id"])
        unit_key = (dist, stratum, row["unit_type"], row["unit_id"])
        per_unit.setdefault(unit_key, set()).add(row["category"])
    rels = [
        Relation((*unit, TOTAL), tuple((*unit, cat) for cat in sorted(cats)))
        for unit, cats in per_unit.items()
    ]
    for (dist, stratum, category, unit_type), members in per_category.items():
        nation = (dist, stratum, "national", NATIONAL_ID, category)
        if unit_type in ("region", "hospital", "delivering_municipality"):
            ids = tuple((dist, stratum, unit_type, u, category) for u in sorted(members))
            rels.append(Relation(nation, ids))
        if unit_type == "municipality":
            for region, munis in universe.regions.items():
                rels.append(
                    Relation(
                        (dist, stratum, "region", region, category),
                        tuple((dist, stratum, "municipality", k, category) for k in munis),
                    )
                )
    return rels
