"""Static typing of an expression against a FHIR type model (an optional compiler pass).

FHIRPath over FHIR is typed: ``Period.start`` is a ``dateTime``, so ``start <= end``
compares instants by precision, not strings. The engine itself carries no FHIR model;
a host that has one (the validator has the R4 element definitions and its profiles)
implements :class:`TypeModel` and compiles with a :class:`Typing`::

    compile_path("start <= end", typing=Typing(model, focus=Kind("Period", period_def)))

This pass walks the parsed tree once, from the input's type, and records for every member
step whose input type is known the element's children of that name (:class:`Child`: the
JSON key, the FHIR type, the model's definition). The compiler then reads exactly those
keys (``value`` -> ``valueQuantity``, ``valueString`` ...) and turns date, dateTime,
instant and time values into :class:`~.temporal.Temporal` values. Where the type is not
known (after ``resolve()``, ``descendants()``, a constant) the untyped rules apply: the
JSON form decides (see ``docs/views.md``). Without a typing, nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from tvaers.fhir.fhirpath import ast, model


class Kind(NamedTuple):
    """A static type: the FHIR type name and the model's definition of its children
    (``None`` for primitives and for types the model does not expand)."""

    type: str
    definition: Any


class Child(NamedTuple):
    """One JSON property an element name stands for (a choice element has several)."""

    key: str
    type: str
    definition: Any


class TypeModel(Protocol):
    """What the typing pass asks of a FHIR type model (implemented by the host)."""

    def children(self, definition: Any, name: str) -> Sequence[Child]:
        """The JSON properties of element ``name`` under ``definition`` (empty if unknown)."""
        ...

    def type_definition(self, type_name: str) -> Any:
        """The definition of a resource or complex datatype by name, or None."""
        ...


@dataclass(frozen=True, slots=True)
class Typing:
    """A type model and the static types of the input and of ``%resource``."""

    model: TypeModel
    focus: Kind | None
    resource: Kind | None = None


Kinds = tuple[Kind, ...] | None

#: Functions whose result has the type of their input.
_PRESERVING = frozenset(
    {"where", "first", "last", "tail", "skip", "take", "single", "distinct", "trace",
     "intersect", "exclude"}
)  # fmt: skip
_MERGING = frozenset({"union", "combine"})
_TYPE_FUNCTIONS = frozenset({"ofType", "as", "is"})
_ENVIRONMENT = frozenset({"resource", "rootResource", "context"})


@dataclass(slots=True)
class Types:
    """What the typing pass found: per member step (``id(node)``) the children it names;
    per ``children()``/``descendants()`` call the static types of its input."""

    members: dict[int, tuple[Child, ...]]
    walks: dict[int, tuple[Kind, ...]]


def annotate(tree: ast.Node, typing: Typing) -> Types:
    """Type ``tree`` from the input type of ``typing``."""
    typer = _Typer(typing)
    typer.infer(tree, (typing.focus,) if typing.focus is not None else None)
    return Types(typer.members, typer.walks)


def child_for_key(model: TypeModel, definition: Any, key: str) -> Child | None:
    """The child a JSON key is (``valueString`` is ``value`` of type string), or None."""
    for child in model.children(definition, key):
        if child.key == key:
            return child
    for cut in range(len(key) - 1, 0, -1):  # choice keys: name + type suffix
        if key[cut].isupper():
            for child in model.children(definition, key[:cut]):
                if child.key == key:
                    return child
    return None


def _primitive(kind: Kind) -> bool:
    """Primitives have no children: they add nothing to a member step, and lose nothing."""
    return kind.type in model.PRIMITIVE_NAMES


def _merge(a: Kinds, b: Kinds) -> Kinds:
    if a is None or b is None:
        return None
    return a + tuple(k for k in b if k not in a)


class _Typer:
    """Infers static types node by node (``None``: unknown, the untyped rules apply)."""

    def __init__(self, typing: Typing):
        self.model = typing.model
        self.typing = typing
        self.members: dict[int, tuple[Child, ...]] = {}
        self.walks: dict[int, tuple[Kind, ...]] = {}

    def infer(self, node: ast.Node, focus: Kinds) -> Kinds:
        result: Kinds = getattr(self, "_" + type(node).__name__.lower())(node, focus)
        return result

    def named(self, name: str | None) -> Kinds:
        if name is None:
            return None
        local = model.split_type_name(name)
        return (Kind(local, self.model.type_definition(local)),)

    def _literal(self, node: ast.Literal, focus: Kinds) -> Kinds:
        return None

    def _variable(self, node: ast.Variable, focus: Kinds) -> Kinds:
        found = self.typing.focus if node.name == "context" else self.typing.resource
        return (found,) if node.name in _ENVIRONMENT and found is not None else None

    def _special(self, node: ast.Special, focus: Kinds) -> Kinds:
        return focus if node.name == "this" else None

    def _member(self, node: ast.Member, focus: Kinds) -> Kinds:
        if node.name[:1].isupper():  # a type name selecting resources (``Patient.name``)
            return self.named(node.name)
        if not focus or any(k.definition is None and not _primitive(k) for k in focus):
            return None  # some input of a type the model does not expand: untyped
        options = tuple(
            c for k in focus if k.definition is not None
            for c in self.model.children(k.definition, node.name)
        )  # fmt: skip
        if not options:
            return None
        self.members[id(node)] = options
        return tuple(dict.fromkeys(Kind(c.type, c.definition) for c in options))

    def _invoke(self, node: ast.Invoke, focus: Kinds) -> Kinds:
        return self.infer(node.step, self.infer(node.target, focus))

    def _index(self, node: ast.Index, focus: Kinds) -> Kinds:
        self.infer(node.index, focus)
        return self.infer(node.target, focus)

    def _call(self, node: ast.Call, focus: Kinds) -> Kinds:
        name = node.name
        if name in _TYPE_FUNCTIONS:
            return (
                None
                if name == "is" or not node.args
                else self.named(ast.type_name_of(node.args[0]))
            )
        args = [self.infer(arg, focus) for arg in node.args]
        if name in ("children", "descendants") and focus:
            self.walks[id(node)] = focus
        if name in _PRESERVING:
            return focus
        if name == "select" and args:
            return args[0]
        if name in _MERGING and args:
            return _merge(focus, args[0])
        if name == "iif" and len(args) == 3:
            return _merge(args[1], args[2])
        if name == "extension":
            return self.named("Extension")
        return None

    def _binary(self, node: ast.Binary, focus: Kinds) -> Kinds:
        left, right = self.infer(node.left, focus), self.infer(node.right, focus)
        return _merge(left, right) if node.op == "|" else None

    def _unary(self, node: ast.Unary, focus: Kinds) -> Kinds:
        self.infer(node.operand, focus)
        return None

    def _typetest(self, node: ast.TypeTest, focus: Kinds) -> Kinds:
        self.infer(node.left, focus)
        return self.named(node.type_name) if node.op == "as" else None


__all__ = ["Child", "Kind", "TypeModel", "Types", "Typing", "annotate", "child_for_key"]
