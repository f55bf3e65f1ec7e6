"""Navigation steps: member access over plain JSON, choice elements, typed keys.

A step is a closure ``fn(focus, ctx) -> list`` like every compiled node. Untyped, a name
reads the JSON key of that name (a choice name such as ``value`` also ``valueQuantity``
...); ``name.ofType(T)`` reads the key ``name`` + ``T``. With a type model
(:mod:`.typed`), a step reads exactly the keys the definition names and the declared
types decide type tests; date, dateTime, instant and time values become
:class:`~.temporal.Temporal` values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tvaers.fhir.fhirpath import model
from tvaers.fhir.fhirpath.temporal import parse_date, parse_datetime, parse_time
from tvaers.fhir.fhirpath.typed import Child

if TYPE_CHECKING:
    from tvaers.fhir.fhirpath.compiler import Context, Fn


def _choice_value(item: dict[str, Any], name: str) -> Any:
    """Value of a choice element ``name[x]`` in ``item`` (e.g. ``valueQuantity``), or None."""
    size = len(name)
    for key, value in item.items():
        if len(key) > size and key.startswith(name) and key[size:] in model.SUFFIX_TO_TYPE:
            return value
    return None


def member_step(name: str) -> Fn:
    """Navigation to child ``name`` (choice elements included, nulls dropped)."""
    choice = name in model.CHOICE_NAMES
    if name[:1].isupper():
        return _type_filter(name)

    def member(focus: list[Any], ctx: Context) -> list[Any]:
        out: list[Any] = []
        for item in focus:
            if type(item) is dict:
                value = item.get(name)
                if value is None:
                    if not choice:
                        continue
                    value = _choice_value(item, name)
                    if value is None:
                        continue
                if type(value) is list:
                    if None in value:
                        out.extend(v for v in value if v is not None)
                    else:
                        out.extend(value)
                else:
                    out.append(value)
        return out

    return member


def members_step(names: tuple[str, ...], *, exact: bool = False) -> Fn:
    """Several plain member steps fused into one loop (``a.b.c``). ``exact``: a type model
    said each name is one JSON key of that name (no choice keys to search)."""
    if exact and len(names) == 1:
        return _single_key(names[0])
    if not exact and (
        len(names) == 1 or any(n in model.CHOICE_NAMES or n[:1].isupper() for n in names)
    ):
        steps = [member_step(n) for n in names]

        def chained(focus: list[Any], ctx: Context) -> list[Any]:
            for step in steps:
                focus = step(focus, ctx)
            return focus

        return steps[0] if len(steps) == 1 else chained

    def fused(focus: list[Any], ctx: Context) -> list[Any]:
        for name in names:
            out: list[Any] = []
            for item in focus:
                if type(item) is dict:
                    value = item.get(name)
                    if value is None:
                        continue
                    if type(value) is list:
                        if None in value:
                            out.extend(v for v in value if v is not None)
                        else:
                            out.extend(value)
                    else:
                        out.append(value)
            if not out:
                return out
            focus = out
        return focus

    return fused


def _type_filter(name: str) -> Fn:
    """A capitalised identifier: keeps resources of that type (``Patient.name``)."""

    def type_filter(focus: list[Any], ctx: Context) -> list[Any]:
        return [i for i in focus if type(i) is dict and i.get("resourceType") == name]

    return type_filter


def as_typed(value: Any, type_name: str) -> Any:
    """A JSON primitive read as temporal when its declared type is date/dateTime/time."""
    if type(value) is str and type_name in model.TEMPORAL_TYPES:
        parsed = (
            parse_date(value)
            if type_name == "date"
            else parse_time(value)
            if type_name == "time"
            else parse_datetime(value)
        )
        return parsed if parsed is not None else value
    return value


def typed_member_step(name: str, type_name: str) -> Fn:
    """``name.ofType(T)``: the key ``name`` + ``T`` (choice) or ``name`` if it is a ``T``."""
    from tvaers.fhir.fhirpath.values import is_instance

    local = model.split_type_name(type_name)
    key = name + local[:1].upper() + local[1:]

    def typed_member(focus: list[Any], ctx: Context) -> list[Any]:
        out: list[Any] = []
        for item in focus:
            if type(item) is not dict:
                continue
            value = item.get(key)
            if value is None:
                plain = item.get(name)
                if plain is None:
                    continue
                values = plain if type(plain) is list else [plain]
                out.extend(as_typed(v, local) for v in values if is_instance(v, local))
                continue
            if type(value) is list:
                out.extend(as_typed(v, local) for v in value if v is not None)
            else:
                out.append(as_typed(value, local))
        return out

    return typed_member


def keyed_step(children: tuple[Child, ...]) -> Fn:
    """A member step a type model resolved: read these keys, convert temporal values."""
    pairs = tuple(
        dict.fromkeys((c.key, c.type if c.type in model.TEMPORAL_TYPES else None) for c in children)
    )
    if len(pairs) == 1 and pairs[0][1] is None:
        return _single_key(pairs[0][0])

    def keyed(focus: list[Any], ctx: Context) -> list[Any]:
        out: list[Any] = []
        for item in focus:
            if type(item) is not dict:
                continue
            for key, temporal in pairs:
                value = item.get(key)
                if value is None:
                    continue
                values = value if type(value) is list else (value,)
                if temporal is None:
                    out.extend(v for v in values if v is not None)
                else:
                    out.extend(as_typed(v, temporal) for v in values if v is not None)
        return out

    return keyed


def _single_key(key: str) -> Fn:
    """Read one JSON key exactly (a typed member that is no choice and needs no conversion)."""

    def single_key(focus: list[Any], ctx: Context) -> list[Any]:
        out: list[Any] = []
        for item in focus:
            if type(item) is dict:
                value = item.get(key)
                if value is None:
                    continue
                if type(value) is list:
                    out.extend(v for v in value if v is not None)
                else:
                    out.append(value)
        return out

    return single_key


def declared_type_step(children: tuple[Child, ...], type_name: str) -> Fn:
    """The children of a typed member whose declared type is ``type_name`` (or a subtype);
    a child declared as an abstract ``Resource`` is tested by its ``resourceType``."""
    from tvaers.fhir.fhirpath.values import is_instance

    local = model.split_type_name(type_name)
    exact = tuple(c for c in children if model.is_a(c.type, local))
    abstract = tuple(c for c in children if c.type in model.ABSTRACT_RESOURCES and c not in exact)
    if not abstract:
        return keyed_step(exact)
    resources = keyed_step(abstract)
    if not exact:
        return lambda focus, ctx: [v for v in resources(focus, ctx) if is_instance(v, local)]
    exact_step = keyed_step(exact)

    def declared(focus: list[Any], ctx: Context) -> list[Any]:
        found = [v for v in resources(focus, ctx) if is_instance(v, local)]
        return exact_step(focus, ctx) + found

    return declared


def is_plain(children: tuple[Child, ...] | None, name: str) -> bool:
    """Whether a typed member step is just the JSON key ``name`` (fusable, no conversion)."""
    return children is None or (
        len(children) == 1
        and children[0].key == name
        and children[0].type not in model.TEMPORAL_TYPES
    )


__all__ = [
    "as_typed",
    "declared_type_step",
    "is_plain",
    "keyed_step",
    "member_step",
    "members_step",
    "typed_member_step",
]
