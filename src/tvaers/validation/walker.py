"""The structural walk of one resource against one profile's element tree.

For every JSON property: is it a known element (else ``unknown-element`` with the nearest
name, see :mod:`.presence`), is its JSON shape right (array or single), how many times
does it occur (``cardinality``, including every prohibited ``..0``), which slice does each
item belong to (``slice``), and is each value of the right datatype and format (``type``), equal to the
fixed value / containing the pattern (``fixed``, ``pattern``) and inside a required value
set (``binding``). CPR and SOR identifiers are checked with the CPR mode (``cpr``, ``sor``).

Rule keys are ``<family>:<profile-id>:<element id>`` where the element is the nearest one
the profile defines (children taken from a core datatype report under their parent).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from tvaers.fhir.fhirpath import Context as PathContext
from tvaers.fhir.fhirpath import Kind
from tvaers.validation import invariants, presence, references, strict, values
from tvaers.validation.context import Context
from tvaers.validation.expressions import resource_kind
from tvaers.validation.messages import describe, json_kind
from tvaers.validation.model import MISSING, PRIMITIVES, UNBOUNDED, Element
from tvaers.validation.tables import Profile, datatype, resource_names

ResourceHook = Callable[[dict[str, Any], Element, str, "Walker"], None]
_RESOURCE_CODES = frozenset({"Resource", "DomainResource"})
_EXTENSIONS = frozenset({"extension", "modifierExtension"})
#: Small datatypes whose clean results are remembered (codes and codings repeat across
#: reports). A value validated without issues and without report-dependent checks
#: (references, %resource) is valid again wherever the same element meets it.
_MEMO_TYPES = frozenset({"Coding", "CodeableConcept", "Period", "Meta", "Identifier", "Quantity",
                         "HumanName", "Address", "ContactPoint", "Annotation", "Narrative"})  # fmt: skip
_CLEAN: dict[tuple[Any, ...], bool] = {}
_CLEAN_LIMIT = 200_000


_CORE_CONSTRAINTS: dict[str, tuple[Any, ...]] = {}  # datatype -> its own invariants
_PRIMITIVE, _RESOURCE, _COMPLEX = "primitive", "resource", "complex"
_KINDS: dict[str | None, str] = {}  # type code -> one of the three (decided once per code)


def _kind_of(code: str | None) -> str:
    if code in PRIMITIVES:
        return _PRIMITIVE
    if code is None or code in _RESOURCE_CODES or code in resource_names():
        return _RESOURCE
    return _COMPLEX


class Walker:
    """Validates one resource against one profile (``pid`` names it in rule keys)."""

    __slots__ = ("ctx", "current", "fp", "ig_profile", "memo_prefix", "on_resource", "pid",
                 "profile", "profile_name", "resource_kind")  # fmt: skip

    def __init__(self, ctx: Context, profile: Profile, on_resource: ResourceHook):
        self.ctx = ctx
        self.profile = profile
        self.pid = self.profile_name = profile.id
        self.ig_profile = profile.ig is not None  # IG profile (not a base-definition fallback)
        self.on_resource = on_resource
        self.current: dict[str, Any] = {}  # the resource being walked (%resource)
        self.resource_kind: Kind | None = None  # its static type for FHIRPath
        self.fp: PathContext | None = None  # its FHIRPath evaluation context, made on demand
        self.memo_prefix: tuple[Any, ...] | None = None  # what clean results depend on

    # ------------------------------------------------------------------ helpers
    def rule(self, family: str, anchor: Element) -> str:
        return f"{family}:{self.pid}:{anchor.id}"

    @staticmethod
    def display(elem: Element, anchor: Element) -> str:
        if not elem.core or elem is anchor:
            return elem.id
        return anchor.id + "." + elem.id.split(".", 1)[1]

    # ------------------------------------------------------------------ objects
    def resource(self, obj: dict[str, Any], root: Element, path: str) -> None:
        """Walk a resource (``obj['resourceType']`` already checked by the caller), then
        evaluate the profile's resource-level invariants and the report-wide rules."""
        self.current, self.resource_kind = obj, resource_kind(obj)
        self.object(obj, root, path, root, is_root=True)
        if root.constraints:
            invariants.check(self, root.constraints, obj, None, None, path, root)
        if self.ig_profile:
            strict.resource_rules(self, obj, path)
            presence.last_updated(self, obj, root, path)

    def object(
        self,
        obj: dict[str, Any],
        elem: Element,
        path: str,
        anchor: Element,
        is_root: bool = False,
        code: str | None = None,
    ) -> None:
        keys = (
            (elem._keys or elem.keys(datatype)) if code is None else elem.keys_for(code, datatype)
        )
        required = elem._required_keys.get(code)
        if required is None:
            required = elem.required_keys(code, datatype)
        for child, names in required:  # first: probes fail fast
            for name in names:
                if name in obj:
                    break
            else:
                presence.missing(self, child, path, anchor)
        seen: set[Element] | None = None  # choice elements met (only they can repeat)
        for key, value in obj.items():
            hit = keys.get(key)
            if hit is None:
                if not (is_root and key == "resourceType"):
                    presence.unknown(self, key, elem, path, anchor, keys)
                continue
            child, child_code = hit
            if child_code == "Element":
                self.primitive_extension(value, child, path + "." + key[1:], anchor)
                continue
            if child.is_choice:
                if seen is None:
                    seen = set()
                elif child in seen:  # a second type of one choice element
                    self.ctx.report("error", "cardinality.choice",
                                    self.rule("cardinality", anchor if child.core else child),
                                    f"{path}.{child.name[:-3]}", element=self.display(child, anchor),
                                    keys=", ".join(k for k in obj if k.startswith(child.name[:-3])))  # fmt: skip
                    continue
                seen.add(child)
            self.property(child, key, value, child_code, path, anchor)

    # ------------------------------------------------------------------ properties
    def property(
        self, child: Element, key: str, value: Any, code: str | None, path: str, anchor: Element
    ) -> None:
        if child.single:  # the common case: one value
            here = anchor if child.core else child
            if isinstance(value, list):
                self.ctx.report("error", "type.single", self.rule("type", here),
                                f"{path}.{child.name}", element=self.display(child, anchor))  # fmt: skip
            elif child.bare and code in PRIMITIVES:  # only the format to check
                problem = values.primitive_problem(value, code)
                if problem is not None:
                    self.ctx.report("error", problem[0], self.rule("type", here), f"{path}.{child.name}",
                                    element=self.display(child, here), **problem[1])  # fmt: skip
            else:
                self.value(value, child, code, f"{path}.{child.name}", here)
            return
        name = child.name[:-3] if child.is_choice else child.name
        base = f"{path}.{name}.ofType({code})" if child.is_choice else f"{path}.{name}"
        here = anchor if child.core else child
        target = child
        if child.is_choice and child.slices:
            target = self.choice_slice(child, code, path, name)
            here = target
        if target.max == 0:
            self.ctx.report("error", "cardinality.prohibited", self.rule("cardinality", here), base,
                            element=self.display(target, anchor), profile=self.profile_name)  # fmt: skip
            return
        items = self.shaped(value, child, base, here, anchor)
        if items is None:
            return
        if len(items) > target.max and target.max != UNBOUNDED:
            self.ctx.report("error", "cardinality.max", self.rule("cardinality", here), base,
                            element=self.display(target, anchor), profile=self.profile_name,
                            count=len(items), max=target.max)  # fmt: skip
        if child.name in _EXTENSIONS and self.ig_profile:
            presence.unknown_extensions(self, items, child, base, here)
        if child.array and child.slicing is not None:
            self.sliced(items, child, code, base, anchor)
            return
        next_anchor = anchor if target.core else target
        if child.array:
            for index, item in enumerate(items):
                self.value(item, target, code, f"{base}[{index}]", next_anchor)
        else:
            self.value(items[0], target, code, base, next_anchor)

    def choice_slice(self, child: Element, code: str | None, path: str, name: str) -> Element:
        """The type slice of a choice element for ``code``; reports required other slices."""
        target = next((s for s in child.slices if code in s.match.get("type:$this", ())), child)
        for other in child.slices:
            if other is not target and other.min > 0:
                self.ctx.report("error", "cardinality.min", self.rule("cardinality", other),
                                f"{path}.{name}", element=other.id, profile=self.profile_name,
                                min=other.min, count=0)  # fmt: skip
        return target

    def shaped(
        self, value: Any, child: Element, base: str, here: Element, anchor: Element
    ) -> list[Any] | None:
        """The items of a property, or None after reporting a wrong JSON shape."""
        if child.array:
            if not isinstance(value, list):
                kind = "type.array"
            elif not value:
                kind = "type.empty-array"
            else:
                return value
        elif isinstance(value, list):
            kind = "type.single"
        else:
            return [value]
        self.ctx.report(
            "error", kind, self.rule("type", here), base, element=self.display(child, anchor)
        )
        return None

    def sliced(
        self, items: list[Any], elem: Element, code: str | None, base: str, anchor: Element
    ) -> None:
        assert elem.slicing is not None
        counts = dict.fromkeys(elem.slices, 0)
        for index, item in enumerate(items):
            item_path = f"{base}[{index}]"
            if not isinstance(
                item, dict
            ):  # not even an object: a datatype problem, not a slice one
                self.value(item, elem, code, item_path, anchor if elem.core else elem)
                continue
            chosen = values.choose_slice(item, elem.slices)
            if chosen is None:
                if elem.slicing.closed:
                    self.ctx.report("error", "slice.closed", self.rule("slice", elem), item_path,
                                    element=elem.id, what=values.slice_label(item, elem),
                                    allowed=values.slice_names(elem))  # fmt: skip
                    continue
                self.value(item, elem, code, item_path, anchor if elem.core else elem)
                continue
            counts[chosen] += 1
            if chosen.max == 0:
                self.ctx.report("error", "cardinality.prohibited", self.rule("cardinality", chosen),
                                item_path, element=chosen.id, profile=self.profile_name)  # fmt: skip
                continue
            self.value(item, chosen, code, item_path, chosen)
        for chosen, count in counts.items():
            if count < chosen.min:
                self.ctx.report("error", "cardinality.min", self.rule("cardinality", chosen), base,
                                element=chosen.id, profile=self.profile_name, min=chosen.min,
                                count=count)  # fmt: skip
            elif count > chosen.max and chosen.max not in (0, UNBOUNDED):
                self.ctx.report("error", "cardinality.max", self.rule("cardinality", chosen), base,
                                element=chosen.id, profile=self.profile_name, count=count,
                                max=chosen.max)  # fmt: skip

    # ------------------------------------------------------------------ values
    def value(self, item: Any, elem: Element, code: str | None, path: str, anchor: Element) -> None:
        kind = _KINDS.get(code)
        if kind is None:
            kind = _KINDS[code] = _kind_of(code)
        if code is None or kind is _RESOURCE:
            if not isinstance(item, dict) or not isinstance(item.get("resourceType"), str):
                self.ctx.report("error", "type.resource", self.rule("type", anchor), path,
                                element=self.display(elem, anchor), got=describe(item))  # fmt: skip
                return
            self.on_resource(item, elem, path, self)
            return
        if kind is _PRIMITIVE:
            self.primitive(item, elem, code, path, anchor)
            return
        if not isinstance(item, dict):
            self.ctx.report("error", "type.object", self.rule("type", anchor), path,
                            element=self.display(elem, anchor), type=code,
                            got=json_kind(item))  # fmt: skip
            return
        if not item and not elem.required_for(code, datatype):
            # an empty object: report ele-1 unless a required child says more precisely what is missing
            self.ctx.report(
                "error", "ele-1.empty", "ele-1", path, element=self.display(elem, anchor)
            )
            return
        if code in _MEMO_TYPES:
            key = self.memo_key(item, elem, code)
            if key in _CLEAN:
                return
            issues, impure = len(self.ctx.issues), self.ctx.impure
            self.complex(item, elem, code, path, anchor)
            if len(self.ctx.issues) == issues and self.ctx.impure == impure:
                if len(_CLEAN) > _CLEAN_LIMIT:
                    _CLEAN.clear()
                _CLEAN[key] = True
            return
        self.complex(item, elem, code, path, anchor)

    def memo_key(self, item: dict[str, Any], elem: Element, code: str) -> tuple[Any, ...]:
        """Everything a clean result of a small datatype value depends on."""
        prefix = self.memo_prefix
        if prefix is None:
            ctx = self.ctx
            prefix = self.memo_prefix = (ctx.strict, ctx.cpr_mode, ctx.strict_config,
                                         self.profile.ig, self.ig_profile)  # fmt: skip
        return (id(elem), code, prefix, orjson.dumps(item))

    def complex(
        self, item: dict[str, Any], elem: Element, code: str, path: str, anchor: Element
    ) -> None:
        """A complex value: its children, invariants, references, fixed/pattern, binding."""
        self.object(item, elem, path, anchor, code=code if elem.is_choice else None)
        if elem.constraints:
            invariants.check(self, elem.constraints, item, code, elem, path, anchor)
        core_constraints = _CORE_CONSTRAINTS.get(code)
        if core_constraints is None:
            core_constraints = _CORE_CONSTRAINTS[code] = invariants.datatype_constraints(code)
        if core_constraints:
            invariants.check(
                self,
                core_constraints,
                item,
                code,
                None if elem.children else datatype(code),
                path,
                anchor,
            )
        if code == "Reference" and self.ctx.index is not None:
            references.check(self, item, elem, path, anchor)
        elif code == "Coding" and self.ctx.strict and self.ig_profile:
            strict.coding(self, item, path, anchor)
        if elem.fixed is not MISSING or elem.pattern is not MISSING:
            self.fixed_or_pattern(item, elem, path, anchor)
        if elem.binding_members is not None:
            self.binding(item, elem, code, path, anchor)
        if code == "Extension" and ("extension" in item) == any(
            k.startswith("value") for k in item
        ):
            self.ctx.report("error", "ele-1.empty", "ext-1", path,
                            element=self.display(elem, anchor))  # fmt: skip

    def primitive(self, item: Any, elem: Element, code: str, path: str, anchor: Element) -> None:
        problem = values.primitive_problem(item, code)
        if problem is not None:
            kind, params = problem
            self.ctx.report("error", kind, self.rule("type", anchor), path,
                            element=self.display(elem, anchor), **params)  # fmt: skip
            return
        if elem.fixed is not MISSING or elem.pattern is not MISSING:
            self.fixed_or_pattern(item, elem, path, anchor)
        if elem.binding_members is not None and code == "code":
            self.binding(item, elem, code, path, anchor)
        if elem.check is not None:
            values.check_identifier(self, elem.check, item, path, anchor)
        if elem.constraints:
            invariants.check(self, elem.constraints, item, code, elem, path, anchor)

    def primitive_extension(self, value: Any, elem: Element, path: str, anchor: Element) -> None:
        element_type = datatype("Element")
        assert element_type is not None
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if item is None and isinstance(value, list):
                continue
            item_path = f"{path}[{index}]" if isinstance(value, list) else path
            self.value(item, element_type, "Element", item_path, anchor)

    def fixed_or_pattern(self, item: Any, elem: Element, path: str, anchor: Element) -> None:
        if elem.fixed is not MISSING and item != elem.fixed:
            self.ctx.report("error", "fixed.value", self.rule("fixed", anchor), path,
                            element=self.display(elem, anchor), expected=describe(elem.fixed),
                            got=describe(item))  # fmt: skip
        elif elem.pattern is not MISSING and not values.matches_pattern(item, elem.pattern):
            self.ctx.report("error", "pattern.value", self.rule("pattern", anchor), path,
                            element=self.display(elem, anchor), expected=describe(elem.pattern),
                            got=describe(item))  # fmt: skip

    def binding(self, item: Any, elem: Element, code: str, path: str, anchor: Element) -> None:
        members = elem.binding_members
        assert members is not None
        if values.in_binding(item, code, members):
            return
        self.ctx.report("error", "binding.code", self.rule("binding", anchor), path,
                        element=self.display(elem, anchor), coding=values.coding_label(item),
                        valueset=elem.binding)  # fmt: skip
