"""Value-level checks used by the walker: primitive formats, patterns, bindings, slices,
and the CPR/SOR identifier syntax (with the CPR mode of ``contracts.md``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tvaers.terminology.cpr import cpr_problem
from tvaers.terminology.sor import sor_problem
from tvaers.validation.messages import describe, json_kind
from tvaers.validation.model import Element
from tvaers.validation.tables import primitive

if TYPE_CHECKING:
    from tvaers.validation.walker import Walker

_INT32 = (-(2**31), 2**31 - 1)
_regex_cache: dict[str, tuple[str, re.Pattern[str] | None]] = {}


def _primitive(code: str) -> tuple[str, re.Pattern[str] | None]:
    found = _regex_cache.get(code)
    if found is None:
        prim = primitive(code)
        found = (prim.json, prim.regex) if prim else ("string", None)
        _regex_cache[code] = found
    return found


#: type -> strings already found valid for it: codes, systems and dates repeat across reports.
_VALID_STRINGS: dict[str, set[str]] = {}
_VALID_LIMIT = 50_000  # per type


def primitive_problem(item: Any, code: str) -> tuple[str, dict[str, Any]] | None:
    """Why ``item`` is not a valid JSON value of primitive ``code``, as (kind, params)."""
    if type(item) is str:
        valid = _VALID_STRINGS.get(code)
        if valid is None:
            valid = _VALID_STRINGS[code] = set()
        elif item in valid:
            return None
        problem = _problem(item, code)
        if problem is None:
            if len(valid) > _VALID_LIMIT:
                valid.clear()
            valid.add(item)
        return problem
    return _problem(item, code)


def _problem(item: Any, code: str) -> tuple[str, dict[str, Any]] | None:
    kind, regex = _primitive(code)
    if kind == "string":
        if not isinstance(item, str):
            return "type.json", {"type": code, "json": "string", "got": json_kind(item)}
        if not item or (regex is not None and regex.fullmatch(item) is None):
            return "type.format", {"type": code, "value": describe(item)}
        return None
    if kind == "boolean":
        if not isinstance(item, bool):
            return "type.json", {"type": code, "json": "boolean", "got": json_kind(item)}
        return None
    if isinstance(item, bool) or not isinstance(item, int | float):
        return "type.json", {"type": code, "json": "number", "got": json_kind(item)}
    if kind == "integer":
        if not isinstance(item, int) or not _INT32[0] <= item <= _INT32[1]:
            return "type.format", {"type": code, "value": describe(item)}
        if (code == "positiveInt" and item < 1) or (code == "unsignedInt" and item < 0):
            return "type.format", {"type": code, "value": describe(item)}
    return None


def matches_pattern(value: Any, pattern: Any) -> bool:
    """FHIR pattern semantics: every part of ``pattern`` is present in ``value``."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            key in value and matches_pattern(value[key], part) for key, part in pattern.items()
        )
    if isinstance(pattern, list):
        return isinstance(value, list) and all(
            any(matches_pattern(item, part) for item in value) for part in pattern
        )
    return bool(value == pattern)


def _coding_in(coding: Any, members: dict[str, frozenset[str]]) -> bool:
    if not isinstance(coding, dict):
        return False
    system, code = coding.get("system"), coding.get("code")
    if not isinstance(system, str) or not isinstance(code, str):
        return False
    codes = members.get(system)
    return codes is not None and code in codes


_ALL_CODES: dict[int, tuple[dict[str, frozenset[str]], frozenset[str]]] = {}


def _all_codes(members: dict[str, frozenset[str]]) -> frozenset[str]:
    """Every code of a value set, whatever its system (a bound ``code`` has no system)."""
    found = _ALL_CODES.get(id(members))
    if found is None or found[0] is not members:
        found = _ALL_CODES[id(members)] = (members, frozenset().union(*members.values()))
    return found[1]


def in_binding(item: Any, code: str, members: dict[str, frozenset[str]]) -> bool:
    """Required-binding membership of a code, Coding or CodeableConcept."""
    if code == "code":
        return isinstance(item, str) and item in _all_codes(members)
    if code == "Coding":
        return _coding_in(item, members)
    if code == "CodeableConcept":
        codings = item.get("coding") if isinstance(item, dict) else None
        return isinstance(codings, list) and any(_coding_in(c, members) for c in codings)
    return True


def coding_label(item: Any) -> str:
    """A short rendering of a code, Coding or CodeableConcept for messages."""
    if isinstance(item, dict) and "coding" in item and isinstance(item["coding"], list):
        return ", ".join(coding_label(c) for c in item["coding"]) or "a concept without codings"
    if isinstance(item, dict):
        return f"{item.get('system', '(no system)')}|{item.get('code', '(no code)')}"
    return describe(item)


# --------------------------------------------------------------------------- slices
def _at(item: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(item, dict):
            return None
        item = item.get(part)
    return item


Matcher = tuple[tuple[str, tuple[str, ...], Any], ...]  # (kind, path, expected) per entry
_MATCHERS: dict[int, tuple[dict[str, Any], Matcher | None]] = {}


def _matcher(match: dict[str, Any]) -> Matcher | None:
    """A slice's discriminator values with their paths split once (None: matches nothing)."""
    found = _MATCHERS.get(id(match))
    if found is None or found[0] is not match:
        parts: list[tuple[str, tuple[str, ...], Any]] = []
        compiled: Matcher | None = None
        for key, expected in match.items():
            if key.startswith("type:"):
                break  # choice-type slices are chosen by JSON key, not here
            if key.startswith("profile:"):
                types = frozenset(option["type"] for option in expected)
                parts.append(("profile", tuple(key.split(":", 1)[1].split(".")), types))
            else:
                parts.append(("pattern", tuple(key.split(".")), expected))
        else:
            compiled = tuple(parts) if parts else None
        found = _MATCHERS[id(match)] = (match, compiled)
    return found[1]


def _walk(item: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(item, dict):
            return None
        item = item.get(part)
    return item


def _matches(item: Any, match: dict[str, Any]) -> bool:
    matcher = _matcher(match)
    if matcher is None:
        return False
    for kind, path, expected in matcher:
        value = _walk(item, path)
        if kind == "profile":
            resource_type = value.get("resourceType") if isinstance(value, dict) else None
            if not isinstance(resource_type, str) or resource_type not in expected:
                return False
        elif not matches_pattern(value, expected):
            return False
    return True


Dispatch = tuple[str, tuple[str, ...], dict[str, tuple[Element, ...]]] | None
_DISPATCH: dict[int, tuple[tuple[Element, ...], Dispatch]] = {}


def _dispatcher(slices: tuple[Element, ...]) -> Dispatch:
    """When every slice discriminates first on the same path (an entry's resource type,
    an extension's url), the slices by that value, in their order; else None."""
    firsts = [(candidate, _matcher(candidate.match)) for candidate in slices]
    heads = {(m[0][0], m[0][1]) for _c, m in firsts if m}
    if len(heads) != 1:
        return None
    kind, path = next(iter(heads))
    table: dict[str, list[Element]] = {}
    for candidate, matcher in firsts:
        if not matcher:
            continue  # matches nothing
        expected = matcher[0][2]
        if kind == "pattern" and not isinstance(expected, str):
            return None
        for value in expected if kind == "profile" else (expected,):
            table.setdefault(value, []).append(candidate)
    return kind, path, {value: tuple(found) for value, found in table.items()}


def choose_slice(item: Any, slices: tuple[Element, ...]) -> Element | None:
    """The first slice whose discriminator values ``item`` has, or None."""
    entry = _DISPATCH.get(id(slices))
    if entry is None or entry[0] is not slices:
        entry = _DISPATCH[id(slices)] = (slices, _dispatcher(slices))
    candidates: tuple[Element, ...] = slices
    if entry[1] is not None:
        kind, path, table = entry[1]
        value = _walk(item, path)
        if kind == "profile":
            value = value.get("resourceType") if isinstance(value, dict) else None
        candidates = table.get(value, ()) if isinstance(value, str) else ()
    for candidate in candidates:
        if _matches(item, candidate.match):
            return candidate
    return None


def slice_label(item: Any, elem: Element) -> str:
    """What an item shows on the discriminator path (e.g. "system 'urn:x'")."""
    assert elem.slicing is not None
    parts = [
        f"{path} {describe(_at(item, path))}"
        for kind, path in elem.slicing.discriminator
        if kind in ("value", "pattern")
    ]
    return ", ".join(parts) or describe(item)


def slice_names(elem: Element) -> str:
    """The allowed slices with their discriminator values, for messages."""
    out = []
    for candidate in elem.slices:
        if candidate.max == 0:
            continue
        values = ", ".join(describe(v) for k, v in candidate.match.items() if ":" not in k)
        out.append(f"{candidate.slice_name} = {values}" if values else candidate.slice_name)
    return "; ".join(out)


# --------------------------------------------------------------------------- identifiers
_CPR_DA = (
    (re.compile(r"^CPR number must be 10 digits without hyphen$"), "skal være 10 cifre uden bindestreg"),
    (re.compile(r"^CPR number must be exactly 10 digits$"), "skal være præcis 10 cifre"),
    (re.compile(r"^month (\d+) is not 01-12$"), r"måned \1 er ikke 01-12"),
    (re.compile(r"^synthetic CPR number .*"), "syntetisk CPR-nummer (dag + 60) accepteres ikke i cpr_mode dk-core"),
    (re.compile(r"^day (\d+) is not valid for month (\d+)$"), r"dag \1 er ikke gyldig i måned \2"),
)  # fmt: skip


def _danish(reason: str) -> str:
    for pattern, replacement in _CPR_DA:
        if pattern.match(reason):
            return pattern.sub(replacement, reason)
    return reason


def check_identifier(walker: Walker, check: str, value: str, path: str, anchor: Element) -> None:
    """CPR (``cpr``) or SOR (``sor``) syntax of an identifier value."""
    if check == "cpr":
        reason = cpr_problem(value, walker.ctx.cpr_mode)
        if reason is not None:
            walker.ctx.report("error", "cpr.syntax", walker.rule("cpr", anchor), path,
                              value=describe(value), reason=reason, reason_da=_danish(reason))  # fmt: skip
    elif check == "sor":
        reason = sor_problem(value)
        if reason is not None:
            walker.ctx.report("error", "sor.syntax", walker.rule("sor", anchor), path,
                              value=describe(value), reason=reason,
                              reason_da="SOR-koden skal være mindst 11 cifre")  # fmt: skip
