"""The hand-written invalid reports each get their rule key (one test id per mistake)."""

from __future__ import annotations

import pytest
from invalid_reports import CASES, InvalidCase  # type: ignore[import-not-found]

from tvaers.validation import ValidationOptions, rule_catalogue, validate_report


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_invalid_report(case: InvalidCase) -> None:
    report = case.report()
    baseline = validate_report(_unmutated(case), ValidationOptions(strict=case.strict))
    assert baseline.valid, [i.rule for i in baseline.errors]
    result = validate_report(report, ValidationOptions(strict=case.strict))
    found = [i for i in result.issues if i.rule == case.rule]
    assert found, f"{case.rule} not in {[(i.rule, i.expression) for i in result.issues]}"
    if case.expression is not None:
        assert case.expression in [i.expression for i in found]
    assert found[0].severity == case.severity
    assert result.valid is (case.severity != "error")


def _unmutated(case: InvalidCase) -> dict[str, object]:
    clean = InvalidCase(
        case.name, case.ig, case.mistake, lambda r: None, case.rule, transitional=case.transitional
    )
    report = clean.report()
    if case.strict and case.transitional:  # the deprecated profiles are the mistake itself
        return _without_deprecated(report)
    return report


def _without_deprecated(report: dict[str, object]) -> dict[str, object]:
    entries = [e for e in report["entry"]  # type: ignore[union-attr]
               if not e["resource"]["meta"]["profile"][0].endswith(("-encounter", "citizens-own-observation", "matter-of-interest-observation"))
               or "general" in e["resource"]["meta"]["profile"][0]]  # fmt: skip
    return {**report, "entry": entries}


def test_there_are_at_least_40_cases_with_catalogued_keys() -> None:
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)
    keys = {r.key for r in rule_catalogue()}
    assert {c.rule for c in CASES} <= keys
