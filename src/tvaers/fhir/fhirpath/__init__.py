"""A compiled FHIRPath engine for FHIR R4 JSON (the subset ViewDefinitions use, and more).

Parse once, evaluate many times::

    from tvaers.fhir.fhirpath import compile_path

    family = compile_path("name.where(use = 'official').family.first()")
    family(patient)                      # -> ['Hansen']

An :class:`Expression` is a tree of Python closures over plain parsed JSON (no wrapper
objects), so evaluating it over millions of resources is cheap. Semantics follow
FHIRPath N1: every value is a collection; empty propagates through operators; ``and``,
``or``, ``xor``, ``implies`` use three-valued logic; comparisons of dates respect their
precision. Without a FHIR type model, element types come from choice keys
(``valueQuantity``), literals and constants; ``ofType`` on other values tests their JSON
form (see ``docs/views.md`` for the differences this makes).

Supported: literals (string, integer, decimal, boolean, date/time, quantity, ``{}``),
``%`` variables and constants, ``$this``/``$index``, indexers, all operators, and the
functions in :data:`FUNCTIONS` (existence, filtering, subsetting, combining, strings,
conversion, math, ``extension``, ``lowBoundary``/``highBoundary``, ``getResourceKey``,
``getReferenceKey``, ``children``/``descendants``, ``today``/``now``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tvaers.fhir.fhirpath.compiler import Compiler, Context, Fn
from tvaers.fhir.fhirpath.errors import FhirPathError, FhirPathEvaluationError, FhirPathSyntaxError
from tvaers.fhir.fhirpath.functions import FUNCTIONS
from tvaers.fhir.fhirpath.parser import parse
from tvaers.fhir.fhirpath.temporal import Temporal
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

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


def compile_path(
    source: str,
    *,
    constants: Mapping[str, list[Any]] | None = None,
    variables: frozenset[str] = frozenset(),
) -> Expression:
    """Parse and compile ``source``.

    ``constants`` are ``%name`` values fixed at compile time (each a collection);
    ``variables`` are further ``%name`` names bound per evaluation (``rowIndex`` reads
    :attr:`Context.row_index`; others :attr:`Context.variables`). Unknown names, unknown
    functions and wrong argument counts raise :class:`FhirPathSyntaxError` here, not later.
    """
    tree = parse(source)
    return Expression(source, Compiler(source, constants, variables).compile(tree))


__all__ = [
    "FUNCTIONS",
    "Context",
    "Expression",
    "FhirPathError",
    "FhirPathEvaluationError",
    "FhirPathSyntaxError",
    "Quantity",
    "Temporal",
    "compile_path",
    "parse",
]
