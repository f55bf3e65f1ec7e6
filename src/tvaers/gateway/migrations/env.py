"""Alembic environment: run migrations on the connection the gateway hands over."""

from __future__ import annotations

from alembic import context

from tvaers.gateway.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only programmatic use is supported
    raise RuntimeError("run migrations through tvaers.gateway.database.Database.migrate()")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
