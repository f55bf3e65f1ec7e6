"""Compile a FHIRPath AST into nested Python closures.

Every node becomes a function ``fn(focus, ctx) -> list``: ``focus`` is the input
collection, ``ctx`` the :class:`Context` of one evaluation (root resource, variables,
``%rowIndex``). Compiling once and calling the closures for each resource avoids
re-parsing and per-node dispatch; chains of plain member steps (``name.given``) run as one
loop, and ``x.ofType(T)`` on a choice element reads the typed key (``valueQuantity``)
directly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tvaers.errors import nearest
from tvaers.fhir.fhirpath import ast, model
from tvaers.fhir.fhirpath.errors import FhirPathEvaluationError, FhirPathSyntaxError
from tvaers.fhir.fhirpath.temporal import Temporal, parse_date, parse_datetime, parse_time

Fn = Callable[[list[Any], "Context"], list[Any]]

#: Variables every expression may use, bound per evaluation.
STANDARD_VARIABLES = frozenset({"resource", "context", "rootResource"})
_FIXED = {
    "ucum": "http://unitsofmeasure.org",
    "sct": "http://snomed.info/sct",
    "loinc": "http://loinc.org",
}


class Context:
    """State of one evaluation: the root resource and runtime variables."""

    __slots__ = ("full_url", "index", "resource", "row_index", "urn_types", "variables")

    def __init__(
        self,
        resource: Any = None,
        *,
        variables: Mapping[str, list[Any]] | None = None,
        full_url: str | None = None,
        urn_types: Mapping[str, str] | None = None,
    ):
        self.resource = resource
        self.variables = variables or {}
        self.full_url = full_url
        self.urn_types = urn_types or {}
        self.row_index = 0
        self.index = 0


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


def members_step(names: tuple[str, ...]) -> Fn:
    """Several plain member steps fused into one loop (``a.b.c``)."""
    if len(names) == 1 or any(n in model.CHOICE_NAMES or n[:1].isupper() for n in names):
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
    from tvaers.fhir.fhirpath.values import matches_type

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
                out.extend(as_typed(v, local) for v in values if matches_type(v, local))
                continue
            if type(value) is list:
                out.extend(as_typed(v, local) for v in value if v is not None)
            else:
                out.append(as_typed(value, local))
        return out

    return typed_member


class Compiler:
    """Turns one parsed expression into closures; knows constants and variable names."""

    def __init__(
        self,
        source: str,
        constants: Mapping[str, list[Any]] | None = None,
        variables: frozenset[str] = frozenset(),
    ):
        self.source = source
        self.constants = dict(constants or {})
        self.variables = variables | STANDARD_VARIABLES

    def error(self, message: str, node: ast.Node, hint: str | None = None) -> FhirPathSyntaxError:
        return FhirPathSyntaxError(message, self.source, node.pos, hint=hint)

    def eval_error(self, message: str, node: ast.Node) -> FhirPathEvaluationError:
        return FhirPathEvaluationError(message, self.source, node.pos)

    def compile(self, node: ast.Node) -> Fn:
        """Compile any node (dispatch by class)."""
        method = getattr(self, "_" + type(node).__name__.lower())
        fn: Fn = method(node)
        return fn

    # -- terms --------------------------------------------------------------------------
    def _literal(self, node: ast.Literal) -> Fn:
        value = [] if node.value is None else [node.value]
        return lambda focus, ctx: value

    def _variable(self, node: ast.Variable) -> Fn:
        name = node.name
        if name in self.constants:
            value = self.constants[name]
            return lambda focus, ctx: value
        if name in _FIXED:
            fixed = [_FIXED[name]]
            return lambda focus, ctx: fixed
        if name == "rowIndex" and name in self.variables:
            return lambda focus, ctx: [ctx.row_index]
        if name in STANDARD_VARIABLES:
            return lambda focus, ctx: [] if ctx.resource is None else [ctx.resource]
        if name in self.variables:
            return lambda focus, ctx: ctx.variables.get(name, [])
        known = sorted(set(self.constants) | self.variables | set(_FIXED))
        guess = nearest(name, known)
        hint = f"did you mean %{guess}?" if guess else "define it as a constant"
        raise self.error(f"undefined variable %{name}", node, hint)

    def _special(self, node: ast.Special) -> Fn:
        if node.name == "this":
            return lambda focus, ctx: focus
        if node.name == "index":
            return lambda focus, ctx: [ctx.index]
        raise self.error(
            f"${node.name} is only meaningful in aggregate(), which is not supported", node
        )

    def _member(self, node: ast.Member) -> Fn:
        return member_step(node.name)

    def _call(self, node: ast.Call) -> Fn:
        from tvaers.fhir.fhirpath.functions import FUNCTIONS

        builder = FUNCTIONS.get(node.name)
        if builder is None:
            guess = nearest(node.name, list(FUNCTIONS))
            hint = (
                f"did you mean {guess}()?"
                if guess
                else "see docs/views.md for the functions supported"
            )
            raise self.error(f"unknown function {node.name}()", node, hint)
        return builder(self, node)

    # -- composition --------------------------------------------------------------------
    def _invoke(self, node: ast.Invoke) -> Fn:
        steps: list[ast.Node] = []
        current: ast.Node = node
        while isinstance(current, ast.Invoke):
            steps.append(current.step)
            current = current.target
        steps.append(current)
        steps.reverse()
        fns = self._compile_steps(steps)
        if len(fns) == 1:
            return fns[0]
        if len(fns) == 2:
            first, second = fns
            return lambda focus, ctx: second(first(focus, ctx), ctx)

        def chain(focus: list[Any], ctx: Context) -> list[Any]:
            for fn in fns:
                focus = fn(focus, ctx)
            return focus

        return chain

    def _compile_steps(self, steps: list[ast.Node]) -> list[Fn]:
        fns: list[Fn] = []
        names: list[str] = []
        skip = False
        for i, step in enumerate(steps):
            if skip:
                skip = False
                continue
            nxt = steps[i + 1] if i + 1 < len(steps) else None
            if isinstance(step, ast.Member):
                if isinstance(nxt, ast.Call) and _is_oftype(nxt) and step.name[:1].islower():
                    if names:
                        fns.append(members_step(tuple(names)))
                        names = []
                    type_name = ast.type_name_of(nxt.args[0])
                    assert type_name is not None
                    fns.append(typed_member_step(step.name, type_name))
                    skip = True
                else:
                    names.append(step.name)
                continue
            if names:
                fns.append(members_step(tuple(names)))
                names = []
            fns.append(self.compile(step))
        if names:
            fns.append(members_step(tuple(names)))
        return fns

    def _index(self, node: ast.Index) -> Fn:
        target = self.compile(node.target)
        index = self.compile(node.index)

        def indexed(focus: list[Any], ctx: Context) -> list[Any]:
            items = target(focus, ctx)
            position = index(focus, ctx)
            if not position:
                return []
            if len(position) != 1 or type(position[0]) is not int:
                raise self.eval_error("an index must be a single integer", node)
            i = position[0]
            return [items[i]] if 0 <= i < len(items) else []

        return indexed

    def _binary(self, node: ast.Binary) -> Fn:
        from tvaers.fhir.fhirpath.operators import build_binary

        return build_binary(self, node)

    def _unary(self, node: ast.Unary) -> Fn:
        from tvaers.fhir.fhirpath.operators import build_unary

        return build_unary(self, node)

    def _typetest(self, node: ast.TypeTest) -> Fn:
        from tvaers.fhir.fhirpath.operators import build_type_test

        return build_type_test(self, node)


def _is_oftype(node: ast.Node | None) -> bool:
    return (
        isinstance(node, ast.Call)
        and node.name == "ofType"
        and len(node.args) == 1
        and ast.type_name_of(node.args[0]) is not None
    )


__all__ = ["Compiler", "Context", "Fn", "Temporal", "as_typed"]
