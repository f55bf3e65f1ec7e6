"""Compile a FHIRPath AST into nested Python closures.

Every node becomes a function ``fn(focus, ctx) -> list``: ``focus`` is the input
collection, ``ctx`` the :class:`~.context.Context` of one evaluation (resources, variables,
host functions, ``%rowIndex``). Compiling once and calling the closures for each resource
avoids re-parsing and per-node dispatch; chains of plain member steps (``name.given``) run
as one loop, and ``x.ofType(T)`` on a choice element reads the typed key
(``valueQuantity``) directly. With a type model (:mod:`.typed`), a member step reads the
keys its definition names and reads temporal primitives as :class:`Temporal` values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tvaers.errors import nearest
from tvaers.fhir.fhirpath import ast, model
from tvaers.fhir.fhirpath.context import Arity, Context
from tvaers.fhir.fhirpath.errors import FhirPathEvaluationError, FhirPathSyntaxError
from tvaers.fhir.fhirpath.sharing import PathKey, path_key, repeated_paths, shared
from tvaers.fhir.fhirpath.steps import (
    as_typed,
    declared_type_step,
    is_plain,
    keyed_step,
    member_step,
    members_step,
    typed_member_step,
)
from tvaers.fhir.fhirpath.temporal import Temporal
from tvaers.fhir.fhirpath.typed import Child, Kind, TypeModel, Typing, annotate
from tvaers.fhir.fhirpath.values import is_instance

Fn = Callable[[list[Any], "Context"], list[Any]]

#: Variables every expression may use, bound per evaluation.
STANDARD_VARIABLES = frozenset({"resource", "context", "rootResource"})
_FIXED = {
    "ucum": "http://unitsofmeasure.org",
    "sct": "http://snomed.info/sct",
    "loinc": "http://loinc.org",
}


class Compiler:
    """Turns one parsed expression into closures; knows constants, variable names, host
    function signatures and (with a typing) the static types of member steps."""

    def __init__(
        self,
        source: str,
        constants: Mapping[str, list[Any]] | None = None,
        variables: frozenset[str] = frozenset(),
        functions: Mapping[str, Arity] | None = None,
    ):
        self.source = source
        self.constants = dict(constants or {})
        self.variables = variables | STANDARD_VARIABLES
        self.functions = dict(functions or {})
        self.members: dict[int, tuple[Child, ...]] = {}
        self.walks: dict[int, tuple[Kind, ...]] = {}
        self.model: TypeModel | None = None
        self.repeated: frozenset[PathKey] = frozenset()
        self.shared: dict[PathKey, Fn] = {}

    def type(self, tree: ast.Node, typing: Typing | None) -> None:
        """Run the typing pass (:func:`.typed.annotate`), then find the repeated member
        paths (:mod:`.sharing`), before :meth:`compile`."""
        if typing is not None:
            types = annotate(tree, typing)
            self.members, self.walks, self.model = types.members, types.walks, typing.model
        self.repeated = repeated_paths(tree, self.members)

    def error(self, message: str, node: ast.Node, hint: str | None = None) -> FhirPathSyntaxError:
        return FhirPathSyntaxError(message, self.source, node.pos, hint=hint)

    def eval_error(self, message: str, node: ast.Node) -> FhirPathEvaluationError:
        return FhirPathEvaluationError(message, self.source, node.pos)

    def compile(self, node: ast.Node) -> Fn:
        """Compile any node (dispatch by class); a repeated member path is compiled once
        and shared (:mod:`.sharing`)."""
        if self.repeated and isinstance(node, ast.Invoke):
            key = path_key(node, self.members)
            if key is not None and key in self.repeated:
                found = self.shared.get(key)
                if found is None:
                    found = self.shared[key] = shared(self._invoke(node))
                return found
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
            return _environment(name)
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
        children = self.members.get(id(node))
        if children is None:
            return member_step(node.name)
        if is_plain(children, node.name):
            return members_step((node.name,), exact=True)  # typed: no choice keys to search
        return keyed_step(children)

    def type_step(self, member: ast.Member, type_name: str, mode: str, node: ast.Node) -> Fn:
        """``member`` tested against ``type_name``: ``filter`` (``ofType(T)``, ``as(T)``),
        ``as`` (the operator: one item) or ``is`` (one Boolean). A choice element reads its
        typed key; with a type model the declared types decide (``code`` is a ``string``)."""
        children = self.members.get(id(member))
        found = (
            typed_member_step(member.name, type_name)
            if children is None
            else declared_type_step(children, type_name)
        )
        if mode == "filter":
            return found
        plain = self._member(member)
        if children and all(c.type in model.ABSTRACT_RESOURCES for c in children):
            local = model.split_type_name(type_name)  # ``resource as Condition``: one look
            found = lambda focus, ctx: [v for v in plain(focus, ctx) if is_instance(v, local)]  # noqa: E731

        def tested(focus: list[Any], ctx: Context) -> list[Any]:
            items = plain(focus, ctx)
            if len(items) > 1:
                raise self.eval_error(f"{mode} needs a single item, got {len(items)}", node)
            if not items:
                return items
            hits = found(focus, ctx)
            if mode == "as":
                return hits
            return [bool(hits)]

        return tested

    def _call(self, node: ast.Call) -> Fn:
        from tvaers.fhir.fhirpath.functions import FUNCTIONS
        from tvaers.fhir.fhirpath.host import build_host_call

        builder = FUNCTIONS.get(node.name)
        if builder is None and node.name in self.functions:
            return build_host_call(self, node, self.functions[node.name])
        if builder is None:
            guess = nearest(node.name, [*FUNCTIONS, *self.functions])
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
        """Compile the steps of an invocation chain, fusing runs of plain member steps
        (typed runs read their keys exactly: no choice-key search)."""
        fns: list[Fn] = []
        names: list[str] = []
        exact = True  # every name of the run was resolved by the type model

        def flush() -> None:
            nonlocal exact
            if names:
                fns.append(members_step(tuple(names), exact=exact))
                names.clear()
            exact = True

        skip = False
        for i, step in enumerate(steps):
            if skip:
                skip = False
                continue
            nxt = steps[i + 1] if i + 1 < len(steps) else None
            if isinstance(step, ast.Member):
                test = _type_call(nxt)
                children = self.members.get(id(step))
                if test is not None and step.name[:1].islower():
                    flush()
                    assert isinstance(nxt, ast.Call)
                    fns.append(
                        self.type_step(step, test, "is" if nxt.name == "is" else "filter", nxt)
                    )
                    skip = True
                elif not is_plain(children, step.name):
                    flush()
                    fns.append(self._member(step))
                else:
                    names.append(step.name)
                    exact = exact and children is not None
                continue
            flush()
            walk = self._typed_walk(step, nxt)
            if walk is not None:
                fns.append(walk)
                skip = True
                continue
            fns.append(self.compile(step))
        flush()
        return fns

    def _typed_walk(self, step: ast.Node, nxt: ast.Node | None) -> Fn | None:
        """``children()``/``descendants()`` + ``ofType(T)``/``as(T)`` on typed input."""
        kinds = self.walks.get(id(step))
        test = _type_call(nxt)
        if kinds is None or self.model is None or test is None or not isinstance(nxt, ast.Call):
            return None
        if nxt.name == "is" or not isinstance(step, ast.Call) or step.args:
            return None
        if any(kind.definition is None for kind in kinds):
            return None
        from tvaers.fhir.fhirpath.walks import typed_walk_step

        return typed_walk_step(self.model, kinds, test, deep=step.name == "descendants")

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


def _environment(name: str) -> Fn:
    """``%resource``, ``%rootResource`` (the container) and ``%context`` (the input)."""
    if name == "rootResource":

        def root(focus: list[Any], ctx: Context) -> list[Any]:
            found = ctx.root_resource if ctx.root_resource is not None else ctx.resource
            return [] if found is None else [found]

        return root
    if name == "context":

        def original(focus: list[Any], ctx: Context) -> list[Any]:
            found = ctx.context if ctx.context is not None else ctx.resource
            return [] if found is None else [found]

        return original
    return lambda focus, ctx: [] if ctx.resource is None else [ctx.resource]


def _type_call(node: ast.Node | None) -> str | None:
    """The type a following ``ofType(T)``/``as(T)``/``is(T)`` call names, else None."""
    if isinstance(node, ast.Call) and node.name in ("ofType", "as", "is") and len(node.args) == 1:
        return ast.type_name_of(node.args[0])
    return None


__all__ = ["Compiler", "Context", "Fn", "Temporal", "as_typed"]
