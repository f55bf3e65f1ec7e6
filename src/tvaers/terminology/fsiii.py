"""FSIII (Fælles Sprog III) specifics: functional levels and the UUID <-> legacy-key map.

FSIII keeps two parallel hierarchies during the simplification: UUID codes and the legacy
"brugervendte nøgler" (``J1.1``, ``B2``, ...). The map pairs them by identical display and
definition along the whole hierarchy path (derived at build time, not an official KL map).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from tvaers.terminology.codesystems import FSIII
from tvaers.terminology.tables import raw

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

__all__ = [
    "FSIII",
    "FunctionalLevel",
    "functional_level",
    "functional_levels",
    "is_uuid",
    "legacy_to_uuid",
    "to_legacy",
    "to_uuid",
    "uuid_to_legacy",
]


@dataclass(frozen=True, slots=True)
class FunctionalLevel:
    """A funktionsniveau: 0-4 (none .. total limitation) or 9 (not relevant)."""

    level: int
    uuid: str
    legacy: str
    meaning_da: str


def is_uuid(code: str) -> bool:
    """True for a UUID-form FSIII code (the only form accepted after the transition)."""
    return bool(_UUID.match(code))


@cache
def functional_levels() -> tuple[FunctionalLevel, ...]:
    """Levels 0, 1, 2, 3, 4 and 9 in order, with their Danish meaning."""
    return tuple(
        FunctionalLevel(int(row["level"]), row["uuid"], row["legacy"], row["da"])
        for row in raw()["functional_levels"]
    )


def functional_level(code: str) -> FunctionalLevel | None:
    """The level for a UUID or legacy code (e.g. ``B2`` -> level 1), or None."""
    for level in functional_levels():
        if code in (level.uuid, level.legacy):
            return level
    return None


@cache
def uuid_to_legacy() -> dict[str, str]:
    """UUID code -> legacy key (414 pairs)."""
    return {uuid: legacy for uuid, legacy in raw()["fsiii_legacy"]}


@cache
def legacy_to_uuid() -> dict[str, str]:
    """Legacy key -> UUID code."""
    return {legacy: uuid for uuid, legacy in raw()["fsiii_legacy"]}


def to_uuid(code: str) -> str | None:
    """The UUID form of an FSIII code (itself if already a UUID), or None if unknown."""
    if is_uuid(code):
        return code if code in uuid_to_legacy() else None
    return legacy_to_uuid().get(code)


def to_legacy(code: str) -> str | None:
    """The legacy key of an FSIII code (itself if already legacy), or None if unknown."""
    if not is_uuid(code):
        return code if code in legacy_to_uuid() else None
    return uuid_to_legacy().get(code)
