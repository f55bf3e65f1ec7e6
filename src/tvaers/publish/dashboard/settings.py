"""Settings of the dashboard (``TVAERS_DASHBOARD_*``; flag > environment > file > default).

The dashboard is run by the quality databases (RKKP), separately from the gateway, with its
own user store and audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ENV_PREFIX = "TVAERS_DASHBOARD_"


@dataclass(frozen=True, slots=True)
class DashboardSettings:
    """Where the dashboard reads results and keeps users, sessions and its audit log."""

    environment: Literal["development", "test", "production"] = "development"
    #: A release folder as ``tvaers publish build`` reads it (results, definitions, gateway/,
    #: persons.parquet).
    results_dir: Path = Path("registry")
    #: SQLite file with users and sessions (created on first use).
    state_file: Path = Path("dashboard-state/users.sqlite")
    #: Append-only JSON-lines audit log of sign-ins, person-list reads and user changes.
    audit_log: Path = Path("dashboard-state/audit.jsonl")
    host: str = "127.0.0.1"
    port: int = 8090
    publisher: str = "Regionernes Kliniske Kvalitetsudviklingsprogram (RKKP)"
    #: Base of the canonical Measure URLs (as ``tvaers publish build``'s setting).
    canonical_base: str = "https://kvalitet.example.org/fhir"
    session_minutes: int = 480
    #: Consecutive failed sign-ins that lock an account, and for how long.
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    #: Send cookies only over HTTPS; None = on outside development.
    cookie_secure: bool | None = None

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment != "development"
