"""Typed FHIRPath nodes over FHIR JSON, navigation by the R4 core definitions, comparison.

A :class:`Node` is one item of a FHIRPath collection: the JSON value, its FHIR type name
(``"boolean"``, ``"Coding"``, ``"Patient"``, ``"System.String"`` for literals) and, for
complex values, the core element definition that types its children. Navigation resolves
choice elements (``deceased`` -> ``deceasedBoolean``) through those definitions.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from tvaers.validation.model import PRIMITIVES, Element, json_suffix
from tvaers.validation.tables import core_resource, datatype

#: FHIR types that FHIRPath treats as subtypes of another for ``is``/``ofType``/``as``.
_PARENT = {
    "code": "string", "id": "string", "markdown": "string", "url": "uri", "canonical": "uri",
    "oid": "uri", "uuid": "uri", "positiveInt": "integer", "unsignedInt": "integer",
    "System.String": "string", "System.Boolean": "boolean", "System.Integer": "integer",
    "System.Decimal": "decimal",
}  # fmt: skip
_RESOURCE_BASES = frozenset({"Resource", "DomainResource"})
_SUFFIX = {json_suffix(t): t for t in PRIMITIVES}


class Node:
    """One item: ``value`` (JSON), ``type`` (FHIR type name), ``elem`` (typing of children)."""

    __slots__ = ("elem", "type", "value")

    def __init__(self, value: Any, type_: str, elem: Element | None = None):
        self.value = value
        self.type = type_
        self.elem = elem

    def __repr__(self) -> str:
        return f"Node({self.value!r}: {self.type})"


def literal(value: Any) -> Node:
    """A node for a Python literal (System types)."""
    if isinstance(value, bool):
        return Node(value, "System.Boolean")
    if isinstance(value, int):
        return Node(value, "System.Integer")
    if isinstance(value, float):
        return Node(value, "System.Decimal")
    return Node(value, "System.String")


def node_for_resource(resource: dict[str, Any]) -> Node:
    """A typed node for a resource (untyped children if the type is not shipped)."""
    kind = resource.get("resourceType")
    base = core_resource(kind) if isinstance(kind, str) else None
    return Node(
        resource, kind if isinstance(kind, str) else "Resource", base.root if base else None
    )


def node_for(value: Any, type_: str | None, elem: Element | None) -> Node:
    """A node for a JSON value of (declared) type ``type_`` defined by ``elem``."""
    if isinstance(value, dict) and isinstance(value.get("resourceType"), str):
        return node_for_resource(value)
    if type_ is None:  # untyped (inside a resource type we do not ship): stay untyped
        return Node(value, _guess(value))
    if type_ in PRIMITIVES or not isinstance(value, dict):
        return Node(value, type_)
    if elem is not None and elem.children:
        return Node(value, type_, elem)
    return Node(value, type_, datatype(type_))


def _guess(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "decimal"
    if isinstance(value, str):
        return "string"
    return "Element"


def children_map(elem: Element) -> dict[str, list[tuple[str, Element, str | None]]]:
    """FHIRPath name -> [(JSON key, element, type)] for the children of ``elem``."""
    out: dict[str, list[tuple[str, Element, str | None]]] = {}
    for key, (child, code) in elem.keys(datatype).items():
        if code == "Element":
            continue
        name = child.name[:-3] if child.is_choice else child.name
        out.setdefault(name, []).append((key, child, code))
    return out


def navigate(node: Node, name: str) -> list[Node]:
    """The children called ``name`` (choice names match every typed key)."""
    value = node.value
    if not isinstance(value, dict):
        return []
    out: list[Node] = []
    elem = node.elem
    if elem is not None:
        table = elem.fp_children
        if table is None:
            table = elem.fp_children = children_map(elem)
        for key, child, code in table.get(name, ()):
            if key in value:
                _extend(out, value[key], code, child)
        return out
    if name in value:
        _extend(out, value[name], None, None)
        return out
    for key, item in value.items():
        rest = key[len(name) :]
        if key.startswith(name) and rest[:1].isupper():
            _extend(out, item, _SUFFIX.get(rest, rest), None)
    return out


def _extend(out: list[Node], value: Any, code: str | None, elem: Element | None) -> None:
    if isinstance(value, list):
        out.extend(node_for(v, code, elem) for v in value if v is not None)
    elif value is not None:
        out.append(node_for(value, code, elem))


def children(node: Node) -> list[Node]:
    """Every direct child node (``children()``)."""
    value = node.value
    if not isinstance(value, dict):
        return []
    out: list[Node] = []
    for key in value:
        if key == "resourceType" or key.startswith("_"):
            continue
        if node.elem is not None:
            hit = node.elem.keys(datatype).get(key)
            if hit is not None:
                _extend(out, value[key], hit[1], hit[0])
                continue
        _extend(out, value[key], None, None)
    return out


def is_type(node: Node, name: str) -> bool:
    """FHIRPath type test (``is``/``ofType``) with FHIR's primitive and resource subtyping."""
    name = name.removeprefix("FHIR.")
    current: str | None = node.type
    while current is not None:
        if current == name or (current.startswith("System.") and current == f"System.{name}"):
            return True
        current = _PARENT.get(current)
    if name in _RESOURCE_BASES:
        return isinstance(node.value, dict) and "resourceType" in node.value
    return False


# --------------------------------------------------------------------------- comparison
_DATETIME = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)
DATE_TYPES = frozenset({"date", "dateTime", "instant", "System.DateTime", "System.Date"})


@cache
def _datetime_parts(text: str) -> tuple[list[int], int | None] | None:
    match = _DATETIME.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    parts = [int(p) for p in (year, month, day, hour, minute, second) if p is not None]
    if fraction is not None:
        parts.append(int((fraction + "000")[:3]))
    offset = None
    if zone:
        offset = (
            0
            if zone == "Z"
            else (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 60 + int(zone[4:6]))
        )
    return parts, offset


def _normalise(parts: list[int], offset: int | None) -> list[int]:
    if offset is None or len(parts) < 5:
        return parts
    import datetime as dt

    moment = dt.datetime(*parts[:5]) - dt.timedelta(minutes=offset)  # type: ignore[arg-type]
    return [moment.year, moment.month, moment.day, moment.hour, moment.minute, *parts[5:]]


def compare_dates(left: str, right: str) -> int | None:
    """-1/0/1, or None when precision differs and the common part is equal (FHIRPath)."""
    a, b = _datetime_parts(left), _datetime_parts(right)
    if a is None or b is None:
        return None
    if (a[1] is None) != (b[1] is None) and min(len(a[0]), len(b[0])) > 3:
        return None  # one has a time zone, the other not: not comparable
    pa, pb = _normalise(*a), _normalise(*b)
    for x, y in zip(pa, pb, strict=False):
        if x != y:
            return -1 if x < y else 1
    return 0 if len(pa) == len(pb) else None


def compare(left: Node, right: Node) -> int | None:
    """Order of two singletons (numbers, strings, dates); None when not comparable."""
    a, b = left.value, right.value
    if left.type in DATE_TYPES or right.type in DATE_TYPES:
        return compare_dates(a, b) if isinstance(a, str) and isinstance(b, str) else None
    if isinstance(a, bool) or isinstance(b, bool):
        return None
    if isinstance(a, int | float) and isinstance(b, int | float):
        return (a > b) - (a < b)
    if isinstance(a, str) and isinstance(b, str):
        return (a > b) - (a < b)
    return None


def equal(left: Node, right: Node) -> bool | None:
    """FHIRPath ``=`` on two singletons (None: not comparable, e.g. date precision)."""
    if left.type in DATE_TYPES and right.type in DATE_TYPES:
        order = compare(left, right)
        return None if order is None else order == 0
    a, b = left.value, right.value
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return bool(a == b)
