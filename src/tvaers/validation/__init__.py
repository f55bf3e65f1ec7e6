"""Validation of KL Gateway delivery reports (care 1.2.0, rehab §140 2.2.0, prevention §119 2.1.1).

Rules are driven by tables derived from the IGs' compiled StructureDefinitions; each rule
has a stable key (see the rule catalogue). Output is a FHIR OperationOutcome.
"""

from tvaers.validation.api import (
    Rule,
    ValidationOptions,
    ValidationResult,
    rule_catalogue,
    validate_bytes,
    validate_report,
)

__all__ = [
    "Rule",
    "ValidationOptions",
    "ValidationResult",
    "rule_catalogue",
    "validate_bytes",
    "validate_report",
]
