"""Public release: small-number suppression over every file of a release together.

A run suppresses the cells of one indicator and period (:mod:`.indicators.results`). A
release that publishes several periods adds relations between them: a year is the sum of
its months. :func:`protect_release` suppresses the whole release at once with every
published relation — within a period (region = its municipalities; nation = regions =
hospitals = delivering municipalities; the whole = its strata) and across periods (year =
months) — and audits the result with the attacker's integer bounds
(:func:`tvaers.stats.protect`). :func:`public_rows` then blanks what is hidden: value, CI
and every count together.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

from tvaers.registry.indicators.compile_units import NATIONAL_ID
from tvaers.registry.indicators.results import AUDITED, COUNTS, Universe
from tvaers.stats import CountCell, Relation, SuppressionPolicy, protect

#: What a suppressed public row leaves out (value and CI go together with the counts).
HIDDEN_FIELDS = (
    *COUNTS,
    "proportion",
    "ci_low",
    "ci_high",
    "standard_met",
    "ci_vs_standard",
    "funnel_95_low",
    "funnel_95_high",
    "funnel_998_low",
    "funnel_998_high",
    "median_days",
    "coverage",
)
COMPLETENESS_FIELDS = (
    "completeness",
    "completeness_expected",
    "completeness_found",
    "completeness_met",
)


def release_key(row: dict[str, Any]) -> Hashable:
    return (row["indicator"], row["period"], row.get("stratum"), row["unit_type"], row["unit_id"])


def release_relations(rows: Sequence[dict[str, Any]], universe: Universe) -> list[Relation]:
    """Every published sum among the rows of a release."""
    present: dict[tuple[Any, ...], set[str]] = {}
    for r in rows:
        present.setdefault(
            (r["indicator"], r["period"], r.get("stratum"), r["unit_type"]), set()
        ).add(r["unit_id"])
    rels: list[Relation] = []
    groups = {(i, p, s) for (i, p, s, _) in present}
    for ind, period, stratum in groups:
        base = (ind, period, stratum)
        nation = (*base, "national", NATIONAL_ID)
        for unit_type in ("region", "hospital", "delivering_municipality", "municipality"):
            ids = present.get((*base, unit_type))
            if ids:
                rels.append(Relation(nation, tuple((*base, unit_type, u) for u in sorted(ids))))
        if present.get((*base, "region")) and present.get((*base, "municipality")):
            for region, members in universe.regions.items():
                rels.append(
                    Relation(
                        (*base, "region", region),
                        tuple((*base, "municipality", k) for k in members),
                    )
                )
    rels += _strata_relations(present)
    rels += _period_relations(present)
    return rels


def _strata_relations(present: dict[tuple[Any, ...], set[str]]) -> list[Relation]:
    rels = []
    strata: dict[tuple[Any, ...], set[str]] = {}
    for ind, period, stratum, unit_type in present:
        if stratum is not None:
            strata.setdefault((ind, period, unit_type), set()).add(stratum)
    for (ind, period, unit_type), parts in strata.items():
        for u in present.get((ind, period, None, unit_type), set()):
            members = tuple((ind, period, s, unit_type, u) for s in sorted(parts))
            rels.append(Relation((ind, period, None, unit_type, u), members))
    return rels


def _period_relations(present: dict[tuple[Any, ...], set[str]]) -> list[Relation]:
    """A year is the sum of its twelve months, when all are in the release."""
    rels = []
    for ind, period, stratum, unit_type in present:
        if len(str(period)) != 4:
            continue
        months = [f"{period}-{m:02d}" for m in range(1, 13)]
        if not all((ind, m, stratum, unit_type) in present for m in months):
            continue
        for u in present[(ind, period, stratum, unit_type)]:
            members = tuple((ind, m, stratum, unit_type, u) for m in months)
            rels.append(Relation((ind, period, stratum, unit_type, u), members))
    return rels


def protect_release(
    rows: list[dict[str, Any]], policy: SuppressionPolicy, universe: Universe
) -> set[Hashable]:
    """Set ``suppressed`` on every row of a release (all files together); the hidden keys."""
    cells = [CountCell(release_key(r), tuple(int(r[k]) for k in AUDITED)) for r in rows]
    hidden = protect(cells, release_relations(rows, universe), policy)
    for r in rows:
        r["suppressed"] = release_key(r) in hidden
    return hidden


def public_rows(rows: Sequence[dict[str, Any]], policy: SuppressionPolicy) -> list[dict[str, Any]]:
    """Copies for publication: hidden rows without values; completeness of fewer than
    ``threshold`` expected units left out too (it counts persons of its own)."""
    out = []
    for r in rows:
        row = dict(r)
        if row.get("suppressed"):
            row.update({k: None for k in HIDDEN_FIELDS})
        expected = row.get("completeness_expected")
        if expected is not None and 0 < expected < policy.threshold:
            row.update({k: None for k in COMPLETENESS_FIELDS})
        out.append(row)
    return out


def write_public(rows: Sequence[dict[str, Any]], out: Path) -> list[Path]:
    """``public_results.parquet`` and ``public_results.csv`` of a release."""
    from tvaers.registry.indicators.outputs import write_results

    out.mkdir(parents=True, exist_ok=True)
    written = write_results(rows, out / ".public")
    targets = []
    for path in written:
        target = out / f"public_{path.name}"
        path.replace(target)
        targets.append(target)
    (out / ".public").rmdir()
    return targets
