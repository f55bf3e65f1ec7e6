"""The one compiled FHIRPath engine of tvaers, for SQL-on-FHIR views and for validation.

Parse once, evaluate many times::

    from tvaers.fhir.fhirpath import compile_path

    family = compile_path("name.where(use = 'official').family.first()")
    family(patient)                      # -> ['Hansen']

An :class:`Expression` is a tree of Python closures over plain parsed JSON (no wrapper
objects), so evaluating it over millions of resources is cheap. Semantics follow
FHIRPath N1: every value is a collection; empty propagates through operators; ``and``,
``or``, ``xor``, ``implies`` use three-valued logic; comparisons of dates respect their
precision.

Extension points (how ``tvaers.validation`` plugs in without ``tvaers.fhir`` importing it):

* host functions: ``compile_path(..., functions={"memberOf": 1, "resolve": 0})`` declares
  names and argument counts; :class:`Context` ``functions=`` supplies the callables per
  evaluation (:mod:`.context`);
* environment: :class:`Context` ``resource``/``root_resource``/``context`` are
  ``%resource``/``%rootResource``/``%context``; ``variables`` are further ``%names``;
* types: ``compile_path(..., typing=Typing(model, focus=Kind(...)))`` types member steps
  with the host's FHIR model (:mod:`.typed`), so ``Period.start <= Period.end`` compares
  dateTimes. Without a typing (views), element types come from choice keys
  (``valueQuantity``), literals and constants, and ``ofType``/``is``/``as`` on other values
  test their JSON form (see ``docs/views.md``).

Built-in: literals (string, integer, decimal, boolean, date/time, quantity, ``{}``),
``%`` variables and constants, ``$this``/``$index``, indexers, all operators, and the
functions in :data:`FUNCTIONS` (existence, filtering, subsetting, combining, strings,
conversion, math, types, ``extension``, ``lowBoundary``/``highBoundary``,
``getResourceKey``, ``getReferenceKey``, ``children``/``descendants``, ``htmlChecks``,
``today``/``now``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tvaers.fhir.fhirpath.compiler import Compiler, Fn
from tvaers.fhir.fhirpath.context import Arity, Context, HostFunction
from tvaers.fhir.fhirpath.errors import FhirPathError, FhirPathEvaluationError, FhirPathSyntaxError
from tvaers.fhir.fhirpath.functions import FUNCTIONS
from tvaers.fhir.fhirpath.parser import parse
from tvaers.fhir.fhirpath.temporal import Temporal
from tvaers.fhir.fhirpath.typed import Child, Kind, TypeModel, Typing
from tvaers.fhir.fhirpath.values import Quantity


class Expression:
    """A compiled FHIRPath expression.

    ``expression.evaluate(focus, ctx)`` is the fast entry point (a list in, a list out);
    calling ``expression(resource)`` builds a fresh :class:`Context` for convenience.
    """

    __slots__ = ("evaluate", "source")

    def __init__(self, source: str, fn: Fn):
        self.source = source
        self.evaluate = fn

    def __call__(self, resource: Any, **context: Any) -> list[Any]:
        ctx = Context(resource, **context)
        return self.evaluate([resource] if resource is not None else [], ctx)

    def boolean(self, focus: list[Any], ctx: Context) -> bool | None:
        """Evaluate and read the result as one Boolean (N1 singleton evaluation): empty is
        None, one non-Boolean item is True, several items are an error."""
        result = self.evaluate(focus, ctx)
        if not result:
            return None
        if len(result) > 1:
            raise FhirPathEvaluationError(
                f"expected a single boolean, got {len(result)} items", self.source
            )
        value = result[0]
        return value if type(value) is bool else True

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


def compile_path(
    source: str,
    *,
    constants: Mapping[str, list[Any]] | None = None,
    variables: frozenset[str] = frozenset(),
    functions: Mapping[str, Arity] | None = None,
    typing: Typing | None = None,
) -> Expression:
    """Parse and compile ``source``.

    ``constants`` are ``%name`` values fixed at compile time (each a collection);
    ``variables`` are further ``%name`` names bound per evaluation (``rowIndex`` reads
    :attr:`Context.row_index`; others :attr:`Context.variables`). ``functions`` declares
    host functions (name -> argument count) whose callables come in
    :attr:`Context.functions`; ``typing`` types member steps with a FHIR model. Unknown
    names, unknown functions and wrong argument counts raise :class:`FhirPathSyntaxError`
    here, not later.
    """
    tree = parse(source)
    clash = sorted(set(functions or ()) & set(FUNCTIONS))
    if clash:
        raise FhirPathSyntaxError(f"host functions may not replace built-ins: {clash}", source)
    compiler = Compiler(source, constants, variables, functions)
    compiler.type(tree, typing)
    return Expression(source, compiler.compile(tree))


__all__ = [
    "FUNCTIONS",
    "Arity",
    "Child",
    "Context",
    "Expression",
    "FhirPathError",
    "FhirPathEvaluationError",
    "FhirPathSyntaxError",
    "HostFunction",
    "Kind",
    "Quantity",
    "Temporal",
    "TypeModel",
    "Typing",
    "compile_path",
    "parse",
]
