"""Forwarding: recipients, population lists, the commit-ordered feed, cursors, push outbox.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _feed_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("report_seq", sa.BigInteger, nullable=True),
        sa.Column("recipient_id", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("cpr", sa.String(10), nullable=False),
        sa.Column("ig", sa.String(16), nullable=True),
        sa.Column("kommunekode", sa.String(3), nullable=False),
        sa.Column("bundle_timestamp", sa.String(32), nullable=True),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "recipients",
        sa.Column("recipient_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("legal_basis", sa.String(200), nullable=False),
        sa.Column("identity", sa.String(16), nullable=False),
        sa.Column("delivery", sa.String(8), nullable=False),
        sa.Column("push_url", sa.String(500), nullable=True),
        sa.Column("key_version", sa.Integer, nullable=True),
        sa.Column("agreement", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("revoked_at", sa.String(32), nullable=True),
    )
    op.create_table(
        "population",
        sa.Column("recipient_id", sa.String(64), primary_key=True),
        sa.Column("cpr", sa.String(10), primary_key=True),
    )
    op.create_table(
        "feed_pending", sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
        *_feed_columns(),
    )  # fmt: skip
    op.create_table(
        "feed",
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        *_feed_columns(),
    )
    op.create_index("ix_feed_received_at", "feed", ["received_at"])
    op.create_table(
        "feed_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("next_position", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(
        sa.table(
            "feed_state", sa.column("id", sa.Integer), sa.column("next_position", sa.BigInteger)
        ),
        [{"id": 1, "next_position": 1}],
    )
    op.create_table(
        "cursors",
        sa.Column("recipient_id", sa.String(64), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("state", sa.Text, nullable=True),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
        sa.Column("recipient_id", sa.String(64), nullable=False),
        sa.Column("from_position", sa.BigInteger, nullable=False),
        sa.Column("to_position", sa.BigInteger, nullable=False),
        sa.Column("to_state", sa.Text, nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.String(32), nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("report_count", sa.Integer, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("delivered_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_deliveries_recipient_id", "deliveries", ["recipient_id"])


def downgrade() -> None:
    for table in ("deliveries", "cursors", "feed_state", "feed", "feed_pending", "population",
                  "recipients"):  # fmt: skip
        op.drop_table(table)
