"""Referrals for the municipal part: §119 (heart, COPD, diabetes) and §140 GOPs.

Hospital referrals are authored at (or shortly after) discharge by the discharging unit and
carry the SKS focus diagnosis; GP referrals carry an ICPC-2 code and no requester SOR.
A referral exists only if the person is alive, resident and inside the window when it is
authored. The receiving municipality is the residence on the authored day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tvaers.synth.contacts import Expanded, seconds
from tvaers.synth.encounters import COPD, GOP_TYPES, PROGRAMMES, Encounters
from tvaers.synth.health_system import HealthSystem
from tvaers.synth.params import Parameters
from tvaers.synth.pathways import GpReferrals
from tvaers.synth.population import Demography
from tvaers.synth.rng import uuid4_strings
from tvaers.synth.schema import SCHEMAS

Floats = npt.NDArray[np.float64]


def build_referrals(
    enc: Encounters,
    ex: Expanded,
    gp: GpReferrals,
    demo: Demography,
    hs: HealthSystem,
    params: Parameters,
    stop: Floats,
    window: tuple[float, float],
    rng: np.random.Generator,
) -> pa.Table:
    """All referrals of a block; ``stop`` = per-person min(death, emigration)."""
    alive = stop[enc.person] > ex.end
    delay = rng.uniform(0, params.num("referrals.delay_days_max"), len(enc))
    vocabulary = np.asarray(params.vocabulary)
    hosp = np.flatnonzero(ex.kept & alive & (enc.programme >= 0))
    focus = ex.last_code[hosp].astype(np.int64)
    wrong = (enc.programme[hosp] == COPD) & ~np.char.startswith(vocabulary[focus], "DJ44")
    focus = np.where(wrong, params.code("DJ449"), focus)
    section_119 = _Part(
        hosp,
        ex.end[hosp] + delay[hosp],
        vocabulary[focus],
        "SUL §119",
        np.asarray(PROGRAMMES)[enc.programme[hosp]],
        pa.nulls(len(hosp), pa.string()),
    )
    gop = np.flatnonzero(ex.kept & alive & (enc.gop >= 0))
    section_140 = _Part(
        gop,
        ex.end[gop],
        vocabulary[ex.last_code[gop]],
        "SUL §140",
        np.full(len(gop), "gop"),
        pa.array(GOP_TYPES).take(pa.array(enc.gop[gop])),
    )
    tables = [
        _hospital_table(part, enc, ex, demo, hs, stop, window)
        for part in (section_119, section_140)
    ]
    tables.append(_gp_table(gp, demo, hs, stop, window))
    table = pa.concat_tables(tables)
    order = pc.sort_indices(table, sort_keys=[("authored", "ascending"), ("cpr", "ascending")])
    table = table.take(order)
    return table.set_column(0, "referral_id", uuid4_strings(rng, table.num_rows))


@dataclass
class _Part:
    """Hospital referrals of one law section before filtering."""

    idx: npt.NDArray[np.intp]  # encounter rows
    authored: Floats
    focus: npt.NDArray[np.str_]
    law: str
    programme: npt.NDArray[np.str_]
    gop_type: pa.Array


def _hospital_table(
    part: _Part,
    enc: Encounters,
    ex: Expanded,
    demo: Demography,
    hs: HealthSystem,
    stop: Floats,
    window: tuple[float, float],
) -> pa.Table:
    person = enc.person[part.idx]
    ok = (part.authored < stop[person]) & (part.authored < window[1]) & (part.authored >= window[0])
    idx, person, authored = part.idx[ok], person[ok], part.authored[ok]
    n = len(idx)
    return pa.Table.from_arrays(
        [
            pa.nulls(n, pa.string()),
            demo.cpr.take(pa.array(person)),
            pa.array([part.law] * n, pa.string()),
            pa.array(part.programme[ok], pa.string()),
            pa.array(["hospital"] * n, pa.string()),
            pa.array(seconds(authored), pa.timestamp("us")),
            ex.last_sor.take(pa.array(idx)),
            pa.array(part.focus[ok], pa.string()),
            pa.array(["SKS"] * n, pa.string()),
            ex.encounter_id.take(pa.array(idx)),
            pa.array(np.floor(ex.end[idx]).astype(np.int32), pa.date32()),
            part.gop_type.filter(pa.array(ok)),
            pa.array(hs.kommunekoder).take(pa.array(demo.muni_at(person, authored))),
        ],
        schema=SCHEMAS["events/referrals"],
    )


def _gp_table(
    gp: GpReferrals, demo: Demography, hs: HealthSystem, stop: Floats, window: tuple[float, float]
) -> pa.Table:
    ok = (gp.day < stop[gp.person]) & (gp.day < window[1]) & (gp.day >= window[0])
    person, day = gp.person[ok], gp.day[ok]
    n = len(person)
    return pa.Table.from_arrays(
        [
            pa.nulls(n, pa.string()),
            demo.cpr.take(pa.array(person)),
            pa.array(["SUL §119"] * n, pa.string()),
            pa.array(PROGRAMMES).take(pa.array(gp.programme[ok])),
            pa.array(["gp"] * n, pa.string()),
            pa.array(seconds(day), pa.timestamp("us")),
            pa.nulls(n, pa.string()),
            pa.array(np.asarray(gp.focus, dtype=str)[ok] if n else [], pa.string()),
            pa.array(["ICPC2"] * n, pa.string()),
            pa.nulls(n, pa.string()),
            pa.nulls(n, pa.date32()),
            pa.nulls(n, pa.string()),
            pa.array(hs.kommunekoder).take(pa.array(demo.muni_at(person, day))),
        ],
        schema=SCHEMAS["events/referrals"],
    )
