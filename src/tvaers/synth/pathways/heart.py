"""Ischaemic heart disease: acute MI (with PCI at the PCI centre, transfers back, CABG),
recurrent MI, unstable angina, elective PCI and outpatient follow-up.

Index events (AMI, recurrent MI, PCI, CABG) may produce a §119 heart-rehabilitation referral
and a §140 GOP at discharge; 30-day deaths are drawn per event.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tvaers.synth.encounters import (
    EPISODE_EVENT_BASE,
    HEART,
    L_IHD,
    Segment,
    build,
    daytime,
    lognormal_hours,
    occurrence,
)
from tvaers.synth.health_system import DEPT, SITE_CABG, SITE_LOCAL, SITE_PCI
from tvaers.synth.pathways import Context, Floats, Ints, followup_window

SLOT_IHD = 0


def generate(ctx: Context) -> None:
    """All ischaemic-heart-disease encounters of the block."""
    cond = ctx.cond
    onset = cond.onset["ami"]
    incident = np.flatnonzero(np.isfinite(onset) & ~cond.prevalent["ami"] & (onset >= ctx.start))
    acute_mi(
        ctx,
        incident,
        onset[incident],
        "ami",
        "ami_index",
        np.full(len(incident), EPISODE_EVENT_BASE),
    )
    prior = np.flatnonzero(cond.prior_ami)
    rate = ctx.params.num("pathways.ami.recurrent_rate_per_year")
    person, day = ctx.poisson_times(prior, np.full(len(prior), ctx.start), cond.exit[prior], rate)
    slot = EPISODE_EVENT_BASE + 1 + np.minimum(occurrence(person), 100)
    acute_mi(ctx, person, day, "ami_recurrent", "ami_recurrent", slot)
    _chronic_ihd(ctx)


def acute_mi(ctx: Context, person: Ints, day: Floats, pathway: str, codes: str, slot: Ints) -> None:
    """Emergency department -> PCI centre cardiology -> (back transfer), then CABG/follow-up."""
    p, rng, n = ctx.params, ctx.rng, len(person)
    code = p.choice(codes).draw(rng, n)
    fam_code = np.where(ctx.draw(0.5, n), p.choice("symptom_chest").draw(rng, n), code)
    local = ctx.local_hospital(person, day)
    back = (local != ctx.hs.hospital_site[local, SITE_PCI]) & ctx.draw(
        p.num("pathways.ami.back_transfer_share"), n
    )
    pci_share, cabg_share = p.num("pathways.ami.pci_share"), p.num("pathways.ami.cabg_share")
    pci = ctx.draw(pci_share, n)
    cabg = ~pci & ctx.draw(cabg_share / (1 - pci_share), n)
    b1, b2 = ctx.comorbidity(person, day, skip="ihd")
    dies = ctx.draw(ctx.by_age(p.table("pathways.ami.mortality_30d"), person, day), n)
    ref = ctx.draw(ctx.referral_p(p.num("referrals.heart_after_index"), person, day), n)
    gop = ctx.draw(ctx.gop_p(p.num("pathways.ami.gop_share"), person, day), n)
    enc = build(
        person,
        day,
        pathway,
        True,
        [
            Segment(DEPT["FAM"], lognormal_hours(rng, 4, 0.4, n, 1.5, 10), fam_code),
            Segment(
                DEPT["KAR"],
                lognormal_hours(rng, 40, 0.5, n, 14, 150),
                code,
                site=SITE_PCI,
                gap=rng.uniform(0.3, 3, n),
            ),
            Segment(
                DEPT["KAR"],
                lognormal_hours(rng, 48, 0.6, n, 12, 240),
                code,
                site=SITE_LOCAL,
                gap=rng.uniform(0.5, 3, n),
                present=back,
            ),
        ],
        label=L_IHD,
        episode_slot=slot,
        bdiag=(b1, b2),
        procs=(
            (p.code("UXAC85"), 1, 1.0),
            (np.where(pci, p.choice("pci").draw(rng, n), -1), 1, 1.5),
        ),
        death=np.where(dies, day + rng.random(n) * 30, np.inf),
        programme=np.where(ref & ~cabg, HEART, -1),
        gop=np.where(gop, ctx.gop_type(n), -1),
    )
    ctx.encounters.append(enc)
    discharge = enc.end()
    _cabg(ctx, person[cabg], discharge[cabg], slot[cabg], ref[cabg])
    follow = ctx.draw(p.num("pathways.ami.followup_visit_share"), n)
    visit = daytime(rng, discharge[follow] + rng.uniform(28, 56, follow.sum()))
    _visits(ctx, person[follow], visit, "ami_followup", "ami_followup", slot[follow])


def _cabg(
    ctx: Context, person: Ints, discharge: Floats, slot: Ints, referred: npt.NDArray[np.bool_]
) -> None:
    p, rng, n = ctx.params, ctx.rng, len(person)
    day = daytime(rng, discharge + rng.uniform(14, 45, n), 7.5, 9.5)
    dies = ctx.draw(p.num("pathways.ami.cabg_mortality_30d"), n)
    gop = ctx.draw(ctx.gop_p(p.num("pathways.ami.cabg_gop_share"), person, day), n)
    b1, b2 = ctx.comorbidity(person, day, skip="ihd")
    ctx.encounters.append(
        build(
            person,
            day,
            "cabg",
            False,
            [
                Segment(
                    DEPT["THX"],
                    lognormal_hours(rng, 150, 0.3, n, 96, 400),
                    p.choice("ihd_chronic").draw(rng, n),
                    site=SITE_CABG,
                )
            ],
            label=L_IHD,
            episode_slot=slot,
            bdiag=(b1, b2),
            procs=((p.choice("cabg").draw(rng, n), 0, 3.0),),
            death=np.where(dies, day + rng.random(n) * 30, np.inf),
            programme=np.where(referred, HEART, -1),
            gop=np.where(gop, ctx.gop_type(n), -1),
        )
    )


def _visits(
    ctx: Context, person: Ints, day: Floats, pathway: str, codes: str, slot: Ints | int
) -> None:
    """Planned physical cardiology outpatient visits at the local hospital."""
    n = len(person)
    ctx.encounters.append(
        build(
            person,
            day,
            pathway,
            False,
            [
                Segment(
                    DEPT["KAR"],
                    ctx.rng.uniform(0.5, 1.5, n),
                    ctx.params.choice(codes).draw(ctx.rng, n),
                )
            ],
            label=L_IHD,
            episode_slot=slot,
        )
    )


def _chronic_ihd(ctx: Context) -> None:
    """Unstable angina, elective PCI and outpatient follow-up of prevalent IHD."""
    p, rng, cond = ctx.params, ctx.rng, ctx.cond
    ihd = np.flatnonzero(cond.prevalent["ihd"])
    t0 = np.full(len(ihd), ctx.start)
    person, day = ctx.poisson_times(
        ihd, t0, cond.exit[ihd], p.num("pathways.ihd.unstable_angina_rate_per_year")
    )
    n = len(person)
    code = p.choice("ihd_unstable").draw(rng, n)
    cag = ctx.draw(p.num("pathways.ihd.unstable_angina_cag_share"), n)
    dies = ctx.draw(p.num("pathways.ihd.unstable_angina_mortality_30d"), n)
    b1, b2 = ctx.comorbidity(person, day, skip="ihd")
    ctx.encounters.append(
        build(
            person,
            day,
            "unstable_angina",
            True,
            [
                Segment(
                    DEPT["FAM"],
                    lognormal_hours(rng, 4, 0.4, n, 1.5, 10),
                    np.where(ctx.draw(0.5, n), p.choice("symptom_chest").draw(rng, n), code),
                ),
                Segment(
                    DEPT["KAR"],
                    lognormal_hours(rng, 36, 0.5, n, 13, 120),
                    code,
                    gap=rng.uniform(0.3, 3, n),
                ),
            ],
            label=L_IHD,
            episode_slot=SLOT_IHD,
            bdiag=(b1, b2),
            procs=((np.where(cag, p.code("UXAC85"), -1), 1, 2.0),),
            death=np.where(dies, day + rng.random(n) * 30, np.inf),
        )
    )
    _elective_pci(ctx, ihd, t0)
    followed = np.flatnonzero(cond.hospital_followup["ihd"])
    lo, hi = followup_window(ctx, followed, "ihd")
    person, day = ctx.poisson_times(
        followed, lo, hi, p.num("pathways.ihd.outpatient_visits_per_year")
    )
    _visits(ctx, person, daytime(rng, day), "ihd_outpatient", "ihd_chronic", SLOT_IHD)


def _elective_pci(ctx: Context, ihd: Ints, t0: Floats) -> None:
    """Planned PCI at the PCI centre: overnight (an admission) or a day case (< 12 h)."""
    p, rng = ctx.params, ctx.rng
    rate = p.num("pathways.ihd.elective_pci_rate_per_year")
    person, day = ctx.poisson_times(ihd, t0, ctx.cond.exit[ihd], rate)
    n = len(person)
    day = daytime(rng, day, 7.5, 10)
    overnight = ctx.draw(p.num("pathways.ihd.elective_overnight_share"), n)
    hours = np.where(overnight, lognormal_hours(rng, 24, 0.2, n, 13, 40), rng.uniform(4, 10, n))
    ref = ctx.draw(ctx.referral_p(p.num("referrals.heart_after_index"), person, day), n)
    b1, b2 = ctx.comorbidity(person, day, skip="ihd")
    ctx.encounters.append(
        build(
            person,
            day,
            "pci_elective",
            False,
            [Segment(DEPT["KAR"], hours, p.choice("ihd_chronic").draw(rng, n), site=SITE_PCI)],
            label=L_IHD,
            episode_slot=SLOT_IHD,
            bdiag=(b1, b2),
            procs=((p.code("UXAC85"), 0, 0.5), (p.choice("pci").draw(rng, n), 0, 1.0)),
            programme=np.where(ref, HEART, -1),
        )
    )
