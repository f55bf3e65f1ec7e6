"""The 98 municipalities and 5 regions of Denmark (codes, names, populations)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Region:
    region_code: str  # 1081..1085
    name: str
    population_2024: int
    growth_2020_to_2024: float


@dataclass(frozen=True, slots=True)
class Municipality:
    kommunekode: str  # three digits, e.g. "101" (København)
    name: str
    region_code: str
    population_2020: int


@cache
def _load() -> dict[str, list[dict[str, object]]]:
    text = resources.files("tvaers.terminology").joinpath("data/geography.json").read_text("utf-8")
    data: dict[str, list[dict[str, object]]] = json.loads(text)
    return data


@cache
def regions() -> tuple[Region, ...]:
    """The five regions, ordered by code."""
    return tuple(Region(**row) for row in _load()["regions"])  # type: ignore[arg-type]


@cache
def municipalities() -> tuple[Municipality, ...]:
    """The 98 municipalities, ordered by kommunekode."""
    return tuple(Municipality(**row) for row in _load()["municipalities"])  # type: ignore[arg-type]


@cache
def municipality_by_code() -> dict[str, Municipality]:
    """Municipalities keyed by three-digit kommunekode."""
    return {m.kommunekode: m for m in municipalities()}


@cache
def region_by_code() -> dict[str, Region]:
    """Regions keyed by region code."""
    return {r.region_code: r for r in regions()}
