"""The public validation API used by the CLI, the gateway and the generator.

This first version checks only what any delivery report must be (JSON, a Bundle of type
``collection``); the table-driven profile rules replace it behind the same signature.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from tvaers.errors import InputError
from tvaers.fhir.jsonio import parse_json
from tvaers.fhir.outcome import Issue, has_errors, operation_outcome
from tvaers.terminology.cpr import CprMode

IgName = Literal["care", "rehab", "prevention"]


@dataclass(frozen=True, slots=True)
class ValidationOptions:
    """How to validate: CPR syntax mode, strict post-transition rules, issue cap."""

    cpr_mode: CprMode = "dk-core"
    strict: bool = False
    max_issues: int = 500


@dataclass(slots=True)
class ValidationResult:
    """Issues found in one report (or resource); ``valid`` = no error/fatal issue."""

    issues: list[Issue] = field(default_factory=list)
    ig: IgName | None = None
    resource: dict[str, Any] | None = None  # the parsed input, when it parsed

    @property
    def valid(self) -> bool:
        return not has_errors(self.issues)

    def outcome(self) -> dict[str, Any]:
        """The FHIR OperationOutcome for this result."""
        return operation_outcome(self.issues, ok_text="Report is valid")


def validate_bytes(
    data: bytes, options: ValidationOptions | None = None, *, source: str = "<input>"
) -> ValidationResult:
    """Parse and validate raw bytes; never raises for bad input."""
    try:
        resource = parse_json(data, source=source)
    except InputError as exc:
        return ValidationResult(
            [Issue("fatal", "structure", "json:parse", exc.message, text_da="Ikke gyldig JSON")]
        )
    return validate_report(resource, options)


def validate_report(resource: Any, options: ValidationOptions | None = None) -> ValidationResult:
    """Validate a parsed delivery report (or a standalone resource of the IGs)."""
    issues: list[Issue] = []
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        issues.append(
            Issue(
                "fatal",
                "structure",
                "json:not-a-resource",
                "input is not a FHIR resource",
                text_da="Input er ikke en FHIR-ressource",
            )
        )
        return ValidationResult(issues)
    if resource["resourceType"] == "Bundle" and resource.get("type") != "collection":
        issues.append(
            Issue(
                "error",
                "value",
                "bundle:type",
                f"Bundle.type must be 'collection', got {resource.get('type')!r}",
                expression="Bundle.type",
                text_da="Bundle.type skal være 'collection'",
            )
        )
    return ValidationResult(issues, resource=resource)
