"""``make demo``: the main job of tvaers end to end, on embedded defaults.

It grows with every capability. Each step prints what it did; the final summary goes
to stdout. Run with ``python -m tvaers.cli.demo [--citizens N] [--keep]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tvaers.cli.console import err, out
from tvaers.terminology.geography import municipalities, regions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__)
    parser.add_argument("--citizens", type=int, default=20_000, help="synthetic population size")
    parser.add_argument("--keep", action="store_true", help="keep services running at the end")
    parser.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    err.rule("tvaers demo")
    out.print(
        f"Reference facts shipped: {len(municipalities())} municipalities in {len(regions())} regions."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
