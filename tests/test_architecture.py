"""docs/architecture.md tells the truth: every package imports only what its row allows.

The table's "may import" column is parsed and compared with the real import graph
(grimp, the library behind import-linter), so the page cannot drift from the code.
"""

from __future__ import annotations

import re
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def documented() -> dict[str, set[str]]:
    allowed: dict[str, set[str]] = {}
    for line in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `tvaers\.(\w+)` \|.*\| ([^|]+) \|$", line)
        if match:
            cell = match.group(2).strip()
            names = set() if cell in ("–", "-") else {n.strip() for n in cell.split(",")}
            allowed[match.group(1)] = names
    return allowed


def test_every_package_is_documented_and_imports_only_what_it_may() -> None:
    allowed = documented()
    graph = grimp.build_graph("tvaers")
    packages = {
        m.split(".")[1] for m in graph.modules if m.count(".") >= 1 and not m.endswith("__main__")
    }
    packages -= {"errors", "settings"}  # shared top-level modules every package may use
    assert packages <= set(allowed), f"undocumented packages: {packages - set(allowed)}"
    violations = []
    for package, may in allowed.items():
        if may == {"everything"}:
            continue
        for other in set(allowed) - may - {package}:
            if graph.chain_exists(f"tvaers.{package}", f"tvaers.{other}", as_packages=True):
                violations.append(f"tvaers.{package} imports tvaers.{other}")
    assert not violations, violations
