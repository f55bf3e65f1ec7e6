"""FHIR resources of the three inbound IGs, rendered from a version's attributes.

A story keeps each resource as a flat attribute dict (``story.Story.put`` merges changes);
``render(kind, attrs, ig, last_updated)`` turns one version into FHIR JSON and the keys
(``Type/id``) it references, which decide what else a self-contained report must carry.
Dates are epoch days; ``(day, minute)`` pairs are local times (see ``fhirtime``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tvaers.synth.municipal import codes as c
from tvaers.synth.municipal.fhirtime import instant, iso_date
from tvaers.terminology.codesystems import CARE_SOCIAL_CODES, FSIII
from tvaers.terminology.cpr import CPR_SYSTEM
from tvaers.terminology.sor import SOR_SYSTEM

Resource = dict[str, Any]
Attrs = dict[str, Any]
Rendered = tuple[Resource, tuple[str, ...]]

CANONICAL = {
    "care": "http://fhir.kl.dk/gateway",
    "rehab": "http://fhir.kl.dk/rehab",
    "prevention": "http://fhir.kl.dk/prevention",
}
PREFIX = {"care": "klgateway-care", "rehab": "klgateway-140", "prevention": "klgateway-119"}
SKS_D = "urn:oid:1.2.208.176.2.4.12"
ICPC2 = "urn:oid:1.2.208.176.2.31"
V3_ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
SNOMED = "http://snomed.info/sct"
STATUS_REASON = "http://hl7.org/fhir/StructureDefinition/request-statusReason"
RESOURCE_TYPE = {
    "patient": "Patient", "org": "Organization", "focus": "Condition", "sr": "ServiceRequest",
    "cond": "Condition", "forloeb": "CarePlan", "pi": "CarePlan", "enc": "Encounter",
    "care_cond": "Condition", "goal": "Goal", "care_pi": "CarePlan",
    "care_enc": "Encounter", "fuo": "Observation",
}  # fmt: skip
PROFILE = {
    "patient": "citizen", "org": "organization", "focus": "focus-condition",
    "sr": "servicerequest", "cond": "condition", "forloeb": "care-plan",
    "pi": "planned-intervention", "enc": "encounter", "care_cond": "condition", "goal": "goal",
    "care_pi": "planned-intervention", "care_enc": "general-encounter",
    "fuo": "follow-up-observation",
}  # fmt: skip
_PROFILES: dict[tuple[str, str], list[str]] = {}


def profile(ig: str, kind: str) -> list[str]:
    key = (ig, kind)
    if key not in _PROFILES:
        _PROFILES[key] = [f"{CANONICAL[ig]}/StructureDefinition/{PREFIX[ig]}-{PROFILE[kind]}"]
    return _PROFILES[key]


def coding(system: str, code: str) -> dict[str, str]:
    return {"system": system, "code": code}


def concept(system: str, code: str) -> dict[str, list[dict[str, str]]]:
    return {"coding": [{"system": system, "code": code}]}


def ref(key: str) -> dict[str, str]:
    return {"reference": key}


def ext(ig: str, name: str, **value: Any) -> dict[str, Any]:
    return {"url": f"{CANONICAL[ig]}/StructureDefinition/{name}", **value}


def _base(kind: str, a: Attrs, ig: str, updated: str) -> Resource:
    return {
        "resourceType": RESOURCE_TYPE[kind],
        "id": a["id"],
        "meta": {"profile": profile(ig, kind), "lastUpdated": updated},
    }


def _period(start: int, end: int | None) -> dict[str, str]:
    out = {"start": iso_date(start)}
    if end is not None:
        out["end"] = iso_date(end)
    return out


# --------------------------------------------------------------------------- shared
def patient(a: Attrs, ig: str, updated: str) -> Rendered:
    r = _base("patient", a, ig, updated)
    r["identifier"] = [{"use": "official", "system": CPR_SYSTEM, "value": a["cpr"]}]
    r["managingOrganization"] = {
        "identifier": {"use": "official", "system": SOR_SYSTEM, "value": a["sor"]}
    }
    r["deceasedBoolean"] = bool(a.get("deceased", False))
    return r, ()


def org(a: Attrs, ig: str, updated: str) -> Rendered:
    r = _base("org", a, ig, updated)
    r["identifier"] = [{"use": "official", "system": SOR_SYSTEM, "value": a["sor"]}]
    return r, ()


def focus(a: Attrs, ig: str, updated: str) -> Rendered:
    r = _base("focus", a, ig, updated)
    r["clinicalStatus"] = concept(CLINICAL, "active")
    r["code"] = concept(ICPC2 if a["system"] == "ICPC2" else SKS_D, a["code"])
    r["subject"] = ref(a["patient"])
    return r, (a["patient"],)


def service_request(a: Attrs, ig: str, updated: str) -> Rendered:
    r = _base("sr", a, ig, updated)
    refs = [a["patient"], a["focus"]]
    extensions = []
    if ig == "rehab":
        extensions.append(ext(ig, "PreconditionDate", valueDate=iso_date(a["discharge"])))
        if a.get("status_reason"):
            extensions.append(
                {"url": STATUS_REASON,
                 "valueCodeableConcept": concept(CARE_SOCIAL_CODES, a["status_reason"])}
            )  # fmt: skip
        r["extension"] = extensions
    r["status"] = a["status"]
    r["intent"] = "plan"
    if ig == "rehab":
        r["category"] = [concept(CARE_SOCIAL_CODES, code) for code in a["categories"]]
    r["code"] = concept(CARE_SOCIAL_CODES, c.SERVICE_140 if ig == "rehab" else c.SERVICE_119)
    r["subject"] = ref(a["patient"])
    if a.get("occurrence") is not None:
        r["occurrencePeriod"] = {"start": iso_date(a["occurrence"])}
    r["authoredOn"] = iso_date(a["authored"])
    if a.get("requester"):
        r["requester"] = ref(a["requester"])
        refs.append(a["requester"])
    r["reasonReference"] = [ref(a["focus"])]
    return r, tuple(refs)


def condition(a: Attrs, ig: str, updated: str) -> Rendered:
    r = _base("cond", a, ig, updated)
    r["clinicalStatus"] = concept(CLINICAL, a.get("clinical", "active"))
    r["verificationStatus"] = concept(VERIFICATION, "confirmed")
    r["category"] = [concept(CATEGORY, "problem-list-item")]
    r["code"] = concept(FSIII, a["code"])
    r["subject"] = ref(a["patient"])
    r["recordedDate"] = iso_date(a["recorded"])
    return r, (a["patient"],)


def forloeb(a: Attrs, ig: str, updated: str) -> Rendered:
    r = _base("forloeb", a, ig, updated)
    refs = [a["patient"], a["performer"]]
    if ig == "rehab":
        r["extension"] = [
            ext(ig, "BasedOnServiceRequestExtension", valueReference=ref(a["service_request"]))
        ]
        refs.append(a["service_request"])
    r["status"] = a["status"]
    r["intent"] = "plan"
    r["category"] = [concept(CARE_SOCIAL_CODES, c.FORLOEB_140 if ig == "rehab" else c.FORLOEB_119)]
    r["subject"] = ref(a["patient"])
    r["period"] = _period(a["start"], a.get("end"))
    detail: dict[str, Any] = {"status": a["detail_status"]}
    if a.get("status_reason"):
        detail["statusReason"] = concept(CARE_SOCIAL_CODES, a["status_reason"])
    detail["performer"] = [ref(a["performer"])]
    r["activity"] = [{"detail": detail}]
    return r, tuple(refs)


def planned_intervention(a: Attrs, ig: str, updated: str) -> Rendered:
    r = _base("pi", a, ig, updated)
    refs = [a["patient"], a["performer"], a["service_request"]]
    r["extension"] = [
        ext(ig, "BasedOnServiceRequestExtension", valueReference=ref(a["service_request"]))
    ]
    if a.get("based_on"):
        r["basedOn"] = [ref(a["based_on"])]
        refs.append(a["based_on"])
    r["status"] = a["status"]
    r["intent"] = "plan"
    r["subject"] = ref(a["patient"])
    r["period"] = _period(a["start"], a.get("end"))
    delivery = ext(
        ig, "DeliveryType", valueCodeableConcept=concept(CARE_SOCIAL_CODES, a["delivery"])
    )
    detail: dict[str, Any] = {
        "extension": [delivery],
        "code": concept(FSIII, a["code"]),
        "status": a["detail_status"],
        "performer": [ref(a["performer"])],
    }
    r["activity"] = [{"detail": detail}]
    return r, tuple(refs)


def encounter(a: Attrs, ig: str, updated: str) -> Rendered:
    r = _base("enc", a, ig, updated)
    r["extension"] = [ext(ig, "BasedOnCarePlanExtension", valueReference=ref(a["based_on"]))]
    r["status"] = a["status"]
    cls = a["cls"]
    r["class"] = coding(CARE_SOCIAL_CODES, cls) if "-" in cls else coding(V3_ACT, cls)
    r["subject"] = ref(a["patient"])
    day, minute, length = a["at"]
    r["period"] = {"start": instant(day, minute), "end": instant(day, minute + length)}
    return r, (a["patient"], a["based_on"])


# --------------------------------------------------------------------------- care
def care_condition(a: Attrs, ig: str, updated: str) -> Rendered:
    r = _base("care_cond", a, ig, updated)
    if a.get("invalid"):
        r["verificationStatus"] = concept(VERIFICATION, "entered-in-error")
    else:
        r["clinicalStatus"] = concept(CLINICAL, a.get("clinical", "active"))
        if a.get("clinical", "active") == "active":
            r["category"] = [concept(CATEGORY, "problem-list-item")]
    r["code"] = concept(FSIII, a["code"])
    if a.get("level") is not None:
        r["severity"] = concept(FSIII, a["level"])
    r["subject"] = ref(a["patient"])
    r["recordedDate"] = iso_date(a["recorded"])
    return r, (a["patient"],)


def goal(a: Attrs, ig: str, updated: str) -> Rendered:
    r = _base("goal", a, ig, updated)
    r["lifecycleStatus"] = a["lifecycle"]
    r["category"] = [concept(CARE_SOCIAL_CODES, c.GOAL_CATEGORY)]
    r["description"] = concept(FSIII, c.GOAL_DESCRIPTION)
    r["subject"] = ref(a["patient"])
    r["startDate"] = iso_date(a["start"])
    r["target"] = [
        {"measure": concept(CARE_SOCIAL_CODES, c.GOAL_MEASURE),
         "detailCodeableConcept": concept(FSIII, a["target"])}
    ]  # fmt: skip
    r["addresses"] = [ref(a["condition"])]
    return r, (a["patient"], a["condition"])


def care_intervention(a: Attrs, ig: str, updated: str) -> Rendered:
    r = _base("care_pi", a, ig, updated)
    r["status"] = a["status"]
    r["intent"] = "plan"
    r["subject"] = ref(a["patient"])
    r["period"] = _period(a["start"], a.get("end"))
    codings = [coding(FSIII, a["code"])]
    if a.get("local"):
        code, display = a["local"]
        codings.append({"system": c.LOCAL_CARE, "code": code, "display": display})
    delivery = ext("care", "DeliveryType",
                   valueCodeableConcept=concept(CARE_SOCIAL_CODES, c.DELIVERY_INDIVIDUAL))  # fmt: skip
    r["activity"] = [
        {"detail": {"extension": [delivery], "code": {"coding": codings},
                    "status": a["detail_status"],
                    "reasonReference": [ref(k) for k in a["conditions"]]}}
    ]  # fmt: skip
    return r, (a["patient"], *a["conditions"])


def care_encounter(a: Attrs, ig: str, updated: str) -> Rendered:
    r = _base("care_enc", a, ig, updated)
    r["status"] = a["status"]
    r["class"] = coding(V3_ACT, "HH")
    r["type"] = [concept(CARE_SOCIAL_CODES, c.ENC_FOLLOW_UP)]
    r["subject"] = ref(a["patient"])
    r["period"] = {"start": iso_date(a["start"])}
    r["reasonReference"] = [ref(k) for k in a["conditions"]]
    return r, (a["patient"], *a["conditions"])


def follow_up(a: Attrs, ig: str, updated: str) -> Rendered:
    r = _base("fuo", a, ig, updated)
    r["status"] = a["status"]
    r["code"] = concept(SNOMED, "712744002")
    r["subject"] = ref(a["patient"])
    r["focus"] = [ref(a["condition"])]
    day, minute = a["at"]
    r["effectiveDateTime"] = instant(day, minute)
    r["valueCodeableConcept"] = concept(FSIII, a["value"])
    return r, (a["patient"], a["condition"])


RENDERERS: dict[str, Callable[[Attrs, str, str], Rendered]] = {
    "patient": patient, "org": org, "focus": focus, "sr": service_request, "cond": condition,
    "forloeb": forloeb, "pi": planned_intervention, "enc": encounter,
    "care_cond": care_condition, "goal": goal, "care_pi": care_intervention,
    "care_enc": care_encounter, "fuo": follow_up,
}  # fmt: skip


def render(kind: str, attrs: Attrs, ig: str, day: int, minute: int) -> Rendered:
    """One version as FHIR JSON (``meta.lastUpdated`` = its local change time) and its refs."""
    return RENDERERS[kind](attrs, ig, instant(day, minute))
