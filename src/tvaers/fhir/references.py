"""FHIR references and their normalisation to ``(resourceType, id)`` keys.

KL delivery reports reference with relative ``Type/id``, absolute
``https://host/.../Type/id`` fullUrls and ``urn:uuid:`` identifiers; all three must
resolve to the same key inside one report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_TYPE_ID = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")
_URN_UUID = re.compile(r"^urn:uuid:([0-9a-fA-F-]{36})$")
_URN_OID = re.compile(r"^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$")


@dataclass(frozen=True, slots=True)
class ResourceKey:
    """Identity of a resource: type and logical id."""

    resource_type: str
    id: str

    def __str__(self) -> str:
        return f"{self.resource_type}/{self.id}"


def parse_reference(reference: str) -> ResourceKey | str | None:
    """Normalise a reference string.

    Returns a :class:`ResourceKey` for ``Type/id`` (relative or absolute), the bare
    ``urn:uuid:...`` string for URNs (they name a fullUrl, not a type), or None when
    the string is not a resolvable reference.
    """
    if reference.startswith("urn:"):
        return reference if _URN_UUID.match(reference) or _URN_OID.match(reference) else None
    match = _TYPE_ID.search(reference)
    if match is None:
        return None
    return ResourceKey(match.group(1), match.group(2))


def resource_key(resource: dict[str, Any]) -> ResourceKey | None:
    """The key of a resource dict, or None if it lacks type or id."""
    rtype = resource.get("resourceType")
    rid = resource.get("id")
    if isinstance(rtype, str) and isinstance(rid, str):
        return ResourceKey(rtype, rid)
    return None


class ReferenceIndex:
    """Resolves references within one Bundle (by fullUrl, ``Type/id`` and URN)."""

    def __init__(self, bundle: dict[str, Any]):
        self._by_full_url: dict[str, dict[str, Any]] = {}
        self._by_key: dict[ResourceKey, dict[str, Any]] = {}
        entries = bundle.get("entry")
        for entry in entries if isinstance(entries, list) else ():
            if not isinstance(entry, dict):
                continue
            resource = entry.get("resource")
            if not isinstance(resource, dict):
                continue
            full_url = entry.get("fullUrl")
            if isinstance(full_url, str):
                self._by_full_url[full_url] = resource
            key = resource_key(resource)
            if key is not None:
                self._by_key.setdefault(key, resource)

    def resolve(self, reference: str) -> dict[str, Any] | None:
        """The resource a reference points at inside the bundle, or None."""
        found = self._by_full_url.get(reference)
        if found is not None:
            return found
        parsed = parse_reference(reference)
        if isinstance(parsed, ResourceKey):
            return self._by_key.get(parsed)
        return None

    def key_of(self, reference: str) -> ResourceKey | None:
        """The ``(type, id)`` key a reference resolves to, or None."""
        resource = self.resolve(reference)
        return resource_key(resource) if resource is not None else None
