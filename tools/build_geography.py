"""Build ``src/tvaers/terminology/data/geography.json`` from the public DK reference lists.

Facts only (codes, names, region membership, populations on 1 January 2020, and the
2020->2024 regional growth factors). Run: ``python tools/build_geography.py [REFERENCE_DIR]``;
the default reference directory is ``../shared/reference``. A test regenerates and diffs.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "tvaers" / "terminology" / "data" / "geography.json"


def build(reference: Path) -> dict[str, object]:
    with (reference / "dk" / "municipalities.csv").open(encoding="utf-8") as fh:
        municipalities = [
            {
                "kommunekode": row["kommunekode"].zfill(3),
                "name": row["name"],
                "region_code": row["region_code"],
                "population_2020": int(row["population"]),
            }
            for row in csv.DictReader(fh)
        ]
    with (reference / "dk" / "regions.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    regions = []
    for row in rows:
        regions.append(
            {
                "region_code": row["region_code"],
                "name": row["region_name"],
                "population_2024": int(row["population_2024"]),
                "growth_2020_to_2024": float(row["growth_2020_to_2024"]),
            }
        )
    municipalities.sort(key=lambda m: m["kommunekode"])
    regions.sort(key=lambda r: r["region_code"])
    return {"regions": regions, "municipalities": municipalities}


def render(reference: Path) -> str:
    return json.dumps(build(reference), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    ref = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "reference"
    OUT.write_text(render(ref), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
