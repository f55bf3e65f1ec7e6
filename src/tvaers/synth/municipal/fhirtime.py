"""FHIR date and instant strings in Danish local time (Europe/Copenhagen, with offset).

Times in the generator are (epoch day, minute of the day) in Danish local time; FHIR instants
need the UTC offset of that local time, which changes with daylight saving time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

EPOCH = date(1970, 1, 1)
ZONE = ZoneInfo("Europe/Copenhagen")


@cache
def iso_date(day: int) -> str:
    """``YYYY-MM-DD`` of an epoch day."""
    return (EPOCH + timedelta(days=day)).isoformat()


@cache
def _day_offsets(day: int) -> tuple[str, str]:
    """UTC offsets at 00:00 and 23:59 local time of an epoch day (differ on DST days)."""
    d = EPOCH + timedelta(days=day)
    first = datetime(d.year, d.month, d.day, 0, 0, tzinfo=ZONE)
    last = datetime(d.year, d.month, d.day, 23, 59, tzinfo=ZONE)
    return _offset(first), _offset(last)


def _offset(moment: datetime) -> str:
    delta = moment.utcoffset()
    assert delta is not None
    minutes = int(delta.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def instant(day: int, minute: int) -> str:
    """``YYYY-MM-DDThh:mm:00+hh:mm`` for a local (day, minute of the day)."""
    early, late = _day_offsets(day)
    # on a DST change the local time decides: 03:00 onwards has the new offset
    offset = late if early != late and minute >= 180 else early
    return f"{iso_date(day)}T{minute // 60:02d}:{minute % 60:02d}:00{offset}"
