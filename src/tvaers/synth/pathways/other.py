"""Admissions of other causes that end with a §140 GOP (hip fracture, stroke, pneumonia,
frailty, falls, planned hip/knee replacement), so §140 volume is realistic (S21).

Known chronic conditions are B-diagnoses here too. Pneumonia admissions of COPD patients are
left to the COPD pathway (with J44 as B they are DrKOL exacerbation courses by RKKP's rule)."""

from __future__ import annotations

import numpy as np

from tvaers.synth.encounters import (
    EPISODE_EVENT_BASE,
    L_OTHER,
    Segment,
    build,
    lognormal_hours,
    occurrence,
)
from tvaers.synth.health_system import DEPT
from tvaers.synth.pathways import Context

EPISODE_BASE = EPISODE_EVENT_BASE + 200


def generate(ctx: Context) -> None:
    """Other-cause admissions with a GOP at discharge."""
    p, rng, cond = ctx.params, ctx.rng, ctx.cond
    everyone = np.arange(ctx.demo.n, dtype=np.int64)
    rate = p.table("pathways.other_gop.rate").lookup(ctx.demo.age0, ctx.demo.male)
    rate = rate * ctx.effects.gop[ctx.demo.muni0]
    t0 = np.maximum(ctx.demo.entry, ctx.start)
    person, day = ctx.poisson_times(everyone, t0, cond.exit, rate)
    n = len(person)
    causes = p.codes_raw["other_gop"]["causes"]
    share = np.array([c["share"] for c in causes], dtype=np.float64)
    cause = rng.choice(len(causes), size=n, p=share / share.sum())
    # a COPD patient's pneumonia admission is a COPD exacerbation course (copd.py models it)
    pneumonia = np.array([c["code"].startswith("DJ1") for c in causes])[cause]
    onset = cond.onset["copd"][person]
    keep = ~(pneumonia & np.isfinite(onset) & (onset <= day))
    person, day, cause, n = person[keep], day[keep], cause[keep], int(keep.sum())
    acute = np.array([c["acute"] for c in causes])[cause]
    code = np.array([p.code(c["code"]) for c in causes])[cause]
    dept = np.array([DEPT[c["department"]] for c in causes])[cause]
    median = np.array([float(c["median_hours"]) for c in causes])[cause]
    proc = np.array([p.code(c["procedure"]) if c["procedure"] else -1 for c in causes])[cause]
    planned_day = np.floor(day) + (7.0 + rng.random(n) * 2) / 24
    day = np.where(acute, day, planned_day)
    ward_hours = np.clip(median * np.exp(0.5 * rng.standard_normal(n)), 13, 2000)
    ctx.encounters.append(
        build(
            person,
            day,
            "other_gop",
            acute,
            [
                Segment(
                    np.where(acute, DEPT["FAM"], dept),
                    np.where(acute, lognormal_hours(rng, 4, 0.4, n, 1, 10), ward_hours),
                    code,
                ),
                Segment(dept, ward_hours, code, gap=rng.uniform(0.2, 3, n), present=acute),
            ],
            label=L_OTHER,
            episode_slot=EPISODE_BASE + np.minimum(occurrence(person), 1000),
            bdiag=ctx.comorbidity(person, day, skip=""),
            procs=((proc, 0, 2.0),),
            gop=ctx.gop_type(n),
        )
    )
