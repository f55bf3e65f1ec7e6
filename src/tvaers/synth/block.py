"""One block of citizens end to end: a pure function of (config, block number).

Order: demography -> conditions -> pathways (planned encounters, latent deaths) -> drop
encounters after the background exit -> drop overlapping physical encounters (a person is in
one place at a time; a 4-hour gap would also merge them into one admission) -> final death
(earliest of background and event deaths) -> contacts -> referrals -> CPR tables.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tvaers.synth.conditions import CONDITIONS, Conditions, draw_conditions
from tvaers.synth.config import SynthConfig
from tvaers.synth.contacts import expand
from tvaers.synth.encounters import PHYSICAL, Encounters
from tvaers.synth.health_system import HealthSystem, health_system
from tvaers.synth.params import load_parameters
from tvaers.synth.pathways import Context, MunicipalEffects, copd, diabetes, heart, hf, other
from tvaers.synth.population import Demography, draw_demography, epoch_day
from tvaers.synth.referrals import build_referrals
from tvaers.synth.rng import stream
from tvaers.synth.schema import SCHEMAS

TRANSFER_HOURS = 4.0
Floats = npt.NDArray[np.float64]


def run_block(config: SynthConfig, block: int) -> dict[str, pa.Table]:
    """All tables of block ``block`` (deterministic; safe to run in any process)."""
    params, hs = load_parameters(), health_system()
    effects = MunicipalEffects.draw(config.seed, params, hs.muni_weight)
    demo = draw_demography(config, block, params, hs)
    cond = draw_conditions(config, block, params, demo, effects.incidence)
    start, end = float(epoch_day(config.start)), float(epoch_day(config.end) + 1)
    ctx = Context(
        config,
        params,
        hs,
        demo,
        cond,
        effects,
        stream(config.seed, block, "pathways"),
        start,
        end,
        start - config.lookback_days,
    )
    for module in (heart, hf, copd, diabetes, other):
        module.generate(ctx)
    enc = Encounters.concat(ctx.encounters)
    enc = enc.select(enc.start < cond.exit[enc.person])
    enc = drop_overlaps(enc)
    death = final_death(enc, cond, demo, end)
    stop = np.minimum(death, demo.emigration)
    enc = enc.select(enc.start < stop[enc.person])
    ids = stream(config.seed, block, "ids")
    vocabulary = pa.array(params.vocabulary)
    ex = expand(enc, demo, hs, death, vocabulary, ids)
    referrals = build_referrals(
        enc,
        ex,
        ctx.gp,
        demo,
        hs,
        params,
        stop,
        (start, end),
        stream(config.seed, block, "referrals"),
    )
    return {
        "cpr": _cpr_table(demo, death),
        "cpr_residence": _residence_table(demo, hs, death, end),
        "lpr_contacts": ex.contacts,
        "lpr_diagnoses": ex.diagnoses,
        "lpr_procedures": ex.procedures,
        "events/encounters": ex.encounters,
        "events/contact_encounter": ex.contact_encounter,
        "events/referrals": referrals,
        "events/conditions": _conditions_table(demo, cond, stop),
        "events/persons": pa.Table.from_arrays(
            [demo.cpr, pa.array(cond.smoker)], schema=SCHEMAS["events/persons"]
        ),
    }


def drop_overlaps(enc: Encounters) -> Encounters:
    """Remove physical encounters starting within 4 h of an earlier one's end (same person)."""
    physical = (enc.ctype[:, 0] == PHYSICAL) & (enc.dept[:, 0] >= 0)
    phys = np.flatnonzero(physical)
    if len(phys) == 0:
        return enc
    order = phys[np.lexsort((enc.end()[phys], enc.start[phys], enc.person[phys]))]
    person = enc.person[order]
    base = person.astype(np.float64) * 1e6  # days < 1e6: keys never cross persons
    start_key = base + enc.start[order]
    end_key = base + enc.end()[order] + TRANSFER_HOURS / 24
    alive = np.ones(len(order), dtype=bool)
    while True:  # greedy in time order: drop each person's first clash, then look again
        ends = np.where(alive, end_key, -np.inf)
        prev_max = np.maximum.accumulate(np.r_[-np.inf, ends[:-1]])
        clash = np.flatnonzero(alive & (start_key <= prev_max))
        if len(clash) == 0:
            break
        _, first = np.unique(person[clash], return_index=True)
        alive[clash[first]] = False
    keep = np.ones(len(enc), dtype=bool)
    keep[order[~alive]] = False
    return enc.select(keep)


def final_death(enc: Encounters, cond: Conditions, demo: Demography, end: float) -> Floats:
    """Earliest of the background death and the deaths drawn by events (inf = none known)."""
    death = cond.background_death.copy()
    np.minimum.at(death, enc.person, enc.death)
    death = np.where(death < end, death, np.inf)
    return np.where(demo.emigration < death, np.inf, death)


def _date(day: Floats) -> pa.Array:
    finite = np.isfinite(day)
    return pa.array(
        np.where(finite, np.floor(np.nan_to_num(day, posinf=0)), 0).astype(np.int32),
        pa.date32(),
        mask=~finite,
    )


def _cpr_table(demo: Demography, death: Floats) -> pa.Table:
    return pa.Table.from_arrays(
        [
            demo.cpr,
            pa.array(demo.birth_day.astype(np.int32), pa.date32()),
            pa.array(np.where(demo.male, "M", "F")),
            _date(death),
            _date(demo.emigration),
        ],
        schema=SCHEMAS["cpr"],
    )


def _residence_table(demo: Demography, hs: HealthSystem, death: Floats, end: float) -> pa.Table:
    """One row per residence period; periods end at a move, emigration or the day after death."""
    leave = np.minimum(np.floor(death) + 1, demo.emigration)
    ok = demo.move_day < leave[demo.move_person]
    mp, md, mm = demo.move_person[ok], demo.move_day[ok], demo.move_muni[ok]
    person = np.r_[np.arange(demo.n), mp]
    frm = np.r_[demo.since.astype(np.float64), md]
    muni = np.r_[demo.muni0, mm]
    order = np.lexsort((frm, person))
    person, frm, muni = person[order], frm[order], muni[order]
    nxt_same = np.r_[person[1:] == person[:-1], False]
    to = np.where(nxt_same, np.r_[frm[1:], 0.0], leave[person])
    to = np.where(to < end, to, np.inf)
    return pa.Table.from_arrays(
        [
            demo.cpr.take(pa.array(person)),
            pa.array(hs.kommunekoder).take(pa.array(muni)),
            _date(frm),
            _date(to),
        ],
        schema=SCHEMAS["cpr_residence"],
    )


def _conditions_table(demo: Demography, cond: Conditions, stop: Floats) -> pa.Table:
    persons, names, onsets, prevalent, followup, mrc3 = [], [], [], [], [], []
    for name in CONDITIONS:
        onset = cond.onset[name]
        idx = np.flatnonzero(np.isfinite(onset) & (onset < stop))
        persons.append(idx)
        names.append(np.full(len(idx), CONDITIONS.index(name)))
        onsets.append(onset[idx])
        prevalent.append(cond.prevalent[name][idx])
        followup.append(cond.hospital_followup.get(name, np.zeros(demo.n, dtype=bool))[idx])
        mrc3.append(cond.mrc3[idx] if name == "copd" else np.zeros(len(idx), dtype=bool))
    p, c = np.concatenate(persons), np.concatenate(names)
    order = np.lexsort((c, p))
    is_copd = c[order] == CONDITIONS.index("copd")
    return pa.Table.from_arrays(
        [
            demo.cpr.take(pa.array(p[order])),
            pa.array(CONDITIONS).take(pa.array(c[order])),
            _date(np.concatenate(onsets)[order]),
            pa.array(np.concatenate(prevalent)[order]),
            pa.array(np.concatenate(followup)[order]),
            pa.array(np.concatenate(mrc3)[order], mask=~is_copd),
        ],
        schema=SCHEMAS["events/conditions"],
    )
