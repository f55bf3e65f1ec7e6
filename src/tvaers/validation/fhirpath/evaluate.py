"""Compile a FHIRPath AST into closures ``fn(focus, env, this) -> collection``.

Collections are lists of :class:`Node`. Semantics follow FHIRPath N1: empty propagates
through operators, ``=`` on collections of different size is false, ``and``/``or``/
``implies`` are three-valued, and functions defined on singletons raise
:class:`EvalError` for longer inputs. An invariant holds unless it evaluates to ``false``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from tvaers.validation.fhirpath.model import Node, compare, equal, is_type, literal, navigate
from tvaers.validation.fhirpath.parse import Ast, FhirPathSyntaxError, parse

Collection = list[Node]
Fn = Callable[[Collection, "Env", "Node | None"], Collection]


class EvalError(Exception):
    """The expression cannot be evaluated on this data (e.g. a singleton expected)."""


@dataclass(slots=True)
class Env:
    """Evaluation environment: ``%resource``, ``%rootResource`` and the three hooks."""

    resource: Node
    root: Node
    resolve: Callable[[str], dict[str, Any] | None] = lambda _ref: None
    member_of: Callable[[str, Node], bool | None] = lambda _url, _node: None
    conforms_to: Callable[[Node, str], bool | None] = lambda _node, _url: None
    extra: dict[str, Node] = field(default_factory=dict)
    memo: dict[Any, Collection] = field(default_factory=dict)  # shared subexpressions


TRUE, FALSE = literal(True), literal(False)


def boolean(value: bool | None) -> Collection:
    return [] if value is None else [TRUE if value else FALSE]


def to_bool(items: Collection) -> bool | None:
    """Singleton evaluation to Boolean (None for empty)."""
    if not items:
        return None
    if len(items) > 1:
        raise EvalError("a single value was expected, found a collection")
    value = items[0].value
    return value if isinstance(value, bool) else True


def truth(items: Collection) -> bool:
    """An invariant holds unless its result is ``false``."""
    return to_bool(items) is not False


def single(items: Collection) -> Node | None:
    if len(items) > 1:
        raise EvalError("a single value was expected, found a collection")
    return items[0] if items else None


# --------------------------------------------------------------------------- operators
def _eq(a: Collection, b: Collection) -> Collection:
    if not a or not b:
        return []
    if len(a) != len(b):
        return [FALSE]
    for x, y in zip(a, b, strict=True):
        result = equal(x, y)
        if result is None:
            return []
        if not result:
            return [FALSE]
    return [TRUE]


def _order(op: str, a: Collection, b: Collection) -> Collection:
    x, y = single(a), single(b)
    if x is None or y is None:
        return []
    order = compare(x, y)
    if order is None:
        return []
    return boolean({"<": order < 0, ">": order > 0, "<=": order <= 0, ">=": order >= 0}[op])


def _member(item: Collection, coll: Collection) -> Collection:
    node = single(item)
    if node is None:
        return []
    return boolean(any(equal(node, other) for other in coll))


def _union(a: Collection, b: Collection) -> Collection:
    out: Collection = []
    for node in a + b:
        if not any(equal(node, seen) for seen in out):
            out.append(node)
    return out


def _logic(op: str, a: Collection, b: Collection) -> Collection:
    x, y = to_bool(a), to_bool(b)
    if op == "and":
        return [FALSE] if False in (x, y) else ([TRUE] if x and y else [])
    if op == "or":
        return [TRUE] if True in (x, y) else ([FALSE] if x is False and y is False else [])
    if op == "xor":
        return [] if x is None or y is None else boolean(x != y)
    if x is False or y is True:
        return [TRUE]  # implies
    return [FALSE] if x is True and y is False else []


def _arith(op: str, a: Collection, b: Collection) -> Collection:
    if op == "&":
        left, right = single(a), single(b)
        return [literal(f"{left.value if left else ''}{right.value if right else ''}")]
    x, y = single(a), single(b)
    if x is None or y is None:
        return []
    if op == "+" and isinstance(x.value, str) and isinstance(y.value, str):
        return [literal(x.value + y.value)]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x.value, y.value)):
        raise EvalError(f"operator {op} needs numbers")
    if op in ("/", "div", "mod") and y.value == 0:
        return []
    result = {"+": lambda: x.value + y.value, "-": lambda: x.value - y.value,
              "*": lambda: x.value * y.value, "/": lambda: x.value / y.value,
              "div": lambda: x.value // y.value, "mod": lambda: x.value % y.value}[op]()  # fmt: skip
    return [literal(result)]


def _binary(op: str, a: Collection, b: Collection) -> Collection:
    if op == "=":
        return _eq(a, b)
    if op == "!=":
        result = _eq(a, b)
        return [FALSE if result[0].value else TRUE] if result else []
    if op in ("<", ">", "<=", ">="):
        return _order(op, a, b)
    if op == "in":
        return _member(a, b)
    if op == "contains":
        return _member(b, a)
    if op == "|":
        return _union(a, b)
    if op in ("and", "or", "xor", "implies"):
        return _logic(op, a, b)
    if op in ("~", "!~"):
        result = _eq(a, b) or [FALSE]
        return result if op == "~" else [FALSE if result[0].value else TRUE]
    return _arith(op, a, b)


# --------------------------------------------------------------------------- compiler
def type_name(ast: Ast) -> str:
    """The type a type-specifier argument names (``Observation``, ``FHIR.boolean``)."""
    if ast[0] == "id":
        return str(ast[1])
    if ast[0] == "dot":
        return f"{type_name(ast[1])}.{type_name(ast[2])}"
    raise FhirPathSyntaxError(f"not a type name: {ast}")


def focus_free(ast: Ast) -> bool:
    """True when ``ast`` reads only variables and literals (same value for every focus)."""
    kind = ast[0]
    if kind in ("lit", "empty", "date", "var"):
        return True
    if kind == "dot":
        return focus_free(ast[1])
    if kind == "bin":
        return focus_free(ast[2]) and focus_free(ast[3])
    if kind == "type":
        return focus_free(ast[2])
    return False


def _path_only(ast: Ast) -> bool:
    """A plain path from the focus (``activity.detail.code``): no functions, no variables."""
    if ast[0] == "id":
        return True
    return ast[0] == "dot" and ast[2][0] == "id" and _path_only(ast[1])


def _compile(ast: Ast) -> Fn:
    fn = _compile_node(ast)
    if ast[0] in ("dot", "bin") and focus_free(ast):
        key: Any = ("free", ast)

        def memoised(focus: Collection, env: Env, this: Node | None) -> Collection:
            found = env.memo.get(key)
            if found is None:
                found = env.memo[key] = fn(focus, env, this)
            return found

        return memoised
    if ast[0] == "dot" and _path_only(ast):

        def shared(focus: Collection, env: Env, this: Node | None) -> Collection:
            # the same path from the same JSON objects is walked once per resource
            if len(focus) != 1 or not isinstance(focus[0].value, dict):
                return fn(focus, env, this)
            memo_key = (ast, id(focus[0].value), id(focus[0].elem))
            found = env.memo.get(memo_key)
            if found is None:
                found = env.memo[memo_key] = fn(focus, env, this)
            return found

        return shared
    return fn


def _compile_node(ast: Ast) -> Fn:
    kind = ast[0]
    if kind == "lit":
        value = [literal(ast[1])]
        return lambda focus, env, this: value
    if kind == "date":
        value = [Node(ast[1], "System.DateTime")]
        return lambda focus, env, this: value
    if kind == "empty":
        return lambda focus, env, this: []
    if kind == "this":
        return lambda focus, env, this: [this] if this is not None else focus
    if kind == "index":
        return lambda focus, env, this: (env.extra.get("$index") and [env.extra["$index"]]) or []
    if kind == "var":
        return _variable(str(ast[1]))
    if kind == "id":
        return _member_access(str(ast[1]))
    if kind == "fn":
        from tvaers.validation.fhirpath.functions import compile_function

        return compile_function(str(ast[1]), ast[2])
    if kind == "dot":
        left, right = _compile(ast[1]), _compile(ast[2])
        return lambda focus, env, this: right(left(focus, env, this), env, this)
    if kind == "idx":
        left, index = _compile(ast[1]), _compile(ast[2])

        def indexer(focus: Collection, env: Env, this: Node | None) -> Collection:
            items, where = left(focus, env, this), single(index(focus, env, this))
            position = where.value if where is not None else None
            return (
                [items[position]]
                if isinstance(position, int) and 0 <= position < len(items)
                else []
            )

        return indexer
    if kind == "neg":
        inner = _compile(ast[1])
        return lambda focus, env, this: _arith("-", [literal(0)], inner(focus, env, this))
    if kind == "type":
        return _type_operator(str(ast[1]), _compile(ast[2]), str(ast[3]))
    if kind == "bin":
        return _binary_operator(str(ast[1]), _compile(ast[2]), _compile(ast[3]))
    raise FhirPathSyntaxError(f"unsupported syntax {kind}")


def _variable(name: str) -> Fn:
    if name == "ucum":
        ucum = [literal("http://unitsofmeasure.org")]
        return lambda focus, env, this: ucum
    if name == "resource":
        return lambda focus, env, this: [env.resource]
    if name == "rootResource":
        return lambda focus, env, this: [env.root]
    return lambda focus, env, this: [env.extra[name]] if name in env.extra else []


def _member_access(name: str) -> Fn:
    def access(focus: Collection, env: Env, this: Node | None) -> Collection:
        out: Collection = []
        for node in focus:
            if node.type == name and isinstance(node.value, dict) and "resourceType" in node.value:
                out.append(node)  # "Patient.name": the leading type name selects the resource
            else:
                out.extend(navigate(node, name))
        return out

    return access


def _type_operator(op: str, expr: Fn, name: str) -> Fn:
    def check(focus: Collection, env: Env, this: Node | None) -> Collection:
        items = expr(focus, env, this)
        if op == "is":
            node = single(items)
            return [] if node is None else boolean(is_type(node, name))
        node = single(items)
        return [node] if node is not None and is_type(node, name) else []

    return check


def _binary_operator(op: str, left: Fn, right: Fn) -> Fn:
    if op in ("and", "or", "implies"):

        def lazy(focus: Collection, env: Env, this: Node | None) -> Collection:
            a = left(focus, env, this)
            first = to_bool(a)
            if (op == "and" and first is False) or (op == "or" and first is True):
                return [FALSE] if op == "and" else [TRUE]
            if op == "implies" and first is False:
                return [TRUE]
            return _logic(op, a, right(focus, env, this))

        return lazy
    return lambda focus, env, this: _binary(op, left(focus, env, this), right(focus, env, this))


@cache
def compile_expression(expression: str) -> Fn:
    """Parse and compile ``expression`` once (cached); raises FhirPathSyntaxError."""
    return _compile(parse(expression))


def root_names(ast: Ast) -> frozenset[str] | None:
    """Names the expression reads directly from its input, or None when its result may
    depend on more (variables, ``$this``, functions applied to the input itself).

    When none of these names occurs in the input, the result equals the result on an empty
    object: the validator then skips the evaluation (most core invariants guard optional
    elements such as ``contained`` or ``abatement``).
    """
    kind = ast[0]
    if kind in ("lit", "empty", "date"):
        return frozenset()
    if kind == "id":
        return frozenset({str(ast[1])})
    if kind == "var":
        return frozenset() if ast[1] == "ucum" else None
    if kind in ("this", "index", "fn"):
        return None
    if kind == "dot":
        return root_names(ast[1])
    parts = (
        [ast[2]]
        if kind == "type"
        else [ast[1]]
        if kind == "neg"
        else list(ast[1:])
        if kind == "idx"
        else [ast[2], ast[3]]
    )
    names: set[str] = set()
    for part in parts:
        found = root_names(part)
        if found is None:
            return None
        names |= found
    return frozenset(names)


@dataclass(frozen=True, slots=True)
class Invariant:
    """A compiled invariant with its input guard (see :func:`root_names`)."""

    fn: Fn
    roots: frozenset[str] | None
    holds_when_absent: bool | None
    choice_roots: tuple[str, ...] = ()  # roots that may be choice names (prefix match)
    pure: bool = True  # no %resource/%rootResource, resolve() or conformsTo()

    def touches(self, value: Any) -> bool:
        """Does ``value`` carry any name the expression reads (choice names by prefix)?"""
        if self.roots is None or not isinstance(value, dict):
            return True
        if not self.roots.isdisjoint(value):
            return True
        prefixes = self.choice_roots
        return bool(prefixes) and any(key.startswith(prefixes) for key in value)


@cache
def compile_invariant(expression: str) -> Invariant:
    """Compile an invariant and precompute its result on an input without its names."""
    ast = parse(expression)
    fn = _compile(ast)
    roots = root_names(ast)
    holds: bool | None = None
    if roots is not None:
        blank = Node({}, "Element")
        try:
            holds = truth(fn([blank], Env(blank, blank), blank))
        except EvalError:
            roots = None
    choices = tuple(sorted(name for name in roots or () if name in choice_stems()))
    pure = (
        "%resource" not in expression
        and "%rootResource" not in expression
        and not any(f"{name}(" in expression for name in ("resolve", "conformsTo", "descendants"))
    )
    return Invariant(fn, roots, holds, choices, pure)


@cache
def choice_stems() -> frozenset[str]:
    """Names of every choice element (``value``, ``deceased``, ...) in the R4 core tables."""
    from tvaers.validation.tables import _core

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
