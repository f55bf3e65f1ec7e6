"""The one exception tree of tvaers.

Every error a user can cause derives from :class:`TvaersError` and carries a location
(a FHIRPath expression, a JSON pointer or ``file:line:col``) so that messages can say
what went wrong, where, and how to fix it. The CLI maps these classes to exit codes in
one place (:mod:`tvaers.cli.main`).
"""

from __future__ import annotations


class TvaersError(Exception):
    """Root of all tvaers errors.

    ``location`` points at the offending input; ``hint`` says how to fix it.
    """

    exit_code = 1

    def __init__(self, message: str, *, location: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class InputError(TvaersError):
    """Bad input data: a malformed file, row or resource."""

    exit_code = 2


class DefinitionError(InputError):
    """A broken definition file (quality database, ViewDefinition, agreement)."""


class ConfigError(TvaersError):
    """Invalid settings: unknown keys, placeholder secrets in production, bad values."""

    exit_code = 3


class ServiceError(TvaersError):
    """A service we depend on (database, gateway over HTTP) failed or is unreachable."""

    exit_code = 4


class AccessDenied(TvaersError):
    """The caller's role or scope does not allow the operation."""

    exit_code = 5


def nearest(name: str, choices: list[str] | tuple[str, ...] | set[str]) -> str | None:
    """Return the choice closest to ``name`` (for "did you mean ...?" hints), or None."""
    import difflib

    found = difflib.get_close_matches(name, sorted(choices), n=1, cutoff=0.6)
    return found[0] if found else None
