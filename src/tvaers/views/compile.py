"""Compile a ViewDefinition into a row function over resources.

:func:`compile_view` compiles every FHIRPath in the definition once and returns a
:class:`CompiledView`; ``compiled.rows(resource)`` yields the view's rows for one resource
as tuples in column order, values already converted for the columns' Arrow types.

Row semantics follow the SQL-on-FHIR v2 processing model: a selection's own columns,
nested selects and unionAll produce partial rows that are combined as a Cartesian
product; ``forEach`` iterates, ``forEachOrNull`` evaluates once on an empty focus when its
collection is empty (``%rowIndex`` 0, literal columns keep their value, others are null),
``repeat`` iterates the depth-first pre-order closure of its paths. ``%rowIndex`` is the
0-based position inside the nearest forEach/forEachOrNull/repeat (0 at the top).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from tvaers.errors import DefinitionError, InputError
from tvaers.fhir.fhirpath import Context, Expression, FhirPathError, compile_path
from tvaers.views.definition import Column, Select, ViewDefinition, load_view, locate
from tvaers.views.types import arrow_type, check_tags, converter

Rows = list[tuple[Any, ...]]
Emit = Callable[[list[Any], Context], Rows]
_VARIABLES = frozenset({"rowIndex"})


@dataclass(frozen=True, slots=True)
class CompiledView:
    """A ViewDefinition ready to run: ``rows(resource)`` and the Arrow ``schema``."""

    definition: ViewDefinition
    schema: pa.Schema
    _emit: Emit
    _where: tuple[tuple[Expression, str], ...]

    @property
    def resource_type(self) -> str:
        """The resource type the view reads; other resources give no rows."""
        return self.definition.resource

    def rows(
        self,
        resource: dict[str, Any],
        *,
        full_url: str | None = None,
        urn_types: Mapping[str, str] | None = None,
    ) -> Rows:
        """Rows for one resource (none if it is of another type or fails ``where``).

        ``full_url`` (the bundle entry's) and ``urn_types`` (``urn:uuid`` fullUrl ->
        resource type, for the bundle) let the key functions resolve ``urn:uuid`` forms.
        """
        if resource.get("resourceType") != self.definition.resource:
            return []
        ctx = Context(resource, full_url=full_url, urn_types=urn_types)
        focus = [resource]
        for expression, pointer in self._where:
            result = _evaluate(expression, focus, ctx, self.definition, pointer, resource)
            if not result:
                return []
            if len(result) > 1 or type(result[0]) is not bool:
                raise DefinitionError(
                    f"where path {expression.source!r} must give a boolean, got {result[:3]!r}",
                    location=locate(self.definition.source, pointer),
                    hint="compare or test the value, e.g. 'active = true' or 'name.exists()'",
                )
            if result[0] is not True:
                return []
        return self._emit(focus, ctx)


def compile_view(view: ViewDefinition | dict[str, Any], *, source: str = "view") -> CompiledView:
    """Validate (if needed) and compile a ViewDefinition."""
    definition = view if isinstance(view, ViewDefinition) else load_view(view, source=source)
    builder = _Builder(definition)
    emit = builder.select(definition.select)
    where = tuple((builder.path(path, pointer), pointer) for path, pointer in definition.where)
    fields = []
    for column in definition.columns:
        problem = check_tags(column.tags)
        if problem:
            raise DefinitionError(
                problem, location=locate(definition.source, f"{column.pointer}/tag")
            )
        fields.append(
            pa.field(column.name, arrow_type(column.type, column.tags, column.collection))
        )
    return CompiledView(definition, pa.schema(fields), emit, where)


def _evaluate(
    expression: Expression,
    focus: list[Any],
    ctx: Context,
    definition: ViewDefinition,
    pointer: str,
    resource: dict[str, Any],
) -> list[Any]:
    try:
        return expression.evaluate(focus, ctx)
    except FhirPathError as exc:
        raise InputError(
            f"{exc.message} (in {resource.get('resourceType')}/{resource.get('id')})",
            location=locate(definition.source, pointer),
            hint=exc.hint,
        ) from None


def _product(parts: list[Rows]) -> Rows:
    rows = parts[0]
    for part in parts[1:]:
        rows = [a + b for a in rows for b in part]
    return rows


class _Builder:
    """Compiles the selection tree of one definition into nested closures."""

    def __init__(self, definition: ViewDefinition):
        self.definition = definition

    def path(self, path: str, pointer: str) -> Expression:
        try:
            return compile_path(path, constants=self.definition.constants, variables=_VARIABLES)
        except FhirPathError as exc:
            raise DefinitionError(
                f"invalid FHIRPath {path!r}: {exc.message}"
                + (f" at offset {exc.position}" if exc.position is not None else ""),
                location=locate(self.definition.source, pointer),
                hint=exc.hint,
            ) from None

    def column(self, column: Column) -> Callable[[list[Any], Context], Any]:
        expression = self.path(column.path, f"{column.pointer}/path")
        evaluate = expression.evaluate
        arrow = arrow_type(column.type, column.tags, column.collection)
        convert = converter(arrow)
        # values already of the column's Python type skip the converter (the common case)
        native = {pa.string(): str, pa.bool_(): bool, pa.int64(): int}.get(arrow, type(None))
        definition, pointer = self.definition, f"{column.pointer}/path"

        def value(focus: list[Any], ctx: Context) -> Any:
            try:
                found = evaluate(focus, ctx)
                if column.collection:
                    return convert(found)
                if not found:
                    return None
                if len(found) == 1 and type(found[0]) is native:
                    return found[0]
                if len(found) > 1:
                    raise InputError(
                        f"column {column.name!r} got {len(found)} values for one row",
                        hint='set "collection": true, pick one with first(), or unnest with forEach',
                    )
                return convert(found[0])
            except FhirPathError as exc:
                resource = ctx.resource or {}
                raise InputError(
                    f"{exc.message} at offset {exc.position} "
                    f"(in {resource.get('resourceType')}/{resource.get('id')})",
                    location=locate(definition.source, pointer),
                    hint=exc.hint,
                ) from None
            except (ValueError, InputError) as exc:
                message = exc.message if isinstance(exc, InputError) else str(exc)
                resource = ctx.resource or {}
                raise InputError(
                    f"{message} (in {resource.get('resourceType')}/{resource.get('id')})",
                    location=locate(definition.source, pointer),
                    hint=exc.hint
                    if isinstance(exc, InputError)
                    else f"declared type: {column.type}",
                ) from None

        return value

    def select(self, select: Select) -> Emit:
        columns = [self.column(c) for c in select.columns]
        children = [self.select(s) for s in select.selects]
        unions = [self.select(s) for s in select.union_all]

        def process(focus: list[Any], ctx: Context) -> Rows:
            parts: list[Rows] = []
            if columns:
                parts.append([tuple(column(focus, ctx) for column in columns)])
            for child in children:
                rows = child(focus, ctx)
                if not rows:
                    return rows
                parts.append(rows)
            if unions:
                union_rows: Rows = []
                for branch in unions:
                    union_rows.extend(branch(focus, ctx))
                if not union_rows:
                    return union_rows
                parts.append(union_rows)
            return parts[0] if len(parts) == 1 else _product(parts)

        iterate = self.iterator(select)
        if iterate is None:
            return process
        or_null = select.or_null

        def iterated(focus: list[Any], ctx: Context) -> Rows:
            nodes = iterate(focus, ctx)
            saved = ctx.row_index
            try:
                if not nodes:
                    if not or_null:
                        return []
                    ctx.row_index = 0
                    return process([], ctx)
                out: Rows = []
                for index, node in enumerate(nodes):
                    ctx.row_index = index
                    out.extend(process([node], ctx))
                return out
            finally:
                ctx.row_index = saved

        return iterated

    def iterator(self, select: Select) -> Callable[[list[Any], Context], list[Any]] | None:
        if select.for_each is not None:
            key = "forEachOrNull" if select.or_null else "forEach"
            return self.path(select.for_each, f"{select.pointer}/{key}").evaluate
        if not select.repeat:
            return None
        steps = [
            self.path(p, f"{select.pointer}/repeat/{i}").evaluate
            for i, p in enumerate(select.repeat)
        ]

        def repeat(focus: list[Any], ctx: Context) -> list[Any]:
            out: list[Any] = []

            def descend(node: Any) -> None:
                for step in steps:
                    for child in step([node], ctx):
                        out.append(child)
                        descend(child)

            for node in focus:
                descend(node)
            return out

        return repeat
