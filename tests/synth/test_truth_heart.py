"""Ground truth of H1-H5 on hand-made persons; every expected bucket is worked out below.

Window 2024-01-01..2025-12-31 (cut-off 2025-12-31). Born 1960 unless said; residence 101.
Accepted §119 reports of 101 exist in 2024-03..2024-08 and 2025-12; 147 reports §119 only in
2024-01 and is planned as never reporting (actual view of H5).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from tvaers.synth.municipal import codes as c

from .truth_world import World

BORN = date(1960, 1, 1)


def buckets(
    rows: dict[tuple[str, str], dict[str, Any]], indicator: str
) -> dict[str, tuple[Any, ...]]:
    return {
        unit: (
            r["bucket_actual"],
            r["reason_actual"],
            r["bucket_observable"],
            r["reason_observable"],
        )
        for (ind, unit), r in rows.items()
        if ind == indicator
    }


def ami(w: World, cpr: str, day: date, hours: float = 48) -> str:
    return w.contact(
        cpr, datetime.combine(day, datetime.min.time()).replace(hour=8), hours, a="DI214"
    )


class Heart:
    """The truth rows of the scenario, the H1 unit id (first contact) per person, the run."""

    def __init__(
        self, rows: dict[tuple[str, str], dict[str, Any]], units: dict[str, str], root: Path
    ):
        self.rows, self.units, self.root = rows, units, root


@pytest.fixture(scope="module")
def heart(tmp_path_factory: pytest.TempPathFactory) -> Heart:
    w = World(tmp_path_factory.mktemp("truth-heart"))
    units: dict[str, str] = {}
    w.reports("101", "prevention", "2024-03", "2024-04", "2024-05", "2024-06", "2024-07",
              "2024-08", "2025-12")  # fmt: skip
    w.reports("147", "prevention", "2024-01")
    w.plan["147"]["prevention_reporting"] = "never"
    # P1: discharged 2024-03-03, forløb 29 days later; a second AMI within 365 days is no index
    w.person("p1", BORN)
    units["p1"] = ami(w, "p1", date(2024, 3, 1))
    ami(w, "p1", date(2024, 9, 1))
    w.version("p1", "prevention", "forloeb", "f-p1", date(2024, 4, 1), status="active",
              category=c.FORLOEB_119, start=date(2024, 4, 1))  # fmt: skip
    # P2: PCI (no AMI diagnosis), discharged 2024-05-02, nothing municipal
    w.person("p2", BORN)
    units["p2"] = w.contact("p2", datetime(2024, 5, 1, 10), 24, a="DI251", procedures=("KFNG05",))
    # P3: discharged 2024-05-12, died 20 days later
    w.person("p3", BORN, died=date(2024, 6, 1))
    units["p3"] = ami(w, "p3", date(2024, 5, 10))
    # P4: lives in 147 (not reporting); trained from day 17, but it never reached the gateway
    w.person("p4", BORN, kommune="147")
    units["p4"] = ami(w, "p4", date(2024, 6, 1))
    w.version("p4", "prevention", "pi", "t-p4", date(2024, 6, 20), kommune="147",
              code=c.I119_TRAINING, status="active", start=date(2024, 6, 20), delivered=False)  # fmt: skip
    # P5: discharged 2025-11-16: day 90 is after the cut-off
    w.person("p5", BORN)
    units["p5"] = ami(w, "p5", date(2025, 11, 14))
    # P6: 17 years old at discharge: not in the population
    w.person("p6", date(2007, 1, 1))
    ami(w, "p6", date(2024, 5, 1))
    # P7: discharged 2024-07-03, emigrated on day 29
    w.person("p7", BORN, emigrated=date(2024, 8, 1))
    units["p7"] = ami(w, "p7", date(2024, 7, 1))
    # P8: no residence in CPR
    w.person("p8", BORN, kommune=None)
    units["p8"] = ami(w, "p8", date(2024, 4, 1))
    # P9: discharged 2024-08-03; a forløb registered, then set entered-in-error
    w.person("p9", BORN)
    units["p9"] = ami(w, "p9", date(2024, 8, 1))
    w.version("p9", "prevention", "forloeb", "f-p9", date(2024, 8, 10), status="active",
              category=c.FORLOEB_119, start=date(2024, 8, 10))  # fmt: skip
    w.version("p9", "prevention", "forloeb", "f-p9", date(2024, 8, 15), status="entered-in-error",
              category=c.FORLOEB_119, start=date(2024, 8, 10))  # fmt: skip
    _referrals(w)
    _courses(w)
    return Heart(w.truth("H1", "H2", "H3", "H4", "H5"), units, w.root)


def test_h1(heart: Heart) -> None:
    u = heart.units
    assert buckets(heart.rows, "H1") == {
        u["p1"]: ("numerator", None, "numerator", None),
        u["p2"]: ("denominator_only", None, "denominator_only", None),
        u["p3"]: ("excluded", "died_30d", "excluded", "died_30d"),
        u["p4"]: ("numerator", None, "uoplyst", "municipality_not_reporting"),
        u["p5"]: ("uoplyst", "follow_up_open", "uoplyst", "follow_up_open"),
        u["p7"]: ("uoplyst", "emigrated", "uoplyst", "emigrated"),
        u["p8"]: ("uoplyst", "residence_unknown", "uoplyst", "residence_unknown"),
        u["p9"]: ("denominator_only", None, "denominator_only", None),
    }
    row = heart.rows[("H1", u["p2"])]
    assert row["rules_actual"] == ["pci"] and row["index_date"] == date(2024, 5, 2)
    assert row["hospital"] is not None and row["municipality"] == "101"
    assert heart.rows[("H1", u["p1"])]["rules_actual"] == ["ami", "started"]


def test_h5(heart: Heart) -> None:
    u = heart.units
    reported = ("numerator", None, "numerator", None)
    assert buckets(heart.rows, "H5") == {
        u["p1"]: reported, u["p2"]: reported, u["p3"]: reported, u["p5"]: reported,
        u["p7"]: reported, u["p9"]: reported,
        u["p4"]: ("denominator_only", None, "denominator_only", None),
        u["p8"]: ("uoplyst", "residence_unknown", "uoplyst", "residence_unknown"),
    }  # fmt: skip


def _referrals(w: World) -> None:
    """H2: §119 referrals with a cardiac focus and their first contacts."""

    def sr(cpr: str, rid: str, code: str, authored: date, status: str = "completed") -> None:
        w.person(cpr, BORN)
        w.version(
            cpr, "prevention", "sr", rid, authored, code=code, authored=authored, status=status
        )

    def enc(cpr: str, rid: str, plan: str, day: date, delivered: bool = True) -> None:
        w.version(cpr, "prevention", "enc", rid, day, status="finished", based_on=plan,
                  start=day, end=day, delivered=delivered)  # fmt: skip

    sr("q1", "s-q1", "DI214", date(2024, 2, 1))  # first contact on day 9
    w.version("q1", "prevention", "pi", "pi-q1", date(2024, 2, 10), code=c.I119_CLARIFY,
              service_request="ServiceRequest/s-q1", start=date(2024, 2, 10), status="completed")  # fmt: skip
    enc("q1", "e-q1", "CarePlan/pi-q1", date(2024, 2, 10))
    sr("q2", "s-q2", "DI252", date(2024, 3, 1))  # day 19
    w.version("q2", "prevention", "pi", "pi-q2", date(2024, 3, 20), code=c.I119_CLARIFY,
              service_request="ServiceRequest/s-q2", start=date(2024, 3, 20), status="completed")  # fmt: skip
    enc("q2", "e-q2", "CarePlan/pi-q2", date(2024, 3, 20))
    sr("q3", "s-q3", "DI219", date(2025, 12, 20), status="active")  # still waiting at cut-off
    sr("q4", "s-q4", "DI214", date(2024, 4, 1), status="revoked")  # declined: no contact
    sr("q5", "s-q5", "DJ441", date(2024, 4, 1))  # COPD: not an H2 unit
    sr("q6", "s-q6", "DI214", date(2024, 5, 1))  # day 7 really; day 24 in the delivered data
    w.version("q6", "prevention", "pi", "pi-q6", date(2024, 5, 8), code=c.I119_TRAINING,
              service_request="ServiceRequest/s-q6", start=date(2024, 5, 8), status="active")  # fmt: skip
    enc("q6", "e1-q6", "CarePlan/pi-q6", date(2024, 5, 8), delivered=False)
    enc("q6", "e2-q6", "CarePlan/pi-q6", date(2024, 5, 25))
    sr("q7", "s-q7", "DI200", date(2024, 6, 1))  # no linked contact: first contact after, day 4
    enc("q7", "e-q7", "CarePlan/other", date(2024, 6, 5))


def test_h2(heart: Heart) -> None:
    assert buckets(heart.rows, "H2") == {
        "s-q1": ("numerator", None, "numerator", None),
        "s-q2": ("denominator_only", None, "denominator_only", None),
        "s-q3": ("uoplyst", "no_contact_yet", "uoplyst", "no_contact_yet"),
        "s-q4": ("denominator_only", None, "denominator_only", None),
        "s-q6": ("numerator", None, "denominator_only", None),
        "s-q7": ("numerator", None, "numerator", None),
        # the course referrals below: no contact; r4's forløb is still active at the cut-off
        **dict.fromkeys(
            ["s-r1", "s-r2", "s-r3"], ("denominator_only", None, "denominator_only", None)
        ),
        "s-r4": ("uoplyst", "no_contact_yet", "uoplyst", "no_contact_yet"),
    }
    q6 = heart.rows[("H2", "s-q6")]
    assert (q6["value_actual"], q6["value_observable"]) == (7, 24)


def _courses(w: World) -> None:
    """H3/H4: cardiac courses (linked to a DI2x referral through an intervention)."""

    def course(cpr: str, n: str, start: date, end: date | None, status: str, focus: str = "DI214",
               reason: str | None = None, **person: Any) -> None:  # fmt: skip
        w.person(cpr, BORN, **person)
        w.version(
            cpr, "prevention", "sr", f"s-{n}", start, code=focus, authored=start, status="completed"
        )
        w.version(cpr, "prevention", "forloeb", f"f-{n}", end or start, status=status, start=start,
                  end=end, category=c.FORLOEB_119, status_reason=reason)  # fmt: skip
        w.version(cpr, "prevention", "pi", f"pi-{n}", start, code=c.I119_TRAINING, start=start,
                  based_on=f"CarePlan/f-{n}", service_request=f"ServiceRequest/s-{n}", status="active")  # fmt: skip

    course("r1", "r1", date(2024, 2, 1), date(2024, 4, 1), "completed")
    course("r2", "r2", date(2024, 3, 1), date(2024, 5, 1), "revoked", reason=c.CANCELLATION[0])
    course("r3", "r3", date(2024, 5, 1), date(2024, 6, 3), "revoked", reason=c.CANCEL_EVENT,
           died=date(2024, 6, 1))  # fmt: skip
    course("r4", "r4", date(2024, 6, 1), None, "active")  # not ended
    course("r5", "r5", date(2024, 2, 1), date(2024, 4, 1), "completed", focus="DJ441")  # COPD
    for cpr in ("r1", "r2"):  # smokers
        w.version(cpr, "prevention", "cond", f"tob-{cpr}", date(2024, 2, 1), code=c.C119_TOBACCO,
                  status="active")  # fmt: skip
    w.version("r1", "prevention", "pi", "pi-tob-r1", date(2024, 2, 1), code=c.I119_TOBACCO,
              start=date(2024, 2, 1), based_on="CarePlan/f-r1", status="active")  # fmt: skip


def test_h3(heart: Heart) -> None:
    assert buckets(heart.rows, "H3") == {
        "f-r1": ("numerator", None, "numerator", None),
        "f-r2": ("denominator_only", None, "denominator_only", None),
        "f-r3": ("excluded", "died_during_course", "excluded", "died_during_course"),
    }
    assert heart.rows[("H3", "f-r2")]["detail_observable"] == c.CANCELLATION[0]


def test_h4(heart: Heart) -> None:
    assert buckets(heart.rows, "H4") == {
        "f-r1": ("numerator", None, "numerator", None),
        "f-r2": ("denominator_only", None, "denominator_only", None),
    }


def test_aggregates_carry_the_bias(heart: Heart) -> None:
    """H1 2024: actual 2 of 4 (p1, p4 of p1, p2, p4, p9), observable 1 of 3 (p4 uoplyst)."""
    import pyarrow.parquet as pq

    rows = pq.read_table(heart.root / "truth" / "aggregates.parquet").to_pylist()
    national = {(r["indicator"], r["period"]): r for r in rows
                if r["unit_type"] == "national" and r["stratum"] == "all"}  # fmt: skip
    h1 = national[("H1", 2024)]
    assert (h1["numerator_actual"], h1["denominator_actual"], h1["uoplyst_actual"],
            h1["excluded_actual"]) == (2, 4, 2, 1)  # fmt: skip
    assert (h1["numerator_observable"], h1["denominator_observable"],
            h1["uoplyst_observable"], h1["excluded_observable"]) == (1, 3, 3, 1)  # fmt: skip
    assert h1["bias"] == pytest.approx(0.5 - 1 / 3)
    assert national[("H1", 2025)]["proportion_actual"] is None  # p5 only: uoplyst
    by_municipality = {(r["indicator"], r["unit_id"]): r for r in rows
                       if r["unit_type"] == "municipality" and r["period"] == 2024
                       and r["stratum"] == "all"}  # fmt: skip
    assert by_municipality[("H1", "147")]["numerator_actual"] == 1
    assert by_municipality[("H1", "147")]["uoplyst_observable"] == 1
