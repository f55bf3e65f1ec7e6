"""Pages of the feed as incremental-delivery Bundles: one IG per page, cut to the agreement.

A page holds the recipient's feed rows after its cursor, in position order, while they are
of one IG (the next IG starts the next page): care and §140 pages use KL's incremental
delivery profiles, §119 pages tvaers' profile of the same shape (docs/gateway.md). Each
report is filtered (:mod:`.filtering`), re-validated when filtering changed it (what is
forwarded must validate; a report that no longer does is withheld and counted), and
pseudonymised for ``pseudonym`` recipients.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from tvaers.fhir.jsonio import parse_json
from tvaers.gateway.forwarding import feed
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
    next_cursor: int
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
    *, after: int, upto: int, limit: int,
) -> Page:  # fmt: skip
    """The page after position ``after`` (reading no further than ``upto``)."""
    agreement = recipient.agreement
    rows = feed.rows_after(conn, recipient.recipient_id, agreement, after, upto, limit)
    if not rows:
        return Page(agreement.igs[0], empty_bundle(agreement.igs[0]), upto)
    ig = rows[0].ig
    taken = []
    for row in rows:
        if row.ig != ig:
            break
        taken.append(row)
    cut_short = len(taken) < len(rows) or len(rows) == limit
    page = Page(ig, empty_bundle(ig), taken[-1].position if cut_short else upto)
    entries = []
    for row in taken:
        report = parse_json(row.raw if row.raw is not None else row.payload)
        out = forward_report(report, recipient, keys, options, trusted=row.kind == "report")
        if out is None:
            page.withheld += 1
            continue
        entries.append({"fullUrl": REPORT_URL.format(id=out["id"]), "resource": out})
        page.forwarded.append((row.cpr, out["id"]))
    if entries:
        page.bundle["entry"] = entries
    return page


def encode_cursor(recipient_id: str, position: int) -> str:
    import base64

    return base64.urlsafe_b64encode(f"{recipient_id}:{position}".encode()).decode().rstrip("=")


def decode_cursor(recipient_id: str, text: str) -> int | None:
    """The position in a cursor this server issued to this recipient, else None."""
    import base64

    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        owner, _, position = raw.rpartition(":")
        return int(position) if owner == recipient_id and position.isdigit() else None
    except (ValueError, UnicodeDecodeError):
        return None
