"""Push delivery: a transactional outbox drained by a worker, with idempotency keys.

For each push recipient the worker keeps at most one delivery in flight. A delivery is the
next feed page, written to ``deliveries`` with a fresh idempotency key *before* it is sent;
a retry of that delivery (after an error, a timeout or a crash of the worker) sends the same
bytes with the same key, so a recipient that deduplicates on ``Idempotency-Key`` never
applies a page twice, and no page it acknowledged is ever sent under a new key. A 2xx
marks the delivery delivered and moves the recipient's cursor, in one transaction. Failures
back off exponentially (2, 4, 8, ... seconds, at most an hour); after ``max_attempts`` the
delivery is dead: the recipient's push stops there until an operator replays it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert, select, update

from tvaers.fhir.jsonio import dumps
from tvaers.gateway.audit import AuditEvent, record
from tvaers.gateway.faults import Faults
from tvaers.gateway.forwarding.cursor import Cursor
from tvaers.gateway.forwarding.recipients import Recipient
from tvaers.gateway.forwarding.service import Forwarder
from tvaers.gateway.schema import deliveries
from tvaers.gateway.timeutil import now_text, to_text

log = logging.getLogger("tvaers.gateway.outbox")
Sender = Callable[[str, bytes, dict[str, str]], int]


def http_sender(timeout: float = 30.0) -> Sender:
    """POST with httpx; returns the status code (raises on transport errors)."""

    def send(url: str, body: bytes, headers: dict[str, str]) -> int:
        return httpx.post(url, content=body, headers=headers, timeout=timeout).status_code

    return send


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 2, 4, 8, ... seconds, capped at one hour."""
    return timedelta(seconds=min(3600, 2 ** max(1, attempts)))


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    recipient_id: str
    from_position: int
    to_position: int
    to_state: str
    idempotency_key: str
    status: str
    attempts: int
    next_attempt_at: str
    last_error: str | None
    report_count: int
    created_at: str
    delivered_at: str | None


def _delivery(row: Any) -> Delivery:
    return Delivery(*(getattr(row, f) for f in Delivery.__slots__))


class Outbox:
    """The push worker's steps (``run_once`` is one pass over every push recipient)."""

    def __init__(
        self, forwarder: Forwarder, *, faults: Faults | None = None, max_attempts: int = 8,
        sender: Sender | None = None, clock: Callable[[], datetime] | None = None,
    ):  # fmt: skip
        self.forwarder = forwarder
        self.db = forwarder.store.db
        self.faults = faults or Faults()
        self.max_attempts = max_attempts
        self.sender = sender or http_sender()
        self.clock = clock or (lambda: datetime.now(UTC))

    def run_once(self) -> int:
        """Attempt at most one delivery per due push recipient; returns attempts made."""
        attempts = 0
        for recipient in self.forwarder.recipients.all():
            if recipient.active and recipient.agreement.delivery == "push":
                delivery = self._due(recipient)
                if delivery is not None:
                    self._attempt(recipient, delivery)
                    attempts += 1
        return attempts

    def run_until_idle(self, limit: int = 10_000) -> int:
        """Deliver until nothing is due (dead letters and future retries stay); returns count."""
        total = 0
        for _ in range(limit):
            done = self.run_once()
            if not done:
                break
            total += done
        return total

    def _due(self, recipient: Recipient) -> Delivery | None:
        """The open delivery if it is due, else a new one for the next page, else None."""
        rid = recipient.recipient_id
        with self.db.read() as conn:
            row = conn.execute(
                select(deliveries)
                .where(deliveries.c.recipient_id == rid, deliveries.c.status != "delivered")
                .order_by(deliveries.c.id)
                .limit(1)
            ).first()
        if row is not None:
            open_delivery = _delivery(row)
            due = open_delivery.status == "pending" and open_delivery.next_attempt_at <= to_text(
                self.clock()
            )
            return open_delivery if due else None
        return self._create(recipient)

    def _create(self, recipient: Recipient) -> Delivery | None:
        rid = recipient.recipient_id
        after = self.forwarder.recipients.cursor(rid)
        page = self.forwarder.page(recipient, after)
        if page.next_cursor == after:
            return None
        if not page.forwarded:  # everything on it was outside the agreement: skip ahead
            with self.db.write() as conn:
                self.forwarder.recipients.acknowledge(conn, rid, page.next_cursor)
            return None
        now = now_text()
        with self.db.write() as conn:
            new_id = conn.execute(
                insert(deliveries).values(
                    recipient_id=rid, from_position=after.acknowledged,
                    to_position=page.next_cursor.acknowledged, to_state=page.next_cursor.state(),
                    idempotency_key=str(uuid.uuid4()), status="pending", attempts=0,
                    next_attempt_at=to_text(self.clock()), report_count=page.count, payload=dumps(page.bundle),
                    created_at=now,
                ).returning(deliveries.c.id)
            ).scalar_one()  # fmt: skip
            record(conn, [
                AuditEvent("outbox", "recipient", "push", cpr, report_id,
                           f"{recipient.agreement.legal_basis}; to {rid}")
                for cpr, report_id in page.forwarded
            ])  # fmt: skip
            row = conn.execute(select(deliveries).where(deliveries.c.id == new_id)).one()
        return _delivery(row)

    def _attempt(self, recipient: Recipient, delivery: Delivery) -> None:
        with self.db.read() as conn:
            payload = conn.execute(
                select(deliveries.c.payload).where(deliveries.c.id == delivery.id)
            ).scalar_one()
        headers = {
            "Content-Type": "application/fhir+json",
            "Idempotency-Key": delivery.idempotency_key,
        }
        self.faults.hit("push_before_send")
        error: str | None = None
        try:
            status = self.sender(recipient.agreement.push_url or "", bytes(payload), headers)
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        if error is None:
            self.faults.hit("push_after_send_before_ack")
            self._delivered(delivery)
        else:
            self._failed(delivery, error)

    def _delivered(self, delivery: Delivery) -> None:
        with self.db.write() as conn:
            conn.execute(
                update(deliveries)
                .where(deliveries.c.id == delivery.id)
                .values(status="delivered", attempts=delivery.attempts + 1, delivered_at=now_text())
            )
            self.forwarder.recipients.acknowledge(
                conn, delivery.recipient_id, Cursor.parse(delivery.to_state)
            )
        log.info("push delivered", extra={"recipient": delivery.recipient_id,
                                          "delivery": delivery.id, "count": delivery.report_count})  # fmt: skip

    def _failed(self, delivery: Delivery, error: str) -> None:
        attempts = delivery.attempts + 1
        dead = attempts >= self.max_attempts
        with self.db.write() as conn:
            conn.execute(
                update(deliveries)
                .where(deliveries.c.id == delivery.id)
                .values(
                    attempts=attempts,
                    last_error=error,
                    status="dead" if dead else "pending",
                    next_attempt_at=to_text(self.clock() + backoff(attempts)),
                )
            )
        log.warning("push failed", extra={"recipient": delivery.recipient_id, "attempt": attempts,
                                           "delivery": delivery.id, "error": error})  # fmt: skip

    def listing(self, status: str | None = None) -> list[Delivery]:
        query = select(deliveries).order_by(deliveries.c.id)
        if status:
            query = query.where(deliveries.c.status == status)
        with self.db.read() as conn:
            return [_delivery(r) for r in conn.execute(query)]

    def replay(self, delivery_id: int) -> Delivery:
        """Make a dead (or pending) delivery due now, with the same idempotency key."""
        with self.db.write() as conn:
            done = conn.execute(
                update(deliveries)
                .where(deliveries.c.id == delivery_id, deliveries.c.status != "delivered")
                .values(status="pending", attempts=0, next_attempt_at=to_text(self.clock()))
            )
            if done.rowcount != 1:
                from tvaers.errors import InputError

                raise InputError(f"no undelivered delivery {delivery_id}")
            row = conn.execute(select(deliveries).where(deliveries.c.id == delivery_id)).one()
        return _delivery(row)
