"""The validator's side of the shared FHIRPath engine (:mod:`tvaers.fhir.fhirpath`).

Invariants are compiled by the one engine tvaers has; this module supplies what only the
validator knows:

* :class:`ElementModel`, the engine's :class:`~tvaers.fhir.fhirpath.TypeModel` over the
  compiled element tables (profiles and R4 core), so member steps are typed (a Period's
  ``start`` is a dateTime, ``deceased`` means ``deceasedBoolean`` or ``deceasedDateTime``);
* the host functions' signatures (:data:`HOST_FUNCTIONS`; their implementations, which
  need the report and the value sets, are bound per resource in :mod:`.invariants`);
* :class:`Invariant`: an expression compiled once per input type, with the guard that
  lets the walker skip it when the input carries none of the names it reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from tvaers.fhir.fhirpath import (
    Child,
    Context,
    Expression,
    FhirPathEvaluationError,
    HostFunction,
    Kind,
    Typing,
    ast,
    compile_path,
    parse,
)
from tvaers.validation.model import PRIMITIVES, Element
from tvaers.validation.tables import _core, core_resource, datatype, resource_names

#: Functions the validator adds to FHIRPath (FHIR R4 §2.6.2), with their argument counts.
HOST_FUNCTIONS: dict[str, int] = {"memberOf": 1, "resolve": 0, "conformsTo": 1}
_ABSTRACT = frozenset({"Resource", "DomainResource"})


class ElementModel:
    """R4 core and profile element definitions as the engine's type model."""

    def __init__(self) -> None:
        self._tables: dict[Element, dict[str, tuple[Child, ...]]] = {}

    def children(self, definition: Element, name: str) -> tuple[Child, ...]:
        table = self._tables.get(definition)
        if table is None:
            table = self._tables[definition] = _children_table(definition)
        return table.get(name, ())

    def type_definition(self, type_name: str) -> Element | None:
        profile = core_resource(type_name)
        return profile.root if profile is not None else datatype(type_name)


MODEL = ElementModel()


def _children_table(elem: Element) -> dict[str, tuple[Child, ...]]:
    """FHIRPath name -> the JSON keys it stands for under ``elem``, typed."""
    out: dict[str, tuple[Child, ...]] = {}
    for key, (child, code) in elem.keys(datatype).items():
        if code == "Element":  # ``_name``: the id and extensions of a primitive
            continue
        name = child.name[:-3] if child.is_choice else child.name
        typed = Child(key, code or "Element", _definition(child, code))
        out[name] = (*out.get(name, ()), typed)
    return out


def _definition(elem: Element, code: str | None) -> Element | None:
    """The definition that types the children of a value of ``elem`` with type ``code``."""
    if code is None or code in PRIMITIVES or code in _ABSTRACT:
        return None
    if code in resource_names():
        found = core_resource(code)
        return found.root if found is not None else None
    return elem if elem.children else datatype(code)


_RESOURCE_KINDS: dict[str, Kind] = {}


def resource_kind(resource: Any) -> Kind | None:
    """The static type of a resource (typed by its R4 core definition)."""
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    if not isinstance(kind, str):
        return None
    found = _RESOURCE_KINDS.get(kind)
    if found is None:
        base = core_resource(kind)
        found = Kind(kind, base.root if base is not None else None)
        if len(_RESOURCE_KINDS) < 1000:  # hostile input may invent types
            _RESOURCE_KINDS[kind] = found
    return found


def value_kind(value: Any, code: str | None, elem: Element | None) -> Kind | None:
    """The static type of a value of type ``code`` defined by ``elem`` (None: untyped)."""
    if isinstance(value, dict) and isinstance(value.get("resourceType"), str):
        return resource_kind(value)
    if code is None:
        return None
    if code in PRIMITIVES or not isinstance(value, dict):
        return Kind(code, None)
    return Kind(code, elem if elem is not None and elem.children else datatype(code))


@dataclass(frozen=True, slots=True)
class Invariant:
    """One invariant expression: its input guard and its compiled forms per input type.

    ``roots`` are the names the expression reads from its input (None: it may read more);
    when the input has none of them, the result is ``holds_when_absent`` without
    evaluating. ``pure`` is False when the result depends on the report (``%resource``,
    ``resolve()``, ``conformsTo()``, ``descendants()``).
    """

    expression: str
    roots: frozenset[str] | None
    holds_when_absent: bool | None
    choice_roots: tuple[str, ...] = ()  # roots that may be choice names (prefix match)
    pure: bool = True
    _compiled: dict[tuple[Kind | None, Kind | None], Expression] = field(
        default_factory=dict, compare=False, hash=False
    )

    def touches(self, value: Any) -> bool:
        """Does ``value`` carry any name the expression reads (choice names by prefix)?"""
        if self.roots is None or not isinstance(value, dict):
            return True
        if not self.roots.isdisjoint(value):
            return True
        prefixes = self.choice_roots
        return bool(prefixes) and any(key.startswith(prefixes) for key in value)

    def compiled(self, focus: Kind | None, resource: Kind | None) -> Expression:
        """The expression compiled for inputs of type ``focus`` in a ``resource``."""
        key = (focus, resource)
        found = self._compiled.get(key)
        if found is None:
            typing = Typing(MODEL, focus, resource) if focus or resource else None
            found = compile_path(self.expression, functions=HOST_FUNCTIONS, typing=typing)
            self._compiled[key] = found
        return found


def _nothing(focus: list[Any], args: list[list[Any]]) -> list[Any]:
    return []


_BLANK_FUNCTIONS: dict[str, HostFunction] = dict.fromkeys(HOST_FUNCTIONS, _nothing)


@cache
def compile_invariant(expression: str) -> Invariant:
    """Compile an invariant and precompute its result on an input without its names."""
    tree = parse(expression)
    roots = root_names(tree)
    holds: bool | None = None
    if roots is not None:
        untyped = compile_path(expression, functions=HOST_FUNCTIONS)
        blank: dict[str, Any] = {}
        try:
            holds = (
                untyped.boolean([blank], Context(blank, functions=_BLANK_FUNCTIONS)) is not False
            )
        except FhirPathEvaluationError:
            roots = None
    choices = tuple(sorted(name for name in roots or () if name in choice_stems()))
    pure = (
        "%resource" not in expression
        and "%rootResource" not in expression
        and not any(f"{name}(" in expression for name in ("resolve", "conformsTo", "descendants"))
    )
    return Invariant(expression, roots, holds, choices, pure)


def root_names(node: ast.Node) -> frozenset[str] | None:
    """Names the expression reads directly from its input, or None when its result may
    depend on more (variables, ``$this``, functions applied to the input itself).

    When none of these names occurs in the input, the result equals the result on an empty
    object: the validator then skips the evaluation (most core invariants guard optional
    elements such as ``contained`` or ``abatement``).
    """
    if isinstance(node, ast.Literal):
        return frozenset()
    if isinstance(node, ast.Member):
        return frozenset({node.name})
    if isinstance(node, ast.Variable):
        return frozenset() if node.name == "ucum" else None
    if isinstance(node, ast.Special | ast.Call):
        return None
    if isinstance(node, ast.Invoke):
        return root_names(node.target)
    parts: tuple[ast.Node, ...]
    if isinstance(node, ast.TypeTest):
        parts = (node.left,)
    elif isinstance(node, ast.Unary):
        parts = (node.operand,)
    elif isinstance(node, ast.Index):
        parts = (node.target, node.index)
    elif isinstance(node, ast.Binary):
        parts = (node.left, node.right)
    else:
        return None
    names: set[str] = set()
    for part in parts:
        found = root_names(part)
        if found is None:
            return None
        names |= found
    return frozenset(names)


@cache
def choice_stems() -> frozenset[str]:
    """Names of every choice element (``value``, ``deceased``, ...) in the R4 core tables."""
    stems: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        for name, child in node.get("children", {}).items():
            if name.endswith("[x]"):
                stems.add(name[:-3])
            walk(child)

    for group in ("datatypes", "resources"):
        for tree in _core()[group].values():
            walk(tree)
    return frozenset(stems)


__all__ = [
    "HOST_FUNCTIONS",
    "MODEL",
    "ElementModel",
    "Invariant",
    "compile_invariant",
    "resource_kind",
    "root_names",
    "value_kind",
]
