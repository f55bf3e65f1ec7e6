"""Synthetic CPR numbers: hand-worked digits, uniqueness by slots, and a round-trip property."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tvaers.synth.cprnum import assign_slots, cpr_numbers
from tvaers.terminology.cpr import birth_date, cpr_problem, sex

EPOCH = date(1970, 1, 1)


def day(d: date) -> int:
    return (d - EPOCH).days


def one(d: date, male: bool, slot: int) -> str:
    result = cpr_numbers(np.array([day(d)]), np.array([male]), np.array([slot])).to_pylist()
    return str(result[0])


def test_digits_worked_by_hand() -> None:
    # 11 June 1961 -> day 71, month 06, year 61; slot 0 -> 7th digit 0, serial 00, last 0/1.
    assert one(date(1961, 6, 11), True, 0) == "7106610001"
    assert one(date(1961, 6, 11), False, 0) == "7106610000"
    # slot 501: second 7th-digit option (1), serial 00, last digit 2*1 + sex.
    assert one(date(1961, 6, 11), True, 501) == "7106611003"
    # 2010: 7th digit 4 first; 1925: 0-3 only; slot 1999 -> option 3, serial 99, last 8/9.
    assert one(date(2010, 2, 1), False, 0) == "6102104000"
    assert one(date(1925, 12, 31), True, 1999) == "9112253999"


def test_exhausted_century_slots_fail_loudly() -> None:
    with pytest.raises(ValueError, match="exhausted for birth years 1900-1936"):
        one(date(1925, 1, 1), True, 2000)


def test_slots_shift_the_extra_persons_to_the_next_day() -> None:
    # Five women born the same day, two slots per block, block 3 -> slots 6 and 7.
    birth = np.full(5, 1000, dtype=np.int64)
    male = np.zeros(5, dtype=bool)
    days, slots = assign_slots(birth, male, np.full(5, 5000), block=3, per_block=2)
    assert days.tolist() == [1000, 1000, 1001, 1001, 1002]
    assert slots.tolist() == [6, 7, 6, 7, 6]


def test_slots_never_move_a_birth_after_the_latest_day() -> None:
    birth = np.full(3, 1000, dtype=np.int64)
    days, _ = assign_slots(birth, np.zeros(3, dtype=bool), np.full(3, 1000), block=0, per_block=1)
    assert days.max() <= 1000 and len(set(days.tolist())) == 3


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2036, 12, 31)),
    st.booleans(),
    st.integers(min_value=0, max_value=1999),
)
def test_round_trip_through_the_cpr_module(born: date, male: bool, slot: int) -> None:
    number = one(born, male, slot)
    assert cpr_problem(number, "synthetic") is None
    assert cpr_problem(number, "dk-core") is not None  # day + 60 is never a real number
    assert birth_date(number) == born
    assert sex(number) == ("M" if male else "F")


def test_two_blocks_never_share_a_number() -> None:
    born = np.full(4, day(date(1980, 5, 5)), dtype=np.int64)
    male = np.array([True, True, False, False])
    numbers: set[str] = set()
    for block in range(3):
        days, slots = assign_slots(born, male, born + 100, block=block, per_block=600)
        numbers |= set(cpr_numbers(days, male, slots).to_pylist())
    assert len(numbers) == 12
    assert all(birth_date(n) == date(1980, 5, 5) for n in numbers)
