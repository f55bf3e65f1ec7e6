"""Factories for §119 delivery reports (Bundles) as the KL prevention IG shapes them."""

from __future__ import annotations

from typing import Any

BASE = "http://fhir.kl.dk/prevention/StructureDefinition/klgateway-119-"
FULL = "https://gateway.example/fhir/"
FORLOEB = "5c160c02-e858-4c1f-925a-71ed64844749"
TRAINING = "ab87c0b5-40be-4e0a-b749-d9f833bfed2d"


def citizen(cpr: str, pid: str = "p1") -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": pid,
        "meta": {"profile": [BASE + "citizen"]},
        "identifier": [{"system": "urn:oid:1.2.208.176.1.2", "value": cpr}],
        "managingOrganization": {
            "identifier": {"system": "urn:oid:1.2.208.176.1.1", "value": "451000016003"}
        },
    }


def careplan(
    cid: str,
    start: str,
    *,
    status: str = "active",
    updated: str | None = None,
    category: str = FORLOEB,
    pid: str = "p1",
) -> dict[str, Any]:
    meta: dict[str, Any] = {"profile": [BASE + "care-plan"]}
    if updated:
        meta["lastUpdated"] = updated
    return {
        "resourceType": "CarePlan",
        "id": cid,
        "meta": meta,
        "intent": "plan",
        "status": status,
        "category": [
            {
                "coding": [
                    {
                        "system": "http://fhir.kl.dk/term/CodeSystem/CareSocialCodes",
                        "code": category,
                    }
                ]
            }
        ],
        "period": {"start": start},
        "subject": {"reference": f"Patient/{pid}"},
    }


def intervention(
    iid: str,
    start: str,
    code: str = TRAINING,
    *,
    basis: str | None = None,
    updated: str | None = None,
    pid: str = "p1",
) -> dict[str, Any]:
    meta: dict[str, Any] = {"profile": [BASE + "planned-intervention"]}
    if updated:
        meta["lastUpdated"] = updated
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": iid,
        "meta": meta,
        "intent": "plan",
        "status": "active",
        "activity": [
            {
                "detail": {
                    "status": "in-progress",
                    "code": {"coding": [{"system": "urn:oid:1.2.208.176.2.21", "code": code}]},
                }
            }
        ],
        "period": {"start": start},
        "subject": {"reference": f"Patient/{pid}"},
    }
    if basis:
        resource["basedOn"] = [{"reference": f"CarePlan/{basis}"}]
    return resource


def report(
    bundle_id: str, cpr: str, *resources: dict[str, Any], timestamp: str = "2025-01-01T10:00:00Z"
) -> dict[str, Any]:
    """A §119 delivery report for one citizen."""
    entries = [citizen(cpr), *resources]
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": {"profile": [BASE + "delivery-report"]},
        "type": "collection",
        "timestamp": timestamp,
        "entry": [
            {"fullUrl": f"{FULL}{r['resourceType']}/{r['id']}", "resource": r} for r in entries
        ],
    }
