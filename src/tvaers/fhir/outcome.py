"""FHIR R4 OperationOutcome: the one error shape of every ``/fhir`` surface.

An :class:`Issue` carries severity, issue-type code, a FHIRPath ``expression``, the rule
key (``details.coding`` in system :data:`RULE_SYSTEM`), English ``diagnostics`` and Danish
``details.text``. :func:`operation_outcome` builds the resource; every HTTP error and every
validation result goes through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

RULE_SYSTEM = "urn:tvaers:validation-rule"

Severity = Literal["fatal", "error", "warning", "information"]
SEVERITY_ORDER: dict[str, int] = {"fatal": 0, "error": 1, "warning": 2, "information": 3}


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in an input."""

    severity: Severity
    code: str  # FHIR IssueType, e.g. "structure", "required", "value", "code-invalid"
    rule: str  # rule key, e.g. "cardinality:klgateway-care-condition:Condition.subject"
    diagnostics: str  # English
    expression: str | None = None  # e.g. "Bundle.entry[3].resource.severity"
    text_da: str | None = None  # Danish, for the people who fix it

    @property
    def is_error(self) -> bool:
        return self.severity in ("fatal", "error")

    def to_fhir(self) -> dict[str, Any]:
        """This issue as an OperationOutcome.issue element."""
        details: dict[str, Any] = {"coding": [{"system": RULE_SYSTEM, "code": self.rule}]}
        if self.text_da:
            details["text"] = self.text_da
        out: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "details": details,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            out["expression"] = [self.expression]
        return out


def operation_outcome(issues: Iterable[Issue], *, ok_text: str | None = None) -> dict[str, Any]:
    """Build an OperationOutcome; with no issues it holds one ``information`` issue."""
    items = [issue.to_fhir() for issue in issues]
    if not items:
        items = [
            {
                "severity": "information",
                "code": "informational",
                "diagnostics": ok_text or "All OK",
            }
        ]
    return {"resourceType": "OperationOutcome", "issue": items}


def error_outcome(
    message: str,
    *,
    code: str = "processing",
    rule: str = "http:error",
    text_da: str | None = None,
    expression: str | None = None,
    severity: Severity = "error",
) -> dict[str, Any]:
    """An OperationOutcome for one error (HTTP errors, refused requests)."""
    return operation_outcome(
        [Issue(severity, code, rule, message, expression=expression, text_da=text_da)]
    )


def has_errors(issues: Iterable[Issue]) -> bool:
    """True when any issue is ``error`` or ``fatal`` ("valid" = no such issue)."""
    return any(issue.is_error for issue in issues)
