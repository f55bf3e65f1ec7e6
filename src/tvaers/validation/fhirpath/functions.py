"""FHIRPath functions of the subset: existence, filtering, subsetting, strings, types and
the FHIR-specific ``resolve``, ``memberOf``, ``conformsTo``, ``hasValue``, ``htmlChecks``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from tvaers.validation.fhirpath.evaluate import (
    FALSE,
    TRUE,
    Collection,
    Env,
    EvalError,
    Fn,
    _compile,
    _union,
    boolean,
    single,
    to_bool,
    type_name,
)
from tvaers.validation.fhirpath.model import (
    Node,
    children,
    equal,
    is_type,
    literal,
    node_for_resource,
)
from tvaers.validation.fhirpath.parse import Ast, FhirPathSyntaxError

Impl = Callable[[Collection, Env, "Node | None", tuple[Fn, ...]], Collection]


def _criteria(items: Collection, env: Env, crit: Fn) -> list[bool | None]:
    return [to_bool(crit([item], env, item)) for item in items]


def _exists(items: Collection, env: Env, this: Node | None, args: tuple[Fn, ...]) -> Collection:
    if args:
        return boolean(any(r is True for r in _criteria(items, env, args[0])))
    return boolean(bool(items))


def _all(items: Collection, env: Env, this: Node | None, args: tuple[Fn, ...]) -> Collection:
    return boolean(all(r is True for r in _criteria(items, env, args[0])))


def _where(items: Collection, env: Env, this: Node | None, args: tuple[Fn, ...]) -> Collection:
    return [
        item for item, r in zip(items, _criteria(items, env, args[0]), strict=True) if r is True
    ]


def _select(items: Collection, env: Env, this: Node | None, args: tuple[Fn, ...]) -> Collection:
    out: Collection = []
    for item in items:
        out.extend(args[0]([item], env, item))
    return out


def _iif(items: Collection, env: Env, this: Node | None, args: tuple[Fn, ...]) -> Collection:
    condition = to_bool(args[0](items, env, this))
    if condition is True:
        return args[1](items, env, this)
    return args[2](items, env, this) if len(args) > 2 else []


def _not(items: Collection, env: Env, this: Node | None, args: tuple[Fn, ...]) -> Collection:
    if not items:
        return []
    value = to_bool(items)
    return [FALSE] if value else [TRUE]


def _distinct_check(items: Collection) -> bool:
    return all(not equal(a, b) for i, a in enumerate(items) for b in items[i + 1 :])


def _string_fn(fn: Callable[[str, list[object]], object]) -> Impl:
    def apply(items: Collection, env: Env, this: Node | None, args: tuple[Fn, ...]) -> Collection:
        if not items:
            return []
        node = single(items)
        if node is None or not isinstance(node.value, str):
            return []
        params = []
        for arg in args:
            value = single(arg(items if this is None else [this], env, this))
            if value is None:
                return []
            params.append(value.value)
        result = fn(node.value, params)
        if result is True or result is False:
            return [TRUE if result else FALSE]
        return [] if result is None else [literal(result)]

    return apply


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.DOTALL)


def _substring(text: str, params: list[object]) -> object:
    start = params[0]
    if not isinstance(start, int) or start < 0 or start >= len(text):
        return None
    length = params[1] if len(params) > 1 else None
    return text[start:] if length is None else text[start : start + int(length)]  # type: ignore[call-overload]


def _resolve(items: Collection, env: Env, this: Node | None, args: tuple[Fn, ...]) -> Collection:
    out: Collection = []
    for item in items:
        value = item.value
        reference = value.get("reference") if isinstance(value, dict) else value
        if isinstance(reference, str):
            target = env.resolve(reference)
            if target is not None:
                out.append(node_for_resource(target))
    return out


def _member_of(items: Collection, env: Env, this: Node | None, args: tuple[Fn, ...]) -> Collection:
    node, url = single(items), single(args[0](items, env, this))
    if node is None or url is None:
        return []
    return boolean(env.member_of(str(url.value), node))


def _conforms_to(
    items: Collection, env: Env, this: Node | None, args: tuple[Fn, ...]
) -> Collection:
    node, url = single(items), single(args[0](items, env, this))
    if node is None or url is None:
        return []
    return boolean(env.conforms_to(node, str(url.value)))


def _has_value(items: Collection, env: Env, this: Node | None, args: tuple[Fn, ...]) -> Collection:
    node = single(items)
    return boolean(
        node is not None and not isinstance(node.value, dict | list) and node.value is not None
    )


def _html_checks(
    items: Collection, env: Env, this: Node | None, args: tuple[Fn, ...]
) -> Collection:
    """Narrative: a <div> in the XHTML namespace with some non-whitespace text."""
    node = single(items)
    if node is None or not isinstance(node.value, str):
        return []
    text = re.sub(r"<[^>]*>", "", node.value)
    return boolean(
        node.value.lstrip().startswith("<div") and "xhtml" in node.value and bool(text.strip())
    )


def _descendants(items: Collection) -> Collection:
    out: Collection = []
    stack = list(reversed(items))
    while stack:
        node = stack.pop()
        kids = children(node)
        out.extend(kids)
        stack.extend(reversed(kids))
    return out


def _to_integer(items: Collection, env: Env, this: Node | None, args: tuple[Fn, ...]) -> Collection:
    node = single(items)
    if node is None:
        return []
    value = node.value
    if isinstance(value, bool):
        return [literal(int(value))]
    if isinstance(value, int):
        return [literal(value)]
    return (
        [literal(int(value))] if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value) else []
    )


def _to_string(items: Collection, env: Env, this: Node | None, args: tuple[Fn, ...]) -> Collection:
    node = single(items)
    if node is None or isinstance(node.value, dict | list):
        return []
    value = node.value
    return [literal(("true" if value else "false") if isinstance(value, bool) else str(value))]


def _extension(items: Collection, env: Env, this: Node | None, args: tuple[Fn, ...]) -> Collection:
    url = single(args[0](items, env, this))
    from tvaers.validation.fhirpath.model import navigate

    return [ext for item in items for ext in navigate(item, "extension")
            if url is not None and isinstance(ext.value, dict) and ext.value.get("url") == url.value]  # fmt: skip


def _collection(fn: Callable[[Collection, Collection], Collection]) -> Impl:
    return lambda items, env, this, args: fn(
        items, args[0](items if this is None else [this], env, this)
    )


FUNCTIONS: dict[str, Impl] = {
    "empty": lambda items, env, this, args: [FALSE] if items else [TRUE],
    "exists": _exists,
    "all": _all,
    "where": _where,
    "select": _select,
    "iif": _iif,
    "not": _not,
    "count": lambda items, env, this, args: [literal(len(items))],
    "first": lambda items, env, this, args: items[:1],
    "last": lambda items, env, this, args: items[-1:],
    "tail": lambda items, env, this, args: items[1:],
    "single": lambda items, env, this, args: [n] if (n := single(items)) else [],
    "distinct": lambda items, env, this, args: _union(items, []),
    "isDistinct": lambda items, env, this, args: boolean(_distinct_check(items)),
    "anyTrue": lambda items, env, this, args: boolean(any(n.value is True for n in items)),
    "allTrue": lambda items, env, this, args: boolean(all(n.value is True for n in items)),
    "anyFalse": lambda items, env, this, args: boolean(any(n.value is False for n in items)),
    "allFalse": lambda items, env, this, args: boolean(all(n.value is False for n in items)),
    "hasValue": _has_value,
    "children": lambda items, env, this, args: [c for n in items for c in children(n)],
    "descendants": lambda items, env, this, args: _descendants(items),
    "resolve": _resolve,
    "memberOf": _member_of,
    "conformsTo": _conforms_to,
    "htmlChecks": _html_checks,
    "extension": _extension,
    "trace": lambda items, env, this, args: items,
    "toInteger": _to_integer,
    "toString": _to_string,
    "contains": _string_fn(lambda s, p: str(p[0]) in s),
    "startsWith": _string_fn(lambda s, p: s.startswith(str(p[0]))),
    "endsWith": _string_fn(lambda s, p: s.endswith(str(p[0]))),
    "matches": _string_fn(lambda s, p: _regex(str(p[0])).search(s) is not None),
    "substring": _string_fn(_substring),
    "length": _string_fn(lambda s, p: len(s)),
    "upper": _string_fn(lambda s, p: s.upper()),
    "lower": _string_fn(lambda s, p: s.lower()),
    "intersect": _collection(
        lambda a, b: [n for n in _union(a, []) if any(equal(n, m) for m in b)]
    ),
    "union": _collection(_union),
    "combine": _collection(lambda a, b: a + b),
    "exclude": _collection(lambda a, b: [n for n in a if not any(equal(n, m) for m in b)]),
}
_TYPE_FUNCTIONS = frozenset({"ofType", "as", "is"})


def compile_function(name: str, arg_asts: tuple[Ast, ...]) -> Fn:
    """A closure applying function ``name`` to the focus."""
    if name in _TYPE_FUNCTIONS:
        wanted = type_name(arg_asts[0])
        if name == "ofType":
            return lambda focus, env, this: [n for n in focus if is_type(n, wanted)]
        if name == "as":
            return lambda focus, env, this: [n for n in focus if is_type(n, wanted)]
        return lambda focus, env, this: (
            [] if (n := single(focus)) is None else [TRUE if is_type(n, wanted) else FALSE]
        )
    impl = FUNCTIONS.get(name)
    if impl is None:
        raise FhirPathSyntaxError(f"FHIRPath function {name}() is not supported")
    args = tuple(_compile(a) for a in arg_asts)
    return lambda focus, env, this: impl(focus, env, this, args)


__all__ = ["FUNCTIONS", "EvalError", "compile_function"]
