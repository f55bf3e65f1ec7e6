"""Rejects keep the report's own Bundle.timestamp (not personal data), so that data-quality
statistics count accepted and rejected reports in the same month: the month they are about.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rejects") as batch:
        batch.add_column(sa.Column("bundle_timestamp", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rejects") as batch:
        batch.drop_column("bundle_timestamp")
