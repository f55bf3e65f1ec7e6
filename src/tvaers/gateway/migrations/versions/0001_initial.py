"""Initial gateway schema: clients, reports, citizens, resource versions, rejects, audit.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("kommunekoder", sa.String(1000), nullable=False),
        sa.Column("recipient_id", sa.String(64), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("rotated_at", sa.String(32), nullable=True),
        sa.Column("revoked_at", sa.String(32), nullable=True),
    )
    op.create_table(
        "reports",
        sa.Column("seq", SERIAL, primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.String(64), nullable=False, unique=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("raw", sa.LargeBinary, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("cpr", sa.String(10), nullable=False),
        sa.Column("sor", sa.String(32), nullable=False),
        sa.Column("kommunekode", sa.String(3), nullable=False),
        sa.Column("ig", sa.String(16), nullable=True),
        sa.Column("profile", sa.String(200), nullable=True),
        sa.Column("bundle_timestamp", sa.String(32), nullable=True),
    )
    op.create_index("ix_reports_received_at", "reports", ["received_at"])
    op.create_index("ix_reports_cpr", "reports", ["cpr"])
    op.create_index("ix_reports_kommune_seq", "reports", ["kommunekode", "seq"])
    op.create_index("ix_reports_client_seq", "reports", ["client_id", "seq"])
    op.create_table(
        "citizens",
        sa.Column("cpr", sa.String(10), primary_key=True),
        sa.Column("kommunekode", sa.String(3), nullable=False),
        sa.Column("first_seq", sa.BigInteger, nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "resource_versions",
        sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
        sa.Column("report_seq", sa.BigInteger, sa.ForeignKey("reports.seq"), nullable=False),
        sa.Column("cpr", sa.String(10), nullable=False),
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=False),
        sa.Column("instant", sa.String(32), nullable=False),
        sa.Column("entry_index", sa.Integer, nullable=False),
        sa.Column("invalidates", sa.Boolean, nullable=False),
    )
    op.create_index("ix_resource_versions_report_seq", "resource_versions", ["report_seq"])
    op.create_index(
        "ix_versions_resource", "resource_versions", ["cpr", "resource_type", "resource_id"]
    )
    op.create_table(
        "resource_current",
        sa.Column("cpr", sa.String(10), primary_key=True),
        sa.Column("resource_type", sa.String(64), primary_key=True),
        sa.Column("resource_id", sa.String(64), primary_key=True),
        sa.Column("report_seq", sa.BigInteger, nullable=False),
        sa.Column("report_id", sa.String(64), nullable=False),
        sa.Column("instant", sa.String(32), nullable=False),
        sa.Column("entry_index", sa.Integer, nullable=False),
        sa.Column("invalidates", sa.Boolean, nullable=False),
        sa.Column("resource", sa.Text, nullable=False),
    )
    op.create_table(
        "rejects",
        sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("kommunekode", sa.String(3), nullable=True),
        sa.Column("ig", sa.String(16), nullable=True),
        sa.Column("report_id", sa.String(64), nullable=True),
        sa.Column("rule_keys", sa.Text, nullable=False),
    )
    op.create_index("ix_rejects_received_at", "rejects", ["received_at"])
    op.create_index("ix_rejects_client_id", "rejects", ["client_id"])
    op.create_table(
        "audit",
        sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("cpr", sa.String(10), nullable=True),
        sa.Column("report_id", sa.String(64), nullable=True),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
    )
    op.create_index("ix_audit_cpr", "audit", ["cpr"])


def downgrade() -> None:
    for table in (
        "audit",
        "rejects",
        "resource_current",
        "resource_versions",
        "citizens",
        "reports",
        "clients",
    ):
        op.drop_table(table)
