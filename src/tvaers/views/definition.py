"""Load and validate SQL-on-FHIR v2 ViewDefinitions.

:func:`load_view` checks a ViewDefinition (a dict parsed from JSON) and returns an
immutable :class:`ViewDefinition`. Every problem is a :class:`~tvaers.errors.DefinitionError`
whose location is a JSON pointer into the definition (``view.json#/select/0/column/1/path``),
with a hint (nearest valid name, the expected form). FHIRPath expressions are compiled
later by :mod:`tvaers.views.compile`, which reports syntax errors the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tvaers.errors import DefinitionError, nearest
from tvaers.fhir.fhirpath import model
from tvaers.views.types import COLUMN_TYPES, constant_value, normalise_type

_SQL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESOURCE_KEYS = {
    "resourceType", "id", "meta", "implicitRules", "language", "text", "contained", "extension",
    "modifierExtension", "url", "identifier", "version", "name", "title", "status", "experimental",
    "date", "publisher", "contact", "description", "useContext", "jurisdiction", "purpose",
    "copyright", "copyrightLabel", "resource", "resourceVersion", "profile", "fhirVersion",
    "constant", "select", "where",
}  # fmt: skip
_SELECT_KEYS = {
    "column",
    "select",
    "forEach",
    "forEachOrNull",
    "repeat",
    "unionAll",
    "id",
    "extension",
}
_COLUMN_KEYS = {"name", "path", "description", "collection", "type", "tag", "id", "extension"}
_CONSTANT_KEYS = {"name", "id", "extension"}


@dataclass(frozen=True, slots=True)
class Column:
    """One output column: its FHIRPath, declared type and whether it holds a list."""

    name: str
    path: str
    type: str  # FHIR type code ("string", "date", ...); "string" when not declared
    collection: bool
    tags: tuple[tuple[str, str], ...]
    pointer: str  # JSON pointer of the column in the definition
    declared: bool = True  # False when the type was not declared (treated as string)


@dataclass(frozen=True, slots=True)
class Select:
    """A selection structure (``select[]`` entry or ``unionAll[]`` branch)."""

    columns: tuple[Column, ...]
    selects: tuple[Select, ...]
    union_all: tuple[Select, ...]
    for_each: str | None
    or_null: bool
    repeat: tuple[str, ...]
    pointer: str


@dataclass(frozen=True, slots=True)
class ViewDefinition:
    """A validated ViewDefinition."""

    resource: str
    select: Select  # the top-level ``select[]`` as one structure with nested selects
    where: tuple[tuple[str, str], ...]  # (path, pointer)
    constants: dict[str, list[Any]]
    name: str | None
    source: str
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def columns(self) -> tuple[Column, ...]:
        """Output columns in order (own columns, nested selects, then unionAll)."""
        return output_columns(self.select)


def locate(source: str, pointer: str) -> str:
    """``source#pointer`` (a pointer appended directly when ``source`` has one already)."""
    return f"{source}{pointer}" if "#" in source else f"{source}#{pointer or '/'}"


def _error(source: str, pointer: str, message: str, hint: str | None = None) -> DefinitionError:
    return DefinitionError(message, location=locate(source, pointer), hint=hint)


def _check_keys(obj: dict[str, Any], allowed: set[str], source: str, pointer: str) -> None:
    for key in obj:
        if key not in allowed:
            guess = nearest(key, allowed)
            hint = f"did you mean {guess!r}?" if guess else f"allowed: {', '.join(sorted(allowed))}"
            raise _error(source, f"{pointer}/{key}", f"unknown element {key!r}", hint)


def _string(
    obj: dict[str, Any], key: str, source: str, pointer: str, *, required: bool
) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise _error(source, pointer, f"{key!r} is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise _error(
            source, f"{pointer}/{key}", f"{key!r} must be a non-empty string, not {value!r}"
        )
    return value


def _list(obj: dict[str, Any], key: str, source: str, pointer: str) -> list[Any]:
    value = obj.get(key, [])
    if not isinstance(value, list):
        raise _error(
            source, f"{pointer}/{key}", f"{key!r} must be an array, not {type(value).__name__}"
        )
    return value


def load_view(raw: Any, *, source: str = "view") -> ViewDefinition:
    """Validate a parsed ViewDefinition; raise :class:`DefinitionError` on the first problem."""
    if not isinstance(raw, dict):
        raise _error(source, "", "a ViewDefinition must be a JSON object")
    _check_keys(raw, _RESOURCE_KEYS, source, "")
    if raw.get("resourceType", "ViewDefinition") != "ViewDefinition":
        raise _error(
            source, "/resourceType", f"expected 'ViewDefinition', got {raw['resourceType']!r}"
        )
    resource = _string(raw, "resource", source, "", required=True)
    assert resource is not None
    if resource not in model.RESOURCE_TYPES:
        guess = nearest(resource, set(model.RESOURCE_TYPES))
        raise _error(source, "/resource", f"unknown FHIR R4 resource type {resource!r}",
                     f"did you mean {guess!r}?" if guess else None)  # fmt: skip
    selects = _list(raw, "select", source, "")
    if not selects:
        raise _error(source, "/select", "a ViewDefinition needs at least one select")
    top = Select((), tuple(_select(s, source, f"/select/{i}") for i, s in enumerate(selects)),
                 (), None, False, (), "")  # fmt: skip
    check_columns(top, source)
    where = []
    for i, item in enumerate(_list(raw, "where", source, "")):
        pointer = f"/where/{i}"
        if not isinstance(item, dict):
            raise _error(source, pointer, "a where entry must be an object with a 'path'")
        _check_keys(item, {"path", "description", "id", "extension"}, source, pointer)
        path = _string(item, "path", source, pointer, required=True)
        assert path is not None
        where.append((path, f"{pointer}/path"))
    name = raw.get("name") if isinstance(raw.get("name"), str) else None
    return ViewDefinition(resource, top, tuple(where), _constants(raw, source), name, source, raw)


def _constants(raw: dict[str, Any], source: str) -> dict[str, list[Any]]:
    constants: dict[str, list[Any]] = {}
    for i, item in enumerate(_list(raw, "constant", source, "")):
        pointer = f"/constant/{i}"
        if not isinstance(item, dict):
            raise _error(source, pointer, "a constant must be an object with 'name' and 'value[x]'")
        name = _string(item, "name", source, pointer, required=True)
        assert name is not None
        if not _SQL_NAME.match(name):
            raise _error(source, f"{pointer}/name", f"constant name {name!r} is not a valid name")
        values = [k for k in item if k.startswith("value")]
        extra = [k for k in item if k not in _CONSTANT_KEYS and not k.startswith("value")]
        if extra:
            _check_keys({extra[0]: None}, _CONSTANT_KEYS | {"value[x]"}, source, pointer)
        if len(values) != 1:
            raise _error(source, pointer, f"constant {name!r} needs exactly one value[x], found {len(values)}",
                         "e.g. \"valueString\": \"official\"")  # fmt: skip
        try:
            constants[name] = [constant_value(values[0], item[values[0]])]
        except ValueError as exc:
            raise _error(source, f"{pointer}/{values[0]}", str(exc)) from None
        if name in ("rowIndex", "resource", "context", "rootResource"):
            raise _error(source, f"{pointer}/name", f"constant name %{name} is reserved")
    return constants


def _select(raw: Any, source: str, pointer: str) -> Select:
    if not isinstance(raw, dict):
        raise _error(source, pointer, "a select must be an object")
    _check_keys(raw, _SELECT_KEYS, source, pointer)
    iterators = [k for k in ("forEach", "forEachOrNull", "repeat") if k in raw]
    if len(iterators) > 1:
        raise _error(
            source, pointer, f"use only one of forEach, forEachOrNull, repeat (found {iterators})"
        )
    for_each = _string(raw, "forEach", source, pointer, required=False)
    or_null = "forEachOrNull" in raw
    if or_null:
        for_each = _string(raw, "forEachOrNull", source, pointer, required=True)
    repeat: tuple[str, ...] = ()
    if "repeat" in raw:
        paths = _list(raw, "repeat", source, pointer)
        if not paths or not all(isinstance(p, str) and p.strip() for p in paths):
            raise _error(
                source, f"{pointer}/repeat", "repeat must be a non-empty array of FHIRPath strings"
            )
        repeat = tuple(paths)
    columns = tuple(
        _column(c, source, f"{pointer}/column/{i}")
        for i, c in enumerate(_list(raw, "column", source, pointer))
    )
    selects = tuple(
        _select(s, source, f"{pointer}/select/{i}")
        for i, s in enumerate(_list(raw, "select", source, pointer))
    )
    unions = tuple(
        _select(s, source, f"{pointer}/unionAll/{i}")
        for i, s in enumerate(_list(raw, "unionAll", source, pointer))
    )
    if not columns and not selects and not unions:
        raise _error(source, pointer, "a select needs at least one of column, select, unionAll")
    return Select(columns, selects, unions, for_each, or_null, repeat, pointer)


def _column(raw: Any, source: str, pointer: str) -> Column:
    if not isinstance(raw, dict):
        raise _error(source, pointer, "a column must be an object with 'name' and 'path'")
    _check_keys(raw, _COLUMN_KEYS, source, pointer)
    path = _string(raw, "path", source, pointer, required=True)
    name = _string(raw, "name", source, pointer, required=True)
    assert path is not None and name is not None
    if not _SQL_NAME.match(name):
        raise _error(source, f"{pointer}/name", f"column name {name!r} is not a valid SQL name",
                     "use letters, digits and underscores, starting with a letter")  # fmt: skip
    declared = raw.get("type")
    if declared is not None and not isinstance(declared, str):
        raise _error(source, f"{pointer}/type", "'type' must be a string (a FHIR type code)")
    column_type = normalise_type(declared) if declared else "string"
    if column_type not in COLUMN_TYPES:
        guess = nearest(column_type, set(COLUMN_TYPES))
        raise _error(source, f"{pointer}/type", f"unknown column type {declared!r}",
                     f"did you mean {guess!r}?" if guess else None)  # fmt: skip
    collection = raw.get("collection", False)
    if not isinstance(collection, bool):
        raise _error(source, f"{pointer}/collection", "'collection' must be true or false")
    tags = []
    for i, tag in enumerate(_list(raw, "tag", source, pointer)):
        if not (
            isinstance(tag, dict)
            and isinstance(tag.get("name"), str)
            and isinstance(tag.get("value"), str)
        ):
            raise _error(source, f"{pointer}/tag/{i}", "a tag needs string 'name' and 'value'")
        tags.append((tag["name"], tag["value"]))
    return Column(name, path, column_type, collection, tuple(tags), pointer, declared is not None)


def output_columns(select: Select) -> tuple[Column, ...]:
    """Columns a selection produces, in output order."""
    out = list(select.columns)
    for child in select.selects:
        out.extend(output_columns(child))
    if select.union_all:
        out.extend(output_columns(select.union_all[0]))
    return tuple(out)


def check_columns(select: Select, source: str) -> None:
    """Column names unique across the view; unionAll branches with equal columns."""
    seen: dict[str, str] = {}
    for column in output_columns(select):
        if column.name in seen:
            raise _error(source, f"{column.pointer}/name", f"column {column.name!r} is already defined",
                         f"first defined at {seen[column.name]}")  # fmt: skip
        seen[column.name] = column.pointer
    _check_unions(select, source)


def _check_unions(select: Select, source: str) -> None:
    for child in (*select.selects, *select.union_all):
        _check_unions(child, source)
    if not select.union_all:
        return
    first = [(c.name, c.type, c.collection) for c in output_columns(select.union_all[0])]
    for branch in select.union_all[1:]:
        other = [(c.name, c.type, c.collection) for c in output_columns(branch)]
        if other != first:
            raise _error(source, branch.pointer, "unionAll branches must have the same columns in the same order",
                         f"first branch: {_show(first)}, this one: {_show(other)}")  # fmt: skip


def _show(columns: list[tuple[str, str, bool]]) -> str:
    return ", ".join(f"{n}: {t}{'[]' if c else ''}" for n, t, c in columns) or "no columns"
