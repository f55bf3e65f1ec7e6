"""The dashboard's permission model: roles x pages x units, in one table.

``docs/security.md`` ("Quality-database dashboard") states the same model in prose; the
authorization-matrix tests check every cell. Scopes are unit references:
``national``, ``region:<region code>`` or ``municipality:<kommunekode>``.

The model itself lives in :mod:`tvaers.registry.access`, so that the registry's own
person-level commands (``tvaers registry explain``, ``population --persons``) check the same
users with the same rules; this module binds it to the dashboard's :class:`UnitDirectory`.
"""

from __future__ import annotations

from tvaers.publish.units import UnitDirectory
from tvaers.registry import access
from tvaers.registry.access import (
    PAGES,
    ROLE_LABELS,
    ROLES,
    RULES,
    Page,
    Role,
    RoleRule,
    ScopeEntry,
    check_role_scope,
    may_view,
    parse_scope,
)

__all__ = [
    "PAGES",
    "ROLES",
    "ROLE_LABELS",
    "RULES",
    "Page",
    "Role",
    "RoleRule",
    "ScopeEntry",
    "check_role_scope",
    "may_see_persons",
    "may_view",
    "parse_scope",
    "sees_unsuppressed",
    "unit_in_scope",
]


def unit_in_scope(
    scope: tuple[ScopeEntry, ...], unit_type: str, unit_id: str, units: UnitDirectory
) -> bool:
    """Does a scope cover one reporting unit? A region covers its municipalities and hospitals."""
    return access.unit_in_scope(scope, unit_type, unit_id, units.region_of)


def may_see_persons(
    role: str, scope: tuple[ScopeEntry, ...], unit_type: str, unit_id: str, units: UnitDirectory
) -> bool:
    """The person list behind a unit: only roles with the persons page, only for units in scope."""
    return access.may_see_persons(role, scope, unit_type, unit_id, units.region_of)


def sees_unsuppressed(
    role: str, scope: tuple[ScopeEntry, ...], unit_type: str, unit_id: str, units: UnitDirectory
) -> bool:
    """Are small numbers of this unit shown to this user (legitimate access), or suppressed?"""
    return access.sees_unsuppressed(role, scope, unit_type, unit_id, units.region_of)
