"""Structured JSON logs without personal data.

Records carry only fields from :data:`ALLOWED` (ids, codes, counts, timings): a CPR number
can only reach the log by being put into a message text, which the gateway never does
(tests grep the logs of a full run for every CPR number submitted).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

ALLOWED = frozenset(
    {
        "status", "rules", "client", "kommunekode", "report_id", "identical", "method",
        "path", "ms", "recipient", "position", "attempt", "delivery", "count", "error",
    }
)  # fmt: skip


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, allowed extras."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ALLOWED:
            if key in record.__dict__:
                data[key] = record.__dict__[key]
        if record.exc_info and record.exc_info[0] is not None:
            data["exception"] = record.exc_info[0].__name__
        return json.dumps(data, default=str, ensure_ascii=False)


def configure(fmt: str = "json", level: str = "INFO") -> None:
    """Log the gateway (and uvicorn's errors) to stderr in ``fmt``."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    for name in ("tvaers", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False
