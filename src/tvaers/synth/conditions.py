"""Chronic conditions of one block: prevalence on the start date and incidence in the window.

Probabilities come from the age/sex tables in ``parameters.toml``, multiplied by the
municipality's random effect and the run's enrichment factor. Prevalent conditions raise the
background mortality (hazard ratios); acute events add their own deaths in the pathways.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tvaers.synth.config import SynthConfig
from tvaers.synth.params import AgeTable, Parameters
from tvaers.synth.population import YEAR, Demography, background_death, epoch_day
from tvaers.synth.rng import stream

CONDITIONS = ("ihd", "ami", "hf", "copd", "t2d", "t1d")
PREVALENT = ("ihd", "hf", "copd", "t1d", "t2d")  # t1d before t2d: they exclude each other
INCIDENCE_DIVISOR = {"ami": 1e5, "hf": 1e4, "copd": 1e5, "t2d": 1.0, "t1d": 1.0}
MAX_PROBABILITY = 0.95
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass
class Conditions:
    """Condition facts per person of a block (arrays of length ``n``)."""

    prevalent: dict[str, Bools] = field(default_factory=dict)
    onset: dict[str, Floats] = field(default_factory=dict)  # day; nan = never
    hospital_followup: dict[str, Bools] = field(default_factory=dict)
    prior_ami: Bools = field(default_factory=lambda: np.empty(0, dtype=bool))
    mrc3: Bools = field(default_factory=lambda: np.empty(0, dtype=bool))
    copd_frailty: Floats = field(default_factory=lambda: np.empty(0))
    smoker: Bools = field(default_factory=lambda: np.empty(0, dtype=bool))
    background_death: Floats = field(default_factory=lambda: np.empty(0))
    exit: Floats = field(
        default_factory=lambda: np.empty(0)
    )  # min(background death, emigration, end)


def draw_conditions(
    config: SynthConfig, block: int, params: Parameters, demo: Demography, effect: Floats
) -> Conditions:
    """Prevalence, background death, incidence and traits; ``effect`` = municipal multiplier."""
    rng = stream(config.seed, block, "conditions")
    start, end = float(epoch_day(config.start)), float(epoch_day(config.end) + 1)
    n = demo.n
    resident = np.arange(n) < demo.n_residents
    mult = effect[demo.muni0]
    cond = Conditions()
    age_days = demo.age0 * YEAR
    share: dict[str, Floats] = {}
    for name in PREVALENT:
        table = params.table(f"conditions.{name}.prevalence")
        p = np.minimum(
            table.lookup(demo.age0, demo.male) * mult * config.factor(name), MAX_PROBABILITY
        )
        share[name] = p
        has = resident & (rng.random(n) < p)
        if name == "t2d":
            has &= ~cond.prevalent["t1d"]
        duration = np.minimum(rng.exponential(7 * YEAR, n) + 30, np.maximum(age_days - YEAR, 30))
        cond.prevalent[name] = has
        cond.onset[name] = np.where(has, np.floor(start - duration), np.nan)
    cond.prevalent["ami"] = cond.prevalent["ihd"] & (
        rng.random(n) < params.num("conditions.ihd.prior_ami_share")
    )
    cond.onset["ami"] = np.where(cond.prevalent["ami"], cond.onset["ihd"], np.nan)
    cond.prior_ami = cond.prevalent["ami"].copy()

    ratios = params.get("conditions.mortality_hazard_ratio")
    hazard = np.ones(n)
    for name in PREVALENT:
        hazard *= np.where(cond.prevalent[name], float(ratios[name]), 1.0)
    cond.background_death = background_death(demo, params, hazard, end)
    cond.exit = np.minimum(np.minimum(cond.background_death, demo.emigration), end)

    share["ami"] = share["ihd"] * params.num("conditions.ihd.prior_ami_share")
    for name, divisor in INCIDENCE_DIVISOR.items():
        table = params.table(f"conditions.{name}.incidence", divisor)
        # published incidence is per person in the population; those who already have the
        # condition cannot get it again, so the hazard among the rest is higher
        at_risk = np.maximum(1.0 - share[name] / config.factor(name), 0.05)
        _incidence(cond, name, table, demo, mult / at_risk, config.factor(name), rng)
    ami_new = ~cond.prevalent["ami"] & np.isfinite(cond.onset["ami"])
    ihd_new = ami_new & ~cond.prevalent["ihd"]
    cond.onset["ihd"] = np.where(ihd_new, cond.onset["ami"], cond.onset["ihd"])
    _traits(cond, params, demo, rng)
    return cond


def _incidence(
    cond: Conditions,
    name: str,
    table: AgeTable,
    demo: Demography,
    mult: Floats,
    factor: float,
    rng: np.random.Generator,
) -> None:
    rate = table.lookup(demo.age0, demo.male) * mult * factor
    day = demo.entry + rng.exponential(1.0, demo.n) / np.maximum(rate, 1e-12) * YEAR
    eligible = ~cond.prevalent[name]
    if name == "t2d":
        eligible &= ~cond.prevalent["t1d"]
    if name == "t1d":
        eligible &= ~cond.prevalent["t2d"]
    new = eligible & (day < cond.exit)
    cond.onset[name] = np.where(new, day, cond.onset[name])


def _traits(
    cond: Conditions, params: Parameters, demo: Demography, rng: np.random.Generator
) -> None:
    n = demo.n
    copd = np.isfinite(cond.onset["copd"])
    cond.mrc3 = copd & (rng.random(n) < params.num("conditions.copd.mrc3_share"))
    shape = params.num("pathways.copd.frailty_shape")
    cond.copd_frailty = rng.gamma(shape, 1.0 / shape, n)
    for name, key in (
        ("copd", "conditions.copd.outpatient_control_share"),
        ("ihd", "conditions.ihd.hospital_followup_share"),
        ("t2d", "conditions.t2d.hospital_followup_share"),
        ("t1d", "conditions.t1d.hospital_followup_share"),
    ):
        cond.hospital_followup[name] = np.isfinite(cond.onset[name]) & (
            rng.random(n) < params.num(key)
        )
    smoking = params.table("demography.smoking")
    share = smoking.lookup(demo.age0, demo.male)
    heart = np.isfinite(cond.onset["ihd"]) | np.isfinite(cond.onset["hf"])
    share = share * np.where(copd, params.num("demography.smoking.copd_multiplier"), 1.0)
    share = share * np.where(heart & ~copd, params.num("demography.smoking.heart_multiplier"), 1.0)
    cond.smoker = rng.random(n) < np.minimum(share, 0.8)
