"""Calls of host functions (``memberOf``, ``resolve``, ``conformsTo`` ...).

The compiler knows a host function's name and argument count (checked at compile time,
like a built-in); the implementation comes with each evaluation in
:attr:`Context.functions <.context.Context.functions>`, so one compiled expression serves
any number of reports, stores or value-set versions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tvaers.fhir.fhirpath import ast
from tvaers.fhir.fhirpath.context import Arity

if TYPE_CHECKING:
    from tvaers.fhir.fhirpath.compiler import Compiler, Context, Fn


def build_host_call(compiler: Compiler, node: ast.Call, arity: Arity) -> Fn:
    """Compile ``name(args...)`` of a declared host function."""
    low, high = (arity, arity) if isinstance(arity, int) else arity
    name, count = node.name, len(node.args)
    if not low <= count <= high:
        wanted = str(low) if low == high else f"{low} to {high}"
        raise compiler.error(f"{name}() takes {wanted} argument(s), got {count}", node)
    literals = [arg for arg in node.args if isinstance(arg, ast.Literal)]
    if len(literals) == len(node.args):  # memberOf('url'): the arguments are fixed
        fixed = [[] if arg.value is None else [arg.value] for arg in literals]

        def host_fixed(focus: list[Any], ctx: Context) -> list[Any]:
            impl = ctx.functions.get(name)
            if impl is None:
                raise compiler.eval_error(f"{name}() is not available in this evaluation", node)
            return impl(focus, fixed)

        return host_fixed
    args = tuple(compiler.compile(arg) for arg in node.args)

    def host(focus: list[Any], ctx: Context) -> list[Any]:
        impl = ctx.functions.get(name)
        if impl is None:
            raise compiler.eval_error(f"{name}() is not available in this evaluation", node)
        return impl(focus, [arg(focus, ctx) for arg in args])

    return host


__all__ = ["build_host_call"]
