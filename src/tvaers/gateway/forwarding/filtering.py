"""Least data: cut a delivery report down to what an agreement covers, then pseudonymise.

Pure functions. A resource is kept when its profile is in the agreement's profiles (if
any are listed) and, for coded resources, one of its primary codings is in the agreement's
codes (if any are listed). Then every resource that references a dropped resource is
dropped too, until nothing changes (a conservative reading of "drop resources whose
required references were dropped": a dangling reference of any kind drops the resource).
The citizen (Patient) is always kept; a report left with only its citizen is not
forwarded at all.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

from tvaers.fhir.references import ReferenceIndex, ResourceKey
from tvaers.fhir.state import CPR_SYSTEM
from tvaers.gateway.agreements import Agreement

#: Where each coded resource type keeps the coding that the code filter looks at.
CODED_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Condition": (("code",),),
    "Observation": (("code",),),
    "Procedure": (("code",),),
    "ServiceRequest": (("code",),),
    "CarePlan": (("activity", "detail", "code"),),
}
PSEUDONYM_SYSTEM = "urn:tvaers:pseudonym:v{version}"


def _walk(value: Any, path: tuple[str, ...]) -> Iterator[Any]:
    if not path:
        yield value
        return
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict) and path[0] in item:
            yield from _walk(item[path[0]], path[1:])


def codings(resource: dict[str, Any]) -> set[str]:
    """The ``system|code`` tokens at the resource type's primary code paths."""
    found = set()
    for path in CODED_PATHS.get(resource.get("resourceType", ""), ()):
        for concept in _walk(resource, path):
            for concept_item in concept if isinstance(concept, list) else [concept]:
                if not isinstance(concept_item, dict):
                    continue
                for coding in concept_item.get("coding") or ():
                    if isinstance(coding, dict):
                        found.add(f"{coding.get('system')}|{coding.get('code')}")
    return found


def admitted(resource: dict[str, Any], agreement: Agreement) -> bool:
    """Does the agreement admit this resource on its own (before reference cascading)?"""
    if resource.get("resourceType") == "Patient":
        return True
    if agreement.profiles:
        meta = resource.get("meta")
        profiles = set(meta.get("profile") or ()) if isinstance(meta, dict) else set()
        if not profiles & agreement.profiles:
            return False
    if agreement.codes and resource.get("resourceType") in CODED_PATHS:
        return bool(codings(resource) & agreement.codes)
    return True


def references(value: Any) -> Iterator[str]:
    """Every ``reference`` string anywhere inside a resource."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("reference")
            if isinstance(ref, str):
                yield ref
            stack.extend(v for k, v in item.items() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend(item)


def filter_report(
    bundle: dict[str, Any], agreement: Agreement
) -> tuple[dict[str, Any] | None, bool]:
    """``(report, changed)``: the report cut to the agreement, or None if nothing is left."""
    entries = [e for e in bundle.get("entry") or () if isinstance(e, dict)]
    index = ReferenceIndex(bundle)
    keys: list[ResourceKey] = []
    dropped: set[ResourceKey] = set()
    for entry in entries:
        resource = entry.get("resource") or {}
        key = ResourceKey(str(resource.get("resourceType")), str(resource.get("id")))
        keys.append(key)
        if not admitted(resource, agreement):
            dropped.add(key)
    changed = True
    while changed:
        changed = False
        for entry, key in zip(entries, keys, strict=True):
            resource = entry.get("resource") or {}
            if key in dropped or resource.get("resourceType") == "Patient":
                continue
            if any(index.key_of(ref) in dropped for ref in references(resource)):
                dropped.add(key)
                changed = True
    kept = [e for e, k in zip(entries, keys, strict=True) if k not in dropped]
    if all((e.get("resource") or {}).get("resourceType") == "Patient" for e in kept):
        return None, True
    if not dropped:
        return bundle, False
    return {**bundle, "entry": kept}, True


def pseudonym(cpr: str, key: str) -> str:
    """The keyed pseudonym of a CPR number (HMAC-SHA256, hex)."""
    return hmac.new(key.encode(), cpr.encode(), hashlib.sha256).hexdigest()


def pseudonymise(bundle: dict[str, Any], key: str, version: int) -> dict[str, Any]:
    """A copy of the report whose citizen identifier is the pseudonym (system names the key
    version); no other element carries the CPR number in a delivery report."""
    out = copy.deepcopy(bundle)
    for entry in out.get("entry") or ():
        resource = entry.get("resource") or {}
        if resource.get("resourceType") != "Patient":
            continue
        for identifier in resource.get("identifier") or ():
            if identifier.get("system") == CPR_SYSTEM and isinstance(identifier.get("value"), str):
                identifier["system"] = PSEUDONYM_SYSTEM.format(version=version)
                identifier["value"] = pseudonym(identifier["value"], key)
    return out
