"""Synthetic Denmark generator: citizens/s, delivery reports/s and peak memory by size.

Each size runs in a fresh process (so peak RSS is its own) and writes to a temporary folder
that is removed afterwards. Memory should stay flat as the size grows (blocks are generated
and written one at a time; reports are spilled per month); time and bytes grow linearly, so
the last row is extrapolated to the full country (5.96 million citizens). Phases: blocks
(part 1 and the municipal stories, in the workers), reports (sorting the spill into
``reports/`` files), truth (the indicators' ground truth, DuckDB).

    python bench/synth.py                      # quick: 25k..200k citizens, 1 worker
    python bench/synth.py --sizes 590000 --workers 2 --keep /tmp/synth-10pct   # 10 % country
    python bench/synth.py --sizes 5961249 --workers 2                          # the country
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

COUNTRY = 5_961_249
CHILD = r"""
import json, resource, sys, time
from datetime import date
from pathlib import Path
from tvaers.synth.config import SynthConfig
from tvaers.synth.generate import generate
citizens, workers, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
config = SynthConfig(citizens=citizens, start=date(2023, 1, 1), end=date(2025, 12, 31), seed=2025)
t0 = time.perf_counter()
phases = {}
manifest = generate(config, out, workers=workers, timings=phases)
seconds = time.perf_counter() - t0
self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
files = {k: {"rows": v["rows"], "bytes": v["bytes"]} for k, v in manifest["files"].items()}
municipal = manifest["municipal"]
files["reports/"] = {"rows": municipal["reports"], "bytes": municipal["report_bytes"]}
disk = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
print(json.dumps({"seconds": seconds, "self_kb": self_kb, "child_kb": child_kb, "files": files,
                  "phases": phases, "reports": municipal["reports"], "disk": disk}))
"""


def run(citizens: int, workers: int, out: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(citizens), str(workers), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="25000,50000,100000,200000", help="comma-separated citizens"
    )
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep the output of the last size here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        "| citizens | workers | seconds | blocks / reports / truth (s) | citizens/s | reports "
        "| reports/s | peak RSS main (MB) | peak RSS worker (MB) | bytes on disk |"
    )
    print("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    last: dict[str, object] = {}
    for i, n in enumerate(sizes):
        keep = args.keep if (args.keep and i == len(sizes) - 1) else None
        out = keep or Path(tempfile.mkdtemp(prefix="tvaers-bench-synth-"))
        try:
            last = run(n, args.workers, out)
        finally:
            if keep is None:
                shutil.rmtree(out, ignore_errors=True)
        total = int(last["disk"])  # type: ignore[call-overload]
        secs = float(last["seconds"])  # type: ignore[arg-type]
        phases = last["phases"]
        assert isinstance(phases, dict)
        reports = int(last["reports"])  # type: ignore[call-overload]
        # reports/s: the municipal work is inside the blocks phase, so count blocks + reports
        report_secs = float(phases.get("blocks", 0)) + float(phases.get("reports", 0))
        split = " / ".join(f"{float(phases.get(p, 0)):.1f}" for p in ("blocks", "reports", "truth"))
        worker_mb = int(last["child_kb"]) / 1024 if args.workers > 1 else 0.0  # type: ignore[call-overload]
        print(
            f"| {n:,} | {args.workers} | {secs:.1f} | {split} | {n / secs:,.0f} | {reports:,} | "
            f"{reports / max(report_secs, 1e-9):,.0f} | {int(last['self_kb']) / 1024:.0f} | "  # type: ignore[call-overload]
            f"{worker_mb:.0f} | {total / 1e6:,.1f} MB |"
        )
    n = sizes[-1]
    files = last["files"]
    assert isinstance(files, dict)
    scale = COUNTRY / n
    print(
        f"\nBytes per table at {n:,} citizens, and extrapolated to the full country (x{scale:.2f}):\n"
    )
    print("| table | rows | bytes | country rows (est.) | country bytes (est.) |")
    print("|---|---:|---:|---:|---:|")
    for name, info in sorted(files.items()):
        rows, size = int(info["rows"]), int(info["bytes"])
        fixed = name in (
            "organisations",
            "responsible_authority",
            "events/municipality_effects",
            "events/municipal_plan",
            "clients",
        )
        factor = 1.0 if fixed else scale
        print(
            f"| {name} | {rows:,} | {size:,} | {rows * factor:,.0f} | {size * factor / 1e6:,.1f} MB |"
        )
    secs = float(last["seconds"])  # type: ignore[arg-type]
    total = int(last["disk"])  # type: ignore[call-overload]
    print(
        f"\nFull country (estimate, linear): {secs * scale / 60:.1f} min with {args.workers} worker(s), "
        f"{total * scale / 1e9:.2f} GB on disk; memory stays at the per-block level above."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
