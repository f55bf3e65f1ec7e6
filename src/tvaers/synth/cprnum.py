"""Synthetic CPR numbers, vectorised and unique without coordination between blocks.

Form: day + 60 (61-91), month, 2-digit year, then four serial digits where the 7th digit is
consistent with the century (the CPR office's table, as in :func:`tvaers.terminology.cpr.
digit7_for`) and the 10th digit's parity is the sex (odd = male).

Uniqueness: within one (birth date, sex) there are at least 2,000 serials (4 choices of the
7th digit x 100 x 5 sex-matching last digits). Block ``b`` owns serial slots
``b*J .. b*J+J-1`` with ``J = 2000 // n_blocks``; when a block has more than ``J`` persons of
one sex born on one day, the extra ones move to the next day (a shift of a day in a birth
date, never a duplicate).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tvaers.synth.rng import fixed_ascii

IntArray = npt.NDArray[np.int64]

# 7th-digit options by century range (CPR office table; first options are the most common).
_D7_1900_1936 = (0, 1, 2, 3)
_D7_1937_1999 = (0, 1, 2, 3, 4, 9)
_D7_2000_2036 = (4, 9, 5, 6, 7, 8)
_D7_OTHER = (5, 6, 7, 8)  # 1858-1899 and 2037-2057
SLOTS_PER_D7 = 500  # 100 values of digits 8-9 x 5 sex-matching last digits


def assign_slots(
    birth_day: IntArray,
    male: npt.NDArray[np.bool_],
    latest_day: IntArray,
    block: int,
    per_block: int,
) -> tuple[IntArray, IntArray]:
    """Adjusted birth days and serial slots, unique per (birth day, sex) across all blocks.

    ``latest_day`` bounds the shift (a person must not be born after entering the data).
    """
    day = birth_day.astype(np.int64).copy()
    n = len(day)
    if n == 0:
        return day, np.empty(0, dtype=np.int64)
    step = np.ones(n, dtype=np.int64)  # forward, until the latest day; then backward for good
    for _ in range(100_000):
        rank = _rank_within(day * 2 + male)
        over = rank >= per_block
        if not over.any():
            return day, block * per_block + rank
        step[over & (day + step > latest_day)] = -1
        day[over] += step[over]
    raise RuntimeError("CPR slot assignment did not converge")  # pragma: no cover


def _rank_within(key: IntArray) -> IntArray:
    """0-based rank of each element among equal keys, in input order."""
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_key)) + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(key)]))
    rank = np.empty(len(key), dtype=np.int64)
    rank[order] = np.arange(len(key)) - group_start
    return rank


def civil_date(day: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """(year, month, day of month) of days since 1970-01-01."""
    d = day.astype("datetime64[D]")
    years = d.astype("datetime64[Y]")
    months = d.astype("datetime64[M]")
    year = years.astype(np.int64) + 1970
    month = (months - years).astype(np.int64) + 1
    dom = (d - months).astype(np.int64) + 1
    return year, month, dom


def digit7(year: IntArray, slot: IntArray) -> IntArray:
    """The 7th digit for each person: option ``slot // 500`` of its century range."""
    choice = slot // SLOTS_PER_D7
    out = np.empty(len(year), dtype=np.int64)
    for lo, hi, options in (
        (1900, 1936, _D7_1900_1936),
        (1937, 1999, _D7_1937_1999),
        (2000, 2036, _D7_2000_2036),
    ):
        sel = (year >= lo) & (year <= hi)
        if (choice[sel] >= len(options)).any():
            raise ValueError(f"CPR serial slots exhausted for birth years {lo}-{hi}")
        out[sel] = np.asarray(options)[choice[sel]]
    other = (year < 1900) | (year > 2036)
    if other.any():
        if ((year[other] < 1858) | (year[other] > 2057)).any():
            raise ValueError("no CPR century digit for birth years outside 1858-2057")
        out[other] = np.asarray(_D7_OTHER)[choice[other] % len(_D7_OTHER)]
    return out


def cpr_numbers(birth_day: IntArray, male: npt.NDArray[np.bool_], slot: IntArray) -> pa.Array:
    """Arrow string array of synthetic CPR numbers (day + 60)."""
    year, month, dom = civil_date(birth_day)
    within = slot % SLOTS_PER_D7
    digits = np.empty((len(year), 10), dtype=np.int64)
    dd = dom + 60
    yy = year % 100
    digits[:, 0], digits[:, 1] = dd // 10, dd % 10
    digits[:, 2], digits[:, 3] = month // 10, month % 10
    digits[:, 4], digits[:, 5] = yy // 10, yy % 10
    digits[:, 6] = digit7(year, slot)
    digits[:, 7], digits[:, 8] = (within // 5) // 10, (within // 5) % 10
    digits[:, 9] = 2 * (within % 5) + male.astype(np.int64)
    return fixed_ascii((digits + ord("0")).astype(np.uint8))
