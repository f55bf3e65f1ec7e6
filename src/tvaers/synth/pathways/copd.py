"""COPD: acute exacerbation admissions with transfers, 30-day deaths and readmissions,
outpatient control, and §119 referrals from hospital and general practice.

Exacerbations follow a per-person Poisson process (rate by age, gamma frailty, higher with
MRC >= 3) simulated in vectorised rounds: each round gives every still-active person their
next admission. After a discharge, a person alive 30 days later is readmitted acutely within
1..30 days with the age-specific probability; part of those readmissions are new
exacerbations (they continue the loop), the rest other acute causes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tvaers.synth.encounters import (
    COPD,
    HOME,
    L_COPD,
    PHYSICAL,
    VIRTUAL,
    Segment,
    build,
    daytime,
    lognormal_hours,
    occurrence,
)
from tvaers.synth.health_system import DEPT
from tvaers.synth.pathways import Context, Floats, Ints, followup_window
from tvaers.synth.population import YEAR

SLOT_COPD = 2
MAX_ROUNDS = 1000
READMISSION_MIN_HOURS = 5.0  # a readmission starts after the 4-hour transfer window


def generate(ctx: Context) -> None:
    """All COPD encounters and GP referrals of the block."""
    _exacerbations(ctx)
    _outpatient(ctx)
    _gp_referrals(ctx)


def _exacerbations(ctx: Context) -> None:
    p, cond, rng = ctx.params, ctx.cond, ctx.rng
    copd = np.flatnonzero(np.isfinite(cond.onset["copd"]))
    clock = np.maximum(cond.onset["copd"][copd], ctx.start)
    censor = cond.exit[copd].copy()
    mult = cond.copd_frailty[copd] * np.where(
        cond.mrc3[copd], p.num("pathways.copd.mrc3_rate_multiplier"), 1.0
    )
    rate_table = p.table("pathways.copd.exacerbation_rate_per_year")
    pending = np.full(len(copd), np.nan)
    last_referral = np.full(len(copd), -np.inf)
    active = np.ones(len(copd), dtype=bool)
    for _ in range(MAX_ROUNDS):
        idx = np.flatnonzero(active)
        if len(idx) == 0:
            break
        rate = ctx.by_age(rate_table, copd[idx], clock[idx]) * mult[idx]
        natural = clock[idx] + rng.exponential(1.0, len(idx)) / np.maximum(rate, 1e-9) * YEAR
        nxt = np.where(np.isnan(pending[idx]), natural, pending[idx])
        go = nxt < censor[idx]
        active[idx[~go]] = False
        idx, nxt = idx[go], nxt[go]
        discharge, death, referred = _admit(ctx, copd[idx], nxt, last_referral[idx])
        last_referral[idx] = np.where(referred, nxt, last_referral[idx])
        censor[idx] = np.minimum(censor[idx], death)
        clock[idx] = discharge
        pending[idx] = _readmissions(ctx, copd[idx], discharge, death)


def _admit(
    ctx: Context, person: Ints, day: Floats, last_referral: Floats
) -> tuple[Floats, Floats, npt.NDArray[np.bool_]]:
    """One exacerbation admission per person; returns (discharge, death day, referred)."""
    p, rng, n = ctx.params, ctx.rng, len(person)
    kind = rng.choice(3, size=n, p=[0.7, 0.1, 0.2])  # J44 A / J96 A + J44 B / pneumonia A + J44 B
    a_code = np.select(
        [kind == 0, kind == 1],
        [p.choice("copd_exacerbation").draw(rng, n), p.choice("copd_resp_failure").draw(rng, n)],
        p.choice("copd_pneumonia").draw(rng, n),
    )
    b_copd = np.where(kind == 0, -1, np.where(kind == 1, p.code("DJ441"), p.code("DJ449")))
    b_other, _ = ctx.comorbidity(person, day, skip="copd")
    fam_code = np.where(ctx.draw(0.4, n), p.choice("symptom_dyspnoea").draw(rng, n), a_code)
    ward = np.where(ctx.draw(0.7, n), DEPT["LUN"], DEPT["MED"])
    transfer = ctx.draw(0.1, n)
    dies = ctx.draw(ctx.by_age(p.table("pathways.copd.mortality_30d"), person, day), n)
    death = np.where(dies, day + rng.random(n) * 30, np.inf)
    mrc3 = ctx.cond.mrc3[person]
    referred = (
        mrc3
        & (day - last_referral > 365)
        & ctx.draw(ctx.referral_p(p.num("referrals.copd_mrc3_after_admission"), person, day), n)
    )
    age65 = ctx.age(person, day) >= 65
    gop = age65 & ctx.draw(ctx.gop_p(p.num("pathways.copd.gop_share_65plus"), person, day), n)
    enc = build(
        person,
        day,
        "copd_exacerbation",
        True,
        [
            Segment(DEPT["FAM"], lognormal_hours(rng, 4, 0.5, n, 1.0, 14), fam_code),
            Segment(
                ward, lognormal_hours(rng, 100, 0.6, n, 13, 900), a_code, gap=rng.uniform(0.2, 3, n)
            ),
            Segment(
                DEPT["MED"],
                lognormal_hours(rng, 72, 0.5, n, 12, 400),
                a_code,
                gap=rng.uniform(0.2, 2, n),
                present=transfer,
            ),
        ],
        label=L_COPD,
        episode_slot=SLOT_COPD,
        bdiag=(b_copd, b_other),
        death=death,
        programme=np.where(referred, COPD, -1),
        gop=np.where(gop, ctx.gop_type(n), -1),
    )
    ctx.encounters.append(enc)
    discharge = np.minimum(enc.end(), death)
    _post_discharge_visit(ctx, person, discharge)
    return discharge, death, referred


def _readmissions(ctx: Context, person: Ints, discharge: Floats, death: Floats) -> Floats:
    """Acute readmissions 1..30 days after discharge; returns pending COPD readmission days."""
    p, rng, n = ctx.params, ctx.rng, len(person)
    alive30 = death > np.floor(discharge) + 31
    readmit = alive30 & ctx.draw(
        ctx.by_age(p.table("pathways.copd.readmission_30d"), person, discharge), n
    )
    day = np.floor(discharge) + rng.integers(1, 31, n) + rng.random(n)
    day = np.maximum(day, discharge + READMISSION_MIN_HOURS / 24)
    copd_cause = ctx.draw(p.num("pathways.copd.readmission_copd_share"), n)
    other = readmit & ~copd_cause
    _acute_other(ctx, person[other], day[other])
    return np.where(readmit & copd_cause, day, np.nan)


def _acute_other(ctx: Context, person: Ints, day: Floats) -> None:
    """Acute admissions of other causes (readmissions of COPD patients)."""
    p, rng, n = ctx.params, ctx.rng, len(person)
    ctx.encounters.append(
        build(
            person,
            day,
            "acute_other",
            True,
            [
                Segment(
                    DEPT["FAM"],
                    lognormal_hours(rng, 4, 0.4, n, 1.0, 10),
                    p.choice("other_acute_readmission").draw(rng, n),
                ),
                Segment(
                    DEPT["MED"],
                    lognormal_hours(rng, 72, 0.6, n, 13, 400),
                    p.choice("other_acute_readmission").draw(rng, n),
                    gap=rng.uniform(0.2, 3, n),
                ),
            ],
            label=L_COPD,
            episode_slot=SLOT_COPD,
            bdiag=(np.full(n, p.code("DJ449")),),
        )
    )


def _post_discharge_visit(ctx: Context, person: Ints, discharge: Floats) -> None:
    share = ctx.params.num("pathways.copd.post_discharge_visit_share")
    go = ctx.draw(share, len(person))
    day = daytime(ctx.rng, discharge[go] + ctx.rng.uniform(14, 42, go.sum()))
    _visit_batch(ctx, person[go], day, np.full(len(day), -1))


def _outpatient(ctx: Context) -> None:
    """Outpatient control (physical, virtual or home) of persons followed in hospital."""
    p, cond = ctx.params, ctx.cond
    followed = np.flatnonzero(cond.hospital_followup["copd"])
    lo, hi = followup_window(ctx, followed, "copd")
    person, day = ctx.poisson_times(
        followed, lo, hi, p.num("pathways.copd.outpatient_visits_per_year")
    )
    day = daytime(ctx.rng, day)
    in_window = day >= ctx.start
    first = np.zeros(len(person), dtype=bool)
    first[np.flatnonzero(in_window)[occurrence(person[in_window]) == 0]] = True
    base = p.num("referrals.copd_mrc3_outpatient")
    refer = first & cond.mrc3[person] & ctx.draw(ctx.referral_p(base, person, day), len(person))
    _visit_batch(ctx, person, day, np.where(refer, COPD, -1))


def _visit_batch(ctx: Context, person: Ints, day: Floats, programme: Ints) -> None:
    p, rng, n = ctx.params, ctx.rng, len(person)
    u = rng.random(n)
    virtual = p.num("pathways.copd.outpatient_virtual_share")
    ctype = np.where(u < virtual, VIRTUAL, np.where(u < virtual + 0.05, HOME, PHYSICAL))
    ctx.encounters.append(
        build(
            person,
            day,
            "copd_outpatient",
            False,
            [
                Segment(
                    DEPT["LUN"],
                    rng.uniform(0.3, 1.5, n),
                    p.choice("copd_chronic").draw(rng, n),
                    ctype=ctype,
                )
            ],
            label=L_COPD,
            episode_slot=SLOT_COPD,
            programme=programme,
        )
    )


def _gp_referrals(ctx: Context) -> None:
    """§119 referrals from general practice (ICPC R95) of COPD patients without hospital control."""
    cond = ctx.cond
    person = np.flatnonzero(np.isfinite(cond.onset["copd"]) & ~cond.hospital_followup["copd"])
    t0 = np.maximum(cond.onset["copd"][person], ctx.start)
    rate = ctx.params.num("referrals.copd_gp_rate_per_year")
    who, day = ctx.poisson_times(person, t0, cond.exit[person], rate)
    ctx.gp.add(who, daytime(ctx.rng, day), COPD, "R95")
