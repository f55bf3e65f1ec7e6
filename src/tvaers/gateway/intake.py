"""Intake decisions: bytes in, an accepted report or a precise refusal out.

Order: validate (the public validation API; unparseable -> 400, invalid -> 422 with
exactly the validator's OperationOutcome), then the gateway's own checks on a valid
report (a Bundle with an id matching the URL, exactly one citizen with a CPR number in
the configured CPR mode, a managingOrganization SOR code the organisation table knows,
belonging to one of the caller's municipalities -> 400/422/403). Pure apart from the
organisation lookup; the store and HTTP layers act on the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tvaers.fhir.jsonio import content_hash
from tvaers.fhir.outcome import Issue, operation_outcome
from tvaers.fhir.state import citizen_cpr, managing_sor, parse_instant
from tvaers.gateway.clients import Principal
from tvaers.terminology.cpr import cpr_problem
from tvaers.terminology.organisations import OrganisationTable
from tvaers.validation import ValidationOptions, ValidationResult, validate_bytes

IG_BY_CANONICAL = {
    "http://fhir.kl.dk/gateway/": "care",
    "http://fhir.kl.dk/rehab/": "rehab",
    "http://fhir.kl.dk/prevention/": "prevention",
}


@dataclass(frozen=True, slots=True)
class Accepted:
    """A valid report the caller may submit; ready for the store."""

    report_id: str
    bundle: dict[str, Any]
    raw: bytes
    content_hash: str
    cpr: str
    sor: str
    kommunekode: str
    ig: str | None
    profile: str | None
    timestamp: str | None
    issues: list[Issue] = field(default_factory=list)  # warnings and information

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(self.issues, ok_text="Leveringsrapporten er modtaget")


@dataclass(frozen=True, slots=True)
class Refused:
    """Why a report was not accepted, as the HTTP status and OperationOutcome to return."""

    status: int  # 400 unparseable/malformed request, 403 scope, 422 invalid
    outcome: dict[str, Any]
    rule_keys: list[str]
    report_id: str | None = None
    kommunekode: str | None = None
    ig: str | None = None
    bundle_timestamp: str | None = None  # the report's own time, for data-quality statistics


def gateway_issue(rule: str, code: str, message: str, text_da: str, expression: str) -> Issue:
    """An issue raised by the gateway itself (rule keys ``gateway:*``)."""
    return Issue("error", code, rule, message, expression=expression, text_da=text_da)


def ig_of(bundle: dict[str, Any], result: ValidationResult) -> tuple[str | None, str | None]:
    """The report's IG (from the validator, else its profile URL) and its profile URL."""
    meta = bundle.get("meta")
    profiles = meta.get("profile") if isinstance(meta, dict) else None
    profile = profiles[0] if isinstance(profiles, list) and profiles else None
    if not isinstance(profile, str):
        profile = None
    if result.ig is not None:
        return result.ig, profile
    for canonical, ig in IG_BY_CANONICAL.items():
        if profile and profile.startswith(canonical):
            return ig, profile
    return None, profile


def _refuse(
    status: int, issues: list[Issue], bundle: dict[str, Any] | None, **extra: Any
) -> Refused:
    report_id = bundle.get("id") if bundle else None
    return Refused(
        status,
        operation_outcome(issues),
        [i.rule for i in issues if i.is_error],
        report_id if isinstance(report_id, str) else None,
        **extra,
    )


def _timestamp(bundle: dict[str, Any]) -> str | None:
    stamp = bundle.get("timestamp")
    return stamp[:32] if isinstance(stamp, str) else None


def municipality_of(bundle: dict[str, Any], organisations: OrganisationTable) -> str | None:
    """Best effort, for reject records and coverage: the report's municipality, if known."""
    sor = managing_sor(bundle)
    return organisations.kommunekode_of(sor) if sor else None


def _request_problem(bundle: dict[str, Any], url_id: str | None) -> Issue | None:
    """400-class problems: not a Bundle, no id, id differs from the URL."""
    if bundle.get("resourceType") != "Bundle":
        return gateway_issue(
            "gateway:resource-type",
            "not-supported",
            f"only Bundle resources (delivery reports) can be submitted, got {bundle.get('resourceType')!r}",
            "Kun Bundle-ressourcer (leveringsrapporter) kan indberettes",
            "resourceType",
        )
    report_id = bundle.get("id")
    if not isinstance(report_id, str) or not report_id:
        return gateway_issue(
            "gateway:bundle-id",
            "required",
            "the report has no Bundle.id; every delivery report needs the vendor's UUID as id",
            "Leveringsrapporten mangler Bundle.id (leverandørens UUID)",
            "Bundle.id",
        )
    if url_id is not None and report_id != url_id:
        return gateway_issue(
            "gateway:bundle-id-mismatch",
            "invalid",
            f"Bundle.id {report_id!r} differs from the id {url_id!r} in the URL",
            "Bundle.id svarer ikke til id'et i URL'en",
            "Bundle.id",
        )
    return None


def examine(
    data: bytes,
    *,
    principal: Principal,
    organisations: OrganisationTable,
    options: ValidationOptions,
    url_id: str | None = None,
    source: str = "request body",
) -> Accepted | Refused:
    """Decide what to do with a submitted report (see the module docstring)."""
    result = validate_bytes(data, options, source=source)
    bundle = result.resource
    if not isinstance(bundle, dict):
        return Refused(400, result.outcome(), [i.rule for i in result.issues if i.is_error])
    request_problem = _request_problem(bundle, url_id)
    if request_problem is not None:
        return _refuse(400, [request_problem], bundle)
    ig, profile = ig_of(bundle, result)
    if not result.valid:
        return Refused(
            422,
            result.outcome(),
            [i.rule for i in result.issues if i.is_error],
            bundle["id"],
            kommunekode=municipality_of(bundle, organisations),
            ig=ig,
            bundle_timestamp=_timestamp(bundle),
        )
    return _check_citizen(data, bundle, result, principal, organisations, options, ig, profile)


def _check_citizen(
    data: bytes,
    bundle: dict[str, Any],
    result: ValidationResult,
    principal: Principal,
    organisations: OrganisationTable,
    options: ValidationOptions,
    ig: str | None,
    profile: str | None,
) -> Accepted | Refused:
    kept = list(result.issues)  # warnings and information from the validator
    patient = "Bundle.entry.resource.ofType(Patient)"
    cpr = citizen_cpr(bundle)
    if cpr is None:
        issue = gateway_issue(
            "gateway:citizen",
            "required",
            "a delivery report must name exactly one citizen (Patient with a CPR identifier)",
            "Leveringsrapporten skal indeholde præcis én borger med CPR-nummer",
            f"{patient}.identifier",
        )
        return _refuse(
            422, [*kept, issue], bundle, ig=ig, kommunekode=municipality_of(bundle, organisations)
        )
    problem = cpr_problem(cpr, options.cpr_mode)
    if problem is not None:
        issue = gateway_issue(
            "gateway:cpr",
            "value",
            f"the citizen's CPR number is not accepted: {problem}",
            "Borgerens CPR-nummer kan ikke modtages",
            f"{patient}.identifier.value",
        )
        return _refuse(
            422, [*kept, issue], bundle, ig=ig, kommunekode=municipality_of(bundle, organisations)
        )
    sor = managing_sor(bundle)
    if sor is None:
        issue = gateway_issue(
            "gateway:sor-missing",
            "required",
            "the citizen's managingOrganization has no SOR identifier",
            "Borgerens managingOrganization mangler en SOR-kode",
            f"{patient}.managingOrganization.identifier",
        )
        return _refuse(
            422, [*kept, issue], bundle, ig=ig, kommunekode=municipality_of(bundle, organisations)
        )
    stamp = parse_instant(bundle.get("timestamp"))
    kommunekode = organisations.kommunekode_of(sor, stamp.date() if stamp else None)
    if kommunekode is None:
        kommunekode = organisations.kommunekode_of(sor)
    if kommunekode is None:
        issue = gateway_issue(
            "gateway:sor-unknown",
            "security",
            f"SOR code {sor} is not a municipal unit in the gateway's organisation table",
            f"SOR-koden {sor} findes ikke som kommunal enhed i gatewayens organisationstabel",
            f"{patient}.managingOrganization.identifier.value",
        )
        return _refuse(403, [issue], bundle, ig=ig)
    if not principal.covers(kommunekode):
        issue = gateway_issue(
            "gateway:sor-scope",
            "security",
            f"SOR code {sor} belongs to municipality {kommunekode}, which client "
            f"{principal.client_id!r} may not report for",
            f"SOR-koden {sor} hører til kommune {kommunekode}, som klienten ikke må indberette for",
            f"{patient}.managingOrganization.identifier.value",
        )
        return _refuse(403, [issue], bundle, ig=ig, kommunekode=kommunekode)
    timestamp = bundle.get("timestamp")
    return Accepted(
        report_id=bundle["id"],
        bundle=bundle,
        raw=data,
        content_hash=content_hash(bundle),
        cpr=cpr,
        sor=sor,
        kommunekode=kommunekode,
        ig=ig,
        profile=profile,
        timestamp=timestamp if isinstance(timestamp, str) else None,
        issues=kept,
    )
