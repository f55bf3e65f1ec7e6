"""CPR number syntax (dk-core rules) and the synthetic day + 60 form.

``cpr_mode = "dk-core"`` accepts 10 digits with a valid day/month (no modulus-11, as the
KL Gateway checks syntax only). ``"synthetic"`` also accepts day + 60 (61-91), the only
form the synthetic generator emits, so no synthetic number can be a real person's.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

CprMode = Literal["dk-core", "synthetic"]
CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"

_DIGITS = re.compile(r"^[0-9]{10}$")
_DAYS_IN_MONTH = {
    1: 31,
    2: 29,
    3: 31,
    4: 30,
    5: 31,
    6: 30,
    7: 31,
    8: 31,
    9: 30,
    10: 31,
    11: 30,
    12: 31,
}


def cpr_problem(value: str, mode: CprMode = "dk-core") -> str | None:
    """Why ``value`` is not a CPR number in ``mode``, or None if it is."""
    if not _DIGITS.match(value):
        if re.match(r"^[0-9]{6}-[0-9]{4}$", value):
            return "CPR number must be 10 digits without hyphen"
        return "CPR number must be exactly 10 digits"
    day, month = int(value[0:2]), int(value[2:4])
    if not 1 <= month <= 12:
        return f"month {value[2:4]} is not 01-12"
    limit = _DAYS_IN_MONTH[month]
    if 1 <= day <= limit:
        return None
    if mode == "synthetic" and 61 <= day <= limit + 60:
        return None
    if mode == "dk-core" and 61 <= day <= limit + 60:
        return "synthetic CPR number (day + 60) is not accepted in cpr_mode dk-core"
    return f"day {value[0:2]} is not valid for month {value[2:4]}"


def is_synthetic(value: str) -> bool:
    """True for the day + 60 form."""
    return len(value) == 10 and value[:2].isdigit() and int(value[:2]) > 60


def century(year2: int, digit7: int) -> int:
    """The century (1800, 1900, 2000) from the 2-digit year and the 7th digit."""
    if digit7 <= 3:
        return 1900
    if digit7 in (4, 9):
        return 2000 if year2 <= 36 else 1900
    return 2000 if year2 <= 57 else 1800


def birth_date(value: str) -> date:
    """Birth date encoded in a (possibly synthetic) CPR number."""
    day = int(value[0:2])
    if day > 60:
        day -= 60
    year2 = int(value[4:6])
    return date(century(year2, int(value[6])) + year2, int(value[2:4]), day)


def sex(value: str) -> Literal["M", "F"]:
    """Legal sex at issue: odd last digit = male."""
    return "M" if int(value[9]) % 2 else "F"


def digit7_for(year: int, choice: int) -> int:
    """A 7th digit consistent with ``year``; ``choice`` picks among valid ones."""
    year2 = year % 100
    if 1900 <= year <= 1999:
        options = [0, 1, 2, 3] + ([4, 9] if year2 >= 37 else [])
    elif 2000 <= year <= 2036:
        options = [4, 9] + ([5, 6, 7, 8] if year2 <= 57 else [])
    elif 2037 <= year <= 2057 or 1858 <= year <= 1899:
        options = [5, 6, 7, 8]
    else:
        raise ValueError(f"no CPR century digit for year {year}")
    return options[choice % len(options)]
