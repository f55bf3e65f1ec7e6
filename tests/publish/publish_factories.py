"""Fixture releases in the contract's results columns, built without the registry engine.

``write_release(folder, ...)`` writes what ``tvaers publish build`` reads: ``results.parquet``
(national, 5 regions, chosen municipalities, one hospital per region; two periods; two DrKOL
indicators), ``definitions/``, ``gateway/`` statistics, ``organisations.parquet`` and a
person-level ``persons.parquet``. Numbers are drawn from a seeded generator, so a release is
the same on every run; regional and national rows are sums of the municipal rows.
"""

from __future__ import annotations

import hashlib
import math
import random
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from tvaers.terminology.geography import Municipality, municipalities, regions
from tvaers.terminology.organisations import Organisation, OrganisationTable, write_organisations

DATA = Path(__file__).parent / "data"
SMALL_SET = ("101", "147", "253", "330", "461", "751", "851", "825")  # 825 Læsø: suppressed
MIN_PUBLIC = 10
PERIODS = ("2023", "2024")
CUTOFF = {"2023": date(2024, 3, 1), "2024": date(2025, 3, 1)}


@dataclass(frozen=True)
class IndicatorSpec:
    database: str
    indicator: str
    rate: float
    standard: str | None
    direction: str | None
    uoplyst_rate: float
    excluded_rate: float


INDICATORS = (
    IndicatorSpec("drkol", "K1", 0.16, "<=0.15", "<=", 0.0, 0.06),
    IndicatorSpec("drkol", "K3", 0.55, None, None, 0.08, 0.0),
)


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def funnel(p0: float, n: int, z: float) -> tuple[float, float]:
    half = z * math.sqrt(p0 * (1 - p0) / n)
    return (max(0.0, p0 - half), min(1.0, p0 + half))


def hospital_code(region_code: str) -> str:
    return f"6{region_code}00001"


def _counts(
    rng: random.Random, spec: IndicatorSpec, m: Municipality, period: str
) -> dict[str, int]:
    n = max(1, round(m.population_2020 / 1500 * rng.uniform(0.8, 1.2)))
    p = min(0.95, max(0.01, spec.rate + rng.gauss(0, 0.04) + (0.01 if period == "2024" else 0)))
    numerator = sum(1 for _ in range(n) if rng.random() < p)
    return {
        "numerator": numerator,
        "denominator": n,
        "uoplyst": round(n * spec.uoplyst_rate * rng.uniform(0, 2)),
        "excluded": round(n * spec.excluded_rate * rng.uniform(0.5, 1.5)),
    }


def _row(
    spec: IndicatorSpec,
    period: str,
    unit_type: str,
    unit_id: str,
    c: dict[str, int],
    p0: float,
    coverage: float,
    completeness: float,
) -> dict[str, Any]:
    n, k = c["denominator"], c["numerator"]
    prop = k / n if n else None
    low, high = wilson(k, n)
    f95 = funnel(p0, n, 1.959963984540054) if n else (None, None)
    f998 = funnel(p0, n, 3.090232306167813) if n else (None, None)
    met = None
    if spec.standard and prop is not None:
        met = prop <= 0.15
    return {
        "database": spec.database,
        "indicator": spec.indicator,
        "period": period,
        "unit_type": unit_type,
        "unit_id": unit_id,
        **c,
        "proportion": prop,
        "ci_low": low if n else None,
        "ci_high": high if n else None,
        "ci_method": "wilson",
        "standard": spec.standard,
        "standard_met": met,
        "funnel_95_low": f95[0] if unit_type != "national" else None,
        "funnel_95_high": f95[1] if unit_type != "national" else None,
        "funnel_998_low": f998[0] if unit_type != "national" else None,
        "funnel_998_high": f998[1] if unit_type != "national" else None,
        "coverage": round(coverage, 4),
        "completeness": round(completeness, 4),
        "suppressed": n < MIN_PUBLIC,
        "data_cutoff": CUTOFF[period],
        "definition_hash": f"sha256:{spec.database}-{spec.indicator}-v1".lower(),
    }


def _sum(parts: list[dict[str, int]]) -> dict[str, int]:
    return {
        k: sum(p[k] for p in parts) for k in ("numerator", "denominator", "uoplyst", "excluded")
    }


def build_rows(codes: tuple[str, ...] | None = None, seed: int = 7) -> list[dict[str, Any]]:
    """Results rows for the municipalities ``codes`` (all 98 when None)."""
    rng = random.Random(seed)
    chosen = [m for m in municipalities() if codes is None or m.kommunekode in codes]
    rows: list[dict[str, Any]] = []
    for spec in INDICATORS:
        for period in PERIODS:
            counts = {m.kommunekode: _counts(rng, spec, m, period) for m in chosen}
            quality = {
                m.kommunekode: (rng.uniform(0.7, 1.0), rng.uniform(0.8, 1.0)) for m in chosen
            }
            total = _sum(list(counts.values()))
            p0 = total["numerator"] / total["denominator"]
            rows.append(_row(spec, period, "national", "DK", total, p0, 0.92, 0.95))
            for region in regions():
                members = [m for m in chosen if m.region_code == region.region_code]
                if not members:
                    continue
                part = _sum([counts[m.kommunekode] for m in members])
                cov = sum(quality[m.kommunekode][0] for m in members) / len(members)
                rows.append(_row(spec, period, "region", region.region_code, part, p0, cov, 0.93))
                if spec.indicator == "K1":
                    rows.append(
                        _row(
                            spec,
                            period,
                            "hospital",
                            hospital_code(region.region_code),
                            part,
                            p0,
                            1.0,
                            0.97,
                        )
                    )
            for m in chosen:
                cov, comp = quality[m.kommunekode]
                rows.append(
                    _row(
                        spec,
                        period,
                        "municipality",
                        m.kommunekode,
                        counts[m.kommunekode],
                        p0,
                        cov,
                        comp,
                    )
                )
    return rows


def write_results(rows: list[dict[str, Any]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows)
    pq.write_table(table, path)


def write_organisations_file(folder: Path) -> None:
    rows = [
        Organisation(
            hospital_code(r.region_code),
            f"Hospital i {r.name}",
            "hospital",
            None,
            None,
            r.region_code,
            date(2007, 1, 1),
            None,
        )
        for r in regions()
    ]
    write_organisations(OrganisationTable(rows), folder)


def gateway_tables(codes: tuple[str, ...] | None, seed: int = 3) -> dict[str, list[dict[str, Any]]]:
    """Rejects, coverage and lag for the chosen municipalities (2024, two IGs)."""
    rng = random.Random(seed)
    chosen = [m for m in municipalities() if codes is None or m.kommunekode in codes]
    months = [f"2024-{i:02d}" for i in range(1, 13)]
    rules = (
        (
            "cpr:dk-core:Patient.identifier",
            "CPR-nummeret har ikke gyldig dato.",
            "Ret CPR-nummeret i borgerens stamdata og indberet igen.",
        ),
        (
            "binding:klgateway-prevention-careplan:CarePlan.category",
            "Forløbstypen er ikke en gyldig §119-kategori.",
            "Vælg »Interventionsforløb efter §119« i EOJ-systemet.",
        ),
    )
    tables: dict[str, list[dict[str, Any]]] = {"coverage": [], "rejects": [], "lag": []}
    for m in chosen:
        silent = {months[i] for i in range(12) if rng.random() < 0.08}
        for ig in ("prevention", "rehab"):
            for month in months:
                accepted = 0 if month in silent and ig == "prevention" else rng.randint(5, 60)
                rejected = rng.randint(0, 4)
                tables["coverage"].append(
                    {
                        "kommunekode": m.kommunekode,
                        "ig": ig,
                        "month": month,
                        "accepted": accepted,
                        "rejected": rejected,
                    }
                )
                tables["lag"].append(
                    {
                        "kommunekode": m.kommunekode,
                        "ig": ig,
                        "month": month,
                        "median_days": float(rng.randint(1, 9)),
                        "p90_days": float(rng.randint(10, 30)),
                    }
                )
                if rejected:
                    key, text, fix = rules[rng.randrange(2)]
                    tables["rejects"].append(
                        {
                            "kommunekode": m.kommunekode,
                            "ig": ig,
                            "month": month,
                            "rule_key": key,
                            "count": rejected,
                            "message_da": text,
                            "fix_da": fix,
                        }
                    )
    return tables


def write_gateway(folder: Path, codes: tuple[str, ...] | None) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    for name, records in gateway_tables(codes).items():
        pq.write_table(pa.Table.from_pylist(records), folder / f"{name}.parquet")


REASONS = {
    "numerator": "Opfylder tælleren",
    "denominator": "I nævneren; opfylder ikke tælleren",
    "uoplyst": "Bopælskommunen indberettede ikke i vinduet",
    "excluded": "Død inden for 30 dage efter udskrivelse",
}


def build_persons(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Person rows consistent with the municipal results rows (one bucket per person)."""
    region_of = {m.kommunekode: m.region_code for m in municipalities()}
    persons = []
    for row in rows:
        if row["unit_type"] != "municipality" or row["unit_id"] not in region_of:
            continue
        sizes = {
            "numerator": row["numerator"],
            "denominator": row["denominator"] - row["numerator"],
            "uoplyst": row["uoplyst"],
            "excluded": row["excluded"],
        }
        sequence = 0
        for bucket, size in sizes.items():
            for _ in range(size):
                sequence += 1
                key = f"{row['indicator']}-{row['period']}-{row['unit_id']}-{sequence}"
                day = 1 + sequence % 28
                persons.append(
                    {
                        "database": row["database"],
                        "indicator": row["indicator"],
                        "period": row["period"],
                        "pseudonym": hashlib.sha256(key.encode()).hexdigest()[:32],
                        "cpr": f"{day + 60:02d}{1 + sequence % 12:02d}{int(row['unit_id']) % 100:02d}{sequence:04d}",
                        "bucket": bucket,
                        "reason": REASONS[bucket],
                        "kommunekode": row["unit_id"],
                        "region_code": region_of[row["unit_id"]],
                        "hospital": hospital_code(region_of[row["unit_id"]]),
                        "index_date": date(int(row["period"]), 1 + sequence % 12, day),
                    }
                )
    return persons


def write_release(folder: Path, codes: tuple[str, ...] | None = SMALL_SET, seed: int = 7) -> Path:
    """Write a complete fixture release into ``folder``; returns ``folder``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    rows = build_rows(codes, seed)
    write_results(rows, folder / "results.parquet")
    pq.write_table(pa.Table.from_pylist(build_persons(rows)), folder / "persons.parquet")
    shutil.copytree(DATA / "definitions", folder / "definitions", dirs_exist_ok=True)
    write_gateway(folder / "gateway", codes)
    write_organisations_file(folder)
    return folder


def require(condition: bool, reason: str) -> None:
    """``require`` from tests/conftest.py: skip, or fail under CI=true."""
    import sys

    # Loaded by tests/publish/conftest.py (the root conftest is shadowed by that file's name).
    sys.modules["tvaers_tests_root_conftest"].require(condition, reason)
