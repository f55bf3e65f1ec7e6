"""Danish formats exactly as docs/contracts.md writes them."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tvaers.publish.formatting import (
    excel_number,
    format_ci,
    format_date,
    format_days,
    format_decimal,
    format_int,
    format_percent,
    format_period,
    format_proportion_ci,
)


def plain(text: str) -> str:
    """Non-breaking spaces (kept so "16,3 %" never wraps) read as spaces."""
    return text.replace("\u00a0", " ")


def test_contract_example() -> None:
    assert plain(format_proportion_ci(0.163, 0.141, 0.187)) == "16,3 % (95 %-KI 14,1–18,7)"


def test_contract_date() -> None:
    assert format_date(date(2025, 3, 1)) == "1. marts 2025"
    assert format_date(datetime(2024, 12, 24, 18, 0)) == "24. december 2024"
    assert format_date("2025-05-21") == "21. maj 2025"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "0"), (999, "999"), (1000, "1.000"), (1234567, "1.234.567"), (-7, "-7"), (None, "–")],
)
def test_thousands(value: int | None, expected: str) -> None:
    assert format_int(value) == expected


def test_decimal_and_percent() -> None:
    assert format_decimal(1234.56, 1) == "1.234,6"
    assert plain(format_percent(0.5)) == "50,0 %"
    assert plain(format_percent(0.15, 0)) == "15 %"
    assert format_percent(float("nan")) == "–"
    assert plain(format_ci(0.0, 1.0)) == "95 %-KI 0,0–100,0"


def test_missing_ci_shows_proportion_only() -> None:
    assert plain(format_proportion_ci(0.2, None, None)) == "20,0 %"
    assert format_proportion_ci(None, 0.1, 0.2) == "–"


def test_periods() -> None:
    assert format_period("2024") == "2024"
    assert format_period("2024-03") == "marts 2024"
    assert format_period("2024-03-01") == "1. marts 2024"


def test_days_and_excel_numbers() -> None:
    assert plain(format_days(1)) == "1 dag"
    assert plain(format_days(3.5)) == "3,5 dage"
    assert excel_number(0.125) == "0,125"
    assert excel_number(12) == "12"
    assert excel_number(None) == ""
    assert excel_number(16.34, 1) == "16,3"
