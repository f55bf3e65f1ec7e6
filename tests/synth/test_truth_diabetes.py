"""Ground truth of D1 (both cohorts) and D2 on hand-made persons, worked out below.

Cut-off 2025-12-31. Born 1955; residence 101 with accepted §119 reports in every month of 2024
and in 2025-10 and 2025-12; 147 never reports.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from tvaers.synth.municipal import codes as c

from .test_truth_copd import course, referral
from .test_truth_heart import buckets
from .truth_world import World

BORN = date(1955, 1, 1)
Rows = dict[tuple[str, str], dict[str, Any]]


def education(w: World, cpr: str, n: str, start: date, *, in_course: bool = True,
              kommune: str = "101", delivered: bool = True) -> None:  # fmt: skip
    w.version(cpr, "prevention", "pi", f"edu-{n}", start, code=c.I119_DISEASE, start=start,
              based_on=f"CarePlan/f-{n}" if in_course else None, status="active",
              kommune=kommune, delivered=delivered)  # fmt: skip


@pytest.fixture(scope="module")
def diabetes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Rows, dict[str, str]]:
    w = World(tmp_path_factory.mktemp("truth-diabetes"))
    w.reports("101", "prevention", *(f"2024-{m:02d}" for m in range(1, 13)), "2025-10", "2025-12")
    u: dict[str, str] = {}
    # d1: first DE11 in hospital 2024-03-01; education in a forløb on day 61
    w.person("d1", BORN)
    u["d1"] = w.contact("d1", datetime(2024, 3, 1, 9), 2, a="DE119")
    education(w, "d1", "d1", date(2024, 5, 1))
    # d2: DE11 in 2023 (lookback), again after 508 and 903 days: neither is new (<= 730 days)
    w.person("d2", BORN)
    for day in (date(2023, 1, 10), date(2024, 6, 1), date(2025, 7, 1)):
        w.contact("d2", datetime.combine(day, datetime.min.time()), 2, a="DE119")
    # d3: DE11 as B-diagnosis; no education
    w.person("d3", BORN)
    u["d3"] = w.contact("d3", datetime(2024, 4, 1, 9), 2, a="DI509", b=("DE118",))
    # d4: GP referral (T90) 2024-02-01; education only on day 213; its course completed
    w.person("d4", BORN)
    referral(w, "d4", "s-d4", "T90", date(2024, 2, 1))
    course(w, "d4", "d4", date(2024, 2, 20), end=date(2024, 6, 1), status="completed", sr="s-d4")
    education(w, "d4", "d4", date(2024, 9, 1))
    # d5: hospital referral (DE119) 2025-10-01: 180 days not over at the cut-off
    w.person("d5", BORN)
    referral(w, "d5", "s-d5", "DE119", date(2025, 10, 1))
    # d6 (147): education on day 31, never delivered
    w.person("d6", BORN, kommune="147")
    u["d6"] = w.contact("d6", datetime(2024, 5, 1, 9), 2, a="DE119")
    education(w, "d6", "d6", date(2024, 6, 1), kommune="147", delivered=False)
    # d7: "Sygdomshåndtering" outside any forløb does not count
    w.person("d7", BORN)
    u["d7"] = w.contact("d7", datetime(2024, 3, 1, 9), 2, a="DE119")
    education(w, "d7", "d7", date(2024, 3, 10), in_course=False)
    # D2: d8 died during the course; d9 cancelled it
    w.person("d8", BORN, died=date(2024, 2, 25))
    referral(w, "d8", "s-d8", "T90", date(2024, 1, 10))
    course(w, "d8", "d8", date(2024, 1, 20), end=date(2024, 3, 1), status="revoked",
           reason=c.CANCEL_EVENT, sr="s-d8")  # fmt: skip
    w.person("d9", BORN)
    referral(w, "d9", "s-d9", "DE119", date(2024, 1, 10))
    course(w, "d9", "d9", date(2024, 1, 20), end=date(2024, 4, 1), status="revoked",
           reason=c.CANCELLATION[2], sr="s-d9")  # fmt: skip
    return w.truth("D1", "D2"), u


def test_d1_both_cohorts(diabetes: tuple[Rows, dict[str, str]]) -> None:
    rows, u = diabetes
    no = ("denominator_only", None, "denominator_only", None)
    assert buckets(rows, "D1") == {
        u["d1"]: ("numerator", None, "numerator", None),
        u["d3"]: no,
        u["d6"]: ("numerator", None, "uoplyst", "municipality_not_reporting"),
        u["d7"]: no,
        "s-d4": no,
        "s-d5": ("uoplyst", "follow_up_open", "uoplyst", "follow_up_open"),
        "s-d8": no,
        "s-d9": no,
    }
    cohorts = {k: r["stratum_actual"] for (i, k), r in rows.items() if i == "D1"}
    assert cohorts[u["d1"]] == "hospital" and cohorts["s-d4"] == "municipal"


def test_d2(diabetes: tuple[Rows, dict[str, str]]) -> None:
    rows, _ = diabetes
    assert buckets(rows, "D2") == {
        "f-d4": ("numerator", None, "numerator", None),
        "f-d8": ("excluded", "died_during_course", "excluded", "died_during_course"),
        "f-d9": ("denominator_only", None, "denominator_only", None),
    }
