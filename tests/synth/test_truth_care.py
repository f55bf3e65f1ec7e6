"""Ground truth of M1-M4, P1 and P2 on hand-made citizens, worked out below.

Cut-off 2025-12-31. Residence 101, which reports care in every month of 2024-2025 and sends
FollowUpObservations; 147 reports nothing; 851 does not report FollowUpObservations.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tvaers.synth.municipal import codes as c

from .test_truth_heart import buckets
from .truth_world import World

BORN = date(1935, 1, 1)
Rows = dict[tuple[str, str], dict[str, Any]]
H1_1 = "17312894-b23f-43d9-9723-b725ac25d872"  # Personlig hygiejne (H1.1), §83 personal care
H1_4 = "ef8ee035-00d2-48b9-b366-27753ccd5504"  # Mobilitet (H1.4)


def cond(w: World, cpr: str, rid: str, *levels: tuple[date, int | None], kommune: str = "101",
         status: str = "active", delivered: tuple[bool, ...] = ()) -> None:  # fmt: skip
    """A home-care condition assessed on each (day, level); recorded on the first day."""
    for k, (day, level) in enumerate(levels):
        w.version(cpr, "care", "care_cond", rid, day, level=level, start=levels[0][0],
                  status=status, kommune=kommune, generation="legacy",
                  delivered=delivered[k] if delivered else True)  # fmt: skip


def plan_(w: World, cpr: str, rid: str, code: str, start: date, end: date | None = None, *,
          local: str | None = None, refs: str = "", kommune: str = "101") -> None:  # fmt: skip
    w.version(cpr, "care", "care_pi", rid, end or start, code=code, local_code=local, start=start,
              end=end, status="completed" if end else "active", refs=refs, kommune=kommune)  # fmt: skip


@pytest.fixture(scope="module")
def care(tmp_path_factory: pytest.TempPathFactory) -> Rows:
    w = World(tmp_path_factory.mktemp("truth-care"))
    w.reports("101", "care", *(f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)))
    w.plan["851"]["follow_up_observations"] = False
    for cpr in ("m1", "m2", "m3", "m4", "n1", "n2", "n3", "p1", "p2"):
        w.person(cpr, BORN)
    w.person("n4", BORN, died=date(2024, 7, 15))
    w.person("n5", BORN, kommune="147")
    w.person("p3", BORN, kommune="851")
    _reablement(w)
    _home_care(w)
    _rehab(w)
    _follow_up(w)
    return w.truth("M1", "M2", "M3", "M4", "P1", "P2")


def _reablement(w: World) -> None:
    # m1: course 2024-02-01 for c1 (3 -> 2 on day 74 -> 1 on day 160; goal 1) and c2 (2 -> 2)
    plan_(w, "m1", "a1", c.REABLEMENT_LEGACY[0], date(2024, 2, 1),
          refs="Condition/c1,Condition/c2")  # fmt: skip
    cond(w, "m1", "c1", (date(2024, 1, 30), 3), (date(2024, 4, 15), 2), (date(2024, 7, 10), 1))
    cond(w, "m1", "c2", (date(2024, 1, 30), 2), (date(2024, 4, 15), 2))
    w.version(
        "m1", "care", "goal", "g1", date(2024, 2, 1), level=1, refs="Condition/c1", status="active"
    )
    # m2: simplified codes; reassessed only on day 31: no later level in days 60-180
    plan_(w, "m2", "a2", c.PERSONAL_CARE, date(2024, 5, 1), local=c.REABLEMENT_LOCAL[0],
          refs="Condition/c3")  # fmt: skip
    cond(w, "m2", "c3", (date(2024, 5, 1), 2), (date(2024, 6, 1), 1))
    # m3: legacy key H2.4; started 2025-09-01: day 180 is after the cut-off
    plan_(w, "m3", "a3", "H2.4", date(2025, 9, 1), refs="Condition/c4")
    cond(w, "m3", "c4", (date(2025, 8, 30), 3), (date(2025, 11, 5), 2))
    # m4: the day-92 reassessment never reached the gateway; the day-198 one is too late
    plan_(w, "m4", "a4", c.REABLEMENT_LEGACY[1], date(2024, 3, 1), refs="Condition/c5")
    cond(w, "m4", "c5", (date(2024, 3, 1), 4), (date(2024, 6, 1), 3), (date(2024, 9, 15), 3),
         delivered=(True, False, True))  # fmt: skip
    plan_(w, "m4", "h-m4", H1_1, date(2024, 3, 1), refs="Condition/c5")  # §83: not a course


def test_m1(care: Rows) -> None:
    assert buckets(care, "M1") == {
        "a1|c1": ("numerator", None, "numerator", None),
        "a1|c2": ("denominator_only", None, "denominator_only", None),
        "a3|c4": ("uoplyst", "follow_up_open", "uoplyst", "follow_up_open"),
        "a4|c5": ("numerator", None, None, None),
    }
    assert (care[("M1", "a1|c1")]["value_actual"], care[("M1", "a1|c1")]["stratum_actual"]) == (
        -2,
        "legacy",
    )


def test_m2(care: Rows) -> None:
    assert buckets(care, "M2") == {
        "a1|c1": ("numerator", None, "numerator", None),  # later 1 <= goal 1
        "a1|c2": ("uoplyst", "no_goal", "uoplyst", "no_goal"),
        "a3|c4": ("uoplyst", "follow_up_open", "uoplyst", "follow_up_open"),
        "a4|c5": ("uoplyst", "no_goal", None, None),
    }


def _home_care(w: World) -> None:
    # n1: course 02-01..04-01; personal care: h1 (ends 05-01) and h2 -> 2 at start, 1 on day 90
    plan_(w, "n1", "b1", c.REABLEMENT_LEGACY[0], date(2024, 2, 1), date(2024, 4, 1))
    plan_(w, "n1", "h1", H1_1, date(2023, 6, 1), date(2024, 5, 1))
    plan_(w, "n1", "h2", H1_4, date(2023, 6, 1))
    # n2: none at start, simplified personal care from 05-01 -> 0 then 1
    plan_(w, "n2", "b2", c.REABLEMENT_LEGACY[2], date(2024, 3, 1), date(2024, 5, 1))
    plan_(w, "n2", "h3", c.PERSONAL_CARE, date(2024, 5, 1), local="sel83-personlig-hygiejne")
    # n3: ended 2025-11-01: day 90 after the cut-off
    plan_(w, "n3", "b3", c.REABLEMENT_LEGACY[0], date(2025, 9, 1), date(2025, 11, 1))
    # n4: died on day 44 after the end; n5: 147 has no accepted care reports
    plan_(w, "n4", "b4", c.REABLEMENT_LEGACY[0], date(2024, 4, 1), date(2024, 6, 1))
    plan_(w, "n5", "b5", c.REABLEMENT_LEGACY[0], date(2024, 1, 2), date(2024, 3, 1), kommune="147")


def test_m4(care: Rows) -> None:
    assert buckets(care, "M4") == {
        "b1": ("numerator", None, "numerator", None),
        "b2": ("denominator_only", None, "denominator_only", None),
        "b3": ("uoplyst", "follow_up_open", "uoplyst", "follow_up_open"),
        "b4": ("excluded", "died_90d", "excluded", "died_90d"),
        "b5": ("denominator_only", None, "uoplyst", "municipality_not_reporting"),
    }
    assert care[("M4", "b1")]["value_actual"] == -1 and care[("M4", "b2")]["value_actual"] == 1


def _rehab(w: World) -> None:
    def ggop(rid: str, discharge: date, occurrence: date | None, reason: str | None = None,
             **kw: Any) -> None:  # fmt: skip
        w.version("m1", "rehab", "sr", rid, discharge, authored=discharge, discharge=discharge,
                  occurrence=occurrence, status="active",
                  status_reason=c.SR_STATUS_REASON[reason] if reason else None, **kw)  # fmt: skip

    ggop("g1", date(2024, 3, 1), date(2024, 3, 6))  # day 5
    ggop("g2", date(2024, 4, 1), date(2024, 4, 12))  # day 11
    ggop("g3", date(2024, 5, 1), date(2024, 5, 30), "udskudt")
    ggop("g4", date(2024, 6, 1), None, "anden_kommune")
    ggop("g5", date(2024, 6, 10), None)
    ggop("g6", date(2024, 7, 1), None)  # the booking on day 4 was never delivered
    w.version("m1", "rehab", "sr", "g6", date(2024, 7, 2), authored=date(2024, 7, 1),
              discharge=date(2024, 7, 1), occurrence=date(2024, 7, 5), status="active",
              delivered=False)  # fmt: skip


def test_m3(care: Rows) -> None:
    assert buckets(care, "M3") == {
        "g1": ("numerator", None, "numerator", None),
        "g2": ("denominator_only", None, "denominator_only", None),
        "g3": ("excluded", "udskudt", "excluded", "udskudt"),
        "g4": ("excluded", "anden_kommune", "excluded", "anden_kommune"),
        "g5": ("uoplyst", "no_offer", "uoplyst", "no_offer"),
        "g6": ("numerator", None, "uoplyst", "no_offer"),
    }


def _follow_up(w: World) -> None:
    def planned(
        cpr: str, rid: str, day: date, refs: str, status: str = "planned", **kw: Any
    ) -> None:
        w.version(cpr, "care", "care_enc", rid, day, start=day, refs=refs, status=status,
                  category=c.ENC_FOLLOW_UP, **kw)  # fmt: skip

    def observed(cpr: str, rid: str, day: date, focus: str, **kw: Any) -> None:
        w.version(cpr, "care", "fuo", rid, day, start=day, refs=focus, status="final", **kw)

    cond(w, "p1", "pc1", (date(2024, 2, 1), 2))
    w.version(
        "p1",
        "care",
        "goal",
        "gp1",
        date(2024, 2, 1),
        level=1,
        refs="Condition/pc1",
        status="active",
    )
    planned("p1", "e1", date(2024, 3, 1), "Condition/pc1")
    observed("p1", "o1", date(2024, 3, 10), "Condition/pc1")  # day 9
    planned("p1", "e2", date(2024, 4, 1), "Condition/pc1")
    observed("p1", "o2", date(2024, 4, 20), "Condition/pc1")  # day 19
    planned("p1", "e3", date(2024, 5, 1), "Condition/pc1", status="cancelled")
    planned("p1", "e5", date(2025, 12, 25), "Condition/pc1")  # day 14 after the cut-off
    planned("p1", "e6", date(2024, 6, 1), "Condition/pc2")
    observed("p1", "o6", date(2024, 6, 3), "Condition/pc9")  # on time, but another condition
    planned("p1", "e7", date(2026, 1, 5), "Condition/pc1")  # not passed at the cut-off
    planned("p3", "e4", date(2024, 5, 1), "Condition/pc8", kommune="851")
    # P2: conditions on 31 December
    cond(w, "p2", "pc2", (date(2024, 6, 1), 1))
    w.version(
        "p2",
        "care",
        "goal",
        "gp2",
        date(2025, 3, 1),
        level=0,
        refs="Condition/pc2",
        status="active",
    )
    cond(w, "p2", "pc3", (date(2024, 3, 1), 2))
    w.version("p2", "care", "care_cond", "pc3", date(2024, 10, 1), level=2, start=date(2024, 3, 1),
              status="inactive")  # fmt: skip
    cond(w, "p2", "pc4", (date(2024, 5, 1), 3))
    w.version(
        "p2",
        "care",
        "goal",
        "gp4",
        date(2024, 5, 1),
        level=2,
        refs="Condition/pc4",
        status="active",
    )
    w.version(
        "p2",
        "care",
        "goal",
        "gp4",
        date(2024, 11, 1),
        level=2,
        refs="Condition/pc4",
        status="completed",
    )
    cond(w, "p2", "pc5", (date(2025, 6, 1), 2), delivered=(False,))
    w.version("p2", "care", "care_cond", "nc1", date(2024, 2, 1), level=None, start=date(2024, 2, 1),
              status="active")  # nursing: no functional level  # fmt: skip


def test_p1(care: Rows) -> None:
    assert buckets(care, "P1") == {
        "e1": ("numerator", None, "numerator", None),
        "e2": ("denominator_only", None, "denominator_only", None),
        "e4": ("uoplyst", "follow_up_not_reported", "uoplyst", "follow_up_not_reported"),
        "e5": ("uoplyst", "follow_up_open", "uoplyst", "follow_up_open"),
        "e6": ("denominator_only", None, "denominator_only", None),
    }


def test_p2(care: Rows) -> None:
    got = buckets(care, "P2")
    no = ("denominator_only", None, "denominator_only", None)
    yes = ("numerator", None, "numerator", None)
    expected = {
        "pc1|2024": yes, "pc1|2025": yes,  # goal gp1 active throughout
        "pc2|2024": no, "pc2|2025": yes,  # goal from 2025-03-01
        "pc4|2024": no, "pc4|2025": no,  # goal completed 2024-11-01
        "pc5|2025": ("denominator_only", None, None, None),  # never delivered
        "c1|2024": yes, "c1|2025": yes, "c2|2024": no, "c2|2025": no,  # M1 citizens
        "c3|2024": no, "c3|2025": no, "c4|2025": no, "c5|2024": no, "c5|2025": no,
    }  # fmt: skip
    assert got == expected  # pc3 was closed 2024-10-01; nc1 has no functional level
