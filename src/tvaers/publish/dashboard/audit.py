"""The dashboard's audit log: one JSON object per line, appended and flushed to disk.

Every read of person-level data is logged (who, when, which indicator, unit and period, how
many persons, CPR or pseudonym), and so is every refusal, sign-in and user change. The log
holds no CPR numbers or pseudonyms: it says what was read, not the data itself.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from tvaers.publish.dashboard.users import utcnow


class AuditLog:
    """Append-only JSON-lines file."""

    def __init__(self, path: Path, clock: Callable[[], datetime] = utcnow):
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def record(self, action: str, user: str | None, outcome: str, **details: Any) -> None:
        """Append one event and fsync it before returning."""
        event = {
            "time": self.clock().isoformat(),
            "action": action,
            "user": user,
            "outcome": outcome,
            **details,
        }
        line = json.dumps(event, ensure_ascii=False, sort_keys=True) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def events(self) -> list[dict[str, Any]]:
        """All events (for tests and the operator)."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
