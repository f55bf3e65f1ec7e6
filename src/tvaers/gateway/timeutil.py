"""Instants as the store keeps them: fixed-width UTC text that sorts like time."""

from __future__ import annotations

from datetime import UTC, datetime


def to_text(moment: datetime) -> str:
    """``2024-01-31T12:00:00.000000Z`` (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    m = moment.astimezone(UTC)
    # Not strftime: glibc writes year 1 as "1", which would break the fixed width.
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:"
        f"{m.second:02d}.{m.microsecond:06d}Z"
    )


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


def now_text() -> str:
    return to_text(datetime.now(UTC))


def fhir_instant(text: str) -> str:
    """Store text as a FHIR instant (millisecond precision, ``Z``)."""
    return text[:23] + "Z"
