"""Abstract syntax tree of FHIRPath expressions.

Each node records ``pos``, its character offset in the expression, for error messages.
The tree is immutable; :mod:`tvaers.fhir.fhirpath.compiler` turns it into closures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Node:
    """Base class of all nodes."""

    pos: int


@dataclass(frozen=True, slots=True)
class Literal(Node):
    """A literal value; ``value`` is None for the empty collection ``{}``."""

    value: Any


@dataclass(frozen=True, slots=True)
class Variable(Node):
    """``%name`` (an environment variable or a ViewDefinition constant)."""

    name: str


@dataclass(frozen=True, slots=True)
class Special(Node):
    """``$this``, ``$index`` or ``$total``."""

    name: str


@dataclass(frozen=True, slots=True)
class Member(Node):
    """Navigation to a child element (``name``), or a type name at the root."""

    name: str


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A function invocation ``name(args...)``."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Invoke(Node):
    """``target.step``: evaluate ``step`` on the result of ``target``."""

    target: Node
    step: Node  # Member or Call


@dataclass(frozen=True, slots=True)
class Index(Node):
    """``target[index]``."""

    target: Node
    index: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """An infix operator (``=``, ``and``, ``+``, ``|`` ...)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Unary(Node):
    """Prefix ``-`` or ``+``."""

    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class TypeTest(Node):
    """``left is Type`` or ``left as Type``."""

    op: str
    left: Node
    type_name: str


def type_name_of(node: Node) -> str | None:
    """The type specifier an argument names (``Quantity``, ``FHIR.Quantity``, ``'Patient'``)."""
    if isinstance(node, Member):
        return node.name
    if isinstance(node, Invoke) and isinstance(node.step, Member):
        prefix = type_name_of(node.target)
        return f"{prefix}.{node.step.name}" if prefix else None
    if isinstance(node, Literal) and isinstance(node.value, str):
        return node.value
    return None


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of ``node`` (for analyses over the whole tree)."""
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Invoke):
        return (node.target, node.step)
    if isinstance(node, Index):
        return (node.target, node.index)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, TypeTest):
        return (node.left,)
    return ()


def mentions_index(node: Node) -> bool:
    """Whether ``$index`` occurs in ``node`` (iterating functions then set it per item)."""
    if isinstance(node, Special):
        return node.name == "index"
    return any(mentions_index(child) for child in children(node))
