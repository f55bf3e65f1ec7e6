"""Pass 2: validate a loaded definition against the published JSON Schema.

The schema ships as ``tvaers/registry/definitions/quality-database.schema.json``. Every
violation is reported (collect-all) with the ``file:line:col`` of the offending value; an
unknown key points at the key itself and suggests the nearest valid one.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from tvaers.errors import DefinitionError, nearest
from tvaers.registry.indicators.load import Loaded

SCHEMA_FILE = "quality-database.schema.json"
SCHEMA_VERSION = 1


class DefinitionErrors(DefinitionError):
    """Several problems in one definition file (the first one is the location)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        first = problems[0][0]
        if len(problems) == 1:
            super().__init__(problems[0][1], location=first)
        else:
            lines = "\n  ".join(f"{where}: {text}" for where, text in problems)
            super().__init__(f"{len(problems)} problems:\n  {lines}")


@cache
def schema() -> dict[str, Any]:
    """The published JSON Schema of definition files."""
    text = resources.files("tvaers.registry.definitions").joinpath(SCHEMA_FILE).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def validate(loaded: Loaded) -> None:
    """Raise :class:`DefinitionErrors` listing every schema violation."""
    from jsonschema import Draft202012Validator

    data = loaded.data
    if not isinstance(data, dict):
        raise DefinitionError("a definition must be a mapping", location=loaded.where(()))
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise DefinitionError(
            f"schema_version {version!r} is not supported; this tvaers reads {SCHEMA_VERSION}",
            location=loaded.where(("schema_version",)),
            hint="add `schema_version: 1` at the top of the file",
        )
    validator = Draft202012Validator(schema())
    problems = [_describe(loaded, e) for e in validator.iter_errors(data)]
    if problems:
        raise DefinitionErrors(sorted(set(problems), key=_order))


def _order(problem: tuple[str, str]) -> tuple[str, int, int, str]:
    file, _, rest = problem[0].rpartition(":")
    file, _, line = file.rpartition(":")
    return (file, int(line or 0), int(rest or 0), problem[1])


_KINDS = {
    "integer": "an integer",
    "number": "a number",
    "string": "a text",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
}


def _kind(branch: dict[str, Any]) -> str:
    """A reader's name for one alternative of an anyOf."""
    ref = str(branch.get("$ref", ""))
    if ref.endswith("/param"):
        return "a $parameter reference"
    if ref:
        return _kind(schema()["$defs"][ref.rsplit("/", 1)[-1]])
    return _KINDS.get(str(branch.get("type")), "a valid value")


def _describe(loaded: Loaded, error: Any) -> tuple[str, str]:
    """One (location, message) for a jsonschema error, at the most specific place."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        # The branch that got furthest into the value explains it best.
        deeper = max(error.context, key=lambda e: len(e.absolute_path))
        if len(deeper.absolute_path) > len(error.absolute_path):
            error = deeper
        else:
            choices = " or ".join(_kind(branch) for branch in error.validator_value)
            return loaded.where(
                tuple(error.absolute_path)
            ), f"{error.instance!r}: expected {choices}"
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        if extra:
            key = extra[0]
            guess = nearest(key, allowed)
            hint = (
                f"; did you mean {guess!r}?"
                if guess
                else f"; valid keys: {', '.join(sorted(allowed))}"
            )
            return loaded.where((*path, key), key=True), f"unknown key {key!r}{hint}"
    if error.validator == "required":
        return loaded.where(path), error.message.replace("is a required property", "is required")
    if error.validator == "enum":
        valid = ", ".join(repr(v) for v in error.validator_value)
        return loaded.where(path), f"{error.instance!r} is not one of {valid}"
    return loaded.where(path), error.message
