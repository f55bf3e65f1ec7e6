"""Diabetes: type 1 and type 2 hospital outpatient follow-up, type 1 onset admissions,
new type 2 diabetes first seen in hospital or in general practice, and §119 patient-education
referrals (hospital: SKS DE11*, general practice: ICPC T90)."""

from __future__ import annotations

import numpy as np

from tvaers.synth.encounters import (
    DIABETES,
    L_DIABETES,
    PHYSICAL,
    VIRTUAL,
    Segment,
    build,
    daytime,
    lognormal_hours,
)
from tvaers.synth.health_system import DEPT
from tvaers.synth.pathways import Context, Floats, Ints, followup_window

SLOT_DIABETES = 3


def generate(ctx: Context) -> None:
    """All diabetes encounters and GP referrals of the block."""
    p, cond, rng = ctx.params, ctx.cond, ctx.rng
    for name, codes, key in (
        ("t1d", "t1d", "t1_visits_per_year"),
        ("t2d", "t2d", "t2_visits_per_year"),
    ):
        followed = np.flatnonzero(cond.hospital_followup[name] & cond.prevalent[name])
        lo, hi = followup_window(ctx, followed, name)
        person, day = ctx.poisson_times(followed, lo, hi, p.num(f"pathways.diabetes.{key}"))
        _visits(ctx, person, daytime(rng, day), codes, -1)
    _new_type1(ctx)
    _new_type2(ctx)


def _new(ctx: Context, name: str) -> Ints:
    onset = ctx.cond.onset[name]
    return np.flatnonzero(np.isfinite(onset) & ~ctx.cond.prevalent[name] & (onset >= ctx.start))


def _new_type1(ctx: Context) -> None:
    """Onset with ketoacidosis (admitted) or in the outpatient clinic, then follow-up."""
    p, cond, rng = ctx.params, ctx.cond, ctx.rng
    new = _new(ctx, "t1d")
    onset = cond.onset["t1d"][new]
    admitted = ctx.draw(p.num("pathways.diabetes.t1_incident_admitted_share"), len(new))
    person, day, n = new[admitted], onset[admitted], int(admitted.sum())
    ctx.encounters.append(
        build(
            person,
            day,
            "t1d_admission",
            True,
            [
                Segment(DEPT["FAM"], lognormal_hours(rng, 4, 0.4, n, 1.0, 10), p.code("DE101")),
                Segment(
                    DEPT["MED"],
                    lognormal_hours(rng, 60, 0.4, n, 13, 200),
                    p.code("DE101"),
                    gap=rng.uniform(0.2, 3, n),
                ),
            ],
            label=L_DIABETES,
            episode_slot=SLOT_DIABETES,
        )
    )
    _visits(ctx, new[~admitted], daytime(rng, onset[~admitted]), "t1d", -1)
    _schedule(ctx, new, onset, "t1d", "t1_visits_per_year")


def _new_type2(ctx: Context) -> None:
    """New type 2: a minority first seen in hospital (referral DE11*), the rest by the GP (T90)."""
    p, cond, rng = ctx.params, ctx.cond, ctx.rng
    new = _new(ctx, "t2d")
    onset = cond.onset["t2d"][new]
    hospital = ctx.draw(p.num("conditions.t2d.incident_hospital_share"), len(new))
    person = new[hospital]
    day = daytime(rng, onset[hospital] + rng.uniform(0, 60, len(person)))
    keep = day < cond.exit[person]
    person, day = person[keep], day[keep]
    refer = ctx.draw(ctx.referral_p(p.num("referrals.t2d_hospital"), person, day), len(person))
    _visits(ctx, person, day, "t2d", np.where(refer, DIABETES, -1))
    _schedule(ctx, person, day, "t2d", "t2_visits_per_year")
    gp = new[~hospital]
    gp_day = daytime(rng, onset[~hospital] + rng.uniform(0, 60, len(gp)))
    refer = ctx.draw(ctx.referral_p(p.num("referrals.t2d_gp"), gp, gp_day), len(gp))
    keep = refer & (gp_day < cond.exit[gp])
    ctx.gp.add(gp[keep], gp_day[keep], DIABETES, "T90")


def _schedule(ctx: Context, person: Ints, first: Floats, codes: str, key: str) -> None:
    """Follow-up visits after a first contact, until exit."""
    rate = ctx.params.num(f"pathways.diabetes.{key}")
    who, day = ctx.poisson_times(person, first + 30, ctx.cond.exit[person], rate)
    _visits(ctx, who, daytime(ctx.rng, day), codes, -1)


def _visits(ctx: Context, person: Ints, day: Floats, codes: str, programme: Ints | int) -> None:
    """Endocrinology outpatient contacts (physical or virtual)."""
    p, rng, n = ctx.params, ctx.rng, len(person)
    virtual = ctx.draw(p.num("pathways.diabetes.virtual_share"), n)
    b1, _ = ctx.comorbidity(person, day, skip="diabetes")
    ctx.encounters.append(
        build(
            person,
            day,
            "diabetes_outpatient",
            False,
            [
                Segment(
                    DEPT["END"],
                    rng.uniform(0.3, 1.2, n),
                    p.choice(codes).draw(rng, n),
                    ctype=np.where(virtual, VIRTUAL, PHYSICAL),
                )
            ],
            label=L_DIABETES,
            episode_slot=SLOT_DIABETES,
            bdiag=(b1,),
            programme=programme,
        )
    )
