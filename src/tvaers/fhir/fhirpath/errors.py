"""Errors of the FHIRPath engine, located by character offset in the expression."""

from __future__ import annotations

from tvaers.errors import InputError


class FhirPathError(InputError):
    """Root of FHIRPath errors; ``expression`` and ``position`` say where."""

    def __init__(
        self,
        message: str,
        expression: str = "",
        position: int | None = None,
        *,
        hint: str | None = None,
    ):
        where = f"{expression!r}" if expression else None
        if where and position is not None:
            where += f" at offset {position}"
        super().__init__(message, location=where, hint=hint)
        self.expression = expression
        self.position = position


class FhirPathSyntaxError(FhirPathError):
    """The expression is not valid FHIRPath (or uses an unknown function or constant)."""


class FhirPathEvaluationError(FhirPathError):
    """Evaluation failed on some input (e.g. several values where one was required)."""
