"""Demography of one block: age, sex, municipality, births, moves, emigration, CPR.

Times are float days since 1970-01-01. Residents are alive and living in Denmark on the start
date; births enter during the window. Background death is drawn later (it needs the
conditions' hazard ratios): here we keep its exponential draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tvaers.synth.config import SynthConfig
from tvaers.synth.cprnum import assign_slots, cpr_numbers
from tvaers.synth.health_system import HealthSystem
from tvaers.synth.params import Parameters
from tvaers.synth.rng import stream

YEAR = 365.25
GOMPERTZ_B = 0.085  # mortality rises about 9 % per year of age (within-window ageing)
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


def epoch_day(d: date) -> int:
    """Days since 1970-01-01 of a date."""
    return (d - date(1970, 1, 1)).days


@dataclass
class Demography:
    """Person arrays of one block (residents first, then births)."""

    n_residents: int
    male: Bools
    birth_day: Ints
    entry: Floats  # start for residents, birth day for births
    age0: Floats  # age in years at entry
    emigration: Floats  # day or inf
    death_draw: Floats  # Exp(1) for the background death time
    muni0: npt.NDArray[np.int16]
    since: Ints  # first residence row valid_from
    move_person: Ints
    move_day: Floats
    move_muni: npt.NDArray[np.int16]
    cpr: pa.Array

    @property
    def n(self) -> int:
        return len(self.male)

    def age_at(self, person: Ints, day: Floats) -> Floats:
        return (day - self.birth_day[person]) / YEAR

    def muni_at(self, person: Ints, day: Floats) -> npt.NDArray[np.int16]:
        """Residence municipality index of each (person, day)."""
        key_moves = self.move_person * (1 << 21) + np.floor(self.move_day).astype(np.int64)
        key = person.astype(np.int64) * (1 << 21) + np.floor(day).astype(np.int64)
        pos = np.searchsorted(key_moves, key, side="right") - 1
        has = pos >= 0
        has[has] = self.move_person[pos[has]] == person[has]
        out = self.muni0[person].copy()
        out[has] = self.move_muni[pos[has]]
        return out


def background_death(
    demo: Demography, params: Parameters, hazard_ratio: Floats, horizon: float
) -> Floats:
    """Background death day (inf when after ``horizon``), Gompertz ageing within the window."""
    table = params.table("demography.mortality", divisor=1000)
    adjust = params.num("demography.mortality.disease_adjustment")
    h0 = table.lookup(demo.age0, demo.male) * hazard_ratio * adjust
    years = np.log1p(GOMPERTZ_B * demo.death_draw / np.maximum(h0, 1e-12)) / GOMPERTZ_B
    day = demo.entry + years * YEAR
    return np.where(day < horizon, day, np.inf)


def draw_demography(
    config: SynthConfig, block: int, params: Parameters, hs: HealthSystem
) -> Demography:
    """Residents of block ``block`` plus the births of the window, with CPR numbers."""
    rng = stream(config.seed, block, "demography")
    start, end = epoch_day(config.start), epoch_day(config.end) + 1
    lo = block * config.block_size
    n_res = min(config.block_size, config.citizens - lo)
    years = (end - start) / YEAR
    n_births = int(rng.poisson(n_res * params.num("demography.births_per_1000") / 1000 * years))
    weights = _municipality_weights(config, hs)

    male_r, age_r = _draw_ages(rng, params, n_res)
    male_b = rng.random(n_births) < params.num("demography.births_male_share")
    birth_b = rng.integers(start, end, size=n_births)
    male = np.r_[male_r, male_b]
    birth = np.r_[start - np.floor(age_r * YEAR).astype(np.int64) - 1, birth_b]
    entry = np.r_[np.full(n_res, float(start)), birth_b.astype(np.float64)]
    latest = np.r_[np.full(n_res, start - 1, dtype=np.int64), np.full(n_births, end - 1)]
    birth, slot = assign_slots(birth, male, latest, block, config.slots_per_block)
    entry[n_res:] = birth[n_res:]
    age0 = (entry - birth) / YEAR

    emig_rate = params.table("demography.emigration").lookup(age0, male)
    emigration = entry + rng.exponential(1.0, len(male)) / np.maximum(emig_rate, 1e-12) * YEAR
    emigration = np.where(emigration < end, np.floor(emigration), np.inf)
    muni0 = rng.choice(len(weights), size=len(male), p=weights).astype(np.int16)
    lived = rng.exponential(10 * YEAR, len(male))
    since = np.where(
        np.arange(len(male)) < n_res, np.maximum(birth, start - np.floor(lived)), birth
    ).astype(np.int64)
    demo = Demography(
        n_residents=n_res,
        male=male,
        birth_day=birth,
        entry=entry,
        age0=age0,
        emigration=emigration,
        death_draw=rng.exponential(1.0, len(male)),
        muni0=muni0,
        since=since,
        move_person=np.empty(0, dtype=np.int64),
        move_day=np.empty(0),
        move_muni=np.empty(0, dtype=np.int16),
        cpr=cpr_numbers(birth, male, slot),
    )
    _draw_moves(demo, config, params, hs, weights, rng, float(end))
    return demo


def _municipality_weights(config: SynthConfig, hs: HealthSystem) -> Floats:
    w = hs.muni_weight.copy()
    if config.region is not None:
        w[np.asarray(hs.region_codes)[hs.muni_region] != config.region] = 0.0
    return np.asarray(w / w.sum(), dtype=np.float64)


def _draw_ages(rng: np.random.Generator, params: Parameters, n: int) -> tuple[Bools, Floats]:
    counts = np.r_[params.pyramid_male, params.pyramid_female]
    cell = rng.choice(len(counts), size=n, p=counts / counts.sum())
    bands = len(params.pyramid_male)
    male = cell < bands
    band = cell % bands
    lower = params.pyramid_edges[band].astype(np.float64)
    return male, lower + rng.random(n) * 5.0


def _draw_moves(
    demo: Demography,
    config: SynthConfig,
    params: Parameters,
    hs: HealthSystem,
    weights: Floats,
    rng: np.random.Generator,
    end: float,
) -> None:
    """Moves to another municipality (Poisson by age band), until emigration or the end."""
    rate = params.table("demography.moves").lookup(demo.age0, demo.male)
    stop = np.minimum(demo.emigration, end)
    count = rng.poisson(rate * np.maximum(stop - demo.entry, 0) / YEAR)
    person = np.repeat(np.arange(demo.n, dtype=np.int64), count)
    day = np.floor(demo.entry[person] + rng.random(len(person)) * (stop - demo.entry)[person])
    order = np.lexsort((day, person))
    person, day = person[order], day[order]
    same_share = 1.0 if config.region else params.num("demography.moves.same_region_share")
    within = rng.random(len(person)) < same_share
    national = rng.choice(len(weights), size=len(person), p=weights).astype(np.int16)
    u_region = rng.random(len(person))
    first = np.r_[True, person[1:] != person[:-1]] if len(person) else np.empty(0, dtype=bool)
    dest = national
    for _ in range(1000):  # each pass fixes one more move of each person's sequence
        prev = np.where(first, demo.muni0[person], np.r_[np.int16(-1), dest[:-1]])
        same = _same_region(hs, weights, prev.astype(np.int16), u_region)
        new = np.where(within | (national == prev), same, national).astype(np.int16)
        if np.array_equal(new, dest):
            break
        dest = new
    demo.move_person, demo.move_day, demo.move_muni = person, day, dest


def _same_region(
    hs: HealthSystem, weights: Floats, current: npt.NDArray[np.int16], u: Floats
) -> npt.NDArray[np.int16]:
    """A municipality in the region of ``current`` (weighted by population), not ``current``."""
    out = current.copy()
    for r in range(len(hs.region_codes)):
        sel = hs.muni_region[current] == r
        if not sel.any():
            continue
        members = np.flatnonzero((hs.muni_region == r) & (weights > 0))
        if len(members) < 2:
            continue
        w = weights[members]
        cum = np.cumsum(w / w.sum())
        pick = members[np.minimum(np.searchsorted(cum, u[sel]), len(members) - 1)]
        clash = pick == current[sel]
        pick[clash] = members[(np.searchsorted(members, pick[clash]) + 1) % len(members)]
        out[sel] = pick
    return out
