"""Benchmark: ViewDefinition evaluation, tvaers' compiled FHIRPath vs fhirpathpy, one core.

Both engines run the same ViewDefinitions (``tests/views/kl_views.json``) over the same
pre-parsed, flattened resources (a seeded synthetic sample of KL-shaped delivery
reports, ``tests/views/synthetic.py``), in this process, pinned to one core. The
baseline is the fhirpathpy-based oracle of the test suite (``tests/views/
fhirpathpy_oracle.py``). Prints resources/s per view and the ratio; target >= 10x.

    .venv/bin/python bench/views.py [--reports 500] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "views"))

from fhirpathpy_oracle import Oracle, flatten  # noqa: E402
from synthetic import sample  # noqa: E402

from tvaers.views import compile_view, rows_to_batch  # noqa: E402


def _best(run: Callable[[], int], repeat: int) -> tuple[float, int]:
    """Best wall time of ``repeat`` runs, and the row count of the last."""
    best, rows = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        rows = run()
        best = min(best, time.perf_counter() - start)
    return best, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=500, help="synthetic delivery reports")
    parser.add_argument("--repeat", type=int, default=5, help="runs per engine (best is kept)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    views = json.loads((ROOT / "tests" / "views" / "kl_views.json").read_text())
    entries = [e for report in sample(args.reports) for e in flatten(report)]
    header = f"{'view':<20}{'resources':>10}{'rows':>8}{'tvaers/s':>12}{'+arrow/s':>12}{'fhirpathpy/s':>14}{'ratio':>8}"
    print(f"{len(entries)} resources from {args.reports} synthetic reports, one core\n")
    print(header)
    print("-" * len(header))
    totals = [0.0, 0.0, 0.0]
    evaluated = 0
    for view in views:
        compiled = compile_view(view)
        matching = [e for e in entries if e[0].get("resourceType") == compiled.resource_type]

        def ours(compiled: Any = compiled, matching: list[Any] = matching) -> int:
            return sum(len(compiled.rows(r, full_url=u, urn_types=t)) for r, u, t in matching)

        def ours_arrow(compiled: Any = compiled, matching: list[Any] = matching) -> int:
            rows = [
                row for r, u, t in matching for row in compiled.rows(r, full_url=u, urn_types=t)
            ]
            return rows_to_batch(compiled.schema, rows).num_rows

        oracle = Oracle(view)

        def baseline(oracle: Oracle = oracle, matching: list[Any] = matching) -> int:
            return sum(len(oracle.rows(r, u, t)) for r, u, t in matching)

        t_ours, n_ours = _best(ours, args.repeat)
        t_arrow, _ = _best(ours_arrow, args.repeat)
        t_base, n_base = _best(baseline, args.repeat)
        count = len(matching)
        evaluated += count
        totals[0] += t_ours
        totals[1] += t_arrow
        totals[2] += t_base
        note = "" if n_ours == n_base else f"  (rows differ: {n_ours} vs {n_base})"
        print(
            f"{view['name']:<20}{count:>10}{n_ours:>8}{count / t_ours:>12,.0f}{count / t_arrow:>12,.0f}"
            f"{count / t_base:>14,.0f}{t_base / t_arrow:>7.1f}x{note}"
        )
    print("-" * len(header))
    n = evaluated
    print(
        f"{'all views':<20}{n:>10}{'':>8}{n / totals[0]:>12,.0f}{n / totals[1]:>12,.0f}"
        f"{n / totals[2]:>14,.0f}{totals[2] / totals[1]:>7.1f}x"
    )
    print("\nratio = fhirpathpy time / tvaers time including Arrow conversion (target >= 10x)")


if __name__ == "__main__":
    main()
