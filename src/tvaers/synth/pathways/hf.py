"""Heart failure: incident diagnosis (admitted or outpatient) with a first-year follow-up
programme, admissions of prevalent patients, and their outpatient clinic visits."""

from __future__ import annotations

import numpy as np

from tvaers.synth.encounters import (
    HEART,
    L_HF,
    PHYSICAL,
    VIRTUAL,
    Segment,
    build,
    daytime,
    lognormal_hours,
)
from tvaers.synth.health_system import DEPT
from tvaers.synth.pathways import Context, Floats, Ints, followup_window

SLOT_HF = 1


def generate(ctx: Context) -> None:
    """All heart-failure encounters of the block."""
    p, cond = ctx.params, ctx.cond
    onset = cond.onset["hf"]
    new = np.flatnonzero(np.isfinite(onset) & ~cond.prevalent["hf"] & (onset >= ctx.start))
    admitted = ctx.draw(p.num("pathways.hf.incident_admitted_share"), len(new))
    ref = ctx.draw(ctx.referral_p(p.num("referrals.hf_incident"), new, onset[new]), len(new))
    _admissions(ctx, new[admitted], onset[new][admitted], np.where(ref[admitted], HEART, -1))
    _visits(
        ctx,
        new[~admitted],
        daytime(ctx.rng, onset[new][~admitted]),
        np.where(ref[~admitted], HEART, -1),
    )
    first_year = np.repeat(new, 3)
    offsets = np.tile([30.0, 120.0, 270.0], len(new)) + ctx.rng.uniform(-14, 14, len(first_year))
    day = daytime(ctx.rng, np.repeat(onset[new], 3) + offsets)
    keep = day < cond.exit[first_year]
    _visits(ctx, first_year[keep], day[keep], -1)

    prevalent = np.flatnonzero(cond.prevalent["hf"])
    rate = p.num("pathways.hf.admission_rate_per_year")
    person, day = ctx.poisson_times(
        prevalent, np.full(len(prevalent), ctx.start), cond.exit[prevalent], rate
    )
    _admissions(ctx, person, day, -1)
    lo, hi = followup_window(ctx, prevalent, "hf")
    person, day = ctx.poisson_times(
        prevalent, lo, hi, p.num("pathways.hf.outpatient_visits_per_year")
    )
    _visits(ctx, person, daytime(ctx.rng, day), -1)


def _admissions(ctx: Context, person: Ints, day: Floats, programme: Ints | int) -> None:
    """Emergency department -> cardiology or medicine at the local hospital."""
    p, rng, n = ctx.params, ctx.rng, len(person)
    code = p.choice("hf").draw(rng, n)
    fam_code = np.where(ctx.draw(0.5, n), p.choice("symptom_dyspnoea").draw(rng, n), code)
    ward = np.where(ctx.draw(0.5, n), DEPT["KAR"], DEPT["MED"])
    dies = ctx.draw(ctx.by_age(p.table("pathways.hf.mortality_30d"), person, day), n)
    gop = ctx.draw(ctx.gop_p(p.num("pathways.hf.gop_share"), person, day), n)
    b1, b2 = ctx.comorbidity(person, day, skip="hf")
    ctx.encounters.append(
        build(
            person,
            day,
            "hf_admission",
            True,
            [
                Segment(DEPT["FAM"], lognormal_hours(rng, 4, 0.4, n, 1.5, 10), fam_code),
                Segment(
                    ward,
                    lognormal_hours(rng, 130, 0.5, n, 13, 700),
                    code,
                    gap=rng.uniform(0.3, 3, n),
                ),
            ],
            label=L_HF,
            episode_slot=SLOT_HF,
            bdiag=(b1, b2),
            death=np.where(dies, day + rng.random(n) * 30, np.inf),
            programme=programme,
            gop=np.where(gop, ctx.gop_type(n), -1),
        )
    )


def _visits(ctx: Context, person: Ints, day: Floats, programme: Ints | int) -> None:
    """Heart-failure clinic: physical or virtual contacts at cardiology."""
    p, rng, n = ctx.params, ctx.rng, len(person)
    virtual = ctx.draw(p.num("pathways.hf.virtual_share"), n)
    ctx.encounters.append(
        build(
            person,
            day,
            "hf_outpatient",
            False,
            [
                Segment(
                    DEPT["KAR"],
                    rng.uniform(0.3, 1.5, n),
                    p.choice("hf").draw(rng, n),
                    ctype=np.where(virtual, VIRTUAL, PHYSICAL),
                )
            ],
            label=L_HF,
            episode_slot=SLOT_HF,
            programme=programme,
        )
    )
