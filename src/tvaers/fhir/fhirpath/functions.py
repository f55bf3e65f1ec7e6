"""FHIRPath functions: existence, filtering, subsetting, combining, strings, math.

Each entry of :data:`FUNCTIONS` builds a closure for one call site at compile time (and
checks its arity there). Arguments that are expressions over each item (``where``,
``select``, ``exists``, ``all``, ``repeat``, ``iif``) are evaluated with the item as focus.
Boundary, reference-key and extension functions live in :mod:`.fhir_functions`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from tvaers.fhir.fhirpath import ast, model
from tvaers.fhir.fhirpath.operators import boolean_of, contains_item, single, union
from tvaers.fhir.fhirpath.values import is_instance, is_number, to_decimal, to_text

if TYPE_CHECKING:
    from tvaers.fhir.fhirpath.compiler import Compiler, Context, Fn

Builder = Callable[["Compiler", ast.Call], "Fn"]
FUNCTIONS: dict[str, Builder] = {}
_TRUE: list[Any] = [True]
_FALSE: list[Any] = [False]
_EMPTY: list[Any] = []


def function(name: str, min_args: int = 0, max_args: int = 0) -> Callable[[Builder], Builder]:
    """Register a builder, checking the argument count at compile time."""

    def register(builder: Builder) -> Builder:
        def checked(compiler: Compiler, node: ast.Call) -> Fn:
            count = len(node.args)
            if not min_args <= count <= max_args:
                wanted = str(min_args) if min_args == max_args else f"{min_args} to {max_args}"
                raise compiler.error(f"{name}() takes {wanted} argument(s), got {count}", node)
            return builder(compiler, node)

        FUNCTIONS[name] = checked
        return builder

    return register


def _per_item(compiler: Compiler, arg: ast.Node) -> Callable[[Any, int, Context], list[Any]]:
    """Compile an argument evaluated with one item as focus (and ``$index`` bound)."""
    fn = compiler.compile(arg)
    if not ast.mentions_index(arg):  # most criteria never read $index: no bookkeeping
        return lambda item, index, ctx: fn([item], ctx)

    def run(item: Any, index: int, ctx: Context) -> list[Any]:
        saved = ctx.index
        ctx.index = index
        try:
            return fn([item], ctx)
        finally:
            ctx.index = saved

    return run


def _value_arg(compiler: Compiler, node: ast.Call, i: int) -> Callable[[list[Any], Context], Any]:
    """Compile argument ``i`` evaluated once against the input (a single value or None)."""
    fn = compiler.compile(node.args[i])
    return lambda focus, ctx: single(fn(focus, ctx), compiler, node)


def _simple(name: str, op: Callable[[list[Any]], list[Any]]) -> None:
    """Register a function without arguments that maps the input collection."""

    @function(name)
    def build(compiler: Compiler, node: ast.Call) -> Fn:
        return lambda focus, ctx: op(focus)


# -- existence ------------------------------------------------------------------------------
_simple("empty", lambda f: _FALSE if f else _TRUE)
_simple("count", lambda f: [len(f)])
_simple("first", lambda f: f[:1])
_simple("last", lambda f: f[-1:])
_simple("tail", lambda f: f[1:])
_simple("hasValue", lambda f: _TRUE if len(f) == 1 and type(f[0]) is not dict else _FALSE)
_simple("allTrue", lambda f: _TRUE if all(v is True for v in f) else _FALSE)
_simple("anyTrue", lambda f: _TRUE if any(v is True for v in f) else _FALSE)
_simple("allFalse", lambda f: _TRUE if all(v is False for v in f) else _FALSE)
_simple("anyFalse", lambda f: _TRUE if any(v is False for v in f) else _FALSE)
_simple("distinct", lambda f: union(f, []))
_simple("isDistinct", lambda f: _TRUE if len(union(f, [])) == len(f) else _FALSE)


@function("exists", 0, 1)
def _exists(compiler: Compiler, node: ast.Call) -> Fn:
    if not node.args:
        return lambda focus, ctx: _TRUE if focus else _FALSE
    where = _where(compiler, node)
    return lambda focus, ctx: _TRUE if where(focus, ctx) else _FALSE


@function("all", 1, 1)
def _all(compiler: Compiler, node: ast.Call) -> Fn:
    criteria = _per_item(compiler, node.args[0])

    def all_(focus: list[Any], ctx: Context) -> list[Any]:
        for i, item in enumerate(focus):
            if boolean_of(criteria(item, i, ctx), compiler, node) is not True:
                return _FALSE
        return _TRUE

    return all_


@function("where", 1, 1)
def _where(compiler: Compiler, node: ast.Call) -> Fn:
    criteria = _per_item(compiler, node.args[0])

    def where(focus: list[Any], ctx: Context) -> list[Any]:
        return [
            item
            for i, item in enumerate(focus)
            if boolean_of(criteria(item, i, ctx), compiler, node) is True
        ]

    return where


@function("select", 1, 1)
def _select(compiler: Compiler, node: ast.Call) -> Fn:
    projection = _per_item(compiler, node.args[0])

    def select(focus: list[Any], ctx: Context) -> list[Any]:
        out: list[Any] = []
        for i, item in enumerate(focus):
            out.extend(projection(item, i, ctx))
        return out

    return select


@function("repeat", 1, 1)
def _repeat(compiler: Compiler, node: ast.Call) -> Fn:
    projection = _per_item(compiler, node.args[0])

    def repeat(focus: list[Any], ctx: Context) -> list[Any]:
        out: list[Any] = []
        queue = list(focus)
        while queue:
            item = queue.pop(0)
            for child in projection(item, 0, ctx):
                if not any(child is seen for seen in out):
                    out.append(child)
                    queue.append(child)
        return out

    return repeat


def _type_arg(compiler: Compiler, node: ast.Call) -> str:
    """The type an ``ofType``/``as``/``is`` argument names, resolved once (``String`` ->
    ``string``)."""
    type_name = ast.type_name_of(node.args[0])
    if type_name is None:
        raise compiler.error(f"{node.name}() needs a type name, e.g. {node.name}(Quantity)", node)
    return model.split_type_name(type_name)


@function("ofType", 1, 1)
def _of_type(compiler: Compiler, node: ast.Call) -> Fn:
    type_name = _type_arg(compiler, node)
    return lambda focus, ctx: [v for v in focus if is_instance(v, type_name)]


@function("as", 1, 1)
def _as(compiler: Compiler, node: ast.Call) -> Fn:
    """``as(T)`` keeps the items of type T. N1 defines the function like the operator (one
    item), but R4's own invariants (``dom-3``: ``descendants().as(canonical)``) and the
    reference validator use it as a filter over any number of items, so it filters."""
    type_name = _type_arg(compiler, node)
    return lambda focus, ctx: [v for v in focus if is_instance(v, type_name)]


@function("is", 1, 1)
def _is(compiler: Compiler, node: ast.Call) -> Fn:
    """``is(T)``: the function form of the ``is`` operator (one item, else an error)."""
    type_name = _type_arg(compiler, node)

    def is_(focus: list[Any], ctx: Context) -> list[Any]:
        value = single(focus, compiler, node)
        if value is None:
            return _EMPTY
        return _TRUE if is_instance(value, type_name) else _FALSE

    return is_


@function("single")
def _single(compiler: Compiler, node: ast.Call) -> Fn:
    return lambda focus, ctx: [single(focus, compiler, node)] if focus else _EMPTY


@function("skip", 1, 1)
def _skip(compiler: Compiler, node: ast.Call) -> Fn:
    count = _value_arg(compiler, node, 0)
    return lambda focus, ctx: focus[max(count(focus, ctx) or 0, 0) :]


@function("take", 1, 1)
def _take(compiler: Compiler, node: ast.Call) -> Fn:
    count = _value_arg(compiler, node, 0)
    return lambda focus, ctx: focus[: max(count(focus, ctx) or 0, 0)]


@function("not")
def _not(compiler: Compiler, node: ast.Call) -> Fn:
    def not_(focus: list[Any], ctx: Context) -> list[Any]:
        value = boolean_of(focus, compiler, node)
        return _EMPTY if value is None else (_FALSE if value else _TRUE)

    return not_


@function("iif", 2, 3)
def _iif(compiler: Compiler, node: ast.Call) -> Fn:
    criterion, then = compiler.compile(node.args[0]), compiler.compile(node.args[1])
    otherwise = compiler.compile(node.args[2]) if len(node.args) == 3 else None

    def iif(focus: list[Any], ctx: Context) -> list[Any]:
        if boolean_of(criterion(focus, ctx), compiler, node) is True:
            return then(focus, ctx)
        return otherwise(focus, ctx) if otherwise is not None else _EMPTY

    return iif


def _combining(name: str, combine: Callable[[list[Any], list[Any]], list[Any]]) -> None:
    @function(name, 1, 1)
    def build(compiler: Compiler, node: ast.Call) -> Fn:
        other = compiler.compile(node.args[0])
        return lambda focus, ctx: combine(focus, other(focus, ctx))


_combining("union", union)
_combining("combine", lambda a, b: [*a, *b])
_combining("intersect", lambda a, b: union([x for x in a if contains_item(b, x)], []))
_combining("exclude", lambda a, b: [x for x in a if not contains_item(b, x)])
_combining("subsetOf", lambda a, b: _TRUE if all(contains_item(b, x) for x in a) else _FALSE)
_combining("supersetOf", lambda a, b: _TRUE if all(contains_item(a, x) for x in b) else _FALSE)


@function("trace", 1, 2)
def _trace(compiler: Compiler, node: ast.Call) -> Fn:
    return lambda focus, ctx: focus


# -- strings ----------------------------------------------------------------------------
@function("join", 0, 1)
def _join(compiler: Compiler, node: ast.Call) -> Fn:
    separator = _value_arg(compiler, node, 0) if node.args else None

    def join(focus: list[Any], ctx: Context) -> list[Any]:
        sep = (separator(focus, ctx) if separator else None) or ""
        return [sep.join(v if type(v) is str else to_text(v) or "" for v in focus)]

    return join


def _string_fn(name: str, arity: int, op: Callable[..., Any]) -> None:
    @function(name, arity, arity)
    def build(compiler: Compiler, node: ast.Call) -> Fn:
        args = [_value_arg(compiler, node, i) for i in range(arity)]

        def apply(focus: list[Any], ctx: Context) -> list[Any]:
            value = single(focus, compiler, node)
            if value is None:
                return _EMPTY
            if type(value) is not str:
                raise compiler.eval_error(f"{name}() needs a string input", node)
            params = [a(focus, ctx) for a in args]
            if any(p is None for p in params):
                return _EMPTY
            result = op(value, *params)
            if type(result) is list:
                return result
            return _EMPTY if result is None else [result]

        return apply


_string_fn("startsWith", 1, lambda s, p: s.startswith(p))
_string_fn("endsWith", 1, lambda s, p: s.endswith(p))
_string_fn("contains", 1, lambda s, p: p in s)
_string_fn("upper", 0, str.upper)
_string_fn("lower", 0, str.lower)
_string_fn("trim", 0, str.strip)
_string_fn("length", 0, len)
_string_fn("toChars", 0, list)
_string_fn("indexOf", 1, lambda s, p: s.find(p))
_string_fn("replace", 2, lambda s, a, b: s.replace(a, b))
_string_fn("matches", 1, lambda s, p: re.search(p, s, re.DOTALL) is not None)
_string_fn("replaceMatches", 2, lambda s, p, r: re.sub(p, r.replace("$", "\\"), s))
_string_fn("split", 1, lambda s, p: s.split(p))


@function("substring", 1, 2)
def _substring(compiler: Compiler, node: ast.Call) -> Fn:
    start = _value_arg(compiler, node, 0)
    length = _value_arg(compiler, node, 1) if len(node.args) > 1 else None

    def substring(focus: list[Any], ctx: Context) -> list[Any]:
        value, begin = single(focus, compiler, node), start(focus, ctx)
        if type(value) is not str or begin is None or not 0 <= begin < len(value):
            return _EMPTY
        size = length(focus, ctx) if length else None
        return [value[begin:] if size is None else value[begin : begin + max(size, 0)]]

    return substring


# -- conversion and math --------------------------------------------------------------------
def _convert(name: str, op: Callable[[Any], Any]) -> None:
    @function(name)
    def build(compiler: Compiler, node: ast.Call) -> Fn:
        def convert(focus: list[Any], ctx: Context) -> list[Any]:
            value = single(focus, compiler, node)
            result = None if value is None else op(value)
            return _EMPTY if result is None else [result]

        return convert


def _to_integer(v: Any) -> int | None:
    if type(v) is int:
        return v
    if type(v) is bool:
        return int(v)
    if type(v) is str and re.fullmatch(r"[+-]?\d+", v):
        return int(v)
    return None


def _to_decimal(v: Any) -> Decimal | None:
    if is_number(v):
        return to_decimal(v)
    if type(v) is bool:
        return Decimal(int(v))
    if type(v) is str and re.fullmatch(r"[+-]?\d+(\.\d+)?", v):
        return Decimal(v)
    return None


_BOOLEANS = {"true": True, "t": True, "yes": True, "y": True, "1": True, "1.0": True,
             "false": False, "f": False, "no": False, "n": False, "0": False, "0.0": False}  # fmt: skip


def _to_boolean(v: Any) -> bool | None:
    if type(v) is bool:
        return v
    if is_number(v) and to_decimal(v) in (0, 1):
        return to_decimal(v) == 1
    return _BOOLEANS.get(v.lower()) if type(v) is str else None


def _math(v: Any, op: Callable[[Decimal], Any]) -> Any:
    if not is_number(v):
        return None
    try:
        return op(to_decimal(v))
    except (InvalidOperation, ValueError):
        return None


_convert("toString", to_text)
_convert("toInteger", _to_integer)
_convert("toDecimal", _to_decimal)
_convert("toBoolean", _to_boolean)
_convert("convertsToInteger", lambda v: _to_integer(v) is not None)
_convert("convertsToDecimal", lambda v: _to_decimal(v) is not None)
_convert("convertsToBoolean", lambda v: _to_boolean(v) is not None)
_convert("convertsToString", lambda v: to_text(v) is not None)
_convert("abs", lambda v: _math(v, abs) if type(v) is not int else abs(v))
_convert("ceiling", lambda v: _math(v, math.ceil))
_convert("floor", lambda v: _math(v, lambda d: int(d.to_integral_value(rounding=ROUND_FLOOR))))
_convert("truncate", lambda v: _math(v, int))


@function("round", 0, 1)
def _round(compiler: Compiler, node: ast.Call) -> Fn:
    places = _value_arg(compiler, node, 0) if node.args else None

    def round_(focus: list[Any], ctx: Context) -> list[Any]:
        value = single(focus, compiler, node)
        if not is_number(value):
            return _EMPTY
        digits = places(focus, ctx) if places else 0
        return [round(to_decimal(value), digits or 0)]

    return round_


# FHIR-specific functions register themselves on import.
from tvaers.fhir.fhirpath import fhir_functions  # noqa: E402

__all__ = ["FUNCTIONS", "fhir_functions", "function"]
