"""Report state: the one pure function that applies a delivery report to a citizen's state.

The rules are `docs/contracts.md` (Identity):

- A resource's identity is ``(resourceType, id)`` within one citizen (CPR number).
- Versions of a resource are ordered by ``meta.lastUpdated``, else the report's
  ``Bundle.timestamp``, then the report's receipt sequence (then the entry's position, so
  the order is total even for a malformed report that repeats a resource).
- A late report enters the history but never overwrites a newer version: the current
  version is always the greatest in that order, whatever the order of arrival.
- ``entered-in-error`` (``status``, ``lifecycleStatus`` or ``verificationStatus``) or
  ``Patient.active = false`` in the current version invalidates the resource; a newer
  version that is not an error makes it valid again. Nothing is ever deleted.

The state is immutable: :func:`apply_report` returns a new :class:`CitizenState` that
shares every untouched :class:`ResourceState` with the old one, so applying a report costs
time proportional to the citizen's resource count, not to the history. Applying a report
whose id the state has already seen returns the state unchanged (idempotence), and folding
a set of reports gives the same state in any order (the order of versions is total).

The gateway store keeps the current version per resource in tables and builds a partial
state (only the resources a report touches, with their current version as history) before
applying; the registry's import and sync fold whole histories.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from tvaers.errors import InputError
from tvaers.fhir.references import ResourceKey

#: Identifier systems of CPR numbers and SOR codes (as in tvaers.terminology, which this
#: layer may not import).
CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
SOR_SYSTEM = "urn:oid:1.2.208.176.1.1"

#: Order key of a version that has no usable instant at all (a malformed report).
EPOCH = datetime(1, 1, 1, tzinfo=UTC)

ENTERED_IN_ERROR = "entered-in-error"


class CitizenMismatch(InputError):
    """A report about one citizen was applied to another citizen's state."""


@dataclass(frozen=True, slots=True)
class Report:
    """A received delivery report: the parsed Bundle and its receipt sequence number.

    ``sequence`` is the order in which the gateway received (committed) the report; it
    breaks ties between versions with the same instant. ``id`` is ``Bundle.id``.
    """

    id: str
    sequence: int
    bundle: Mapping[str, Any]

    @classmethod
    def of(cls, bundle: Mapping[str, Any], sequence: int) -> Report:
        """A report from a parsed Bundle (its id is ``Bundle.id``)."""
        bundle_id = bundle.get("id")
        if not isinstance(bundle_id, str) or not bundle_id:
            raise InputError("delivery report has no Bundle.id", location="Bundle.id")
        return cls(bundle_id, sequence, bundle)


@dataclass(frozen=True, slots=True)
class Version:
    """One version of one resource, as a report carried it.

    ``resource`` is shared with the report, never copied: treat it as read-only.
    """

    report_id: str
    sequence: int
    instant: datetime  # meta.lastUpdated, else Bundle.timestamp (UTC)
    entry_index: int
    resource: Mapping[str, Any]
    invalidates: bool

    @property
    def order_key(self) -> tuple[datetime, int, str, int]:
        """The total version order of `contracts.md`."""
        return (self.instant, self.sequence, self.report_id, self.entry_index)


@dataclass(frozen=True, slots=True)
class ResourceState:
    """Every version received of one resource, oldest first; the last one is current."""

    key: ResourceKey
    history: tuple[Version, ...]

    @property
    def current(self) -> Version:
        return self.history[-1]

    @property
    def invalidated(self) -> bool:
        """True when the current version marks the resource entered-in-error/inactive."""
        return self.current.invalidates

    def with_version(self, version: Version) -> ResourceState:
        """A copy with ``version`` inserted at its place in the version order."""
        keys = [v.order_key for v in self.history]
        at = bisect.bisect_right(keys, version.order_key)
        if at > 0 and keys[at - 1] == version.order_key:
            return self  # the very same version again
        return ResourceState(self.key, (*self.history[:at], version, *self.history[at:]))

    def as_of(self, instant: datetime) -> Version | None:
        """The version that was current at ``instant`` (by version order), or None."""
        found = None
        for version in self.history:
            if version.instant <= instant:
                found = version
        return found


def _frozen(mapping: dict[ResourceKey, ResourceState]) -> Mapping[ResourceKey, ResourceState]:
    return MappingProxyType(mapping)


@dataclass(frozen=True, slots=True)
class CitizenState:
    """All resources reported about one citizen, with full history.

    ``cpr`` is None only for the empty state; ``reports`` holds the ids of every report
    applied (for idempotence).
    """

    cpr: str | None = None
    resources: Mapping[ResourceKey, ResourceState] = field(default_factory=lambda: _frozen({}))
    reports: frozenset[str] = frozenset()

    def get(self, key: ResourceKey) -> ResourceState | None:
        return self.resources.get(key)

    def current(self, *, include_invalidated: bool = False) -> Iterator[Mapping[str, Any]]:
        """The current version of every resource (valid ones only, by default)."""
        for state in self.resources.values():
            if include_invalidated or not state.invalidated:
                yield state.current.resource

    @property
    def active(self) -> bool:
        """False when the citizen's current Patient versions are all invalidated."""
        patients = [s for k, s in self.resources.items() if k.resource_type == "Patient"]
        return not patients or any(not s.invalidated for s in patients)


EMPTY = CitizenState()


def apply_report(state: CitizenState, report: Report) -> CitizenState:
    """Apply one delivery report to a citizen's state and return the new state.

    Pure: ``state`` and ``report`` are not changed. Raises :class:`CitizenMismatch` when the
    report's citizen (CPR) is not the state's citizen.
    """
    if report.id in state.reports:
        return state
    cpr = citizen_cpr(report.bundle)
    if state.cpr is not None and cpr is not None and cpr != state.cpr:
        raise CitizenMismatch(
            f"report {report.id} is about another citizen than this state",
            location="Bundle.entry.resource.ofType(Patient).identifier",
        )
    fallback = parse_instant(report.bundle.get("timestamp")) or EPOCH
    resources = dict(state.resources)
    for index, resource in _entry_resources(report.bundle):
        rtype, rid = resource.get("resourceType"), resource.get("id")
        if not isinstance(rtype, str) or not isinstance(rid, str):
            continue
        key = ResourceKey(rtype, rid)
        version = Version(
            report_id=report.id,
            sequence=report.sequence,
            instant=_last_updated(resource) or fallback,
            entry_index=index,
            resource=resource,
            invalidates=invalidates(resource),
        )
        previous = resources.get(key)
        resources[key] = (
            ResourceState(key, (version,)) if previous is None else previous.with_version(version)
        )
    return CitizenState(
        cpr=state.cpr if state.cpr is not None else cpr,
        resources=_frozen(resources),
        reports=state.reports | {report.id},
    )


def fold(reports: Iterable[Report], state: CitizenState = EMPTY) -> CitizenState:
    """Apply ``reports`` in turn (the result does not depend on their order)."""
    for report in reports:
        state = apply_report(state, report)
    return state


def changed_keys(old: CitizenState, new: CitizenState) -> list[ResourceKey]:
    """Keys whose current version differs between two states (for re-flattening)."""
    changed = []
    for key, state in new.resources.items():
        before = old.resources.get(key)
        if before is None or before.current.order_key != state.current.order_key:
            changed.append(key)
    return changed


def invalidates(resource: Mapping[str, Any]) -> bool:
    """True when this version marks its resource entered-in-error (or inactive)."""
    if resource.get("status") == ENTERED_IN_ERROR:
        return True
    if resource.get("lifecycleStatus") == ENTERED_IN_ERROR:
        return True
    verification = resource.get("verificationStatus")
    if isinstance(verification, dict):
        for coding in verification.get("coding") or ():
            if isinstance(coding, dict) and coding.get("code") == ENTERED_IN_ERROR:
                return True
    return resource.get("resourceType") in ("Patient", "Organization") and (
        resource.get("active") is False
    )


def parse_instant(value: Any) -> datetime | None:
    """A FHIR instant/dateTime as an aware UTC datetime, or None if absent or unreadable.

    A value without a zone is read as UTC; a bare date as its midnight UTC.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _last_updated(resource: Mapping[str, Any]) -> datetime | None:
    meta = resource.get("meta")
    return parse_instant(meta.get("lastUpdated")) if isinstance(meta, dict) else None


def _entry_resources(bundle: Mapping[str, Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        return
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
            yield index, entry["resource"]


def _patients(bundle: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [r for _, r in _entry_resources(bundle) if r.get("resourceType") == "Patient"]


def citizen_cpr(bundle: Mapping[str, Any]) -> str | None:
    """The CPR number of the report's citizen (Patient.identifier, CPR system), or None.

    None also when the report names more than one distinct CPR number.
    """
    found = set()
    for patient in _patients(bundle):
        for identifier in patient.get("identifier") or ():
            if (
                isinstance(identifier, dict)
                and identifier.get("system") == CPR_SYSTEM
                and isinstance(identifier.get("value"), str)
            ):
                found.add(identifier["value"])
    return found.pop() if len(found) == 1 else None


def managing_sor(bundle: Mapping[str, Any]) -> str | None:
    """The SOR code of the citizen's managingOrganization (the reporting custodian)."""
    found = set()
    for patient in _patients(bundle):
        organisation = patient.get("managingOrganization")
        identifier = organisation.get("identifier") if isinstance(organisation, dict) else None
        if (
            isinstance(identifier, dict)
            and identifier.get("system") == SOR_SYSTEM
            and isinstance(identifier.get("value"), str)
        ):
            found.add(identifier["value"])
    return found.pop() if len(found) == 1 else None
