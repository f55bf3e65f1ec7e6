"""The gateway's tables (SQLAlchemy Core). Alembic migrations create and change them.

Instants are stored as fixed-width UTC text (``2024-01-31T12:00:00.000000Z``) so that
they sort and compare the same way on SQLite and PostgreSQL. ``reports`` is append-only:
rows are inserted, never updated or deleted (retention aside, see docs/operations.md).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

#: An auto-incrementing key on both engines (SQLite needs INTEGER for rowid aliasing).
Serial = BigInteger().with_variant(Integer(), "sqlite")

clients = Table(
    "clients",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),  # municipality | recipient | operator
    Column("kommunekoder", String(1000), nullable=False, default=""),  # comma-separated
    Column("recipient_id", String(64), nullable=True),
    Column("token_hash", String(64), nullable=True, unique=True),
    Column("created_at", String(32), nullable=False),
    Column("rotated_at", String(32), nullable=True),
    Column("revoked_at", String(32), nullable=True),
)

reports = Table(
    "reports",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),  # receipt sequence
    Column("report_id", String(64), nullable=False, unique=True),
    Column("content_hash", String(64), nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("received_at", String(32), nullable=False, index=True),
    Column("client_id", String(64), nullable=False),
    Column("cpr", String(10), nullable=False, index=True),
    Column("sor", String(32), nullable=False),
    Column("kommunekode", String(3), nullable=False),
    Column("ig", String(16), nullable=True),
    Column("profile", String(200), nullable=True),
    Column("bundle_timestamp", String(32), nullable=True),
)
Index("ix_reports_kommune_seq", reports.c.kommunekode, reports.c.seq)
Index("ix_reports_client_seq", reports.c.client_id, reports.c.seq)

citizens = Table(
    "citizens",
    metadata,
    Column("cpr", String(10), primary_key=True),
    Column("kommunekode", String(3), nullable=False),
    Column("first_seq", BigInteger, nullable=False),
    Column("last_seq", BigInteger, nullable=False),  # updated per report: the per-citizen lock
)

resource_versions = Table(
    "resource_versions",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("report_seq", BigInteger, ForeignKey("reports.seq"), nullable=False, index=True),
    Column("cpr", String(10), nullable=False),
    Column("resource_type", String(64), nullable=False),
    Column("resource_id", String(64), nullable=False),
    Column("instant", String(32), nullable=False),
    Column("entry_index", Integer, nullable=False),
    Column("invalidates", Boolean, nullable=False),
)
Index(
    "ix_versions_resource",
    resource_versions.c.cpr,
    resource_versions.c.resource_type,
    resource_versions.c.resource_id,
)

resource_current = Table(
    "resource_current",
    metadata,
    Column("cpr", String(10), primary_key=True),
    Column("resource_type", String(64), primary_key=True),
    Column("resource_id", String(64), primary_key=True),
    Column("report_seq", BigInteger, nullable=False),
    Column("report_id", String(64), nullable=False),
    Column("instant", String(32), nullable=False),
    Column("entry_index", Integer, nullable=False),
    Column("invalidates", Boolean, nullable=False),
    Column("resource", Text, nullable=False),  # canonical JSON of the current version
)

rejects = Table(
    "rejects",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("received_at", String(32), nullable=False, index=True),
    Column("client_id", String(64), nullable=False, index=True),
    Column("status", Integer, nullable=False),
    Column("kommunekode", String(3), nullable=True),
    Column("ig", String(16), nullable=True),
    Column("report_id", String(64), nullable=True),
    Column("rule_keys", Text, nullable=False),  # space-separated rule keys, no personal data
    Column("bundle_timestamp", String(32), nullable=True),  # migration 0003
)

audit = Table(
    "audit",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("actor", String(64), nullable=False),  # client id or cli:<user>
    Column("role", String(16), nullable=False),
    Column("action", String(32), nullable=False),  # read | raw | search | audit-query | ...
    Column("cpr", String(10), nullable=True, index=True),
    Column("report_id", String(64), nullable=True),
    Column("purpose", String(200), nullable=False),
    Column("detail", Text, nullable=True),
)

# --- forwarding (migration 0002) ------------------------------------------------------

recipients = Table(
    "recipients",
    metadata,
    Column("recipient_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("legal_basis", String(200), nullable=False),
    Column("identity", String(16), nullable=False),  # cpr | pseudonym
    Column("delivery", String(8), nullable=False),  # pull | push
    Column("push_url", String(500), nullable=True),
    Column("key_version", Integer, nullable=True),  # pseudonym key version in use
    Column("agreement", Text, nullable=False),  # the agreement as canonical JSON
    Column("version", Integer, nullable=False),  # +1 per update
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("revoked_at", String(32), nullable=True),
)

population = Table(
    "population",
    metadata,
    Column("recipient_id", String(64), primary_key=True),
    Column("cpr", String(10), primary_key=True),
)

#: Reports (and backfills) waiting for a feed position; the sequencer moves them to feed.
feed_pending = Table(
    "feed_pending",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("report_seq", BigInteger, nullable=True),
    Column("recipient_id", String(64), nullable=True),  # None: for every recipient
    Column("kind", String(16), nullable=False),  # report | backfill
    Column("cpr", String(10), nullable=False),
    Column("ig", String(16), nullable=True),
    Column("kommunekode", String(3), nullable=False),
    Column("bundle_timestamp", String(32), nullable=True),
    Column("received_at", String(32), nullable=False),
    Column("payload", LargeBinary, nullable=True),  # backfill: the bundle to forward
)

#: The commit-ordered feed: position n+1 commits after every position <= n.
feed = Table(
    "feed",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("report_seq", BigInteger, nullable=True),
    Column("recipient_id", String(64), nullable=True),
    Column("kind", String(16), nullable=False),
    Column("cpr", String(10), nullable=False),
    Column("ig", String(16), nullable=True),
    Column("kommunekode", String(3), nullable=False),
    Column("bundle_timestamp", String(32), nullable=True),
    Column("received_at", String(32), nullable=False, index=True),
    Column("payload", LargeBinary, nullable=True),
)

#: One row (id 1): the next feed position. Its row lock serialises the sequencer.
feed_state = Table(
    "feed_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("next_position", BigInteger, nullable=False),
)

cursors = Table(
    "cursors",
    metadata,
    Column("recipient_id", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),  # acknowledged: everything up to here
    Column("state", Text, nullable=True),  # per-IG positions ("care=12,rehab=9")
    Column("updated_at", String(32), nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("recipient_id", String(64), nullable=False, index=True),
    Column("from_position", BigInteger, nullable=False),
    Column("to_position", BigInteger, nullable=False),
    Column("to_state", Text, nullable=False),  # the cursor state once delivered
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("status", String(16), nullable=False),  # pending | delivered | dead
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", String(32), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("report_count", Integer, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("delivered_at", String(32), nullable=True),
)
