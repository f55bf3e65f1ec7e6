"""Run every benchmark in bench/ in turn (``make bench``); each prints its own table."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main() -> int:
    scripts = sorted(p for p in HERE.glob("*.py") if p.name not in {"run_all.py", "__init__.py"})
    if not scripts:
        print("no benchmarks yet")
    for script in scripts:
        print(f"\n## {script.stem}\n", flush=True)
        sys.argv = [str(script)]
        runpy.run_path(str(script), run_name="__main__")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
