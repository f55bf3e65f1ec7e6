"""CI smoke check: the demo's printed headline figures equal the published files.

Reads ``demo-output/summary.json`` (what the demo printed) and compares every headline
with the Danish Excel export of the release, parsed here independently (``;`` separated,
decimal comma), so that a wrong summary or a wrong export both fail CI.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path


def main(out: Path) -> int:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    excel = out / "release" / "export" / "resultater-excel.csv"
    with excel.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    index = {(r["Database"], r["Indikator"], r["Periode"], r["Enhedskode"]): r for r in rows}
    problems = []
    headlines = summary["headlines"]
    if not headlines:
        problems.append("the summary has no headline indicators")
    for h in headlines:
        unit = "DK" if h["unit_type"] == "national" else str(h["unit_id"])
        key = (h["database"], h["indicator"], str(h["period"]), unit)
        row = index.get(key)
        if row is None:
            problems.append(f"{key}: in the summary but not in {excel.name}")
            continue
        if h["suppressed"]:
            if row["Andel (%)"]:
                problems.append(f"{key}: suppressed in the summary but shown in the export")
            continue
        if str(h["numerator"]) != row["Tæller"] or str(h["denominator"]) != row["Nævner"]:
            problems.append(
                f"{key}: summary {h['numerator']}/{h['denominator']} "
                f"vs export {row['Tæller']}/{row['Nævner']}"
            )
        for field, column in (
            ("proportion", "Andel (%)"),
            ("ci_low", "95 %-KI nedre (%)"),
            ("ci_high", "95 %-KI øvre (%)"),
        ):
            value = h[field]
            shown = "" if value is None else f"{100 * value:.1f}".replace(".", ",")
            if shown != row[column]:
                problems.append(f"{key}: {field} {shown} in the summary, {row[column]} exported")
    latest = max((str(h["period"]) for h in headlines), default="")
    for name, (shown, of) in summary.get("municipalities_published", {}).items():
        database, indicator = name.split()
        cells = [
            r
            for r in rows
            if (r["Database"], r["Indikator"], r["Periode"], r["Enhedstype"])
            == (database, indicator, latest, "Bopælskommune")
        ]
        counted = sum(1 for r in cells if r["Andel (%)"] and r["Nævner"] not in ("", "0"))
        if (counted, len(cells)) != (shown, of):
            problems.append(
                f"{name}: {shown} of {of} municipalities published in the summary, "
                f"{counted} of {len(cells)} in the export"
            )
    for p in problems:
        print(f"demo check: {p}")
    print(f"demo check: {len(headlines)} headline figures compared, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("demo-output")))
