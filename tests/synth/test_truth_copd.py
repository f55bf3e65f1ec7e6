"""Ground truth of K1-K5 on hand-made persons; every expected bucket is worked out below.

Cut-off 2025-12-31. Born 1950 unless said; residence 101, which has accepted §119 reports in
2024-01..2024-06 and 2025-12; 147 never reports (and its data never arrive).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from tvaers.synth.municipal import codes as c

from .test_truth_heart import buckets
from .truth_world import World

BORN = date(1950, 1, 1)
Rows = dict[tuple[str, str], dict[str, Any]]


def course(w: World, cpr: str, n: str, start: date, *, end: date | None = None,
           status: str = "active", reason: str | None = None, sr: str | None = None,
           kommune: str = "101", delivered: bool = True) -> None:  # fmt: skip
    """A §119 forløb with its training intervention (linked to referral ``sr`` if given)."""
    w.version(cpr, "prevention", "forloeb", f"f-{n}", end or start, status=status, start=start,
              end=end, category=c.FORLOEB_119, status_reason=reason, kommune=kommune,
              delivered=delivered)  # fmt: skip
    w.version(cpr, "prevention", "pi", f"pi-{n}", start, code=c.I119_TRAINING, start=start,
              based_on=f"CarePlan/f-{n}", service_request=f"ServiceRequest/{sr}" if sr else None,
              status="active", kommune=kommune, delivered=delivered)  # fmt: skip


def referral(w: World, cpr: str, rid: str, code: str, authored: date, *, kommune: str = "101",
             delivered: bool = True) -> None:  # fmt: skip
    w.version(cpr, "prevention", "sr", rid, authored, code=code, authored=authored,
              status="completed", kommune=kommune, delivered=delivered)  # fmt: skip


@pytest.fixture(scope="module")
def copd(tmp_path_factory: pytest.TempPathFactory) -> tuple[Rows, dict[str, str]]:
    w = World(tmp_path_factory.mktemp("truth-copd"))
    w.reports("101", "prevention", *(f"2024-0{m}" for m in range(1, 7)), "2025-12")
    u: dict[str, str] = {}
    # k1: exacerbation 02-01..02-03; acute readmission on day 17; forløb on day 27 (participant)
    w.person("k1", BORN)
    u["k1"] = w.contact("k1", datetime(2024, 2, 1, 8), 48, a="DJ441")
    w.contact("k1", datetime(2024, 2, 20, 8), 24, a="DN390")
    referral(w, "k1", "s1", "DJ441", date(2024, 2, 10))
    course(w, "k1", "k1", date(2024, 3, 1), end=date(2024, 5, 1), status="completed", sr="s1")
    # k2: ED (dyspnoea) then ward with pneumonia as A and COPD as B; died on day 17 after discharge
    w.person("k2", BORN, died=date(2024, 3, 20))
    u["k2"] = w.contact("k2", datetime(2024, 3, 1, 8), 6, a="DR060")
    w.contact("k2", datetime(2024, 3, 1, 16), 40, a="DJ189", b=("DJ441",))
    # k3: COPD only on a contact starting day 3 of the admission: not in the population
    w.person("k3", BORN)
    w.contact("k3", datetime(2024, 4, 1, 8), 72, a="DR060")
    w.contact("k3", datetime(2024, 4, 4, 9), 24, a="DJ441")
    # k4 planned, k5 aged 29: not in the population
    w.person("k4", BORN)
    w.contact("k4", datetime(2024, 4, 1, 8), 24, a="DJ441", priority="planned")
    w.person("k5", date(1995, 1, 1))
    w.contact("k5", datetime(2024, 4, 1, 8), 24, a="DJ441")
    # k6: discharged 2025-12-10: 30 days not over at the cut-off
    w.person("k6", BORN)
    u["k6"] = w.contact("k6", datetime(2025, 12, 8, 8), 48, a="DJ441")
    # k7: emigrated on day 17 after discharge
    w.person("k7", BORN, emigrated=date(2024, 5, 20))
    u["k7"] = w.contact("k7", datetime(2024, 5, 1, 8), 48, a="DJ441")
    # k8 (lives in 147): transfer inside the admission; a new admission 10 h after discharge is
    # on day 0 (no readmission); a forløb on day 17 that never reached the gateway
    w.person("k8", BORN, kommune="147")
    u["k8"] = w.contact("k8", datetime(2024, 6, 1, 8), 24, a="DJ441")
    w.contact("k8", datetime(2024, 6, 2, 10), 24, a="DJ441")
    w.contact("k8", datetime(2024, 6, 3, 20), 24, a="DR074")
    course(w, "k8", "k8", date(2024, 6, 20), kommune="147", delivered=False)
    # K3 referrals
    w.person("kc2", BORN)
    referral(w, "kc2", "s2", "R95", date(2024, 4, 1))
    w.person("kc3", BORN)
    referral(w, "kc3", "s3", "DJ449", date(2025, 11, 15))
    w.person("kc4", BORN, kommune="147")
    referral(w, "kc4", "s4", "R95", date(2024, 6, 10), kommune="147", delivered=False)
    course(w, "kc4", "kc4", date(2024, 7, 1), sr="s4", kommune="147", delivered=False)
    w.person("kc5", BORN)
    referral(w, "kc5", "s5", "R95", date(2024, 1, 15))
    course(w, "kc5", "kc5", date(2024, 1, 25), end=date(2024, 3, 1), status="revoked",
           reason=c.CANCELLATION[1], sr="s5")  # fmt: skip
    w.person("kc6", BORN)
    referral(w, "kc6", "s6", "DI214", date(2024, 1, 15))  # heart: not K3
    return w.truth("K1", "K2", "K3", "K4", "K5"), u


def test_k1(copd: tuple[Rows, dict[str, str]]) -> None:
    rows, u = copd
    assert buckets(rows, "K1") == {
        u["k1"]: ("numerator", None, "numerator", None),
        u["k2"]: ("excluded", "died_30d", "excluded", "died_30d"),
        u["k6"]: ("uoplyst", "follow_up_open", "uoplyst", "follow_up_open"),
        u["k7"]: ("uoplyst", "emigrated", "uoplyst", "emigrated"),
        u["k8"]: ("denominator_only", None, "denominator_only", None),
    }
    assert rows[("K1", u["k2"])]["rules_actual"] == ["copd_b", "died_30d"]
    assert rows[("K1", u["k8"])]["index_date"] == date(2024, 6, 3)  # the transfer's end


def test_k2(copd: tuple[Rows, dict[str, str]]) -> None:
    rows, u = copd
    assert buckets(rows, "K2") == {
        u["k1"]: ("denominator_only", None, "denominator_only", None),
        u["k2"]: ("numerator", None, "numerator", None),
        u["k6"]: ("uoplyst", "follow_up_open", "uoplyst", "follow_up_open"),
        u["k7"]: ("uoplyst", "emigrated", "uoplyst", "emigrated"),
        u["k8"]: ("denominator_only", None, "denominator_only", None),
    }


def test_k3(copd: tuple[Rows, dict[str, str]]) -> None:
    rows, _ = copd
    assert buckets(rows, "K3") == {
        "s1": ("numerator", None, "numerator", None),  # forløb on day 20
        "s2": ("denominator_only", None, "denominator_only", None),
        "s3": ("uoplyst", "follow_up_open", "uoplyst", "follow_up_open"),
        "s4": ("numerator", None, None, None),  # 147's data never arrived: no unit
        "s5": ("numerator", None, "numerator", None),  # day 10
    }


def test_k4(copd: tuple[Rows, dict[str, str]]) -> None:
    rows, _ = copd
    assert buckets(rows, "K4") == {
        "f-k1": ("numerator", None, "numerator", None),
        "f-kc5": ("denominator_only", None, "denominator_only", None),
    }


def test_k5_strata(copd: tuple[Rows, dict[str, str]]) -> None:
    rows, u = copd
    strata = {
        k: (r["stratum_actual"], r["stratum_observable"]) for (i, k), r in rows.items() if i == "K5"
    }
    assert strata == {
        u["k1"]: ("participant", "participant"),
        u["k2"]: ("non_participant", "non_participant"),
        u["k6"]: ("non_participant", "non_participant"),
        u["k7"]: ("non_participant", "non_participant"),
        u["k8"]: ("participant", "unknown"),
    }
    assert buckets(rows, "K5") == buckets(rows, "K1")
