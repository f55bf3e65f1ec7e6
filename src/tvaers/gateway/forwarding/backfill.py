"""Backfill: a citizen's current state for one IG, as one delivery report for one recipient.

When an agreement widens (a CPR added to a population list, an IG or period added, codes
widened, identity mode changed), the newly covered citizens' current state is queued once
into that recipient's feed. The report is built from ``resource_current``: every resource
whose current version came from a report of that IG, plus the citizen, each carrying its
version instant as ``meta.lastUpdated`` so the recipient's ``apply_report`` orders it
exactly as the gateway did.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select

from tvaers.fhir.jsonio import dumps, parse_json
from tvaers.gateway.schema import reports, resource_current
from tvaers.gateway.timeutil import fhir_instant, now_text

DELIVERY_PROFILES = {
    "care": "http://fhir.kl.dk/gateway/StructureDefinition/klgateway-care-delivery-report",
    "rehab": "http://fhir.kl.dk/rehab/StructureDefinition/klgateway-140-delivery-report",
    "prevention": "http://fhir.kl.dk/prevention/StructureDefinition/klgateway-119-delivery-report",
}
FULL_URL = "https://gateway.tvaers.dk/fhir/{type}/{id}"


def current_report(
    conn: Connection, cpr: str, ig: str, in_period: Callable[[str | None], bool] = lambda _: True
) -> tuple[dict[str, Any], str, str] | None:
    """``(bundle, kommunekode, latest report timestamp)`` of the citizen's current state.

    Only resources whose current version came from a report of ``ig`` whose timestamp is
    ``in_period`` (the agreement's period) are included.
    """
    rows = conn.execute(
        select(
            resource_current.c.resource_type, resource_current.c.resource, resource_current.c.instant,
            reports.c.ig, reports.c.kommunekode, reports.c.bundle_timestamp,
        )
        .select_from(resource_current.join(reports, reports.c.seq == resource_current.c.report_seq))
        .where(resource_current.c.cpr == cpr)
        .order_by(resource_current.c.resource_type, resource_current.c.resource_id)
    ).all()  # fmt: skip
    mine = [
        r for r in rows
        if r.ig == ig and r.resource_type != "Patient" and in_period(r.bundle_timestamp)
    ]  # fmt: skip
    if not mine:
        return None
    patients = [r for r in rows if r.resource_type == "Patient"]
    patients.sort(key=lambda r: r.ig != ig)  # prefer the citizen as this IG reported it
    chosen = [*patients[:1], *mine]
    entries = []
    for row in chosen:
        resource = parse_json(row.resource)
        meta = dict(resource.get("meta") or {})
        meta.setdefault("lastUpdated", fhir_instant(row.instant))
        resource["meta"] = meta
        url = FULL_URL.format(type=resource["resourceType"], id=resource["id"])
        entries.append({"fullUrl": url, "resource": resource})
    latest = max((r.bundle_timestamp or "") for r in mine)
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [DELIVERY_PROFILES[ig]]},
        "type": "collection",
        "timestamp": fhir_instant(now_text()),
        "entry": entries,
    }
    return bundle, mine[0].kommunekode, latest


def backfill_row(
    recipient_id: str, cpr: str, ig: str, bundle: dict[str, Any], kommunekode: str, latest: str
) -> dict[str, Any]:
    """The pending feed row that carries a backfill to one recipient."""
    return {
        "report_seq": None, "recipient_id": recipient_id, "kind": "backfill", "cpr": cpr,
        "ig": ig, "kommunekode": kommunekode, "bundle_timestamp": latest or None,
        "received_at": now_text(), "payload": dumps(bundle),
    }  # fmt: skip
