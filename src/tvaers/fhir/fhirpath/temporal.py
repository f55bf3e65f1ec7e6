"""FHIRPath Date, DateTime and Time values with partial precision.

FHIR keeps dates as text of varying precision (``2024``, ``2024-03``, ``2024-03-05``,
``2024-03-05T10:30:00+01:00``). FHIRPath compares them component by component up to the
precision both share: ``@2024-03 < @2024-04-05`` is true, ``@2024-03 = @2024-03-05`` is
empty (unknown). This module parses such text, compares values with those rules and
computes ``lowBoundary()``/``highBoundary()``.

Values keep their original text so that output columns show what the resource said.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_DATETIME = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
    r"(Z|[+-]\d{2}:\d{2})?)?)?)?T?$"
)
_TIME = re.compile(r"^(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?$")

#: Precision names, coarsest first. "second" covers fractional seconds, as in FHIRPath.
PRECISIONS = ("year", "month", "day", "hour", "minute", "second")


@dataclass(frozen=True, slots=True)
class Temporal:
    """A partial date, date-time or time.

    ``parts`` holds (year, month, day, hour, minute, second, microsecond) up to the
    value's precision; ``tz`` is the offset in minutes (None when not given).
    """

    kind: str  # "date" | "dateTime" | "time"
    parts: tuple[int, ...]
    tz: int | None
    text: str
    fraction_digits: int = 0

    def __str__(self) -> str:
        return self.text

    @property
    def precision(self) -> int:
        """Number of components present (1 = year ... 6 = second)."""
        return len(self.parts)


def _frac_to_micro(frac: str | None) -> tuple[int, int]:
    if not frac:
        return 0, 0
    digits = len(frac)
    return int((frac + "000000")[:6]), digits


def parse_date(text: str) -> Temporal | None:
    """Parse a FHIR ``date`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``)."""
    m = _DATE.match(text)
    if m is None:
        return None
    parts = tuple(int(g) for g in m.groups() if g is not None)
    return Temporal("date", parts, None, text) if _valid(parts) else None


def parse_datetime(text: str) -> Temporal | None:
    """Parse a FHIR ``dateTime``/``instant`` (any precision, optional offset)."""
    m = _DATETIME.match(text)
    if m is None:
        return None
    y, mo, d, h, mi, s, frac, tz = m.groups()
    parts = [int(g) for g in (y, mo, d, h, mi) if g is not None]
    digits = 0
    if s is not None:
        micro, digits = _frac_to_micro(frac)
        parts.extend((int(s), micro))
    if not _valid(tuple(parts)):
        return None
    return Temporal("dateTime", tuple(parts), _offset(tz), text, digits)


def parse_time(text: str) -> Temporal | None:
    """Parse a FHIR ``time`` (``hh``, ``hh:mm``, ``hh:mm:ss[.fff]``)."""
    m = _TIME.match(text[1:] if text.startswith("T") else text)
    if m is None:
        return None
    h, mi, s, frac = m.groups()
    parts = [int(g) for g in (h, mi) if g is not None]
    digits = 0
    if s is not None:
        micro, digits = _frac_to_micro(frac)
        parts.extend((int(s), micro))
    if parts[0] > 23 or (len(parts) > 1 and parts[1] > 59) or (len(parts) > 2 and parts[2] > 59):
        return None
    return Temporal("time", tuple(parts), None, text, digits)


def _offset(tz: str | None) -> int | None:
    if tz is None:
        return None
    if tz == "Z":
        return 0
    sign = -1 if tz[0] == "-" else 1
    return sign * (int(tz[1:3]) * 60 + int(tz[4:6]))


def _valid(parts: tuple[int, ...]) -> bool:
    if len(parts) >= 2 and not 1 <= parts[1] <= 12:
        return False
    if len(parts) >= 3 and not 1 <= parts[2] <= calendar.monthrange(parts[0], parts[1])[1]:
        return False
    if len(parts) >= 4 and parts[3] > 23:
        return False
    if len(parts) >= 5 and parts[4] > 59:
        return False
    return not (len(parts) >= 6 and parts[5] > 60)


def coerce(value: object, kind: str) -> Temporal | None:
    """Read ``value`` as a temporal of ``kind`` (strings from JSON are parsed)."""
    if isinstance(value, Temporal):
        return value
    if not isinstance(value, str):
        return None
    if kind == "time":
        return parse_time(value)
    return parse_datetime(value)


def _comparable(value: Temporal) -> tuple[int, ...]:
    """Components with precision seconds+micro merged and offsets normalised to UTC."""
    parts = list(value.parts)
    if value.kind != "time" and value.tz is not None and len(parts) >= 5:
        import datetime as dt

        second = parts[5] if len(parts) > 5 else 0
        micro = parts[6] if len(parts) > 6 else 0
        stamp = dt.datetime(
            parts[0], parts[1], parts[2], parts[3], parts[4], second, micro
        ) - dt.timedelta(minutes=value.tz)
        utc = [stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute]
        if len(parts) > 5:
            utc.extend((stamp.second, stamp.microsecond))
        parts = utc
    return tuple(parts)


def compare(a: Temporal, b: Temporal) -> int | None:
    """-1, 0 or 1; None when the values differ only below their common precision.

    Seconds and fractions count as one precision ("second"), as FHIRPath says.
    """
    if (a.kind == "time") != (b.kind == "time"):
        return None
    pa, pb = _comparable(a), _comparable(b)
    common = min(len(pa), len(pb))
    for x, y in zip(pa[:common], pb[:common], strict=True):
        if x != y:
            return -1 if x < y else 1
    if len(pa) == len(pb):
        return 0
    # A second without fraction equals the same second with .000 fraction.
    first = 3 if a.kind == "time" else 6
    if common == first and max(len(pa), len(pb)) == first + 1:
        return 0
    return None


# -- boundaries -------------------------------------------------------------------------


def low_boundary(value: Temporal) -> Temporal:
    """Earliest instant the value can mean (e.g. ``1970-06`` -> ``1970-06-01``)."""
    return _boundary(value, high=False)


def high_boundary(value: Temporal) -> Temporal:
    """Latest instant the value can mean (e.g. ``1970-06`` -> ``1970-06-30``)."""
    return _boundary(value, high=True)


def _boundary(value: Temporal, *, high: bool) -> Temporal:
    defaults = [23, 59, 59, 999000] if high else [0, 0, 0, 0]
    parts = list(value.parts)
    if value.kind == "time":
        clock = parts if value.fraction_digits else parts[:3]
        h, mi, s, micro = clock + defaults[len(clock) :]
        text = f"{h:02d}:{mi:02d}:{s:02d}.{micro // 1000:03d}"
        return Temporal("time", (h, mi, s, micro), None, text, 3)
    year = parts[0]
    month = parts[1] if len(parts) > 1 else (12 if high else 1)
    last_day = calendar.monthrange(year, month)[1]
    day = parts[2] if len(parts) > 2 else (last_day if high else 1)
    if value.kind == "date":
        text = f"{year:04d}-{month:02d}-{day:02d}"
        return Temporal("date", (year, month, day), None, text)
    clock = parts[3:] if value.fraction_digits else parts[3:6]
    hour, minute, second, micro = clock + defaults[len(clock) :]
    tz = value.tz if value.tz is not None else (-12 * 60 if high else 14 * 60)
    sign = "-" if tz < 0 else "+"
    offset = f"{sign}{abs(tz) // 60:02d}:{abs(tz) % 60:02d}"
    text = (
        f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
        f".{micro // 1000:03d}{offset}"
    )
    return Temporal("dateTime", (year, month, day, hour, minute, second, micro), tz, text, 3)
