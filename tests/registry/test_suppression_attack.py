"""The attacker test: from the public files of one release (heart and municipal
rehabilitation, the year 2025 and its twelve months), build every linear relation between
cells — region = sum of its municipalities; nation = regions = hospitals = residence
municipalities = delivering municipalities; the whole = its strata; the year = its months;
numerator + complement = denominator — and show that no suppressed cell is determined
exactly: for every hidden numerator and denominator, the smallest and largest value over
all non-negative integer solutions consistent with the published cells differ (a numerator
forced to 0 by published zero totals is public already and not counted).

The relations are built here from the public file's structure alone (not by the
registry's code); their exactness is judged on the true counts, i.e. the attacker is
assumed to know which sums are complete. Runs on the synthetic world (slow)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tvaers.registry.indicators.results import AUDITED, default_universe
from tvaers.registry.indicators.run import _hospital_map
from tvaers.registry.public import protect_release, public_rows, release_key, write_public
from tvaers.registry.runs import run_database
from tvaers.stats import CountCell, Relation, SuppressionPolicy, exposed
from tvaers.terminology.geography import municipalities

pytestmark = pytest.mark.slow
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]


def attacker_relations(rows: list[dict[str, Any]]) -> list[Relation]:
    """Every sum an outsider can read off the public rows' structure."""
    region_of = {m.kommunekode: m.region_code for m in municipalities()}
    cells = {release_key(r) for r in rows}
    by: dict[tuple[Any, ...], list[Any]] = {}
    for ind, period, stratum, unit_type, unit in cells:
        by.setdefault((ind, period, stratum, unit_type), []).append(unit)
    rels = []
    for (ind, period, stratum, unit_type), units in by.items():
        base = (ind, period, stratum)
        if unit_type != "national" and (*base, "national", "DK") in cells:
            rels.append(
                Relation((*base, "national", "DK"), tuple((*base, unit_type, u) for u in units))
            )
        if unit_type == "municipality":
            regions: dict[str, list[Any]] = {}
            for u in units:
                regions.setdefault(region_of[u], []).append((*base, unit_type, u))
            rels += [Relation((*base, "region", g), tuple(m)) for g, m in regions.items()]
        for u in units:
            if stratum is None:
                parts = [s for (i, p, s, t) in by if (i, p, t) == (ind, period, unit_type) and s]
                rels.append(
                    Relation(
                        (*base, unit_type, u), tuple((ind, period, s, unit_type, u) for s in parts)
                    )
                )
            if period == "2025":
                months = tuple((ind, m, stratum, unit_type, u) for m in MONTHS)
                if all(k in cells for k in months):
                    rels.append(Relation((*base, unit_type, u), months))
    return [r for r in rels if r.members]


def _release(world: dict[str, Any], tmp: Path) -> list[dict[str, Any]]:
    store = world["store"]
    rows = []
    for db in ("heart", "rehab"):
        for period in ["2025", *MONTHS]:
            rows += run_database(db, store, period, out=tmp / db / period).rows
    return rows


def test_no_suppressed_cell_is_determined(synthetic_world: dict[str, Any], tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    rows = _release(synthetic_world, tmp_path)
    truth = {release_key(r): tuple(int(r[k]) for k in AUDITED) for r in rows}
    per_run = {release_key(r) for r in rows if r["suppressed"]}
    policy = SuppressionPolicy(5)
    _, hospitals = _hospital_map(synthetic_world["store"])
    protect_release(rows, policy, default_universe(hospitals))
    files = write_public(public_rows(rows, policy), tmp_path / "public")
    published = pq.read_table(files[0]).to_pylist()  # what the attacker gets
    hidden = {release_key(r) for r in published if r["suppressed"]}
    assert all(
        r["numerator"] is None and r["proportion"] is None for r in published if r["suppressed"]
    )
    assert all(r["numerator"] is not None for r in published if not r["suppressed"])
    relations = attacker_relations(published)
    cells = [CountCell(k, v) for k, v in truth.items()]
    print(f"{len(published)} cells, {len(hidden)} hidden, {len(relations)} relations")
    assert len(hidden) > 100 and len(relations) > 1000
    assert exposed(cells, relations, hidden) == {}
    # the same attacker against each run's own suppression: across the months and the
    # year (and strata), single hidden cells are recovered; the release-wide pass is needed
    naive = exposed(cells, relations, per_run)
    print(f"per-run suppression: {len(per_run)} hidden, {len(naive)} determined")
    assert naive
