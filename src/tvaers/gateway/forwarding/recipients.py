"""Recipients: registration from agreements, population lists, widening and backfill.

Coverage is counted in units of (citizen, IG): the pairs for which the recipient may
receive reports under its agreement, given the reports received so far. A change of
agreement or population list backfills exactly the units the new terms cover and the old
did not (all covered units when the content widens: codes, profiles, identity or key), in
one transaction with the change itself, and audits each backfilled citizen.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from tvaers.errors import InputError
from tvaers.gateway.agreements import Agreement, widening
from tvaers.gateway.audit import AuditEvent, record
from tvaers.gateway.database import Database
from tvaers.gateway.forwarding import feed
from tvaers.gateway.forwarding.backfill import backfill_row, current_report
from tvaers.gateway.forwarding.cursor import Cursor
from tvaers.gateway.schema import cursors, population, recipients, reports
from tvaers.gateway.timeutil import now_text

Unit = tuple[str, str]  # (cpr, ig)


@dataclass(frozen=True, slots=True)
class Recipient:
    """A registered recipient and its current agreement."""

    agreement: Agreement
    key_version: int | None
    version: int
    created_at: str
    updated_at: str
    revoked_at: str | None

    @property
    def recipient_id(self) -> str:
        return self.agreement.recipient_id

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _recipient(row: Any) -> Recipient:
    # Checked against the schema when it was stored; reading it back needs no second check.
    agreement = Agreement.from_document(json.loads(row.agreement), check=False)
    return Recipient(agreement, row.key_version, row.version, row.created_at, row.updated_at,
                     row.revoked_at)  # fmt: skip


def units(conn: Connection, recipient_id: str, agreement: Agreement) -> set[Unit]:
    """Every (citizen, IG) the agreement covers among the reports received so far."""
    query = select(reports.c.cpr, reports.c.ig).distinct().where(reports.c.ig.in_(agreement.igs))
    if agreement.population == "list":
        members = select(population.c.cpr).where(population.c.recipient_id == recipient_id)
        query = query.where(reports.c.cpr.in_(members))
    if agreement.period_start:
        query = query.where(reports.c.bundle_timestamp >= agreement.period_start)
    if agreement.period_end:
        query = query.where(reports.c.bundle_timestamp < agreement.period_end)
    return {(row.cpr, row.ig) for row in conn.execute(query)}


class RecipientRegistry:
    """Recipients in the store."""

    def __init__(self, db: Database, current_key_version: int):
        self._db = db
        self.current_key_version = current_key_version

    def get(self, recipient_id: str) -> Recipient | None:
        with self._db.read() as conn:
            row = conn.execute(
                select(recipients).where(recipients.c.recipient_id == recipient_id)
            ).first()
        return _recipient(row) if row else None

    def all(self) -> list[Recipient]:
        with self._db.read() as conn:
            rows = conn.execute(select(recipients).order_by(recipients.c.recipient_id)).all()
        return [_recipient(r) for r in rows]

    def add(self, agreement: Agreement) -> Recipient:
        """Register a recipient; its feed starts at the beginning (pull with ``_since``)."""
        now = now_text()
        with self._db.write() as conn:
            if conn.execute(
                select(recipients.c.recipient_id).where(
                    recipients.c.recipient_id == agreement.recipient_id
                )
            ).first():
                raise InputError(
                    f"recipient {agreement.recipient_id!r} exists already",
                    hint="use `tvaers gateway recipients update FILE` to change its agreement",
                )
            conn.execute(insert(recipients).values(
                recipient_id=agreement.recipient_id, name=agreement.name,
                legal_basis=agreement.legal_basis, identity=agreement.identity,
                delivery=agreement.delivery, push_url=agreement.push_url,
                key_version=self.current_key_version if agreement.identity == "pseudonym" else None,
                agreement=json.dumps(agreement.document(), sort_keys=True), version=1,
                created_at=now, updated_at=now,
            ))  # fmt: skip
            conn.execute(
                insert(cursors).values(
                    recipient_id=agreement.recipient_id, position=0, updated_at=now
                )
            )
        found = self.get(agreement.recipient_id)
        assert found is not None
        return found

    def _require(self, conn: Connection, recipient_id: str) -> Recipient:
        row = conn.execute(
            select(recipients).where(
                recipients.c.recipient_id == recipient_id, recipients.c.revoked_at.is_(None)
            )
        ).first()
        if row is None:
            raise InputError(f"no active recipient {recipient_id!r}")
        return _recipient(row)

    def update(self, agreement: Agreement, *, actor: str) -> int:
        """Replace a recipient's agreement; backfills what it newly covers. Returns the count."""
        with self._db.write() as conn:
            old = self._require(conn, agreement.recipient_id)
            before = units(conn, agreement.recipient_id, old.agreement)
            key_version = old.key_version
            if agreement.identity == "pseudonym" and key_version is None:
                key_version = self.current_key_version
            conn.execute(
                update(recipients)
                .where(recipients.c.recipient_id == agreement.recipient_id)
                .values(
                    name=agreement.name, legal_basis=agreement.legal_basis,
                    identity=agreement.identity, delivery=agreement.delivery,
                    push_url=agreement.push_url, key_version=key_version,
                    agreement=json.dumps(agreement.document(), sort_keys=True),
                    version=old.version + 1, updated_at=now_text(),
                )
            )  # fmt: skip
            after = units(conn, agreement.recipient_id, agreement)
            wider = widening(old.agreement, agreement)
            todo = after if wider.everything else after - before
            return self._backfill(conn, agreement, todo, actor=actor, why=wider.reason)

    def set_population(
        self, recipient_id: str, cprs: Iterable[str], *, actor: str
    ) -> tuple[int, int, int]:
        """Replace a list population; returns (added, removed, backfilled reports)."""
        wanted = set(cprs)
        with self._db.write() as conn:
            recipient = self._require(conn, recipient_id)
            if recipient.agreement.population != "list":
                raise InputError(
                    f"recipient {recipient_id!r} covers all citizens; it has no population list",
                    hint='set scope.population = "list" in its agreement first',
                )
            before = units(conn, recipient_id, recipient.agreement)
            have = set(conn.execute(
                select(population.c.cpr).where(population.c.recipient_id == recipient_id)
            ).scalars())  # fmt: skip
            added, removed = wanted - have, have - wanted
            if removed:
                conn.execute(delete(population).where(
                    population.c.recipient_id == recipient_id, population.c.cpr.in_(sorted(removed))
                ))  # fmt: skip
            if added:
                conn.execute(insert(population), [
                    {"recipient_id": recipient_id, "cpr": c} for c in sorted(added)
                ])  # fmt: skip
            after = units(conn, recipient_id, recipient.agreement)
            done = self._backfill(conn, recipient.agreement, after - before, actor=actor,
                                  why="population list extended")  # fmt: skip
        return len(added), len(removed), done

    def rekey(self, recipient_id: str, *, actor: str) -> int:
        """Move a pseudonym recipient to the current key version; backfills every unit."""
        with self._db.write() as conn:
            recipient = self._require(conn, recipient_id)
            if recipient.agreement.identity != "pseudonym":
                raise InputError(f"recipient {recipient_id!r} receives CPR numbers, not pseudonyms")
            if recipient.key_version == self.current_key_version:
                return 0
            conn.execute(
                update(recipients)
                .where(recipients.c.recipient_id == recipient_id)
                .values(key_version=self.current_key_version, updated_at=now_text())
            )
            todo = units(conn, recipient_id, recipient.agreement)
            return self._backfill(conn, recipient.agreement, todo, actor=actor,
                                  why=f"pseudonym key version {self.current_key_version}")  # fmt: skip

    def revoke(self, recipient_id: str) -> None:
        with self._db.write() as conn:
            done = conn.execute(
                update(recipients)
                .where(recipients.c.recipient_id == recipient_id, recipients.c.revoked_at.is_(None))
                .values(revoked_at=now_text())
            )
        if done.rowcount != 1:
            raise InputError(f"no active recipient {recipient_id!r}")

    def _backfill(
        self, conn: Connection, agreement: Agreement, todo: set[Unit], *, actor: str, why: str
    ) -> int:
        rows, events = [], []
        for cpr, ig in sorted(todo):
            built = current_report(conn, cpr, ig, agreement.in_period)
            if built is None:
                continue
            bundle, kommunekode, latest = built
            rows.append(backfill_row(agreement.recipient_id, cpr, ig, bundle, kommunekode, latest))
            events.append(AuditEvent(actor, "operator", "backfill", cpr, bundle["id"],
                                     f"{why}; to {agreement.recipient_id}"))  # fmt: skip
        feed.enqueue(conn, rows)
        record(conn, events)
        feed.sequence(conn)
        return len(rows)

    def cursor(self, recipient_id: str) -> Cursor:
        """The recipient's acknowledged cursor (per-IG positions)."""
        with self._db.read() as conn:
            row = conn.execute(
                select(cursors).where(cursors.c.recipient_id == recipient_id)
            ).first()
            recipient = conn.execute(
                select(recipients.c.agreement).where(recipients.c.recipient_id == recipient_id)
            ).scalar()
        igs = tuple(json.loads(recipient)["scope"]["igs"]) if recipient else ()
        if row is not None and row.state:
            return Cursor.parse(row.state)
        return Cursor.start(igs, int(row.position) if row is not None else 0)

    def acknowledge(self, conn: Connection, recipient_id: str, cursor: Cursor) -> None:
        """Store the cursor a recipient sent back: it has everything before it."""
        conn.execute(
            update(cursors)
            .where(cursors.c.recipient_id == recipient_id)
            .values(position=cursor.acknowledged, state=cursor.state(), updated_at=now_text())
        )
