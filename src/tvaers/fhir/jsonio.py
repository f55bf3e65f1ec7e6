"""FHIR JSON in and out: strict parsing with located errors, canonical form and hashing.

"Identical" reports are those with equal SHA-256 over canonical JSON: sorted keys, no
insignificant whitespace (`contracts.md`, Identity).
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from tvaers.errors import InputError

#: Reject documents nested deeper than this (defends the parser and validators).
MAX_DEPTH = 64


class JsonError(InputError):
    """The input is not acceptable JSON (bad encoding, syntax, or nesting)."""


def parse_json(data: bytes | str, *, source: str = "<input>") -> Any:
    """Parse UTF-8 JSON, raising :class:`JsonError` with a position on failure."""
    if isinstance(data, bytes):
        if data.startswith(b"\xef\xbb\xbf"):
            raise JsonError(
                "input starts with a UTF-8 byte-order mark",
                location=source,
                hint="FHIR JSON must be UTF-8 without BOM",
            )
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonError(
                f"input is not valid UTF-8 at byte {exc.start}",
                location=source,
                hint="FHIR JSON must be encoded as UTF-8",
            ) from exc
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise JsonError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            location=source,
        ) from exc
    depth = _depth(value)
    if depth > MAX_DEPTH:
        raise JsonError(
            f"JSON is nested {depth} levels deep; the limit is {MAX_DEPTH}", location=source
        )
    return value


def _depth(value: Any) -> int:
    """Nesting depth, iteratively (no recursion limit on hostile input).

    Only containers are pushed; scalars never change the depth, and FHIR resources are
    mostly scalars, so this stays cheap on the hot path of the gateway.
    """
    if not isinstance(value, (dict, list)):
        return 0
    deepest = 1
    stack: list[tuple[Any, int]] = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        item, level = pop()
        children = item.values() if isinstance(item, dict) else item
        child_level = level + 1
        for child in children:
            if isinstance(child, (dict, list)):
                if child_level > deepest:
                    deepest = child_level
                    if deepest > MAX_DEPTH:
                        return deepest
                push((child, child_level))
    return deepest


def canonical_json(value: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no insignificant whitespace."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def content_hash(value: Any) -> str:
    """SHA-256 hex digest of the canonical JSON of ``value``."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def dumps(value: Any, *, indent: bool = False) -> bytes:
    """Serialise to JSON bytes (optionally indented for humans)."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 if indent else 0)
