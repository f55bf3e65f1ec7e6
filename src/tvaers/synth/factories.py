"""Factories for realistic, valid KL Gateway delivery reports (care, rehab §140, prevention §119).

Tests, the demo and the synthetic generator build reports here instead of pasting JSON.
Every factory returns plain FHIR JSON (dicts); ids come from a seeded ``random.Random`` so
reports are reproducible. ``make_delivery_report(ig)`` assembles a typical report of one
citizen; the resource factories let a caller compose other scenarios. Codes are UUID-form
FSIII / CareSocialCodes from the IGs' value sets unless ``legacy_codes`` is asked for.
"""

from __future__ import annotations

import random
import uuid
from typing import Any, Literal

from tvaers.terminology.codesystems import CARE_SOCIAL_CODES, FSIII
from tvaers.terminology.cpr import CPR_SYSTEM
from tvaers.terminology.fsiii import functional_levels, to_legacy
from tvaers.terminology.sor import SOR_SYSTEM

Ig = Literal["care", "rehab", "prevention"]
Resource = dict[str, Any]

CANONICAL = {
    "care": "http://fhir.kl.dk/gateway",
    "rehab": "http://fhir.kl.dk/rehab",
    "prevention": "http://fhir.kl.dk/prevention",
}
PREFIX = {"care": "klgateway-care", "rehab": "klgateway-140", "prevention": "klgateway-119"}
BASE_URL = "https://eoj.example.dk/fhir"
DEFAULT_CPR = "1502779995"  # MedCom test CPR used by the rehab IG examples
DEFAULT_SOR = "451000016003"  # Holbæk Kommune, as in the IG examples
SKS_D = "urn:oid:1.2.208.176.2.4.12"
V3_ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
SNOMED = "http://snomed.info/sct"

#: Code catalogue (UUID, display) per IG, from the IGs' bound value sets.
CODES = {
    "care_condition": [
        ("feb38b55-c2d7-4d57-99c2-93622eaa0025", "Personlig pleje"),
        ("d8aa5f09-cd9c-4996-a853-1c95ee98f25c", "Mobilitet og bevægelse"),
        ("a7ac8429-513f-43cd-bc69-96a8d0e0f0ff", "Lave husligt arbejde"),
    ],
    "care_nursing_condition": [
        ("116ff724-09b7-45c0-bee5-8bbf1d500c63", "Problemer med vandladning"),
        ("19503407-1ae8-4b17-b96a-98387c24278d", "Problemer med venøst sår"),
    ],
    "care_intervention": [
        ("17312894-b23f-43d9-9723-b725ac25d872", "Personlig hygiejne"),
        ("ef8ee035-00d2-48b9-b366-27753ccd5504", "Mobilitet"),
        ("1ae7906b-5f16-4ba4-9077-7f59067cbedb", "Hverdagens aktiviteter"),
    ],
    "care_nursing_intervention": [
        ("1219579a-0c73-4777-957c-f2fa78c3cd3e", "Behandling og pleje af hudproblem")
    ],
    "rehab_condition": [
        ("dd41df82-3c13-4523-b9c5-e83676425299", "Mobilitet og bevægelse"),
        ("86e1982c-f459-4658-9071-e4bf3453a687", "Forflytte sig"),
    ],
    "rehab_intervention": [
        ("2abe20c7-c0b4-41c1-b397-52acf36499ef", "Fysisk træning"),
        ("58293f63-00d7-4730-8dbc-c784d40f9e23", "Funktionstræning"),
    ],
    "rehab_assessment": [("1130ad70-6553-490d-87f8-5e8941687a0c", "Terapeutfaglig udredning")],
    "prevention_condition": [
        ("febbd20d-f5ff-41e7-bf12-dfa0700678e0", "Vægt"),
        ("f1f1eee3-a3ea-4ca1-bfa9-ebb381af1a1f", "Fysisk aktivitet"),
    ],
    "prevention_intervention": [
        ("c9a99304-1788-43b7-b7be-e187b092ae9c", "Kostvejledning"),
        ("ab87c0b5-40be-4e0a-b749-d9f833bfed2d", "Fysisk træning"),
    ],
    "prevention_assessment": [("6eddbaf7-2a73-49d4-91e7-6138d419f58c", "Afklarende samtale")],
}
ENCOUNTER_TYPE = {
    "planned": ("784275f1-6822-4a88-b361-d958007d5253", "udførelse af planlagt indsats"),
    "follow-up": ("9f03dfbb-7a97-45a5-94db-d4c3501714a9", "opfølgning"),
}
DELIVERY_TYPE = {
    "individual": ("8d12d74c-17da-47a7-a4fe-e69dbaec0a8c", "Individuel indsats"),
    "group": ("2865f123-15a7-4a36-a514-32ea37c400ca", "Gruppebaseret indsats"),
}
FOLLOW_UP_CONTINUES = ("9c90b0e5-9c0a-4b72-a18c-76cd6d6c6213", "Fortsættes")
SERVICE_TYPE = {
    "rehab": "7fc66c15-0cb3-4c89-9e18-f3a01e6a6592",
    "prevention": "a71921ea-fe83-441d-933b-cc21d0b3c8c3",
}
FORLOEB_CATEGORY = {
    "rehab": "f15b2663-94d9-4d0c-a5de-d8bd8e1e4ebb",
    "prevention": "5c160c02-e858-4c1f-925a-71ed64844749",
}
REHAB_CATEGORY_ALMEN = ("ffd81f78-352e-4589-a195-5350dd1df2a4", "almen")
GOAL_CATEGORY = "ca552020-6ed1-4cdc-b0d4-32697f1f27ad"
GOAL_DESCRIPTION = "e182c5dc-9f91-474a-92e8-f62be3d498f4"
GOAL_MEASURE = "66959f77-6e2a-4574-8423-3ff097f8b9fa"


# --------------------------------------------------------------------------- basics
def new_id(rng: random.Random) -> str:
    """A reproducible UUID (version 4 layout) from ``rng``."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def profile_url(ig: Ig, name: str) -> str:
    """``profile_url("rehab", "citizen")`` -> the §140 citizen profile URL."""
    return f"{CANONICAL[ig]}/StructureDefinition/{PREFIX[ig]}-{name}"


def ref(resource: Resource) -> dict[str, str]:
    """A relative reference ``Type/id`` to ``resource``."""
    return {"reference": f"{resource['resourceType']}/{resource['id']}"}


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _fsiii(code: str, display: str, legacy: bool) -> dict[str, str]:
    if legacy:
        return coding(FSIII, to_legacy(code) or code)
    return coding(FSIII, code, display)


def _resource(kind: str, ig: Ig, profile: str, rng: random.Random, **body: Any) -> Resource:
    return {
        "resourceType": kind,
        "id": new_id(rng),
        "meta": {"profile": [profile_url(ig, profile)]},
        **body,
    }


def _ext(ig: Ig, name: str, **value: Any) -> dict[str, Any]:
    return {"url": f"{CANONICAL[ig]}/StructureDefinition/{name}", **value}


# --------------------------------------------------------------------------- shared
def make_citizen(
    ig: Ig = "care",
    *,
    cpr: str = DEFAULT_CPR,
    sor: str = DEFAULT_SOR,
    deceased: bool = False,
    rng: random.Random | None = None,
) -> Resource:
    """The citizen (Patient): CPR identifier, custodian SOR code, deceasedBoolean."""
    return _resource(
        "Patient",
        ig,
        "citizen",
        rng or random.Random(0),
        identifier=[{"use": "official", "system": CPR_SYSTEM, "value": cpr}],
        managingOrganization={
            "identifier": {"use": "official", "system": SOR_SYSTEM, "value": sor}
        },
        deceasedBoolean=deceased,
    )


def make_organization(ig: Ig, *, sor: str, rng: random.Random) -> Resource:
    """A §140/§119 organisation (referral sender or performer) by SOR code."""
    return _resource(
        "Organization",
        ig,
        "organization",
        rng,
        identifier=[{"use": "official", "system": SOR_SYSTEM, "value": sor}],
    )


# --------------------------------------------------------------------------- care
def make_care_condition(
    citizen: Resource,
    *,
    code: tuple[str, str] = CODES["care_condition"][0],
    level: int | None = 3,
    recorded: str = "2024-03-01",
    legacy_codes: bool = False,
    rng: random.Random,
) -> Resource:
    """A care condition; ``level`` (funktionsniveau 0-4, 9) is required for home-care codes
    and must be None for nursing codes."""
    body: dict[str, Any] = {
        "clinicalStatus": {"coding": [coding(CLINICAL, "active")]},
        "category": [{"coding": [coding(CATEGORY, "problem-list-item")]}],
        "code": {"coding": [_fsiii(*code, legacy_codes)]},
        "subject": ref(citizen),
        "recordedDate": recorded,
    }
    if level is not None:
        found = next(lv for lv in functional_levels() if lv.level == level)
        body["severity"] = {
            "coding": [
                coding(FSIII, found.legacy)
                if legacy_codes
                else coding(FSIII, found.uuid, str(level))
            ]
        }
    return _resource("Condition", "care", "condition", rng, **body)


def make_care_goal(
    condition: Resource, *, level: int = 2, start: str = "2024-03-01", rng: random.Random
) -> Resource:
    """The expected functional level (tilstandsmål) of a home-care condition."""
    found = next(lv for lv in functional_levels() if lv.level == level)
    return _resource(
        "Goal",
        "care",
        "goal",
        rng,
        lifecycleStatus="active",
        category=[{"coding": [coding(CARE_SOCIAL_CODES, GOAL_CATEGORY)]}],
        description={"coding": [coding(FSIII, GOAL_DESCRIPTION)]},
        subject=condition["subject"],
        startDate=start,
        target=[
            {
                "measure": {"coding": [coding(CARE_SOCIAL_CODES, GOAL_MEASURE)]},
                "detailCodeableConcept": {"coding": [coding(FSIII, found.uuid, str(level))]},
            }
        ],
        addresses=[ref(condition)],
    )


def make_care_intervention(
    citizen: Resource,
    conditions: list[Resource],
    *,
    code: tuple[str, str] = CODES["care_intervention"][0],
    start: str = "2024-03-02",
    end: str | None = None,
    status: str = "active",
    delivery: str | None = "individual",
    level3: tuple[str, str] | None = None,
    legacy_codes: bool = False,
    rng: random.Random,
) -> Resource:
    """A planned intervention (bevilget indsats) with its level-2 FSIII code."""
    codings = [_fsiii(*code, legacy_codes)]
    if level3:
        codings.append(
            coding(f"{CANONICAL['care']}/CodeSystem/LocallyDefinedInterventions", *level3)
        )
    detail: dict[str, Any] = {
        "code": {"coding": codings},
        "status": "completed" if status == "completed" else "in-progress",
        "reasonReference": [ref(c) for c in conditions],
    }
    if delivery:
        detail["extension"] = [
            _ext(
                "care",
                "DeliveryType",
                valueCodeableConcept={
                    "coding": [coding(CARE_SOCIAL_CODES, *DELIVERY_TYPE[delivery])]
                },
            )
        ]
    period = {"start": start, **({"end": end} if end else {})}
    return _resource(
        "CarePlan",
        "care",
        "planned-intervention",
        rng,
        status=status,
        intent="plan",
        subject=ref(citizen),
        period=period,
        activity=[{"detail": detail}],
    )


def make_care_encounter(
    citizen: Resource,
    *,
    kind: str = "planned",
    start: str = "2024-03-04T08:00:00+01:00",
    end: str | None = "2024-03-04T08:25:00+01:00",
    interventions: list[Resource] = (),  # type: ignore[assignment]
    conditions: list[Resource] = (),  # type: ignore[assignment]
    status: str = "finished",
    rng: random.Random,
) -> Resource:
    """A general encounter: a delivered visit (``planned``) or a planned ``follow-up``."""
    body: dict[str, Any] = {
        "status": status,
        "class": coding(V3_ACT, "HH"),
        "type": [{"coding": [coding(CARE_SOCIAL_CODES, *ENCOUNTER_TYPE[kind])]}],
        "subject": ref(citizen),
        "period": {"start": start, **({"end": end} if end else {})},
    }
    if interventions:
        body["extension"] = [
            _ext("care", "BasedOnInterventionExtension", valueReference=ref(i))
            for i in interventions
        ]
    if conditions:
        body["reasonReference"] = [ref(c) for c in conditions]
    return _resource("Encounter", "care", "general-encounter", rng, **body)


def make_care_follow_up(
    focus: Resource, *, effective: str = "2024-03-20", rng: random.Random
) -> Resource:
    """A follow-up result (opfølgning) on a condition: "Fortsættes"."""
    return _resource(
        "Observation",
        "care",
        "follow-up-observation",
        rng,
        status="final",
        code={"coding": [coding(SNOMED, "712744002")]},
        subject=focus["subject"],
        focus=[ref(focus)],
        effectiveDateTime=effective,
        valueCodeableConcept={"coding": [coding(FSIII, *FOLLOW_UP_CONTINUES)]},
    )


def make_care_completed_intervention(citizen: Resource, conditions: list[Resource], *,
                                     code: tuple[str, str] = CODES["care_nursing_intervention"][0],
                                     performed: str = "2024-03-04T10:15:00+01:00",
                                     rng: random.Random) -> Resource:  # fmt: skip
    """An acute, unplanned delivered intervention (Procedure)."""
    return _resource("Procedure", "care", "completed-intervention", rng, status="completed",
                     code={"coding": [coding(FSIII, *code)]}, subject=ref(citizen),
                     performedDateTime=performed, reasonReference=[ref(c) for c in conditions])  # fmt: skip


def make_care_transitional(
    citizen: Resource, condition: Resource, rng: random.Random
) -> list[Resource]:
    """The pre-transition profiles (deprecated after the FSIII simplification): the old
    follow-up Encounter, a citizen's own observation (legacy C/C1) and a matter of interest."""
    follow_up = _resource("Encounter", "care", "encounter", rng, status="planned",
                          **{"class": coding(V3_ACT, "HH")},
                          type=[{"coding": [coding(CARE_SOCIAL_CODES, ENCOUNTER_TYPE["follow-up"][0])]}],
                          subject=ref(citizen), period={"start": "2024-04-01"})  # fmt: skip
    own = _resource("Observation", "care", "citizens-own-observation", rng, status="final",
                    code={"coding": [coding(FSIII, "C")]}, subject=ref(citizen), focus=[ref(condition)],
                    effectiveDateTime="2024-03-01", valueCodeableConcept={"coding": [coding(FSIII, "C1")]})  # fmt: skip
    area = _resource("Observation", "care", "matter-of-interest-observation", rng, status="final",
                     code={"coding": [coding(FSIII, "J1")]}, subject=ref(citizen),
                     effectiveDateTime="2024-03-01",
                     extension=[_ext("care", "klgateway-care-finding-context-at-risk-extension",
                                     valueCoding=coding(FSIII, "J1.2"))])  # fmt: skip
    return [follow_up, own, area]


# --------------------------------------------------------------------------- rehab / prevention
def make_focus_condition(
    ig: Ig,
    citizen: Resource,
    *,
    diagnosis: tuple[str, str] = ("DS721", "Pertrokantær femurfraktur"),
    rng: random.Random,
) -> Resource:
    """The hospital diagnosis behind a referral (SKS-D), as a focus condition."""
    return _resource(
        "Condition",
        ig,
        "focus-condition",
        rng,
        code={"coding": [coding(SKS_D, *diagnosis)]},
        clinicalStatus={"coding": [coding(CLINICAL, "active")]},
        subject=ref(citizen),
    )


def make_service_request(
    ig: Ig,
    citizen: Resource,
    requester: Resource,
    reason: Resource,
    *,
    authored: str = "2024-03-01",
    discharge: str = "2024-03-01",
    rng: random.Random,
) -> Resource:
    """The referral: a GGOP (rehab, with discharge date) or a §119 referral."""
    body: dict[str, Any] = {
        "status": "active",
        "intent": "plan",
        "code": {"coding": [coding(CARE_SOCIAL_CODES, SERVICE_TYPE[ig])]},
        "subject": ref(citizen),
        "authoredOn": authored,
        "requester": ref(requester),
        "reasonReference": [ref(reason)],
    }
    if ig == "rehab":
        body["extension"] = [_ext("rehab", "PreconditionDate", valueDate=discharge)]
        body["category"] = [{"coding": [coding(CARE_SOCIAL_CODES, *REHAB_CATEGORY_ALMEN)]}]
    return _resource("ServiceRequest", ig, "servicerequest", rng, **body)


def make_condition(
    ig: Ig,
    citizen: Resource,
    *,
    code: tuple[str, str] | None = None,
    recorded: str = "2024-03-05",
    rng: random.Random,
) -> Resource:
    """A §140/§119 condition (tilstand) assessed by the municipality."""
    code = code or CODES[f"{ig}_condition"][0]
    return _resource(
        "Condition",
        ig,
        "condition",
        rng,
        clinicalStatus={"coding": [coding(CLINICAL, "active")]},
        verificationStatus={"coding": [coding(VERIFICATION, "confirmed")]},
        category=[{"coding": [coding(CATEGORY, "problem-list-item")]}],
        code={"coding": [coding(FSIII, *code)]},
        subject=ref(citizen),
        recordedDate=recorded,
    )


def make_care_plan(
    ig: Ig,
    citizen: Resource,
    performer: Resource,
    request: Resource,
    *,
    start: str = "2024-03-05",
    status: str = "active",
    rng: random.Random,
) -> Resource:
    """The course (forløb) the interventions belong to (§140 courses name their referral)."""
    extension = [_ext(ig, "BasedOnServiceRequestExtension", valueReference=ref(request))]
    return _resource(
        "CarePlan",
        ig,
        "care-plan",
        rng,
        status=status,
        intent="plan",
        **({"extension": extension} if ig == "rehab" else {}),
        category=[{"coding": [coding(CARE_SOCIAL_CODES, FORLOEB_CATEGORY[ig])]}],
        subject=ref(citizen),
        period={"start": start},
        activity=[{"detail": {"status": "in-progress", "performer": [ref(performer)]}}],
    )


def make_planned_intervention(
    ig: Ig,
    citizen: Resource,
    performer: Resource,
    request: Resource,
    *,
    course: Resource | None,
    code: tuple[str, str] | None = None,
    start: str = "2024-03-05",
    end: str | None = None,
    delivery: str = "individual",
    rng: random.Random,
) -> Resource:
    """A §140/§119 intervention; treatment interventions need ``course`` (basedOn)."""
    code = code or CODES[f"{ig}_intervention"][0]
    detail = {
        "extension": [
            _ext(
                ig,
                "DeliveryType",
                valueCodeableConcept={
                    "coding": [coding(CARE_SOCIAL_CODES, *DELIVERY_TYPE[delivery])]
                },
            )
        ],
        "code": {"coding": [coding(FSIII, *code)]},
        "status": "completed" if end else "in-progress",
        "performer": [ref(performer)],
    }
    body: dict[str, Any] = {
        "status": "active",
        "intent": "plan",
        "subject": ref(citizen),
        "extension": [_ext(ig, "BasedOnServiceRequestExtension", valueReference=ref(request))],
        "period": {"start": start, **({"end": end} if end else {})},
        "activity": [{"detail": detail}],
    }
    if course is not None:
        body["basedOn"] = [ref(course)]
    return _resource("CarePlan", ig, "planned-intervention", rng, **body)


def make_encounter(
    ig: Ig,
    citizen: Resource,
    plan: Resource,
    *,
    start: str = "2024-03-06T10:00:00+01:00",
    end: str = "2024-03-06T10:45:00+01:00",
    encounter_class: str = "AMB",
    rng: random.Random,
) -> Resource:
    """A delivered §140/§119 contact (kontakt), based on a course or intervention."""
    return _resource(
        "Encounter",
        ig,
        "encounter",
        rng,
        status="finished",
        extension=[_ext(ig, "BasedOnCarePlanExtension", valueReference=ref(plan))],
        **{"class": coding(V3_ACT, encounter_class)},
        subject=ref(citizen),
        period={"start": start, "end": end},
    )


# --------------------------------------------------------------------------- reports
def make_report_bundle(
    ig: Ig,
    resources: list[Resource],
    *,
    report_id: str | None = None,
    timestamp: str = "2024-03-06T23:00:00+01:00",
    base_url: str = BASE_URL,
    rng: random.Random | None = None,
) -> Resource:
    """Wrap resources in a delivery-report Bundle (type collection, absolute fullUrls)."""
    rng = rng or random.Random(0)
    return {
        "resourceType": "Bundle",
        "id": report_id or new_id(rng),
        "meta": {"profile": [profile_url(ig, "delivery-report")]},
        "type": "collection",
        "timestamp": timestamp,
        "entry": [
            {"fullUrl": f"{base_url}/{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }


def care_resources(citizen: Resource, rng: random.Random, legacy_codes: bool) -> list[Resource]:
    """A home-care citizen: two assessed conditions, a goal, interventions, visits, follow-up."""
    personal = make_care_condition(
        citizen, code=CODES["care_condition"][0], level=3, legacy_codes=legacy_codes, rng=rng
    )
    mobility = make_care_condition(
        citizen, code=CODES["care_condition"][1], level=2, legacy_codes=legacy_codes, rng=rng
    )
    goal = make_care_goal(personal, level=2, rng=rng)
    hygiene = make_care_intervention(
        citizen, [personal], code=CODES["care_intervention"][0], legacy_codes=legacy_codes, rng=rng
    )
    moving = make_care_intervention(
        citizen, [mobility], code=CODES["care_intervention"][1], legacy_codes=legacy_codes, rng=rng
    )
    visit = make_care_encounter(citizen, interventions=[hygiene, moving], rng=rng)
    follow_up = make_care_encounter(
        citizen,
        kind="follow-up",
        status="planned",
        start="2024-04-01",
        end=None,
        conditions=[personal, mobility],
        rng=rng,
    )
    return [citizen, personal, mobility, goal, hygiene, moving, visit, follow_up]


def course_resources(ig: Ig, citizen: Resource, rng: random.Random, sor: str) -> list[Resource]:
    """A §140 rehabilitation or §119 prevention course from referral to the first contacts."""
    sender = make_organization(ig, sor="227871000016001", rng=rng)
    performer = make_organization(ig, sor=sor if len(sor) > 12 else "1037801000016003", rng=rng)
    diagnosis = (
        ("DS721", "Pertrokantær femurfraktur")
        if ig == "rehab"
        else ("DI252B", "Tidligere myokardieinfarkt")
    )
    focus = make_focus_condition(ig, citizen, diagnosis=diagnosis, rng=rng)
    request = make_service_request(ig, citizen, sender, focus, rng=rng)
    condition = make_condition(ig, citizen, rng=rng)
    assessment = make_planned_intervention(
        ig,
        citizen,
        performer,
        request,
        course=None,
        code=CODES[f"{ig}_assessment"][0],
        start="2024-03-04",
        end="2024-03-05",
        rng=rng,
    )
    course = make_care_plan(ig, citizen, performer, request, rng=rng)
    training = make_planned_intervention(ig, citizen, performer, request, course=course, rng=rng)
    first = make_encounter(
        ig,
        citizen,
        assessment,
        start="2024-03-05T09:00:00+01:00",
        end="2024-03-05T09:45:00+01:00",
        rng=rng,
    )
    second = make_encounter(ig, citizen, course, rng=rng)
    return [
        citizen,
        sender,
        performer,
        focus,
        request,
        condition,
        assessment,
        course,
        training,
        first,
        second,
    ]


def make_delivery_report(
    ig: Ig = "care",
    *,
    cpr: str = DEFAULT_CPR,
    sor: str = DEFAULT_SOR,
    seed: int = 0,
    report_id: str | None = None,
    timestamp: str = "2024-03-06T23:00:00+01:00",
    legacy_codes: bool = False,
    deceased: bool = False,
    transitional: bool = False,
    extra: list[Resource] | None = None,
) -> Resource:
    """A realistic, valid delivery report for one citizen of ``ig``.

    ``cpr``/``sor`` set the citizen and custodian; ``seed`` varies the ids;
    ``legacy_codes`` uses pre-simplification FSIII keys (care only); ``transitional`` adds
    an acute intervention, a follow-up result and the deprecated care profiles; ``extra``
    appends resources (e.g. from the resource factories) to the entries.
    """
    rng = random.Random(seed)
    citizen = make_citizen(ig, cpr=cpr, sor=sor, deceased=deceased, rng=rng)
    if ig == "care":
        resources = care_resources(citizen, rng, legacy_codes)
        if transitional:
            personal = resources[1]
            resources += [make_care_completed_intervention(citizen, [personal], rng=rng),
                          make_care_follow_up(personal, rng=rng),
                          *make_care_transitional(citizen, personal, rng)]  # fmt: skip
    else:
        resources = course_resources(ig, citizen, rng, sor)
    resources.extend(extra or ())
    return make_report_bundle(ig, resources, report_id=report_id, timestamp=timestamp, rng=rng)


def find(report: Resource, resource_type: str, profile: str | None = None) -> Resource:
    """The first entry resource of ``resource_type`` (and profile suffix), for mutation in tests."""
    for entry in report["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] != resource_type:
            continue
        if profile is None or any(p.endswith(profile) for p in resource["meta"]["profile"]):
            return resource  # type: ignore[no-any-return]
    raise KeyError(f"no {resource_type} {profile or ''} in the report")


def make_incremental_delivery(ig: Ig, reports: list[Resource], *, seed: int = 0,
                              timestamp: str = "2024-03-07T06:00:00+01:00") -> Resource:  # fmt: skip
    """An incremental delivery (care and §140 only): whole delivery reports as entries."""
    if ig == "prevention":
        raise ValueError("the prevention IG has no incremental-delivery profile")
    rng = random.Random(seed)
    return {"resourceType": "Bundle", "id": new_id(rng),
            "meta": {"profile": [profile_url(ig, "incremental-delivery")]},
            "type": "collection", "timestamp": timestamp,
            "entry": [{"fullUrl": f"{BASE_URL}/Bundle/{r['id']}", "resource": r} for r in reports]}  # fmt: skip
