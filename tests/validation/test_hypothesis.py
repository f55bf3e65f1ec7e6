"""Property: whatever a mutation does to a valid report, the validator answers with an
OperationOutcome (never raises, never hangs: Hypothesis' deadline bounds each report), and
every issue carries a catalogued rule key, a location-free or FHIRPath expression and
texts in both languages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tvaers.synth.factories import make_delivery_report
from tvaers.validation import ValidationOptions, rule_catalogue, validate_bytes, validate_report

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)  # fmt: skip
BOUND = settings(deadline=timedelta(seconds=10), max_examples=int(__import__("os").environ.get("TVAERS_HYPOTHESIS_EXAMPLES", "60")),
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
KEYS = frozenset(rule.key for rule in rule_catalogue())


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out.extend(_paths(child, (*prefix, index)))
    return out


@st.composite
def mutated_reports(draw: st.DrawFn) -> dict[str, Any]:
    ig = draw(st.sampled_from(["care", "rehab", "prevention"]))
    report = make_delivery_report(
        ig, seed=draw(st.integers(0, 50)), transitional=ig == "care" and draw(st.booleans())
    )
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(report) if p]
        path = draw(st.sampled_from(paths))
        parent: Any = report
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "rename", "duplicate"]))
        last = path[-1]
        if action == "replace":
            parent[last] = draw(JSON)
        elif action == "delete" and isinstance(parent, dict):
            parent.pop(last)
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=15))] = parent.pop(last)
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(parent[last])
    return report


def _check(result: Any) -> None:
    outcome = result.outcome()
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"]
    for issue in result.issues:
        assert issue.rule in KEYS, issue.rule
        assert issue.diagnostics and issue.text_da
        assert issue.severity in ("fatal", "error", "warning", "information")


@BOUND
@given(mutated_reports(), st.booleans())
def test_mutated_reports_always_get_an_outcome(report: dict[str, Any], strict: bool) -> None:
    _check(validate_report(report, ValidationOptions(strict=strict, cpr_mode="synthetic")))


@BOUND
@given(mutated_reports(), st.data())
def test_damaged_bytes_always_get_an_outcome(report: dict[str, Any], data: st.DataObject) -> None:
    raw = bytearray(orjson.dumps(report))
    for _ in range(data.draw(st.integers(0, 3))):
        position = data.draw(st.integers(0, len(raw) - 1))
        raw[position] = data.draw(st.integers(0, 255))
    _check(validate_bytes(bytes(raw)))
