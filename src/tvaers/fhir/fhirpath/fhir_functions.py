"""FHIR-specific FHIRPath functions: ``extension``, reference keys, boundaries, tree walks,
``htmlChecks``.

``getResourceKey()`` returns a resource's logical id (or, for a bundle entry without an
id, the UUID of its ``urn:uuid`` fullUrl). ``getReferenceKey([Type])`` returns the same
key for a reference, whatever its form: relative ``Patient/123``, absolute
``https://host/fhir/Patient/123`` (with or without ``_history``) or ``urn:uuid:…``, using
:func:`tvaers.fhir.references.parse_reference`. With a type, a reference of another
type gives empty; a ``urn:uuid`` reference has a known type only when the evaluation
context carries the bundle's fullUrl types (:class:`~.compiler.Context` ``urn_types``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from tvaers.fhir.fhirpath import ast, model
from tvaers.fhir.fhirpath.functions import _EMPTY, _value_arg, function
from tvaers.fhir.fhirpath.temporal import (
    Temporal,
    high_boundary,
    low_boundary,
    parse_date,
    parse_datetime,
    parse_time,
)
from tvaers.fhir.fhirpath.values import is_number, to_decimal
from tvaers.fhir.references import ResourceKey, parse_reference

if TYPE_CHECKING:
    from tvaers.fhir.fhirpath.compiler import Compiler, Context, Fn

_URN_UUID = "urn:uuid:"

#: Reference strings repeat (every resource of a citizen points at the same Patient).
_parse_reference = lru_cache(maxsize=65_536)(parse_reference)


@function("extension", 1, 1)
def _extension(compiler: Compiler, node: ast.Call) -> Fn:
    url_arg = _value_arg(compiler, node, 0)

    def extension(focus: list[Any], ctx: Context) -> list[Any]:
        url = url_arg(focus, ctx)
        out: list[Any] = []
        for item in focus:
            extensions = item.get("extension") if type(item) is dict else None
            if type(extensions) is list:
                out.extend(e for e in extensions if type(e) is dict and e.get("url") == url)
        return out

    return extension


def resource_key(resource: dict[str, Any], full_url: str | None = None) -> str | None:
    """The key ``getResourceKey()`` gives: the id, else the id its fullUrl names."""
    rid = resource.get("id")
    if type(rid) is str:
        return rid
    if full_url:
        if full_url.startswith(_URN_UUID):
            return full_url[len(_URN_UUID) :]
        parsed = parse_reference(full_url)
        if isinstance(parsed, ResourceKey):
            return parsed.id
    return None


def reference_key(
    reference: Any, wanted_type: str | None, urn_types: dict[str, str] | Any = None
) -> str | None:
    """The key ``getReferenceKey([Type])`` gives for one Reference element, or None."""
    if type(reference) is not dict:
        return None
    literal = reference.get("reference")
    if type(literal) is not str or literal.startswith("#"):
        return None
    if literal.startswith(_URN_UUID):
        if wanted_type is not None:
            known = (urn_types or {}).get(literal) or reference.get("type")
            if known != wanted_type:
                return None
        return literal[len(_URN_UUID) :]
    parsed = _parse_reference(literal)
    if not isinstance(parsed, ResourceKey):
        return None
    if wanted_type is not None and parsed.resource_type != wanted_type:
        return None
    return parsed.id


@function("getResourceKey")
def _get_resource_key(compiler: Compiler, node: ast.Call) -> Fn:
    def get_resource_key(focus: list[Any], ctx: Context) -> list[Any]:
        out: list[Any] = []
        for item in focus:
            if type(item) is dict and "resourceType" in item:
                key = resource_key(item, ctx.full_url if item is ctx.resource else None)
                if key is not None:
                    out.append(key)
        return out

    return get_resource_key


@function("getReferenceKey", 0, 1)
def _get_reference_key(compiler: Compiler, node: ast.Call) -> Fn:
    wanted: str | None = None
    if node.args:
        wanted = ast.type_name_of(node.args[0])
        if wanted is None:
            raise compiler.error("getReferenceKey() takes a resource type, e.g. Patient", node)
        wanted = model.split_type_name(wanted)
        if wanted not in model.RESOURCE_TYPES:
            raise compiler.error(f"unknown resource type {wanted!r} in getReferenceKey()", node)

    def get_reference_key(focus: list[Any], ctx: Context) -> list[Any]:
        out: list[Any] = []
        for item in focus:
            key = reference_key(item, wanted, ctx.urn_types)
            if key is not None:
                out.append(key)
        return out

    return get_reference_key


def _temporal_of(value: Any) -> Temporal | None:
    if type(value) is Temporal:
        return value
    if type(value) is not str:
        return None
    return parse_date(value) or parse_datetime(value) or parse_time(value)


def _decimal_boundary(value: Any, high: bool) -> Decimal:
    number = to_decimal(value)
    exponent = number.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    half = Decimal(5).scaleb(-(places + 1))
    return number + half if high else number - half


def _boundary(value: Any, high: bool) -> Any:
    if is_number(value) and type(value) is not bool:
        return _decimal_boundary(value, high)
    if type(value) is dict and ("start" in value or "end" in value):  # Period
        edge = _temporal_of(value.get("end" if high else "start"))
        if edge is None:
            return None
        edge = parse_datetime(edge.text) or edge
        return high_boundary(edge) if high else low_boundary(edge)
    temporal = _temporal_of(value)
    if temporal is None:
        return None
    return high_boundary(temporal) if high else low_boundary(temporal)


def _boundary_function(name: str, high: bool) -> None:
    @function(name, 0, 1)
    def build(compiler: Compiler, node: ast.Call) -> Fn:
        def boundary(focus: list[Any], ctx: Context) -> list[Any]:
            if not focus:
                return _EMPTY
            if len(focus) > 1:
                raise compiler.eval_error(f"{name}() needs a single value", node)
            result = _boundary(focus[0], high)
            return _EMPTY if result is None else [result]

        return boundary


_boundary_function("lowBoundary", high=False)
_boundary_function("highBoundary", high=True)


def _children(item: Any) -> list[Any]:
    """Child elements of a JSON object. ``resourceType`` is not an element, and neither is
    a primitive's ``_name`` sibling (it holds the id and extensions of ``name``)."""
    out: list[Any] = []
    if type(item) is dict:
        for key, value in item.items():
            if key == "resourceType" or key[:1] == "_":
                continue
            if type(value) is list:
                out.extend(v for v in value if v is not None)
            elif value is not None:
                out.append(value)
    return out


@function("children")
def _children_fn(compiler: Compiler, node: ast.Call) -> Fn:
    return lambda focus, ctx: [c for item in focus for c in _children(item)]


@function("descendants")
def _descendants(compiler: Compiler, node: ast.Call) -> Fn:
    def descendants(focus: list[Any], ctx: Context) -> list[Any]:
        out: list[Any] = []
        stack = [c for item in focus for c in _children(item)]
        stack.reverse()
        while stack:
            item = stack.pop()
            out.append(item)
            stack.extend(reversed(_children(item)))
        return out

    return descendants


@function("today")
def _today(compiler: Compiler, node: ast.Call) -> Fn:
    return lambda focus, ctx: [parse_date(datetime.now(UTC).date().isoformat())]


@function("now")
def _now(compiler: Compiler, node: ast.Call) -> Fn:
    return lambda focus, ctx: [
        parse_datetime(datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"))
    ]


_TAG = re.compile(r"<[^>]*>")


@function("htmlChecks")
def _html_checks(compiler: Compiler, node: ast.Call) -> Fn:
    """Narrative check (FHIR R4 ``txt-1``): a ``<div>`` in the XHTML namespace with some
    non-whitespace text. The full XHTML rules are the narrative's schema, not FHIRPath's."""

    def html_checks(focus: list[Any], ctx: Context) -> list[Any]:
        if len(focus) != 1 or type(focus[0]) is not str:
            return _EMPTY
        text = focus[0]
        ok = (
            text.lstrip().startswith("<div")
            and "xhtml" in text
            and bool(_TAG.sub("", text).strip())
        )
        return [ok]

    return html_checks
