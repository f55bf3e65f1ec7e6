"""Pages of the feed as incremental-delivery Bundles: one IG per page, cut to the agreement.

The cursor holds one feed position per IG. A page takes, for the IG whose next row is
oldest, up to ``limit`` of that IG's rows after its position, in position order; care and
§140 pages use KL's incremental-delivery profiles, §119 pages tvaers' profile of the same
shape (docs/gateway.md). Each IG's rows are thus read in commit order and never skipped,
however the IGs interleave in the feed. Each report is filtered (:mod:`.filtering`),
re-validated when filtering changed it (what is forwarded must validate; a report that no
longer does is withheld and counted), and pseudonymised for ``pseudonym`` recipients.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from tvaers.fhir.jsonio import parse_json
from tvaers.gateway.forwarding import feed
from tvaers.gateway.forwarding.cursor import Cursor
from tvaers.gateway.forwarding.filtering import filter_report, pseudonymise
from tvaers.gateway.forwarding.recipients import Recipient
from tvaers.gateway.timeutil import fhir_instant, now_text
from tvaers.validation import ValidationOptions, validate_report

INCREMENTAL_PROFILES = {
    "care": "http://fhir.kl.dk/gateway/StructureDefinition/klgateway-care-incremental-delivery",
    "rehab": "http://fhir.kl.dk/rehab/StructureDefinition/klgateway-140-incremental-delivery",
    "prevention": "https://tvaers.dk/fhir/StructureDefinition/tvaers-119-incremental-delivery",
}
REPORT_URL = "https://gateway.tvaers.dk/fhir/Bundle/{id}"


@dataclass
class Page:
    """One page for one recipient."""

    ig: str
    bundle: dict[str, Any]
    next_cursor: Cursor
    forwarded: list[tuple[str, str]] = field(default_factory=list)  # (cpr, report id)
    withheld: int = 0  # filtered to nothing, or invalid after filtering

    @property
    def count(self) -> int:
        return len(self.forwarded)


def forward_report(
    bundle: dict[str, Any], recipient: Recipient, keys: dict[int, str], options: ValidationOptions,
    *, trusted: bool,
) -> dict[str, Any] | None:  # fmt: skip
    """The report as this recipient may receive it, or None (nothing left, or invalid).

    ``trusted``: the bundle passed validation unchanged at intake, so it is re-validated
    only if filtering changed it.
    """
    agreement = recipient.agreement
    filtered, changed = filter_report(bundle, agreement)
    if filtered is None:
        return None
    if (changed or not trusted) and not validate_report(filtered, options).valid:
        return None
    if agreement.identity == "pseudonym":
        version = recipient.key_version
        if version is None or version not in keys:
            raise LookupError(f"pseudonym key version {version} is not configured")
        filtered = pseudonymise(filtered, keys[version], version)
    return filtered


def empty_bundle(ig: str) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "meta": {"profile": [INCREMENTAL_PROFILES[ig]]},
        "type": "collection",
        "timestamp": fhir_instant(now_text()),
    }


def build_page(
    conn: Connection, recipient: Recipient, keys: dict[int, str], options: ValidationOptions,
    *, cursor: Cursor, upto: int, limit: int,
) -> Page:  # fmt: skip
    """The next page after ``cursor`` (reading no further than position ``upto``)."""
    rid, agreement = recipient.recipient_id, recipient.agreement
    firsts = {
        ig: feed.first_after(conn, rid, agreement, ig, cursor.get(ig), upto) for ig in agreement.igs
    }
    waiting = {ig: first for ig, first in firsts.items() if first is not None}
    idle = {ig: upto for ig in agreement.igs if ig not in waiting}  # nothing of theirs to upto
    if not waiting:
        ig = agreement.igs[0]
        return Page(ig, empty_bundle(ig), cursor.moved(idle))
    ig = min(waiting, key=lambda name: waiting[name])
    rows = feed.rows_after(conn, rid, agreement, ig, cursor.get(ig), upto, limit)
    reached = rows[-1].position if len(rows) == limit else upto
    page = Page(ig, empty_bundle(ig), cursor.moved({**idle, ig: reached}))
    entries = []
    for row in rows:
        report = parse_json(row.raw if row.raw is not None else row.payload)
        out = forward_report(report, recipient, keys, options, trusted=row.kind == "report")
        if out is None:
            page.withheld += 1
            continue
        # Server meta, as on every normal read: receipt time at the gateway.
        out["meta"] = {**(out.get("meta") or {}), "versionId": "1",
                       "lastUpdated": fhir_instant(row.received_at)}  # fmt: skip
        entries.append({"fullUrl": REPORT_URL.format(id=out["id"]), "resource": out})
        page.forwarded.append((row.cpr, out["id"]))
    if entries:
        page.bundle["entry"] = entries
    return page
