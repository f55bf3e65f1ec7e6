"""A seeded synthetic sample of KL-shaped delivery reports (Bundles) for differential tests.

Varies what the views are sensitive to: references in relative, absolute, versioned and
``urn:uuid`` form, entries without ids, partial dates, decimals, missing elements, empty
and repeated arrays. Used by the oracle tests, the Spark tests and ``bench/views.py``.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

FSIII = "urn:oid:1.2.208.176.2.21"
CARE = "http://fhir.kl.dk/term/CodeSystem/CareSocialCodes"
HOST = "https://test.fhir.dk"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _date(rng: random.Random) -> str:
    year, month, day = rng.randint(2019, 2025), rng.randint(1, 12), rng.randint(1, 28)
    form = rng.random()
    if form < 0.1:
        return f"{year}"
    if form < 0.2:
        return f"{year}-{month:02d}"
    if form < 0.6:
        return f"{year}-{month:02d}-{day:02d}"
    return (
        f"{year}-{month:02d}-{day:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00+01:00"
    )


def _ref(rng: random.Random, rtype: str, rid: str, urn: bool) -> dict[str, str]:
    if urn:
        return {"reference": f"urn:uuid:{rid}"}
    form = rng.random()
    if form < 0.5:
        return {"reference": f"{rtype}/{rid}"}
    if form < 0.8:
        return {"reference": f"{HOST}/{rtype}/{rid}"}
    return {"reference": f"{HOST}/{rtype}/{rid}/_history/{rng.randint(1, 4)}"}


def _coding(rng: random.Random, system: str) -> dict[str, Any]:
    return {
        "coding": [
            {
                "system": system,
                "code": f"{rng.choice('ABIJ')}{rng.randint(1, 9)}.{rng.randint(1, 4)}",
            }
        ]
    }


def report(rng: random.Random) -> dict[str, Any]:
    """One delivery report about one citizen."""
    urn = rng.random() < 0.3
    pid = _uuid(rng)
    patient: dict[str, Any] = {"resourceType": "Patient", "id": pid,
                               "identifier": [{"system": "urn:oid:1.2.208.176.1.2", "value": f"{rng.randint(10**9, 10**10 - 1)}"}],
                               "managingOrganization": _ref(rng, "Organization", _uuid(rng), False)}  # fmt: skip
    if rng.random() < 0.4:
        patient["deceasedBoolean"] = rng.random() < 0.2
    entries = [(patient, pid)]
    conditions = []
    for _ in range(rng.randint(0, 4)):
        cid = _uuid(rng)
        condition: dict[str, Any] = {"resourceType": "Condition", "code": _coding(rng, FSIII),
                                     "clinicalStatus": {"coding": [{"code": rng.choice(["active", "inactive", "resolved"])}]},
                                     "subject": _ref(rng, "Patient", pid, urn)}  # fmt: skip
        if not urn or rng.random() < 0.5:
            condition["id"] = cid
        if rng.random() < 0.5:
            condition["recordedDate"] = _date(rng)
        if rng.random() < 0.6:
            condition["category"] = [_coding(rng, CARE) for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.3:
            condition["severity"] = {"coding": [{"code": rng.choice(["B", "C", "D"])}]}
        if rng.random() < 0.3:
            condition["extension"] = [
                {
                    "url": "http://kl.dk/x/followUp",
                    "valueReference": {"reference": f"Encounter/{_uuid(rng)}"},
                }
            ]
        conditions.append(cid)
        entries.append((condition, cid))
    plans = []
    for _ in range(rng.randint(0, 2)):
        plan_id = _uuid(rng)
        plan = {"resourceType": "CarePlan", "id": plan_id, "status": rng.choice(["active", "completed"]),
                "intent": "plan", "subject": _ref(rng, "Patient", pid, urn),
                "period": {"start": _date(rng)[:10]},
                "activity": [{"detail": {"status": rng.choice(["completed", "in-progress"]),
                                         "code": _coding(rng, FSIII),
                                         "performer": [_ref(rng, "Organization", _uuid(rng), False)
                                                       for _ in range(rng.randint(0, 2))]}}
                             for _ in range(rng.randint(0, 3))]}  # fmt: skip
        if rng.random() < 0.5:
            plan["category"] = [_coding(rng, CARE)]
        plans.append(plan_id)
        entries.append((plan, plan_id))
    for _ in range(rng.randint(0, 3)):
        oid = _uuid(rng)
        obs: dict[str, Any] = {"resourceType": "Observation", "id": oid, "status": "final",
                               "code": _coding(rng, "http://snomed.info/sct"),
                               "subject": _ref(rng, "Patient", pid, urn)}  # fmt: skip
        kind = rng.random()
        if kind < 0.4:
            obs["valueCodeableConcept"] = _coding(rng, FSIII)
        elif kind < 0.8:
            obs["valueQuantity"] = {
                "value": round(rng.uniform(0, 200), rng.randint(0, 3)),
                "unit": "kg",
            }
        if rng.random() < 0.8:
            obs["effectiveDateTime"] = _date(rng)
        targets = [("CarePlan", p) for p in plans] + [("Condition", c) for c in conditions]
        if targets and rng.random() < 0.7:
            obs["focus"] = [
                _ref(rng, t, i, urn) for t, i in rng.sample(targets, rng.randint(1, len(targets)))
            ]
        entries.append((obs, oid))
    for _ in range(rng.randint(0, 2)):
        eid = _uuid(rng)
        enc: dict[str, Any] = {"resourceType": "Encounter", "id": eid,
                               "status": rng.choice(["finished", "planned", "cancelled", "in-progress"]),
                               "class": {"code": rng.choice(["AMB", "HH"])},
                               "subject": _ref(rng, "Patient", pid, urn),
                               "period": {"start": _date(rng)}}  # fmt: skip
        if rng.random() < 0.5:
            enc["period"]["end"] = _date(rng)
        if plans and rng.random() < 0.5:
            enc["extension"] = [{"url": "http://fhir.kl.dk/prevention/StructureDefinition/BasedOnCarePlanExtension",
                                 "valueReference": _ref(rng, "CarePlan", rng.choice(plans), urn)}]  # fmt: skip
        if conditions and rng.random() < 0.4:
            enc["reasonReference"] = [_ref(rng, "Condition", c, urn) for c in conditions[:2]]
        entries.append((enc, eid))
    for _ in range(rng.randint(0, 2)):
        gid = _uuid(rng)
        goal = {"resourceType": "Goal", "id": gid, "lifecycleStatus": rng.choice(["planned", "active"]),
                "description": _coding(rng, FSIII), "subject": _ref(rng, "Patient", pid, urn),
                "startDate": _date(rng)[:10],
                "addresses": [_ref(rng, "Condition", c, urn) for c in conditions[:2]],
                "target": [{"measure": _coding(rng, CARE), "detailCodeableConcept": _coding(rng, FSIII)}
                           for _ in range(rng.randint(0, 2))]}  # fmt: skip
        entries.append((goal, gid))
    bundle_entries = []
    for resource, rid in entries:
        full_url = f"urn:uuid:{rid}" if urn else f"{HOST}/{resource['resourceType']}/{rid}"
        bundle_entries.append({"fullUrl": full_url, "resource": resource})
    return {"resourceType": "Bundle", "id": _uuid(rng), "type": "collection",
            "timestamp": "2025-01-02T10:00:00+01:00", "entry": bundle_entries}  # fmt: skip


def sample(reports: int, seed: int = 20250102) -> list[dict[str, Any]]:
    """``reports`` delivery reports, reproducibly."""
    rng = random.Random(seed)
    return [report(rng) for _ in range(reports)]
