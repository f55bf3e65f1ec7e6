"""Person-level comparison of the registry with the generator's ground truth (``truth/``).

A synthetic run is imported the way a quality database receives it: CPR, LPR and
organisations as extracts, and the delivery reports a gateway accepted (the generator's
``report_ledger.parquet`` says which reports a correct gateway rejects; those are left out,
as the gateway would never forward them). Every database is run for every calendar year,
and each unit's bucket, deciding rule and stratum is compared with ``truth_observable``;
counts per reporting unit with ``truth/aggregates.parquet``; and the bias of the coverage
gaps (``truth_actual`` minus what the registry can see) is tabulated per unit.

The generator and the registry share no code (import-linter contract); only this test
reads both.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

DATABASES = ("heart", "copd", "diabetes", "rehab", "prevention")
YEARS = ("2023", "2024", "2025")
CUTOFF = "2025-12-31"


def accepted_reports(synth: Path, target: Path) -> int:
    """Copy the reports a correct gateway accepts (file order kept); their number."""
    import pyarrow.parquet as pq
    import zstandard

    ledger = pq.read_table(synth / "report_ledger.parquet", columns=["file", "line", "expected"])
    rejected = {(r["file"], r["line"]) for r in ledger.to_pylist() if r["expected"] != "accepted"}
    kept = 0
    for path in sorted((synth / "reports").rglob("*.ndjson.zst")):
        name = str(path.relative_to(synth))
        text = zstandard.ZstdDecompressor().decompress(path.read_bytes(), max_output_size=1 << 31)
        lines = [
            line
            for i, line in enumerate(text.decode("utf-8").splitlines(), start=1)
            if (name, i) not in rejected
        ]
        out = target / name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(zstandard.ZstdCompressor().compress(("\n".join(lines) + "\n").encode()))
        kept += len(lines)
    return kept


def normalise(unit_id: str) -> str:
    """``ServiceRequest/abc`` -> ``abc``; ``CarePlan/x|Condition/y`` -> ``x|y``."""
    return "|".join(part.split("/", 1)[-1] for part in str(unit_id).split("|"))


def registry_units(runs: dict[tuple[str, str], Any], pseudonyms: dict[str, str]) -> dict[Any, Any]:
    """(indicator, unit id) -> (cpr, year, bucket, reason, stratum) of the registry's runs."""
    out = {}
    for (_db, year), run in runs.items():
        for r in run.units.to_pylist():
            uid = normalise(r["unit_id"])
            if r["indicator"] == "P2":  # one unit per condition and year-end
                uid = f"{uid}|{year}"
            got = (pseudonyms.get(r["pid"]), int(year), r["bucket"], r["reason"], r["stratum"])
            out[(r["indicator"], uid)] = got
    return out


def truth_units(synth: Path) -> dict[Any, Any]:
    import pyarrow.parquet as pq

    out = {}
    for r in pq.read_table(synth / "truth" / "units.parquet").to_pylist():
        if r["bucket_observable"] is not None:
            key = (r["indicator"], r["unit_id"])
            out[key] = (
                r["cpr"],
                r["period"],
                r["bucket_observable"],
                r["reason_observable"],
                r["stratum_observable"],
            )
    return out


def compare(mine: dict[Any, Any], truth: dict[Any, Any]) -> dict[str, Counter[str]]:
    """Per indicator: units equal, different, only in the truth, only in the registry."""
    found: dict[str, Counter[str]] = {}
    for key in mine.keys() | truth.keys():
        tally = found.setdefault(key[0], Counter())
        if key not in mine:
            tally["only_truth"] += 1
        elif key not in truth:
            tally["only_registry"] += 1
        else:
            tally["equal" if mine[key] == truth[key] else "different"] += 1
    return found


def aggregate_rows(runs: dict[tuple[str, str], Any]) -> dict[Any, tuple[int, int, int, int]]:
    out = {}
    for run in runs.values():
        for r in run.rows:
            key = (
                r["indicator"],
                int(r["period"]),
                r["unit_type"],
                r["unit_id"],
                r["stratum"] or "all",
            )
            out[key] = (r["numerator"], r["denominator"], r["uoplyst"], r["excluded"])
    return out


def truth_aggregates(synth: Path) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """Observable counts, and (proportion_actual, proportion_observable, bias), per key."""
    import pyarrow.parquet as pq

    counts, bias = {}, {}
    for r in pq.read_table(synth / "truth" / "aggregates.parquet").to_pylist():
        key = (r["indicator"], int(r["period"]), r["unit_type"], str(r["unit_id"]), r["stratum"])
        counts[key] = tuple(
            int(r[f"{k}_observable"] or 0)
            for k in ("numerator", "denominator", "uoplyst", "excluded")
        )
        bias[key] = (r["proportion_actual"], r["proportion_observable"], r["bias"])
    return counts, bias
