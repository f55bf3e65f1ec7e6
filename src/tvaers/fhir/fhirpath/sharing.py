"""Common subexpressions: a member path that occurs several times in one expression is
evaluated once per input collection.

Invariants repeat paths (``activity.detail.code.coding.code = 'a' or
activity.detail.code.coding.code = 'b' or ...``, eleven times in one KL invariant, over
every activity of a care plan). The operands of an operator are evaluated on the same
input collection object, so a repeated path remembers its last input and result and
answers again when given the same object. Only pure member paths are shared: they read
nothing but their input (no variables, ``$index`` or host functions), and the engine
never changes a collection after making it.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from tvaers.fhir.fhirpath import ast

if TYPE_CHECKING:
    from tvaers.fhir.fhirpath.compiler import Context, Fn

#: A member path as ((name, its typing), ...): equal keys compile to equal steps.
PathKey = tuple[tuple[str, Any], ...]


def path_key(node: ast.Node, members: dict[int, Any]) -> PathKey | None:
    """The key of ``a.b.c``, or None if ``node`` is no pure member path."""
    steps: list[tuple[str, Any]] = []
    while isinstance(node, ast.Invoke):
        step = node.step
        if not isinstance(step, ast.Member) or not step.name[:1].islower():
            return None
        steps.append((step.name, members.get(id(step))))
        node = node.target
    if not isinstance(node, ast.Member) or not node.name[:1].islower():
        return None
    steps.append((node.name, members.get(id(node))))
    steps.reverse()
    return tuple(steps)


def repeated_paths(tree: ast.Node, members: dict[int, Any]) -> frozenset[PathKey]:
    """The member paths of two or more steps that occur more than once in ``tree``."""
    seen: Counter[PathKey] = Counter()
    stack = [tree]
    while stack:
        node = stack.pop()
        key = path_key(node, members)
        if key is not None:
            if len(key) > 1:
                seen[key] += 1
            continue  # the steps of a path are no separate paths
        stack.extend(ast.children(node))
    return frozenset(key for key, count in seen.items() if count > 1)


def shared(fn: Fn) -> Fn:
    """``fn``, answering from its last result when given the same input object again."""
    last: tuple[Any, list[Any]] = (None, [])

    def remembered(focus: list[Any], ctx: Context) -> list[Any]:
        nonlocal last
        before, result = last
        if before is focus:
            return result
        result = fn(focus, ctx)
        last = (focus, result)
        return result

    return remembered


__all__ = ["PathKey", "path_key", "repeated_paths", "shared"]
