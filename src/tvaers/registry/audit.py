"""The registry's audit of person-level reads, in the dashboard's JSON-lines format.

One line per event: ``time``, ``action``, ``user``, ``outcome`` and details; appended,
flushed and fsynced before the data are shown. The log says what was read (database,
indicator, unit, period, how many persons), never the persons themselves. The registry and
the dashboard write the same file (settings ``audit_log``), so one log covers both.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def record(path: Path, action: str, user: str | None, outcome: str, **details: Any) -> None:
    """Append one event (``outcome``: ``allowed`` or ``denied``) and fsync it."""
    event = {
        "time": datetime.now(UTC).isoformat(),
        "action": action,
        "user": user,
        "outcome": outcome,
        **details,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(event, ensure_ascii=False, sort_keys=True, default=str) + "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
