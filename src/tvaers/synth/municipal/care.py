"""Home care (§83), reablement (§83a) and home nursing (§138): who enters municipal care.

Function-based pathways, most without hospital contact: citizens 65+ already receiving home
care on the start date (prevalence by age), new needs during the window (incidence by age),
and visitations after a hospital admission. Each episode's draws are made here at once; the
episode is then told by ``care_episode.Episode``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tvaers.synth.municipal.care_episode import Episode
from tvaers.synth.municipal.context import BlockData, Ints, days, logistic, logit
from tvaers.synth.municipal.context import uniform_days as ud
from tvaers.synth.municipal.plan import NEVER
from tvaers.synth.municipal.story import Story

DRAWS = 96  # uniforms per episode, consumed in order by the episode


@dataclass
class Episodes:
    """One row per care episode of a block."""

    person: Ints
    muni: Ints
    visitation: Ints
    exit: Ints  # death, emigration or move, whichever first
    died: npt.NDArray[np.bool_]
    prevalent: npt.NDArray[np.bool_]
    draws: npt.NDArray[np.float64]  # (n, DRAWS)


def _band(data: BlockData, values: str, person: Ints, day: Ints) -> npt.NDArray[np.float64]:
    edges = np.asarray(data.levers.get("care.age_edges"), dtype=np.float64)
    table = np.asarray(data.levers.get(f"care.{values}"), dtype=np.float64)
    band = np.clip(np.searchsorted(edges, data.age(person, day), side="right") - 1, 0, None)
    return table[band]


def find_episodes(data: BlockData, encounters: pa.Table, rng: np.random.Generator) -> Episodes:
    """Prevalent, incident and after-discharge episodes (at most one per citizen)."""
    _lv, plan = data.levers, data.plan
    n = len(data.cpr)
    everyone = np.arange(n, dtype=np.int64)
    start = np.full(n, plan.start, dtype=np.int64)
    resident = data.muni_at(everyone, start) >= 0
    alive = data.exit > plan.start
    prevalent = resident & alive & (rng.random(n) < _band(data, "prevalence", everyone, start))
    rate = _band(data, "incidence_per_year", everyone, start) / 365.25
    wait = rng.exponential(1.0, n) / np.maximum(rate, 1e-12)
    incident_day = np.where(rate > 0, plan.start + np.floor(wait), NEVER).astype(np.int64)
    after = _after_discharge(data, encounters, rng)
    first = np.minimum(incident_day, after)
    first = np.where(prevalent, plan.start - rng.integers(30, 1000, n), first)
    keep = (first <= plan.end) & (first < data.exit)
    person = everyone[keep]
    visit = first[keep]
    muni = data.muni_at(person, np.maximum(visit, plan.start))
    person, visit, muni, prev = (
        person[muni >= 0],
        visit[muni >= 0],
        muni[muni >= 0],
        prevalent[keep][muni >= 0],
    )
    stay = data.stay_end(person, np.maximum(visit, plan.start))
    exit_day = np.minimum(data.exit[person], stay)
    return Episodes(
        person=person,
        muni=muni,
        visitation=visit,
        exit=exit_day,
        died=data.death[person] <= exit_day,
        prevalent=prev,
        draws=rng.random((len(person), DRAWS)),
    )


def _after_discharge(data: BlockData, encounters: pa.Table, rng: np.random.Generator) -> Ints:
    """First visitation day after an admission of a citizen 65+ (NEVER if none)."""
    lv = data.levers
    out = np.full(len(data.cpr), NEVER, dtype=np.int64)
    adm = encounters.filter(pc.equal(encounters.column("kind"), "admission"))
    if adm.num_rows == 0:
        return out
    person = np.array([data.index[x] for x in adm.column("cpr").to_pylist()], dtype=np.int64)
    discharged = days(adm.column("end"))
    ok = (data.age(person, discharged) >= 65) & (discharged >= data.plan.start)
    ok &= rng.random(len(person)) < lv.num("care.after_discharge_share")
    day = discharged + ud(rng, lv.days("care.after_discharge_days"), len(person))
    np.minimum.at(out, person[ok], day[ok])
    return out


def tell(data: BlockData, encounters: pa.Table, rng: np.random.Generator) -> list[Story]:
    """The care stories of a block, one per episode, in citizen order."""
    episodes = find_episodes(data, encounters, rng)
    stories = []
    lv, plan = data.levers, data.plan
    for i in np.argsort(episodes.person, kind="stable").tolist():
        m = int(episodes.muni[i])
        story = Story("care", data.cpr[episodes.person[i]], m, int(episodes.person[i]), data.ids)
        perf = float(plan.performance[m])
        Episode(
            story=story,
            levers=lv,
            unit_sor=plan.unit_sor(m, "care"),
            visitation=int(episodes.visitation[i]),
            exit=int(episodes.exit[i]),
            died=bool(episodes.died[i]),
            prevalent=bool(episodes.prevalent[i]),
            switch=int(plan.code_switch[m]),
            legacy_keys=bool(plan.legacy_keys[m]),
            reports_follow_up=bool(plan.follow_up_observations[m]),
            shares={
                "reablement": float(
                    logistic(np.array(logit(lv.num("care.reablement_share")) + perf))
                ),
                "goal": float(logistic(np.array(logit(lv.num("care.goal_share")) + perf))),
                "on_time": float(
                    logistic(np.array(logit(lv.num("care.follow_up_on_time_share")) + perf))
                ),
            },
            draws=episodes.draws[i],
            last_day=plan.end,
        ).tell()
        stories.append(story)
    return stories
