"""FHIRPath operators: three-valued logic, equality, ordering, arithmetic, union, types.

Semantics follow FHIRPath N1: an empty operand gives an empty result (except for the
boolean operators, which use three-valued logic, and ``&``, which treats empty as ``''``);
an operand with more than one item where one is needed is an error.
"""

from __future__ import annotations

from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import TYPE_CHECKING, Any

from tvaers.fhir.fhirpath import ast, model
from tvaers.fhir.fhirpath.values import (
    describe,
    equal,
    equivalent,
    is_instance,
    is_number,
    order,
    to_decimal,
    to_text,
)

if TYPE_CHECKING:
    from tvaers.fhir.fhirpath.compiler import Compiler, Context, Fn


def boolean_of(items: list[Any], compiler: Compiler, node: ast.Node) -> bool | None:
    """Singleton evaluation to Boolean: empty -> None; one non-boolean item -> True."""
    if not items:
        return None
    if len(items) > 1:
        raise compiler.eval_error(f"expected a single boolean, got {len(items)} items", node)
    value = items[0]
    return value if type(value) is bool else True


def single(items: list[Any], compiler: Compiler, node: ast.Node) -> Any:
    """The one item of a collection (None if empty); several items are an error."""
    if len(items) == 1:
        return items[0]
    if not items:
        return None
    raise compiler.eval_error(f"expected a single value, got {len(items)} items", node)


_TRUE: list[Any] = [True]
_FALSE: list[Any] = [False]
_EMPTY: list[Any] = []


def _wrap(value: bool | None) -> list[Any]:
    return _EMPTY if value is None else (_TRUE if value else _FALSE)


def _logic(op: str, a: bool | None, b: bool | None) -> bool | None:
    if op == "and":
        if a is False or b is False:
            return False
        return None if a is None or b is None else True
    if op == "or":
        if a is True or b is True:
            return True
        return None if a is None or b is None else False
    if op == "xor":
        return None if a is None or b is None else a != b
    # implies
    if a is False or b is True:
        return True
    return None if a is None or b is None else False


def _collection_equal(left: list[Any], right: list[Any]) -> bool | None:
    if not left or not right:
        return None
    if len(left) != len(right):
        return False
    result: bool | None = True
    for a, b in zip(left, right, strict=True):
        same = equal(a, b)
        if same is False:
            return False
        if same is None:
            result = None
    return result


def _collection_equivalent(left: list[Any], right: list[Any]) -> bool:
    if len(left) != len(right):
        return False
    remaining = list(right)
    for a in left:
        for k, b in enumerate(remaining):
            if equivalent(a, b):
                del remaining[k]
                break
        else:
            return False
    return True


def union(left: list[Any], right: list[Any]) -> list[Any]:
    """``|``: items of both, duplicates (by ``=``) removed, order kept."""
    out: list[Any] = []
    for item in (*left, *right):
        if not any(equal(item, seen) is True for seen in out):
            out.append(item)
    return out


def contains_item(items: list[Any], value: Any) -> bool:
    """Membership by FHIRPath equality."""
    return any(equal(item, value) is True for item in items)


def _arithmetic(op: str, a: Any, b: Any) -> Any:
    if op == "+" and type(a) is str and type(b) is str:
        return a + b
    if not (is_number(a) and is_number(b)) or type(a) is bool or type(b) is bool:
        raise TypeError(f"cannot apply {op} to {describe(a)} and {describe(b)}")
    if type(a) is int and type(b) is int and op in ("+", "-", "*", "div", "mod"):
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if b == 0:
            return None
        quotient = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
        return quotient if op == "div" else a - b * quotient
    da, db = to_decimal(a), to_decimal(b)
    try:
        if op == "+":
            return da + db
        if op == "-":
            return da - db
        if op == "*":
            return da * db
        if db == 0:
            return None
        if op == "/":
            return (da / db).normalize() if (da / db) == (da / db).to_integral() else da / db
        if op == "div":
            return int(da / db)
        return da % db
    except (DivisionByZero, InvalidOperation):
        return None


def build_binary(compiler: Compiler, node: ast.Binary) -> Fn:
    """Compile an infix operator."""
    left, right, op = compiler.compile(node.left), compiler.compile(node.right), node.op

    if op in ("and", "or", "xor", "implies"):

        def logic(focus: list[Any], ctx: Context) -> list[Any]:
            a = boolean_of(left(focus, ctx), compiler, node)
            if op == "and" and a is False:
                return _FALSE
            if op == "or" and a is True:
                return _TRUE
            if op == "implies" and a is False:
                return _TRUE
            return _wrap(_logic(op, a, boolean_of(right(focus, ctx), compiler, node)))

        return logic

    if op in ("=", "!="):
        negate = op == "!="

        def equality(focus: list[Any], ctx: Context) -> list[Any]:
            a, b = left(focus, ctx), right(focus, ctx)
            if len(a) == 1 and len(b) == 1:
                x, y = a[0], b[0]
                same = x == y if type(x) is str and type(y) is str else equal(x, y)
            else:
                same = _collection_equal(a, b)
            if same is None:
                return _EMPTY
            return _TRUE if same != negate else _FALSE

        return equality

    if op in ("~", "!~"):
        negate = op == "!~"
        return lambda focus, ctx: _wrap(
            _collection_equivalent(left(focus, ctx), right(focus, ctx)) != negate
        )

    if op in ("<", ">", "<=", ">="):
        return _comparison(compiler, node, left, right)

    if op == "|":
        return lambda focus, ctx: union(left(focus, ctx), right(focus, ctx))

    if op in ("in", "contains"):
        return _membership(compiler, node, left, right)

    if op == "&":

        def concat(focus: list[Any], ctx: Context) -> list[Any]:
            a = _text(single(left(focus, ctx), compiler, node), compiler, node)
            b = _text(single(right(focus, ctx), compiler, node), compiler, node)
            return [a + b]

        return concat

    return _arithmetic_fn(compiler, node, left, right)


def _text(value: Any, compiler: Compiler, node: ast.Node) -> str:
    """An operand of ``&``: empty is ``''``; primitives read as their string form."""
    if value is None:
        return ""
    if type(value) is str:
        return value
    text = to_text(value)
    if text is None:
        raise compiler.eval_error(f"& needs strings, got {describe(value)}", node)
    return text


def _comparison(compiler: Compiler, node: ast.Binary, left: Fn, right: Fn) -> Fn:
    op = node.op

    def compare(focus: list[Any], ctx: Context) -> list[Any]:
        a = single(left(focus, ctx), compiler, node)
        b = single(right(focus, ctx), compiler, node)
        if a is None or b is None:
            return _EMPTY
        try:
            result = order(a, b)
        except TypeError as exc:
            raise compiler.eval_error(str(exc), node) from None
        if result is None:
            return _EMPTY
        if op == "<":
            return _wrap(result < 0)
        if op == ">":
            return _wrap(result > 0)
        if op == "<=":
            return _wrap(result <= 0)
        return _wrap(result >= 0)

    return compare


def _membership(compiler: Compiler, node: ast.Binary, left: Fn, right: Fn) -> Fn:
    element_side, collection_side = (left, right) if node.op == "in" else (right, left)

    def member(focus: list[Any], ctx: Context) -> list[Any]:
        value = single(element_side(focus, ctx), compiler, node)
        if value is None:
            return _EMPTY
        return _wrap(contains_item(collection_side(focus, ctx), value))

    return member


def _arithmetic_fn(compiler: Compiler, node: ast.Binary, left: Fn, right: Fn) -> Fn:
    op = node.op

    def arithmetic(focus: list[Any], ctx: Context) -> list[Any]:
        a = single(left(focus, ctx), compiler, node)
        b = single(right(focus, ctx), compiler, node)
        if a is None or b is None:
            return _EMPTY
        try:
            result = _arithmetic(op, a, b)
        except TypeError as exc:
            raise compiler.eval_error(str(exc), node) from None
        return _EMPTY if result is None else [result]

    return arithmetic


def build_unary(compiler: Compiler, node: ast.Unary) -> Fn:
    """Compile prefix ``-``/``+``."""
    operand = compiler.compile(node.operand)

    def polarity(focus: list[Any], ctx: Context) -> list[Any]:
        value = single(operand(focus, ctx), compiler, node)
        if value is None:
            return _EMPTY
        if not is_number(value) or type(value) is bool:
            raise compiler.eval_error(f"cannot negate {describe(value)}", node)
        if node.op == "+":
            return [value]
        return [-value if type(value) is not float else -to_decimal(value)]

    return polarity


def build_type_test(compiler: Compiler, node: ast.TypeTest) -> Fn:
    """Compile ``is``/``as`` (on an element name: :meth:`Compiler.type_step`)."""
    type_name = node.type_name
    left_node = node.left
    if isinstance(left_node, ast.Member) and left_node.name[:1].islower():
        return compiler.type_step(left_node, type_name, node.op, node)
    if (
        isinstance(left_node, ast.Invoke)
        and isinstance(left_node.step, ast.Member)
        and left_node.step.name[:1].islower()
    ):  # ``a.b is T``: the last step decides (a choice key, a declared type)
        target = compiler.compile(left_node.target)
        tested = compiler.type_step(left_node.step, type_name, node.op, node)
        return lambda focus, ctx: tested(target(focus, ctx), ctx)

    left = compiler.compile(node.left)
    local = model.split_type_name(type_name)

    def generic(focus: list[Any], ctx: Context) -> list[Any]:
        value = single(left(focus, ctx), compiler, node)
        if value is None:
            return _EMPTY
        fits = is_instance(value, local)
        if node.op == "is":
            return _wrap(fits)
        return [value] if fits else _EMPTY

    return generic


__all__ = ["Decimal", "boolean_of", "build_binary", "contains_item", "single", "union"]
