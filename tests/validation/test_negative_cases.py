"""Negative cases derived from the compiled definitions: each must yield its rule key at
its expression; the coverage table lists what could not be mutated and why."""

from __future__ import annotations

from functools import cache

import pytest
from negative_cases import Case, Skipped, coverage_table, generate, run  # type: ignore[import-not-found]

from tvaers.validation import rule_catalogue, validate_report

ALLOWED_EXCEPTIONS = {
    "its parent element cannot exist here",
    "Patient.contact is prohibited (0..0) in every citizen profile",
    "Patient.maritalStatus is prohibited (0..0) in every citizen profile",
    "Observation.referenceRange is prohibited (0..0) in the observation profiles",
    "Condition.stage is prohibited (0..0) in the condition profiles",
    "Condition.evidence is prohibited (0..0) in the condition profiles",
    "Organization.address is prohibited (0..0) in the organisation profiles",
    "Organization.telecom is prohibited (0..0) in the organisation profiles",
    "ServiceRequest.orderDetail is prohibited (0..0) in the referral profiles",
    "dk-core KOMBIT identifier rule: the KOMBIT slice value is fixed by its own pattern",
    "an item of a slice: covered by the slice's own element rules",
    "it is the slice discriminator: a changed value leaves the slice (slice/cardinality cases)",
    "the slice has no fixed discriminator value (matched by value set)",
    "meta.profile selects the profile: a broken meta validates against the base type",
}


@cache
def _generated() -> tuple[list[Case], list[Skipped]]:
    return generate()


@cache
def _results() -> dict[str, bool]:
    return run(_generated()[0])


def _ids() -> list[Case]:
    return _generated()[0]


@pytest.mark.parametrize("case", _ids(), ids=lambda c: c.id)
def test_negative_case(case: Case) -> None:
    if _results()[case.id]:
        return
    result = validate_report(case.report)  # show what was found instead
    found = [(i.rule, i.expression) for i in result.issues]
    pytest.fail(f"expected {(case.rule, case.expression)}; found {found}")


def test_coverage_table_is_complete(capsys: pytest.CaptureFixture[str]) -> None:
    cases, skipped = _generated()
    results = _results()
    table = coverage_table(cases, skipped, results)
    with capsys.disabled():
        print("\n" + table)
    assert all(results.values())
    assert {s.reason for s in skipped} <= ALLOWED_EXCEPTIONS
    families = {c.family for c in cases}
    assert families == {"cardinality", "fixed", "pattern", "binding", "type", "unknown-element",
                        "slice", "cpr", "sor", "invariant", "reference"}  # fmt: skip
    assert len(cases) > 1500


def test_every_emitted_rule_is_in_the_catalogue() -> None:
    keys = {rule.key for rule in rule_catalogue()}
    emitted = set()
    for case in _generated()[0][::7]:
        emitted.update(i.rule for i in validate_report(case.report).issues)
    assert emitted - keys == set()
