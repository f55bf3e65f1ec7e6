"""Danish number, percentage and date formats for everything people read.

``docs/contracts.md`` (Files): reports show "16,3 % (95 %-KI 14,1–18,7)" and "1. marts 2025";
thousands are grouped with "." and decimals use ",". Every function returns plain text;
escaping is the templates' job. Missing values become an en dash, never "nan" or "None".
"""

from __future__ import annotations

import math
from datetime import date, datetime

MISSING = "–"
NBSP = "\u00a0"  # keeps "16,3" and "%" on one line; a character, not an HTML entity

MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)


def _is_missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_int(value: int | float | None) -> str:
    """12345 -> "12.345"; -7 -> "-7"."""
    if _is_missing(value):
        return MISSING
    assert value is not None
    return f"{round(value):,}".replace(",", ".")


def format_decimal(value: float | None, digits: int = 1) -> str:
    """1234.56 -> "1.234,6" (Danish grouping and decimal comma)."""
    if _is_missing(value):
        return MISSING
    assert value is not None
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_percent_number(fraction: float | None, digits: int = 1) -> str:
    """0.163 -> "16,3" (a fraction shown as a percentage number, without the sign)."""
    if _is_missing(fraction):
        return MISSING
    assert fraction is not None
    return format_decimal(fraction * 100, digits)


def format_percent(fraction: float | None, digits: int = 1) -> str:
    """0.163 -> "16,3 %" (Danish style: a space before the per cent sign)."""
    if _is_missing(fraction):
        return MISSING
    return f"{format_percent_number(fraction, digits)}{NBSP}%"


def format_ci(low: float | None, high: float | None, digits: int = 1) -> str:
    """(0.141, 0.187) -> "95 %-KI 14,1–18,7"."""
    if _is_missing(low) or _is_missing(high):
        return MISSING
    lo = format_percent_number(low, digits)
    hi = format_percent_number(high, digits)
    return f"95{NBSP}%-KI {lo}–{hi}"


def format_proportion_ci(
    proportion: float | None, low: float | None, high: float | None, digits: int = 1
) -> str:
    """ "16,3 % (95 %-KI 14,1–18,7)", or the proportion alone when the CI is missing."""
    if _is_missing(proportion):
        return MISSING
    main = format_percent(proportion, digits)
    if _is_missing(low) or _is_missing(high):
        return main
    return f"{main} ({format_ci(low, high, digits)})"


def format_date(value: date | datetime | str | None) -> str:
    """2025-03-01 -> "1. marts 2025"."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return f"{value.day}. {MONTHS[value.month - 1]} {value.year}"


def format_period(period: str | None) -> str:
    """A results period: "2024" stays; "2024-03" -> "marts 2024"; "2024-03-01" -> a date."""
    if not period:
        return MISSING
    parts = period.split("-")
    if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
        month = int(parts[1])
        if 1 <= month <= 12:
            return f"{MONTHS[month - 1]} {parts[0]}"
    if len(parts) == 3:
        try:
            return format_date(period)
        except ValueError:
            return period
    return period


def format_days(value: float | None) -> str:
    """3.5 -> "3,5 dage"; 1 -> "1 dag"."""
    if _is_missing(value):
        return MISSING
    assert value is not None
    unit = "dag" if value == 1 else "dage"
    text = format_int(value) if float(value).is_integer() else format_decimal(value, 1)
    return f"{text}{NBSP}{unit}"


def excel_number(value: float | int | None, digits: int | None = None) -> str:
    """A number for Excel-facing CSV: decimal comma, no grouping, empty when missing."""
    if _is_missing(value):
        return ""
    assert value is not None
    if isinstance(value, int) or (digits is None and float(value).is_integer()):
        return str(int(value))
    text = f"{value:.{digits}f}" if digits is not None else repr(float(value))
    return text.replace(".", ",")
