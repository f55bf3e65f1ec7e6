"""``conformsTo`` probes: a resource conforms to a profile when validating it against that
profile gives no error; warnings and information do not count and must not end the probe."""

from __future__ import annotations

import copy
from typing import Any

from tvaers.fhir.references import ReferenceIndex
from tvaers.synth.factories import find, make_delivery_report
from tvaers.validation.context import Context
from tvaers.validation.engine import validate_as
from tvaers.validation.tables import find_profile

CONDITION = "http://fhir.kl.dk/gateway/StructureDefinition/klgateway-care-condition"


def test_an_information_issue_before_the_first_error_does_not_end_the_probe() -> None:
    report = make_delivery_report("care", seed=1)
    condition = find(report, "Condition")
    assert Context(index=ReferenceIndex(report)).conforms(condition, CONDITION) is True
    # A contained Observation without narrative comes first (dom-6, information, during
    # the walk); the care profile prohibits evidence (an error, later in the walk).
    broken: dict[str, Any] = {
        "resourceType": "Condition",
        "contained": [{"resourceType": "Observation", "id": "o1", "status": "final",
                       "code": {"text": "x"}}],
    }  # fmt: skip
    broken.update({k: copy.deepcopy(v) for k, v in condition.items() if k != "resourceType"})
    broken["evidence"] = [{"detail": [{"reference": "#o1"}]}]
    profile = find_profile(CONDITION)
    assert profile is not None
    full = Context(cap=100, index=ReferenceIndex(report))
    validate_as(broken, profile, "Condition", full)
    assert [i.severity for i in full.issues][:2] == ["information", "error"]
    assert Context(index=ReferenceIndex(report)).conforms(broken, CONDITION) is False
