"""Operational status: per recipient lag, backlog, last success and dead letters; per
municipality throughput, rejects by rule and the lag between report timestamp and receipt.

One function for ``GET /admin/status``, ``tvaers gateway status`` and the metrics gauges.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from tvaers.fhir.state import parse_instant
from tvaers.gateway.forwarding import feed
from tvaers.gateway.forwarding.service import Forwarder
from tvaers.gateway.schema import cursors, deliveries, feed_pending, rejects, reports
from tvaers.gateway.schema import feed as feed_table
from tvaers.gateway.timeutil import from_text, now_text, to_text


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def recipient_status(forwarder: Forwarder, now: datetime) -> list[dict[str, Any]]:
    out = []
    with forwarder.store.db.read() as conn:
        for recipient in forwarder.recipients.all():
            rid, agreement = recipient.recipient_id, recipient.agreement
            cursor = conn.execute(select(cursors).where(cursors.c.recipient_id == rid)).first()
            position = int(cursor.position) if cursor else 0
            oldest = conn.execute(
                select(func.min(feed_table.c.received_at)).where(
                    feed_table.c.position > position, feed.scope_condition(rid, agreement)
                )
            ).scalar()
            counts: dict[str, int] = dict(conn.execute(
                select(deliveries.c.status, func.count())
                .where(deliveries.c.recipient_id == rid).group_by(deliveries.c.status)
            ).all())  # fmt: skip
            last_push = conn.execute(
                select(func.max(deliveries.c.delivered_at)).where(deliveries.c.recipient_id == rid)
            ).scalar()
            out.append({
                "recipient_id": rid, "delivery": agreement.delivery, "active": recipient.active,
                "acknowledged_position": position,
                "backlog": feed.count_after(conn, rid, agreement, position),
                "lag_seconds": round((now - from_text(oldest)).total_seconds(), 1) if oldest else 0.0,
                "last_success": last_push or (cursor.updated_at if cursor and position else None),
                "deliveries_pending": int(counts.get("pending", 0)),
                "dead_letters": int(counts.get("dead", 0)),
            })  # fmt: skip
    return out


def municipality_status(forwarder: Forwarder, now: datetime) -> list[dict[str, Any]]:
    day, hour = to_text(now - timedelta(days=1)), to_text(now - timedelta(hours=1))
    table: dict[str, dict[str, Any]] = {}

    def row(kommune: str) -> dict[str, Any]:
        return table.setdefault(kommune, {
            "kommunekode": kommune, "accepted_24h": 0, "accepted_1h": 0, "rejected_24h": 0,
            "rejects_by_rule": Counter(), "lags": [],
        })  # fmt: skip

    with forwarder.store.db.read() as conn:
        for kommune, timestamp, received in conn.execute(
            select(reports.c.kommunekode, reports.c.bundle_timestamp, reports.c.received_at).where(
                reports.c.received_at >= day
            )
        ):
            entry = row(kommune)
            entry["accepted_24h"] += 1
            entry["accepted_1h"] += received >= hour
            stamp = parse_instant(timestamp)
            if stamp is not None:
                entry["lags"].append((from_text(received) - stamp).total_seconds())
        for kommune, keys in conn.execute(
            select(rejects.c.kommunekode, rejects.c.rule_keys).where(
                rejects.c.received_at >= day, rejects.c.kommunekode.is_not(None)
            )
        ):
            entry = row(kommune)
            entry["rejected_24h"] += 1
            entry["rejects_by_rule"].update(k for k in keys.split() if k != "-")
    result = []
    for kommune in sorted(table):
        entry = table[kommune]
        lags = entry.pop("lags")
        entry["rejects_by_rule"] = dict(entry["rejects_by_rule"].most_common())
        entry["receipt_lag_p50_seconds"] = _percentile(lags, 0.5)
        entry["receipt_lag_p95_seconds"] = _percentile(lags, 0.95)
        result.append(entry)
    return result


def gateway_status(forwarder: Forwarder) -> dict[str, Any]:
    """The whole status document."""
    now = datetime.now(UTC)
    with forwarder.store.db.read() as conn:
        head = feed.head(conn)
        pending = conn.execute(select(func.count()).select_from(feed_pending)).scalar_one()
        total = conn.execute(select(func.count()).select_from(reports)).scalar_one()
    return {
        "generated_at": now_text(),
        "reports": int(total),
        "feed": {"head": head, "pending": int(pending)},
        "recipients": recipient_status(forwarder, now),
        "municipalities": municipality_status(forwarder, now),
    }
