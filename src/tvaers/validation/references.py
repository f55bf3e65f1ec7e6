"""References inside a delivery report: every reference must resolve to an entry of the same
report (absolute ``https://…/Type/id``, relative ``Type/id`` or ``urn:uuid:``), to a
resource of an allowed type that conforms to the profile the reference names.

Standalone resources are not checked (``contracts.md``); local ``#id`` references are the
concern of the core invariant ``ref-1``.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from tvaers.validation.messages import describe
from tvaers.validation.model import Element
from tvaers.validation.tables import find_profile

if TYPE_CHECKING:
    from tvaers.validation.walker import Walker

_CORE = "http://hl7.org/fhir/StructureDefinition/"
_DK_CORE_TYPES = {"dk-core-patient": "Patient", "dk-core-organization": "Organization",
                  "dk-core-practitioner": "Practitioner", "dk-core-related-person": "RelatedPerson",
                  "dk-core-condition": "Condition", "dk-core-observation": "Observation"}  # fmt: skip


def target_type(url: str) -> str | None:
    """The resource type a target profile URL stands for (None if unknown)."""
    if url.startswith(_CORE):
        return url[len(_CORE) :]
    profile = find_profile(url)
    if profile is not None:
        return profile.type
    return _DK_CORE_TYPES.get(url.rsplit("/", 1)[-1])


def check(walker: Walker, item: Any, elem: Element, path: str, anchor: Element) -> None:
    """Resolve one Reference value and check its target."""
    reference = item.get("reference") if isinstance(item, dict) else None
    if not isinstance(reference, str) or reference.startswith("#"):
        return
    ctx = walker.ctx
    ctx.impure += 1
    target = ctx.resolve(reference)
    if target is None:
        ctx.report("error", "reference.unresolved", walker.rule("reference", anchor), path,
                   element=walker.display(anchor, anchor), reference=describe(reference))  # fmt: skip
        return
    types, by_type = _targets(anchor.targets or elem.targets)
    kind = target.get("resourceType")
    if types is None:
        return
    if kind not in types:
        ctx.report("error", "reference.type", walker.rule("reference", anchor), path,
                   element=walker.display(anchor, anchor), reference=describe(reference),
                   got=describe(kind), allowed=", ".join(sorted(types)))  # fmt: skip
        return
    profiles = by_type.get(kind, ())
    if not profiles or ctx.self_reported(target, profiles, _self_reported):
        return  # the target is validated against that profile itself: its errors are reported there
    if not any(ctx.conforms(target, url) for url in profiles):
        ctx.report("error", "reference.profile", walker.rule("reference", anchor), path,
                   element=walker.display(anchor, anchor), reference=describe(reference),
                   allowed=" or ".join(profiles))  # fmt: skip


def _self_reported(
    target: dict[str, Any], url: str, entry_profiles: dict[str, tuple[str, ...]]
) -> bool:
    meta = target.get("meta")
    declared = meta.get("profile") if isinstance(meta, dict) else None
    if isinstance(declared, list) and url in declared:
        return True
    kind = target.get("resourceType")
    return isinstance(kind, str) and url in entry_profiles.get(kind, ())


@cache
def _targets(urls: tuple[str, ...]) -> tuple[frozenset[str] | None, dict[str, tuple[str, ...]]]:
    """Allowed target types (None: any) and the IG profiles per type, for target URLs."""
    types = {target_type(url) for url in urls}
    if not types or None in types or "Resource" in types:
        return None, {}
    by_type: dict[str, tuple[str, ...]] = {}
    for url in urls:
        kind = target_type(url)
        if kind is not None and find_profile(url) is not None:
            by_type[kind] = (*by_type.get(kind, ()), url)
    return frozenset(t for t in types if t), by_type
