"""The state of one FHIRPath evaluation, and how a host application plugs functions in.

A :class:`Context` carries what an expression may read besides its input: the resource
(``%resource``), the root resource (``%rootResource``, for contained resources), the
original input (``%context``), runtime ``%variables``, the bundle facts the reference-key
functions need, and the *host functions*.

Host functions are FHIR functions whose answer depends on the application: ``memberOf``
needs value sets, ``resolve`` a store or the report being validated, ``conformsTo`` a
validator. ``tvaers.fhir`` knows none of these, so the host declares their names and
argument counts when compiling (``compile_path(..., functions={"memberOf": 1})``; the
compiler still rejects unknown names and wrong counts) and passes the callables per
evaluation::

    ctx = Context(resource, functions={"memberOf": lambda focus, args: ...})

A :data:`HostFunction` receives the input collection and its arguments, each evaluated
against the input as a collection, and returns a collection; it must not change the
collections it is given (the engine shares them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

#: ``fn(focus, args) -> collection``: a function supplied by the host application.
HostFunction = Callable[[list[Any], list[list[Any]]], list[Any]]
#: Argument count of a host function: exact, or (min, max).
Arity = int | tuple[int, int]

_NO_FUNCTIONS: Mapping[str, HostFunction] = {}
_NO_VARIABLES: Mapping[str, list[Any]] = {}
_NO_TYPES: Mapping[str, str] = {}


class Context:
    """State of one evaluation: the resources the ``%`` variables name, runtime variables,
    bundle facts and host functions. ``index`` and ``row_index`` are set while evaluating.

    ``root_resource`` and ``context`` default to ``resource`` (a resource evaluated on its
    own is its own root and the original input).
    """

    __slots__ = (
        "context",
        "full_url",
        "functions",
        "index",
        "resource",
        "root_resource",
        "row_index",
        "urn_types",
        "variables",
    )

    def __init__(
        self,
        resource: Any = None,
        *,
        variables: Mapping[str, list[Any]] | None = None,
        full_url: str | None = None,
        urn_types: Mapping[str, str] | None = None,
        root_resource: Any = None,
        context: Any = None,
        functions: Mapping[str, HostFunction] | None = None,
    ):
        self.resource = resource
        self.root_resource = root_resource
        self.context = context
        self.variables = variables or _NO_VARIABLES
        self.full_url = full_url
        self.urn_types = urn_types or _NO_TYPES
        self.functions = functions or _NO_FUNCTIONS
        self.row_index = 0
        self.index = 0


__all__ = ["Arity", "Context", "HostFunction"]
