"""Hand-written invalid delivery reports: mistakes an EOJ export makes, built from factories.

Each case names the mistake, the IG, how it is made (a mutation of a valid factory report),
and the rule key (and, where it is precise, the FHIRPath expression) the validator must
report. ``strict`` cases apply the post-transition rules; ``severity`` is the expected
severity of that issue (warnings leave the report valid).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tvaers.synth.factories import find, make_delivery_report

Report = dict[str, Any]
FSIII = "urn:oid:1.2.208.176.2.21"
CSC = "http://fhir.kl.dk/term/CodeSystem/CareSocialCodes"
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


@dataclass(frozen=True)
class InvalidCase:
    name: str
    ig: str
    mistake: str
    mutate: Callable[[Report], None]
    rule: str
    expression: str | None = None
    strict: bool = False
    severity: str = "error"
    transitional: bool = False

    def report(self) -> Report:
        report = make_delivery_report(
            self.ig, seed=hash(self.name) % 1000, transitional=self.transitional
        )  # type: ignore[arg-type]
        self.mutate(report)
        return report


def _index(report: Report, resource: Report) -> int:
    return next(i for i, e in enumerate(report["entry"]) if e["resource"] is resource)


def _entry(report: Report, kind: str, profile: str | None = None) -> str:
    return f"Bundle.entry[{_index(report, find(report, kind, profile))}].resource"


def _training(report: Report) -> Report:
    return next(e["resource"] for e in report["entry"] if "basedOn" in e["resource"])


def _assessment(report: Report, suffix: str) -> Report:
    return next(e["resource"] for e in report["entry"]
                if e["resource"]["meta"]["profile"][0].endswith(suffix) and "basedOn" not in e["resource"])  # fmt: skip


def _set(path: list[Any], value: Any) -> Callable[[Report], None]:
    def mutate(report: Report) -> None:
        target: Any = report
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return mutate


def _do(*steps: Callable[[Report], Any]) -> Callable[[Report], None]:
    def mutate(report: Report) -> None:
        for step in steps:
            step(report)

    return mutate


def _cpr(value: str) -> Callable[[Report], None]:
    return lambda r: find(r, "Patient")["identifier"][0].__setitem__("value", value)


CARE = "klgateway-care"
CASES: list[InvalidCase] = [
    # --- the citizen and the report envelope ---------------------------------------------
    InvalidCase(
        "cpr-with-hyphen",
        "care",
        "CPR exported with its display hyphen",
        _cpr("010101-0101"),
        f"cpr:{CARE}-citizen:Patient.identifier:cpr.value",
        "Bundle.entry[0].resource.identifier[0].value",
    ),
    InvalidCase(
        "cpr-impossible-date",
        "care",
        "CPR with day 31 in February",
        _cpr("3102850101"),
        f"cpr:{CARE}-citizen:Patient.identifier:cpr.value",
    ),
    InvalidCase(
        "cpr-nine-digits",
        "rehab",
        "CPR with a lost leading zero",
        _cpr("101010101"),
        "cpr:klgateway-140-citizen:Patient.identifier:cpr.value",
    ),
    InvalidCase(
        "cpr-wrong-system",
        "care",
        "CPR sent with the SOR system",
        lambda r: find(r, "Patient")["identifier"][0].__setitem__(
            "system", "urn:oid:1.2.208.176.1.1"
        ),
        f"cardinality:{CARE}-citizen:Patient.identifier:cpr",
    ),
    InvalidCase(
        "sor-too-short",
        "care",
        "custodian given as an 8-digit municipal number",
        lambda r: find(r, "Patient")["managingOrganization"]["identifier"].__setitem__(
            "value", "45100001"
        ),
        f"sor:{CARE}-citizen:Patient.managingOrganization.identifier.value",
    ),
    InvalidCase(
        "custodian-as-reference",
        "care",
        "managingOrganization sent as a reference",
        lambda r: find(r, "Patient").__setitem__(
            "managingOrganization", {"reference": "Organization/1"}
        ),
        f"cardinality:{CARE}-citizen:Patient.managingOrganization.reference",
    ),
    InvalidCase(
        "citizen-name-sent",
        "care",
        "the EOJ exports the citizen's name",
        lambda r: find(r, "Patient").__setitem__("name", [{"family": "Hansen"}]),
        f"cardinality:{CARE}-citizen:Patient.name",
        "Bundle.entry[0].resource.name",
    ),
    InvalidCase(
        "two-citizens",
        "care",
        "two citizens batched into one report",
        lambda r: r["entry"].append(
            dict(
                r["entry"][0],
                fullUrl="https://eoj.example.dk/fhir/Patient/2",
                resource=dict(r["entry"][0]["resource"], id="2"),
            )
        ),
        f"bundle:{CARE}-delivery-report:Bundle.entry",
        "Bundle.entry",
    ),
    InvalidCase(
        "no-timestamp",
        "care",
        "report built without its timestamp",
        lambda r: r.pop("timestamp"),
        f"cardinality:{CARE}-delivery-report:Bundle.timestamp",
        "Bundle.timestamp",
    ),
    InvalidCase(
        "transaction-bundle",
        "rehab",
        "report sent as a FHIR transaction",
        _set(["type"], "transaction"),
        "pattern:klgateway-140-delivery-report:Bundle.type",
        "Bundle.type",
    ),
    InvalidCase(
        "entry-request",
        "care",
        "PUT requests left on every entry",
        lambda r: r["entry"][1].__setitem__("request", {"method": "PUT", "url": "Condition/1"}),
        f"cardinality:{CARE}-delivery-report:Bundle.entry.request",
        "Bundle.entry[1].request",
    ),
    InvalidCase(
        "duplicate-entry",
        "prevention",
        "the same resource exported twice",
        lambda r: r["entry"].append(r["entry"][5]),
        "bdl-7",
        "Bundle",
    ),
    InvalidCase(
        "history-fullurl",
        "care",
        "version-specific fullUrl",
        lambda r: r["entry"][1].__setitem__("fullUrl", r["entry"][1]["fullUrl"] + "/_history/2"),
        "bdl-8",
        "Bundle.entry[1]",
    ),
    InvalidCase(
        "foreign-resource-type",
        "prevention",
        "a care Goal sent in a §119 report",
        lambda r: r["entry"].append(
            {"fullUrl": "https://x/Goal/1", "resource": {"resourceType": "Goal", "id": "1"}}
        ),
        "bundle:klgateway-119-delivery-report:Bundle.entry.resource",
    ),
    InvalidCase(
        "citizen-without-deceased",
        "rehab",
        "deceasedBoolean left out",
        lambda r: find(r, "Patient").pop("deceasedBoolean"),
        "cardinality:klgateway-140-citizen:Patient.deceased[x]:deceasedBoolean",
    ),
    InvalidCase(
        "deceased-citizen",
        "care",
        "data sent about a deceased citizen",
        _do(lambda r: find(r, "Patient").__setitem__("deceasedBoolean", True)),
        "data-about-deceased-citizen-warning",
        "Bundle.entry[0].resource",
        severity="warning",
    ),
    # --- conditions and goals ------------------------------------------------------------
    InvalidCase(
        "home-care-condition-without-level",
        "care",
        "functional level not recorded",
        lambda r: find(r, "Condition").pop("severity"),
        "klgateway-severity-mandatory-in-home-care-not-allowed-in-nursing",
        "Bundle.entry[1].resource",
    ),
    InvalidCase(
        "nursing-condition-with-level",
        "care",
        "a nursing condition given a functional level",
        lambda r: find(r, "Condition")["code"].__setitem__(
            "coding", [{"system": FSIII, "code": "116ff724-09b7-45c0-bee5-8bbf1d500c63"}]
        ),
        "klgateway-severity-mandatory-in-home-care-not-allowed-in-nursing",
    ),
    InvalidCase(
        "condition-code-from-interventions",
        "care",
        "an intervention code used as condition",
        lambda r: find(r, "Condition")["code"]["coding"][0].__setitem__(
            "code", "17312894-b23f-43d9-9723-b725ac25d872"
        ),
        f"binding:{CARE}-condition:Condition.code",
        "Bundle.entry[1].resource.code",
    ),
    InvalidCase(
        "condition-without-recorded-date",
        "care",
        "first-recorded date missing",
        lambda r: find(r, "Condition").pop("recordedDate"),
        f"cardinality:{CARE}-condition:Condition.recordedDate",
        "Bundle.entry[1].resource.recordedDate",
    ),
    InvalidCase(
        "condition-date-danish-format",
        "care",
        "date written DD-MM-YYYY",
        lambda r: find(r, "Condition").__setitem__("recordedDate", "01-03-2024"),
        f"type:{CARE}-condition:Condition.recordedDate",
        "Bundle.entry[1].resource.recordedDate",
    ),
    InvalidCase(
        "condition-entered-in-error-with-status",
        "care",
        "e-i-e condition keeps clinicalStatus",
        lambda r: find(r, "Condition").__setitem__(
            "verificationStatus", {"coding": [{"system": VER, "code": "entered-in-error"}]}
        ),
        "con-5",
        "Bundle.entry[1].resource",
    ),
    InvalidCase(
        "rehab-e-i-e-focus-condition-with-status",
        "rehab",
        "e-i-e diagnosis (its status is required)",
        lambda r: find(r, "Condition", "140-focus-condition").__setitem__(
            "verificationStatus", {"coding": [{"system": VER, "code": "entered-in-error"}]}
        ),
        "con-5",
        severity="warning",
    ),
    InvalidCase(
        "rehab-condition-with-level",
        "rehab",
        "§140 condition given a functional level",
        lambda r: find(r, "Condition", "140-condition").__setitem__(
            "severity", {"coding": [{"system": FSIII, "code": "B2"}]}
        ),
        "cardinality:klgateway-140-condition:Condition.severity",
    ),
    InvalidCase(
        "goal-for-nursing-condition",
        "care",
        "a goal set for a nursing condition",
        lambda r: find(r, "Condition")["code"].__setitem__(
            "coding", [{"system": FSIII, "code": "116ff724-09b7-45c0-bee5-8bbf1d500c63"}]
        ),
        "klgateway-adresses-must-be-home-care-condition",
        "Bundle.entry[3].resource",
    ),
    InvalidCase(
        "misspelt-element",
        "care",
        "a typo in a hand-written export mapping",
        lambda r: find(r, "Condition").__setitem__(
            "clinicalstatus", find(r, "Condition").pop("clinicalStatus")
        ),
        f"unknown-element:{CARE}-condition:Condition",
        "Bundle.entry[1].resource.clinicalstatus",
    ),
    # --- interventions -------------------------------------------------------------------
    InvalidCase(
        "intervention-intent-order",
        "care",
        "CarePlan.intent copied from orders",
        lambda r: find(r, "CarePlan").__setitem__("intent", "order"),
        f"pattern:{CARE}-planned-intervention:CarePlan.intent",
    ),
    InvalidCase(
        "intervention-without-start",
        "care",
        "grant date missing",
        lambda r: find(r, "CarePlan")["period"].pop("start"),
        f"cardinality:{CARE}-planned-intervention:CarePlan.period.start",
    ),
    InvalidCase(
        "intervention-end-before-start",
        "care",
        "end before start after a re-grant",
        lambda r: find(r, "CarePlan").__setitem__(
            "period", {"start": "2024-05-01", "end": "2024-04-01"}
        ),
        "per-1",
        "Bundle.entry[4].resource.period",
    ),
    InvalidCase(
        "intervention-foreign-code-system",
        "care",
        "a local code system as the only coding",
        lambda r: find(r, "CarePlan")["activity"][0]["detail"]["code"]["coding"].append(
            {"system": "urn:oid:1.2.208.176.2.4", "code": "ZZ0150"}
        ),
        f"slice:{CARE}-planned-intervention:CarePlan.activity.detail.code.coding",
    ),
    InvalidCase(
        "level3-without-display",
        "care",
        "local level-3 intervention without display",
        lambda r: find(r, "CarePlan")["activity"][0]["detail"]["code"]["coding"].append(
            {
                "system": "http://fhir.kl.dk/gateway/CodeSystem/LocallyDefinedInterventions",
                "code": "L1",
            }
        ),
        f"cardinality:{CARE}-planned-intervention:CarePlan.activity.detail.code.coding:level3.display",
    ),
    InvalidCase(
        "delivery-type-unknown",
        "care",
        "delivery type from another list",
        lambda r: find(r, "CarePlan")["activity"][0]["detail"]["extension"][0][
            "valueCodeableConcept"
        ]["coding"][0].__setitem__("code", "f15b2663-94d9-4d0c-a5de-d8bd8e1e4ebb"),
        f"binding:{CARE}-planned-intervention:CarePlan.activity.detail.extension:deliveryType.value[x].coding",
    ),
    InvalidCase(
        "unknown-extension",
        "care",
        "a vendor-specific extension left in",
        lambda r: (
            find(r, "CarePlan")
            .setdefault("extension", [])
            .append({"url": "https://vendor.example/x", "valueString": "y"})
        ),
        f"unknown-element:{CARE}-planned-intervention:CarePlan.extension",
    ),
    InvalidCase(
        "rehab-training-without-course",
        "rehab",
        "training not linked to its course",
        lambda r: _training(r).pop("basedOn"),
        "klgateway-140-intervention-1",
    ),
    InvalidCase(
        "rehab-assessment-in-course",
        "rehab",
        "assessment linked to a course",
        lambda r: _assessment(r, "140-planned-intervention").__setitem__(
            "basedOn", [{"reference": "CarePlan/x"}]
        ),
        "klgateway-140-intervention-2",
    ),
    InvalidCase(
        "rehab-without-delivery-type",
        "rehab",
        "delivery type not exported",
        lambda r: _training(r)["activity"][0]["detail"].pop("extension"),
        "cardinality:klgateway-140-planned-intervention:CarePlan.activity.detail.extension:deliveryType",
    ),
    InvalidCase(
        "rehab-course-cancelled-without-reason",
        "rehab",
        "course cancelled, reason not sent",
        lambda r: find(r, "CarePlan", "140-care-plan")["activity"][0]["detail"].__setitem__(
            "status", "cancelled"
        ),
        "klgateway-140-care-plan-1",
    ),
    InvalidCase(
        "prevention-diet-without-course",
        "prevention",
        "Kostvejledning outside a course",
        lambda r: _training(r).pop("basedOn"),
        "klgateway-119-intervention-1",
    ),
    InvalidCase(
        "prevention-clarifying-talk-in-course",
        "prevention",
        "Afklarende samtale inside a course",
        lambda r: _assessment(r, "119-planned-intervention").__setitem__(
            "basedOn", [{"reference": "CarePlan/x"}]
        ),
        "klgateway-119-intervention-2",
    ),
    InvalidCase(
        "prevention-reason-on-active-course",
        "prevention",
        "statusReason on a running course",
        lambda r: find(r, "CarePlan", "119-care-plan")["activity"][0]["detail"].__setitem__(
            "statusReason",
            {"coding": [{"system": CSC, "code": "3a5a72b7-addf-4857-b80c-04e4246e3072"}]},
        ),
        "klgateway-119-care-plan-1",
    ),
    InvalidCase(
        "prevention-condition-outside-119",
        "prevention",
        "a care condition code in §119",
        lambda r: find(r, "Condition", "119-condition")["code"]["coding"][0].__setitem__(
            "code", "feb38b55-c2d7-4d57-99c2-93622eaa0025"
        ),
        "binding:klgateway-119-condition:Condition.code",
    ),
    # --- referrals, encounters, references -----------------------------------------------
    InvalidCase(
        "referral-only-basal",
        "rehab",
        "GGOP with only the 'basal' category",
        lambda r: find(r, "ServiceRequest")["category"][0]["coding"][0].__setitem__(
            "code", "8b962281-2ab6-4b10-9c91-4bac592d6d49"
        ),
        "gateway-140-service-request-1",
    ),
    InvalidCase(
        "referral-without-discharge-date",
        "rehab",
        "discharge date not exported",
        lambda r: find(r, "ServiceRequest").pop("extension"),
        "cardinality:klgateway-140-servicerequest:ServiceRequest.extension:dischargeDate",
    ),
    InvalidCase(
        "rehab-encounter-open",
        "rehab",
        "a contact without end time",
        lambda r: find(r, "Encounter")["period"].pop("end"),
        "cardinality:klgateway-140-encounter:Encounter.period.end",
    ),
    InvalidCase(
        "organization-without-sor",
        "rehab",
        "performer sent with a name only",
        lambda r: find(r, "Organization").__setitem__(
            "identifier", [{"system": "urn:oid:2.999", "value": "x"}]
        ),
        "dk-core-organization-mandatory-identifier",
    ),
    InvalidCase(
        "dangling-reference",
        "care",
        "visit refers to an intervention not in the report",
        lambda r: find(r, "Encounter")["extension"][0]["valueReference"].__setitem__(
            "reference", "CarePlan/missing"
        ),
        f"reference:{CARE}-general-encounter:Encounter.extension:basedOnIntervention.value[x]",
    ),
    InvalidCase(
        "subject-of-another-citizen",
        "care",
        "condition points at another citizen",
        lambda r: find(r, "Condition").__setitem__(
            "subject", {"reference": "Patient/someone-else"}
        ),
        f"reference:{CARE}-condition:Condition.subject",
        "Bundle.entry[1].resource.subject",
    ),
    InvalidCase(
        "reference-to-wrong-type",
        "care",
        "goal addresses an intervention",
        lambda r: find(r, "Goal").__setitem__(
            "addresses", [{"reference": f"CarePlan/{find(r, 'CarePlan')['id']}"}]
        ),
        f"reference:{CARE}-goal:Goal.addresses",
    ),
    InvalidCase(
        "follow-up-preliminary",
        "care",
        "follow-up sent before it is final",
        lambda r: find(r, "Observation", "follow-up-observation").__setitem__(
            "status", "preliminary"
        ),
        "gateway-care-follow-up-1",
        transitional=True,
    ),
    InvalidCase(
        "observation-without-profile",
        "care",
        "a blood pressure (no care profile) in the report",
        lambda r: find(r, "Observation", "follow-up-observation").update(
            meta={"profile": ["http://example.org/other"]},
            code={"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        ),
        "gateway-care-report-1",
        "Bundle",
        transitional=True,
    ),
    InvalidCase(
        "citizen-observation-code-value-mismatch",
        "care",
        "'Udførelse' observation with an importance value",
        lambda r: find(r, "Observation", "citizens-own-observation")["valueCodeableConcept"][
            "coding"
        ][0].__setitem__("code", "D1"),
        "klgateway-citizen-observation-code-and-value-must-match",
        transitional=True,
    ),
    # --- strict (post-transition) --------------------------------------------------------
    InvalidCase(
        "strict-legacy-key",
        "care",
        "legacy FSIII key after the transition",
        lambda r: find(r, "Condition")["code"].__setitem__(
            "coding", [{"system": FSIII, "code": "J1.1"}]
        ),
        f"strict:{CARE}-condition:Condition.code.coding",
        "Bundle.entry[1].resource.code.coding[0]",
        strict=True,
    ),
    InvalidCase(
        "strict-stale-display",
        "care",
        "an outdated title as display",
        lambda r: find(r, "Condition")["code"]["coding"][0].__setitem__(
            "display", "Personlig pleje (gammel)"
        ),
        f"strict:{CARE}-condition:Condition.code.coding",
        "Bundle.entry[1].resource.code.coding[0].display",
        strict=True,
    ),
    InvalidCase(
        "strict-deprecated-encounter",
        "care",
        "old follow-up Encounter profile",
        lambda r: None,
        f"strict:{CARE}-encounter:Encounter",
        strict=True,
        transitional=True,
    ),
    InvalidCase(
        "strict-deceased",
        "care",
        "deceased citizen after the transition",
        lambda r: find(r, "Patient").__setitem__("deceasedBoolean", True),
        f"strict:{CARE}-citizen:Patient.deceased[x]",
        strict=True,
    ),
    InvalidCase(
        "strict-follow-up-on-intervention",
        "care",
        "follow-up focused on an intervention",
        lambda r: find(r, "Observation", "follow-up-observation").__setitem__(
            "focus", [{"reference": f"CarePlan/{find(r, 'CarePlan')['id']}"}]
        ),
        f"strict:{CARE}-follow-up-observation:Observation.focus",
        strict=True,
        transitional=True,
    ),
]
