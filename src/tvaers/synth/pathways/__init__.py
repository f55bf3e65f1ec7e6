"""Hospital pathways: each module turns conditions into planned encounters and referrals.

Shared here: the per-block :class:`Context`, the run-wide :class:`MunicipalEffects`
(municipality random effects drawn once from the seed) and small vectorised helpers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tvaers.synth.conditions import Conditions
from tvaers.synth.config import SynthConfig
from tvaers.synth.encounters import Encounters
from tvaers.synth.health_system import HealthSystem
from tvaers.synth.params import AgeTable, Parameters
from tvaers.synth.population import YEAR, Demography
from tvaers.synth.rng import GLOBAL_BLOCK, stream

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MunicipalEffects:
    """Random effects per municipality (same order as ``HealthSystem.kommunekoder``)."""

    incidence: Floats  # multiplier
    referral: Floats  # logit shift
    gop: Floats  # multiplier

    @staticmethod
    def draw(seed: int, params: Parameters, population: Floats) -> MunicipalEffects:
        """One draw per municipality; centred so the national level is unchanged."""
        rng = stream(seed, GLOBAL_BLOCK, "effects")
        w = population / population.sum()
        z = rng.standard_normal((3, len(population)))
        incidence = np.exp(params.num("random_effects.incidence_log_sd") * z[0])
        referral = params.num("random_effects.referral_logit_sd") * z[1]
        gop = np.exp(params.num("random_effects.gop_log_sd") * z[2])
        return MunicipalEffects(
            incidence=incidence / (w * incidence).sum(),
            referral=referral - (w * referral).sum(),
            gop=gop / (w * gop).sum(),
        )


@dataclass
class GpReferrals:
    """§119 referrals from general practice (no hospital encounter)."""

    person: Ints = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    day: Floats = field(default_factory=lambda: np.empty(0))
    programme: npt.NDArray[np.int8] = field(default_factory=lambda: np.empty(0, dtype=np.int8))
    focus: list[str] = field(default_factory=list)  # ICPC-2 code per row

    def add(self, person: Ints, day: Floats, programme: int, icpc: str) -> None:
        self.person = np.r_[self.person, person]
        self.day = np.r_[self.day, day]
        self.programme = np.r_[self.programme, np.full(len(person), programme, dtype=np.int8)]
        self.focus += [icpc] * len(person)


@dataclass
class Context:
    """Everything a pathway needs for one block."""

    config: SynthConfig
    params: Parameters
    hs: HealthSystem
    demo: Demography
    cond: Conditions
    effects: MunicipalEffects
    rng: np.random.Generator
    start: float
    end: float  # exclusive
    lookback_start: float
    encounters: list[Encounters] = field(default_factory=list)
    gp: GpReferrals = field(default_factory=GpReferrals)

    def age(self, person: Ints, day: Floats) -> Floats:
        return self.demo.age_at(person, day)

    def by_age(self, table: AgeTable, person: Ints, day: Floats) -> Floats:
        return table.lookup(self.age(person, day), self.demo.male[person])

    def local_hospital(self, person: Ints, day: Floats) -> npt.NDArray[np.int16]:
        return self.hs.muni_hospital[self.demo.muni_at(person, day)]

    def referral_p(self, base: float, person: Ints, day: Floats) -> Floats:
        """``base`` shifted on the logit scale by the municipality's referral effect."""
        shift = self.effects.referral[self.demo.muni_at(person, day)]
        logit = np.log(base / (1 - base)) + shift
        return np.asarray(1 / (1 + np.exp(-logit)), dtype=np.float64)

    def gop_p(self, base: float, person: Ints, day: Floats) -> Floats:
        return np.minimum(base * self.effects.gop[self.demo.muni_at(person, day)], 1.0)

    def gop_type(self, n: int) -> npt.NDArray[np.int8]:
        """GOP types drawn by their national shares (S21)."""
        shares = self.params.get("referrals.gop_type_shares")
        p = np.array([shares["almen"], shares["specialiseret"], shares["rehabilitering"]])
        return self.rng.choice(3, size=n, p=p / p.sum()).astype(np.int8)

    def draw(self, p: Floats | float, n: int) -> npt.NDArray[np.bool_]:
        return self.rng.random(n) < p

    def comorbidity(self, person: Ints, day: Floats, skip: str) -> tuple[Ints, Ints]:
        """Up to two B-diagnoses for known chronic conditions (not the pathway's own)."""
        params = self.params
        b1 = np.full(len(person), -1, dtype=np.int64)
        b2 = np.full(len(person), -1, dtype=np.int64)
        for name, code in (("t1d", "DE109"), ("t2d", "DE119"), ("copd", "DJ449"), ("hf", "DI509")):
            if name == skip or (skip == "diabetes" and name in ("t1d", "t2d")):
                continue
            has = _has(self.cond, name, person, day)
            idx = params.code(code)
            first = has & (b1 < 0)
            second = has & ~first & (b2 < 0)
            b1[first] = idx
            b2[second] = idx
        return b1, b2

    def poisson_times(
        self, person: Ints, t0: Floats, t1: Floats, rate_per_year: Floats | float
    ) -> tuple[Ints, Floats]:
        """Event times of a Poisson process on [t0, t1) for each person."""
        span = np.maximum(t1 - t0, 0.0)
        count = self.rng.poisson(np.asarray(rate_per_year) * span / YEAR)
        rep = np.repeat(np.arange(len(person)), count)
        day = t0[rep] + self.rng.random(len(rep)) * span[rep]
        order = np.lexsort((day, person[rep]))
        return person[rep][order], day[order]


def _has(cond: Conditions, name: str, person: Ints, day: Floats) -> npt.NDArray[np.bool_]:
    onset = cond.onset[name][person]
    return np.isfinite(onset) & (onset <= day)


def followup_window(ctx: Context, person: Ints, condition: str) -> tuple[Floats, Floats]:
    """[max(onset, lookback start), exit) for scheduled follow-up of ``person``."""
    onset = ctx.cond.onset[condition][person]
    return np.maximum(onset, ctx.lookback_start), ctx.cond.exit[person]
