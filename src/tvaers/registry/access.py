"""Who may read what: the quality databases' roles x scopes, shared by the registry CLI
(``explain``, ``population --persons``) and the dashboard.

The model (``docs/security.md``, "Quality-database dashboard"): roles ``operator``,
``analyst``, ``region``, ``municipality``; a user's scope is a list of unit references
``national``, ``region:<region code>`` or ``municipality:<kommunekode>``. The dashboard keeps
its users in a SQLite file (``users`` table: username, role, scope as comma-separated
references, disabled); :func:`read_user` reads that table read-only, so the registry and the
dashboard check one set of users with one set of rules
(:mod:`tvaers.publish.dashboard.permissions` re-exports this module).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tvaers.errors import InputError
from tvaers.terminology.geography import municipality_by_code, region_by_code

Role = Literal["operator", "analyst", "region", "municipality"]
ROLES: tuple[str, ...] = ("operator", "analyst", "region", "municipality")
ROLE_LABELS = {
    "operator": "Driftsansvarlig",
    "analyst": "Analytiker",
    "region": "Region",
    "municipality": "Kommunal læser",
}
Page = Literal["indicators", "population", "quality", "persons", "admin"]
PAGES: tuple[str, ...] = ("indicators", "population", "quality", "persons", "admin")
#: unit type, unit id -> region code (None when unknown)
RegionOf = Callable[[str, str], str | None]


@dataclass(frozen=True, slots=True)
class RoleRule:
    """What one role may do."""

    pages: frozenset[str]
    #: Person lists show CPR numbers (else pseudonyms).
    sees_cpr: bool
    #: Results of units in scope are shown without small-number suppression.
    unsuppressed_in_scope: bool
    #: Scope kinds a user of this role may hold.
    scope_kinds: frozenset[str]


RULES: dict[str, RoleRule] = {
    "operator": RoleRule(
        frozenset({"indicators", "quality", "admin"}), False, False, frozenset({"national"})
    ),
    "analyst": RoleRule(
        frozenset({"indicators", "population", "quality", "persons"}),
        False,
        True,
        frozenset({"national", "region", "municipality"}),
    ),
    "region": RoleRule(
        frozenset({"indicators", "population", "quality", "persons"}),
        True,
        True,
        frozenset({"region"}),
    ),
    "municipality": RoleRule(
        frozenset({"indicators", "population", "quality", "persons"}),
        True,
        True,
        frozenset({"municipality"}),
    ),
}


@dataclass(frozen=True, slots=True)
class ScopeEntry:
    kind: str  # national | region | municipality
    code: str  # "" for national

    def __str__(self) -> str:
        return self.kind if self.kind == "national" else f"{self.kind}:{self.code}"


def parse_scope(text: str) -> ScopeEntry:
    """Read ``national``, ``region:1084`` or ``municipality:101`` (codes must exist)."""
    kind, _, code = text.strip().partition(":")
    if kind == "national" and not code:
        return ScopeEntry("national", "")
    if kind == "region" and code in region_by_code():
        return ScopeEntry("region", code)
    if kind == "municipality" and code in municipality_by_code():
        return ScopeEntry("municipality", code)
    raise InputError(
        f"invalid unit scope {text!r}",
        hint="write national, region:<1081-1085> or municipality:<kommunekode>, e.g. municipality:101",
    )


def check_role_scope(role: str, scope: tuple[ScopeEntry, ...]) -> None:
    """Raise unless ``role`` exists and every scope entry is a kind the role may hold."""
    if role not in RULES:
        raise InputError(f"unknown role {role!r}", hint=f"valid roles: {', '.join(ROLES)}")
    if not scope:
        raise InputError(f"a {role} user needs a unit scope", hint="e.g. --scope region:1084")
    allowed = RULES[role].scope_kinds
    wrong = [str(s) for s in scope if s.kind not in allowed]
    if wrong:
        raise InputError(
            f"role {role} cannot hold the scope {', '.join(wrong)}",
            hint=f"a {role} user's scope is one of: {', '.join(sorted(allowed))}",
        )


def may_view(role: str, page: str) -> bool:
    """May ``role`` open ``page`` at all?"""
    rule = RULES.get(role)
    return rule is not None and page in rule.pages


def unit_in_scope(
    scope: tuple[ScopeEntry, ...], unit_type: str, unit_id: str, region_of: RegionOf
) -> bool:
    """Does a scope cover one reporting unit? A region covers its municipalities and hospitals."""
    municipal = unit_type in ("municipality", "delivering_municipality")
    for entry in scope:
        if entry.kind == "national":
            return True
        in_region = unit_type != "national" and region_of(unit_type, unit_id) == entry.code
        if entry.kind == "region" and in_region:
            return True
        if entry.kind == "municipality" and municipal and unit_id == entry.code:
            return True
    return False


def may_see_persons(
    role: str, scope: tuple[ScopeEntry, ...], unit_type: str, unit_id: str, region_of: RegionOf
) -> bool:
    """The person list behind a unit: only roles with the persons page, only for units in scope."""
    return may_view(role, "persons") and unit_in_scope(scope, unit_type, unit_id, region_of)


def sees_unsuppressed(
    role: str, scope: tuple[ScopeEntry, ...], unit_type: str, unit_id: str, region_of: RegionOf
) -> bool:
    """Are small numbers of this unit shown to this user (legitimate access), or suppressed?"""
    rule = RULES.get(role)
    return bool(
        rule and rule.unsuppressed_in_scope and unit_in_scope(scope, unit_type, unit_id, region_of)
    )


@dataclass(frozen=True, slots=True)
class AccessUser:
    """A user as the shared user store holds it (no password, no session)."""

    username: str
    role: str
    scope: tuple[ScopeEntry, ...]
    disabled: bool


def read_user(users_db: Path, username: str) -> AccessUser | None:
    """A user of the dashboard's user store (read-only), or None if unknown."""
    import sqlite3

    if not users_db.exists():
        raise InputError(
            f"no user store at {users_db}",
            hint="create users with `tvaers registry users add` (setting users_db)",
        )
    connection = sqlite3.connect(f"file:{users_db}?mode=ro", uri=True, timeout=10)
    try:
        row = connection.execute(
            "SELECT username, role, scope, disabled FROM users WHERE username = ?", (username,)
        ).fetchone()
    finally:
        connection.close()
    if row is None:
        return None
    scope = tuple(parse_scope(s) for s in str(row[2]).split(",") if s)
    return AccessUser(row[0], row[1], scope, bool(row[3]))


def geographic_region_of(hospital_region: dict[str, str] | None = None) -> RegionOf:
    """``region_of`` from the geography (and hospitals' regions, when known)."""
    munis = municipality_by_code()
    hospitals = hospital_region or {}

    def region_of(unit_type: str, unit_id: str) -> str | None:
        if unit_type == "region":
            return unit_id
        if unit_type in ("municipality", "delivering_municipality"):
            found = munis.get(unit_id)
            return found.region_code if found else None
        if unit_type == "hospital":
            return hospitals.get(unit_id)
        return None

    return region_of
