"""Runtime element definitions compiled once from the shipped tables.

An :class:`Element` is one element of a profile (or of an R4 core datatype): cardinality,
allowed types, fixed/pattern value, resolved required binding, invariants and slices. Each
complex element knows the JSON keys it accepts (:meth:`Element.keys`), so validating a
property is one dictionary lookup. Elements taken from a core datatype (children the
profile snapshot does not list) are marked ``core``: problems inside them are reported
under the nearest element of the profile.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

UNBOUNDED = sys.maxsize
MISSING: Any = object()

#: FHIR primitive types (JSON scalars); everything else is complex or a resource.
PRIMITIVES = frozenset(
    {
        "base64Binary",
        "boolean",
        "canonical",
        "code",
        "date",
        "dateTime",
        "decimal",
        "id",
        "instant",
        "integer",
        "markdown",
        "oid",
        "positiveInt",
        "string",
        "time",
        "unsignedInt",
        "uri",
        "url",
        "uuid",
        "xhtml",
    }
)
RESOURCE_TYPES = frozenset({"Resource", "DomainResource"})


@dataclass(frozen=True, slots=True)
class Constraint:
    """An invariant: key, severity, English text and FHIRPath expression."""

    key: str
    severity: str
    human: str
    expression: str


@dataclass(frozen=True, slots=True)
class Slicing:
    discriminator: tuple[tuple[str, str], ...]
    closed: bool


def json_suffix(type_code: str) -> str:
    """The JSON key suffix of a choice type: ``dateTime`` -> ``DateTime``."""
    return type_code[:1].upper() + type_code[1:]


class Element:
    """One element definition (see the module docstring)."""

    __slots__ = (
        "_keys",
        "_keys_by_type",
        "_required",
        "_required_keys",
        "array",
        "bare",
        "binding",
        "binding_members",
        "check",
        "children",
        "constraints",
        "content_ref",
        "core",
        "fixed",
        "id",
        "is_choice",
        "match",
        "max",
        "min",
        "name",
        "pattern",
        "single",
        "slice_name",
        "slices",
        "slicing",
        "targets",
        "type_profiles",
        "types",
    )

    def __init__(self, node: dict[str, Any], *, core: bool = False):
        self.id: str = node["id"]
        last = self.id.rsplit(".", 1)[-1]
        self.name, _, self.slice_name = last.partition(":")
        self.is_choice: bool = self.name.endswith("[x]")
        self.min: int = int(node.get("min", 0))
        raw_max = node.get("max", "*")
        self.max: int = UNBOUNDED if raw_max == "*" else int(raw_max)
        self.array: bool = node.get("base_max", raw_max) != "1"
        #: one JSON value, no choice, allowed: the walker's common case
        self.single: bool = not self.is_choice and not self.array and self.max > 0
        types = node.get("types", ())
        self.types: tuple[str, ...] = tuple(t["code"] for t in types)
        self.type_profiles: dict[str, tuple[str, ...]] = {
            t["code"]: tuple(t["profile"]) for t in types if t.get("profile")
        }
        self.targets: tuple[str, ...] = tuple(p for t in types for p in t.get("target", ()))
        self.fixed: Any = node.get("fixed", MISSING)
        self.pattern: Any = node.get("pattern", MISSING)
        self.binding: str | None = node.get("binding")
        self.binding_members: dict[str, frozenset[str]] | None = None
        self.constraints: tuple[Constraint, ...] = tuple(
            Constraint(*c) for c in node.get("constraints", ())
        )
        keys = {c.key for c in self.constraints}
        self.check: str | None = (
            "cpr" if "cpr" in keys else "sor" if "min-digits-sor" in keys else None
        )
        #: a primitive here needs only its format checked (no fixed value, pattern,
        #: binding, identifier check or invariant)
        self.bare: bool = (
            self.fixed is MISSING
            and self.pattern is MISSING
            and self.binding is None
            and self.check is None
            and not self.constraints
        )
        self.content_ref: str | None = node.get("content_ref")
        self.core = core
        self.children: dict[str, Element] = {
            name: Element(child, core=core) for name, child in node.get("children", {}).items()
        }
        slicing = node.get("slicing")
        self.slicing: Slicing | None = (
            Slicing(tuple(tuple(d) for d in slicing["discriminator"]), slicing["rules"] == "closed")
            if slicing and node.get("slices")
            else None
        )
        self.slices: tuple[Element, ...] = tuple(
            Element(child, core=core) for child in node.get("slices", {}).values()
        )
        self.match: dict[str, Any] = node.get("match", {})
        self._keys: dict[str, tuple[Element, str | None]] | None = None
        self._keys_by_type: dict[str, dict[str, tuple[Element, str | None]]] = {}
        self._required: tuple[Element, ...] | None = None
        self._required_keys: dict[str | None, tuple[tuple[Element, tuple[str, ...]], ...]] = {}

    def __repr__(self) -> str:
        return f"Element({self.id} {self.min}..{'*' if self.max == UNBOUNDED else self.max})"

    @property
    def prohibited(self) -> bool:
        return self.max == 0

    def walk(self) -> list[Element]:
        """This element and every element below it (children and slices), depth first."""
        out = [self]
        for child in self.children.values():
            out.extend(child.walk())
        for item in self.slices:
            out.extend(item.walk())
        return out

    def keys(
        self, datatype: Callable[[str], Element | None]
    ) -> dict[str, tuple[Element, str | None]]:
        """JSON property name -> (element, type code) for the children of this element.

        Children come from the profile; a complex element without listed children takes
        its type's core definition (``datatype``). Choice elements get one key per allowed
        type; primitives also accept their ``_name`` sibling (id and extensions).
        """
        if self._keys is None:
            self._keys = _key_map(self._child_elements(datatype))
        return self._keys

    def keys_for(
        self, code: str, datatype: Callable[[str], Element | None]
    ) -> dict[str, tuple[Element, str | None]]:
        """As :meth:`keys`, for one type of a multi-type (choice) element."""
        if len(self.types) <= 1:
            return self._keys or self.keys(datatype)
        found = self._keys_by_type.get(code)
        if found is None:
            core = None if self.children else datatype(code)
            found = _key_map(self.children or (core.children if core else {}))
            self._keys_by_type[code] = found
        return found

    def required_for(
        self, code: str | None, datatype: Callable[[str], Element | None]
    ) -> tuple[Element, ...]:
        """Required children for one type of a choice element (or of this element)."""
        if code is None or len(self.types) <= 1:
            return self._required if self._required is not None else self.required(datatype)
        return tuple({c for c, _t in self.keys_for(code, datatype).values() if _needed(c)})

    def required_keys(
        self, code: str | None, datatype: Callable[[str], Element | None]
    ) -> tuple[tuple[Element, tuple[str, ...]], ...]:
        """Required children with the JSON keys that satisfy each (cached per type)."""
        found = self._required_keys.get(code)
        if found is None:
            keys = self.keys_for(code, datatype) if code is not None else self.keys(datatype)
            found = tuple(
                (child, tuple(k for k, (c, t) in keys.items() if c is child and t != "Element"))
                for child in self.required_for(code, datatype)
            )
            self._required_keys[code] = found
        return found

    def required(self, datatype: Callable[[str], Element | None]) -> tuple[Element, ...]:
        """Children with ``min > 0``, or with a required slice (cached)."""
        if self._required is None:
            self._required = tuple(c for c in self._child_elements(datatype).values() if _needed(c))
        return self._required

    def _child_elements(self, datatype: Callable[[str], Element | None]) -> dict[str, Element]:
        if self.children:
            return self.children
        if len(self.types) == 1 and self.types[0] not in PRIMITIVES:
            core = datatype(self.types[0])
            if core is not None:
                return core.children
        return {}


def _needed(element: Element) -> bool:
    return element.min > 0 or any(s.min > 0 for s in element.slices)


def _key_map(children: dict[str, Element]) -> dict[str, tuple[Element, str | None]]:
    out: dict[str, tuple[Element, str | None]] = {}
    for name, child in children.items():
        if child.is_choice:
            stem = name[:-3]
            for code in child.types:
                out[stem + json_suffix(code)] = (child, code)
                if code in PRIMITIVES:
                    out["_" + stem + json_suffix(code)] = (child, "Element")
        else:
            single = child.types[0] if len(child.types) == 1 else None
            out[name] = (child, single)
            if single in PRIMITIVES and name not in ("id", "url"):  # Element.id, Extension.url
                out["_" + name] = (child, "Element")
    return out


def resolve_content_refs(root: Element) -> None:
    """Give elements with a ``contentReference`` the children of the element they name."""
    by_id = {element.id: element for element in root.walk() if not element.slice_name}
    for element in root.walk():
        if element.content_ref and not element.children:
            target = by_id.get(element.content_ref)
            if target is not None:
                element.children = target.children
                element.types = element.types or ("BackboneElement",)
