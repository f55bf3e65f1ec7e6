"""CPR syntax: dk-core rules, the synthetic day + 60 form, century and sex digits."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tvaers.terminology.cpr import birth_date, cpr_problem, digit7_for, sex


@pytest.mark.parametrize(
    "value", ["0101010101", "0101410001", "1502779995", "2509479989", "3112999999", "2902000000"]
)
def test_dk_core_accepts_ig_test_numbers(value: str) -> None:
    assert cpr_problem(value, "dk-core") is None


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("3201010101", "day 32"),
        ("010101-0101", "without hyphen"),
        ("010101010", "exactly 10 digits"),
        ("0113010101", "month 13"),
        ("3104010101", "day 31"),
        ("3002010101", "day 30"),
        ("6101010101", "synthetic"),
    ],
)
def test_dk_core_rejects_with_reason(value: str, fragment: str) -> None:
    problem = cpr_problem(value, "dk-core")
    assert problem is not None and fragment in problem


def test_synthetic_mode_accepts_day_plus_60_only_within_month() -> None:
    assert cpr_problem("6101010101", "synthetic") is None
    assert cpr_problem("9101010101", "synthetic") is None  # 31 January + 60
    assert cpr_problem("9104010101", "synthetic") is not None  # 31 April does not exist
    assert cpr_problem("9002010101", "synthetic") is not None  # 30 February + 60


def test_birth_date_and_sex_from_digits() -> None:
    # 7th digit 4: years 00-36 are 2000s, 37-99 are 1900s; 5-8: 00-57 2000s, 58-99 1800s
    assert birth_date("0101364001") == date(2036, 1, 1)
    assert birth_date("0101374001") == date(1937, 1, 1)
    assert birth_date("6101585001") == date(1858, 1, 1)
    assert birth_date("6103650000") == date(1965, 3, 1)
    assert sex("0101010101") == "M"
    assert sex("0101010100") == "F"


@given(
    st.dates(min_value=date(1858, 1, 1), max_value=date(2036, 12, 31)),
    st.integers(min_value=0, max_value=9),
)
def test_synthetic_numbers_round_trip(day: date, choice: int) -> None:
    d7 = digit7_for(day.year, choice)
    value = f"{day.day + 60:02d}{day.month:02d}{day.year % 100:02d}{d7}000"
    assert cpr_problem(value, "synthetic") is None
    assert cpr_problem(value, "dk-core") is not None
    assert birth_date(value) == day
