"""Forwarding as the API and the CLI use it: pull pages, acknowledgements, coverage.

``Forwarder.pull`` runs the sequencer if anything is pending, builds the page after the
recipient's cursor (or after ``_since``), and in one transaction stores the cursor the
recipient sent (its acknowledgement of everything before it) and audits every citizen on
the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from tvaers.errors import InputError
from tvaers.gateway.audit import AuditEvent, record
from tvaers.gateway.forwarding import feed
from tvaers.gateway.forwarding.cursor import Cursor
from tvaers.gateway.forwarding.pages import Page, build_page
from tvaers.gateway.forwarding.recipients import Recipient, RecipientRegistry
from tvaers.gateway.schema import rejects, reports
from tvaers.gateway.store import GatewayStore
from tvaers.gateway.timeutil import to_text
from tvaers.validation import ValidationOptions


@dataclass(frozen=True, slots=True)
class Pulled:
    page: Page
    cursor: str  # the opaque cursor for the next call


class Forwarder:
    """Pull feed, coverage and shared helpers for one store."""

    def __init__(
        self, store: GatewayStore, keys: dict[int, str], options: ValidationOptions,
        page_size: int = 200,
    ):  # fmt: skip
        self.store = store
        self.keys = keys
        self.options = options
        self.page_size = page_size
        self.recipients = RecipientRegistry(store.db, max(keys))

    def active(self, recipient_id: str) -> Recipient:
        recipient = self.recipients.get(recipient_id)
        if recipient is None or not recipient.active:
            raise LookupError(recipient_id)
        return recipient

    def page(self, recipient: Recipient, cursor: Cursor, limit: int | None = None) -> Page:
        """The page after ``cursor`` (sequencing pending rows first).

        Pages whose every report was withheld (outside the agreement after filtering) are
        passed over, so an empty page always means "caught up".
        """
        feed.sequence_pending(self.store.db)
        with self.store.db.read() as conn:
            upto = feed.head(conn)
            while True:
                page = build_page(
                    conn, recipient, self.keys, self.options, cursor=cursor, upto=upto,
                    limit=limit or self.page_size,
                )  # fmt: skip
                if page.count or not page.withheld or page.next_cursor == cursor:
                    return page
                cursor = page.next_cursor

    def pull(
        self, actor: str, recipient_id: str, *, since: str | None, cursor: str | None,
        count: int | None = None, purpose: str | None = None,
    ) -> Pulled:  # fmt: skip
        """One pull: ``since`` (an instant) on the first call, then the returned cursor."""
        recipient = self.active(recipient_id)
        if (since is None) == (cursor is None):
            raise InputError("give exactly one of _since (first call) or _cursor (then on)")
        if cursor is not None:
            after = Cursor.decode(recipient_id, cursor)
            if after is None:
                raise InputError("the _cursor value is not one this server issued to you")
        else:
            assert since is not None
            feed.sequence_pending(self.store.db)
            with self.store.db.read() as conn:
                after = Cursor.start(recipient.agreement.igs, feed.start_for(conn, since))
        page = self.page(recipient, after, count)
        why = purpose or recipient.agreement.legal_basis
        with self.store.db.write() as conn:
            if cursor is not None:
                self.recipients.acknowledge(conn, recipient_id, after)
            record(conn, [
                AuditEvent(actor, "recipient", "feed", cpr, report_id, why)
                for cpr, report_id in page.forwarded
            ])  # fmt: skip
        return Pulled(page, page.next_cursor.encode(recipient_id))

    def coverage(self, recipient_id: str) -> list[dict[str, Any]]:
        """Accepted and rejected report counts per municipality x IG x month.

        The month is that of the report's own ``Bundle.timestamp`` (the month it covers), or
        of receipt when a report has none; a late delivery counts for the month it describes.
        """
        recipient = self.active(recipient_id)
        igs = recipient.agreement.igs
        cells: dict[tuple[str, str, str], list[int]] = {}
        with self.store.db.read() as conn:
            month = func.substr(
                func.coalesce(reports.c.bundle_timestamp, reports.c.received_at), 1, 7
            )
            for kommune, ig, m, n in conn.execute(
                select(reports.c.kommunekode, reports.c.ig, month, func.count())
                .where(reports.c.ig.in_(igs))
                .group_by(reports.c.kommunekode, reports.c.ig, month)
            ):
                cells.setdefault((kommune, ig, m), [0, 0])[0] = int(n)
            rmonth = func.substr(
                func.coalesce(rejects.c.bundle_timestamp, rejects.c.received_at), 1, 7
            )
            for kommune, ig, m, n in conn.execute(
                select(rejects.c.kommunekode, rejects.c.ig, rmonth, func.count())
                .where(rejects.c.ig.in_(igs), rejects.c.kommunekode.is_not(None))
                .group_by(rejects.c.kommunekode, rejects.c.ig, rmonth)
            ):
                cells.setdefault((kommune, ig, m), [0, 0])[1] = int(n)
        return [
            {"kommunekode": k, "ig": ig, "month": m, "accepted": a, "rejected": r}
            for (k, ig, m), (a, r) in sorted(cells.items())
        ]


def since_text(value: str) -> str:
    """A FHIR instant/date from ``_since`` as store text (400 if unreadable)."""
    from tvaers.fhir.state import parse_instant

    moment = parse_instant(value)
    if moment is None:
        raise InputError(f"_since {value!r} is not a FHIR instant, e.g. 2025-01-01T00:00:00Z")
    return to_text(moment)
