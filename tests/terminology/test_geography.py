"""Municipalities and regions: the shipped table equals a fresh build from the reference."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tvaers.terminology.geography import municipalities, municipality_by_code, regions

ROOT = Path(__file__).resolve().parents[2]


def test_98_municipalities_in_5_regions() -> None:
    assert len(municipalities()) == 98
    assert {r.region_code for r in regions()} == {"1081", "1082", "1083", "1084", "1085"}
    assert municipality_by_code()["101"].name == "København"
    counts = {code: 0 for code in ("1081", "1082", "1083", "1084", "1085")}
    for m in municipalities():
        counts[m.region_code] += 1
    # Hovedstaden 29, Midtjylland 19, Syddanmark 22, Sjælland 17, Nordjylland 11 (reference README)
    assert counts == {"1084": 29, "1082": 19, "1083": 22, "1085": 17, "1081": 11}
    assert sum(m.population_2020 for m in municipalities()) == 5_822_679


def test_shipped_table_is_regenerated_identically(reference_dir: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "build_geography", ROOT / "tools" / "build_geography.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = (ROOT / "src/tvaers/terminology/data/geography.json").read_text("utf-8")
    assert module.render(reference_dir) == shipped
