"""The gateway store: one database with its report, client and audit parts.

``GatewayStore.open(url)`` connects and (by default) migrates; the FastAPI app, the CLI
and tests all go through it. Nothing connects at import time.
"""

from __future__ import annotations

from tvaers.gateway.audit import AuditLog
from tvaers.gateway.clients import ClientRegistry
from tvaers.gateway.database import Database
from tvaers.gateway.faults import Faults
from tvaers.gateway.reports import ReportStore


class GatewayStore:
    """The parts of the store, sharing one :class:`Database`."""

    def __init__(self, db: Database, *, token_pepper: str, faults: Faults | None = None):
        self.db = db
        self.faults = faults or Faults()
        self.reports = ReportStore(db, self.faults)
        self.clients = ClientRegistry(db, token_pepper)
        self.audit = AuditLog(db)

    @classmethod
    def open(
        cls,
        url: str,
        *,
        token_pepper: str,
        migrate: bool = True,
        faults: Faults | None = None,
    ) -> GatewayStore:
        """Connect to ``url`` (SQLite path/URL or PostgreSQL URL) and migrate if asked."""
        db = Database(url)
        if migrate:
            db.migrate()
        return cls(db, token_pepper=token_pepper, faults=faults)

    def arm(self, faults: Faults) -> None:
        """Use these fault points from now on (tests and ``create_app``)."""
        self.faults = faults
        self.reports.faults = faults

    def close(self) -> None:
        self.reports.close()
        self.db.dispose()
