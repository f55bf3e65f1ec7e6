"""Which elements are present: required ones missing, unknown keys (with the nearest name
or the choice type meant), extensions a profile does not define, and the information that
``meta.lastUpdated`` is missing. Called by the walker for each object it visits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tvaers.errors import nearest
from tvaers.fhir.outcome import Issue
from tvaers.validation import values
from tvaers.validation.messages import MESSAGES, describe
from tvaers.validation.model import PRIMITIVES, Element, json_suffix
from tvaers.validation.tables import datatype

if TYPE_CHECKING:
    from tvaers.validation.walker import Walker

_LAST_UPDATED: dict[tuple[str, str], tuple[str, ...]] = {}  # (profile, root) -> issue texts


def last_updated(walker: Walker, obj: dict[str, Any], root: Element, path: str) -> None:
    """The IGs ask every resource to carry meta.lastUpdated (information if missing)."""
    meta = obj.get("meta")
    if root.id == "Bundle" or (isinstance(meta, dict) and "lastUpdated" in meta):
        return
    key = (walker.pid, root.id)
    texts = _LAST_UPDATED.get(key)
    if texts is None:
        anchor = root.children.get("meta")
        if anchor is not None and anchor.max > 0:
            message = MESSAGES["cardinality.last-updated"]
            element = f"{root.id}.meta"
            texts = (f"cardinality:{walker.pid}:{root.id}.meta.lastUpdated", message.code,
                     message.en.format(element=element), message.da.format(element=element))  # fmt: skip
        _LAST_UPDATED[key] = texts or ()
    if texts:
        rule, issue_type, english, danish = texts
        walker.ctx.add(Issue("information", issue_type, rule, english,
                           expression=f"{path}.meta.lastUpdated", text_da=danish))  # fmt: skip


def missing(walker: Walker, child: Element, path: str, anchor: Element) -> None:
    """A required element is absent: name its required slices, else the element."""
    where = f"{path}.{child.name.removesuffix('[x]')}"
    for item in [s for s in child.slices if s.min > 0] or [child]:
        walker.ctx.report(
            "error",
            "cardinality.min",
            walker.rule("cardinality", anchor if item.core else item),
            where,
            element=walker.display(item, anchor),
            profile=walker.profile_name,
            min=item.min,
            count=0,
        )


def unknown(
    walker: Walker, key: str, elem: Element, path: str, anchor: Element, keys: dict[str, Any]
) -> None:
    for child in elem.keys(datatype).values():
        owner = child[0]
        stem = owner.name[:-3]
        if owner.is_choice and key.startswith(stem) and key[len(stem) :] in _TYPE_SUFFIXES:
            walker.ctx.report(
                "error",
                "type.choice",
                walker.rule("type", anchor if owner.core else owner),
                f"{path}.{key}",
                element=walker.display(owner, anchor),
                key=key,
                allowed=", ".join(stem + json_suffix(t) for t in owner.types),
            )
            return
    names = [k for k in keys if not k.startswith("_")]
    guess = nearest(key, names)
    walker.ctx.report(
        "error",
        "unknown-element.key",
        walker.rule("unknown-element", anchor),
        f"{path}.{key}",
        key=key,
        element=walker.display(elem, anchor),
        hint=f"; did you mean '{guess}'?" if guess else "",
        hint_da=f"; mente du '{guess}'?" if guess else "",
    )


def unknown_extensions(
    walker: Walker, items: list[Any], child: Element, base: str, here: Element
) -> None:
    """Extensions the profile does not define here are errors (like unknown elements)."""
    for index, item in enumerate(items):
        if not isinstance(item, dict) or values.choose_slice(item, child.slices) is not None:
            continue
        known = [s.match.get("url") for s in child.slices if s.max > 0]
        walker.ctx.report("error", "unknown-element.extension", walker.rule("unknown-element", here),
                        f"{base}[{index}]", element=walker.display(child, here),
                        url=describe(item.get("url")), profile=walker.profile_name,
                        known=f"; defined: {', '.join(map(str, known))}" if known else "")  # fmt: skip


_TYPE_SUFFIXES = frozenset(
    json_suffix(t)
    for t in (
        *PRIMITIVES,
        "Address", "Age", "Annotation", "Attachment", "CodeableConcept", "Coding", "ContactPoint",
        "Count", "Distance", "Duration", "HumanName", "Identifier", "Money", "Period", "Quantity",
        "Range", "Ratio", "Reference", "SampledData", "Signature", "Timing", "ContactDetail",
        "Contributor", "DataRequirement", "Expression", "ParameterDefinition", "RelatedArtifact",
        "TriggerDefinition", "UsageContext", "Dosage", "Meta",
    )
)  # fmt: skip


__all__ = ["last_updated", "missing", "unknown", "unknown_extensions"]
