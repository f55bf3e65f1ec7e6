"""Expand planned encounters into LPR3-like contacts, diagnoses and procedures.

Each present segment becomes one contact at a department SOR unit chosen by the person's
residence (local hospital) and the segment's site (PCI or CABG centre). Contacts are cut at
death: a contact starting after death is dropped, one spanning it ends at the death time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tvaers.synth.encounters import (
    CONTACT_TYPES,
    LABELS,
    PATHWAYS,
    PHYSICAL,
    PRIORITIES,
    SEGMENTS,
    Encounters,
)
from tvaers.synth.health_system import DEPT, HealthSystem
from tvaers.synth.population import Demography
from tvaers.synth.rng import uuid4_strings
from tvaers.synth.schema import SCHEMAS

ADMISSION_MIN_HOURS = 12.0
ENCOUNTER_KINDS = ("admission", "outpatient", "home", "virtual")
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


def seconds(day: Floats) -> Ints:
    """Days since the epoch -> epoch microseconds, rounded to the minute."""
    return np.round(day * 1440).astype(np.int64) * 60_000_000


@dataclass
class Expanded:
    """LPR tables plus what the referral step needs per encounter."""

    contacts: pa.Table
    diagnoses: pa.Table
    procedures: pa.Table
    encounters: pa.Table
    contact_encounter: pa.Table
    kept: npt.NDArray[np.bool_]  # per encounter: at least one contact survived
    end: Floats  # per encounter: end day after truncation
    last_sor: pa.Array  # per encounter: SOR of the last contact (null if not kept)
    last_code: npt.NDArray[np.int16]  # per encounter: A-diagnosis of the last contact
    encounter_id: pa.Array


@dataclass
class Rows:
    """Per-contact arrays (sorted by person, start) and the encounter each comes from."""

    enc: npt.NDArray[np.intp]
    seg: npt.NDArray[np.intp]
    start_us: Ints
    end_us: Ints
    ctype: npt.NDArray[np.int8]
    a_code: npt.NDArray[np.int16]
    contact_id: pa.Array
    sor: pa.Array
    episode_id: pa.Array


def expand(
    enc: Encounters,
    demo: Demography,
    hs: HealthSystem,
    death: Floats,
    vocabulary: pa.Array,
    rng: np.random.Generator,
) -> Expanded:
    """Contacts, diagnoses and procedures of ``enc`` (ids drawn from ``rng``)."""
    seg_start, rows = _rows(enc, demo, hs, death, rng)
    contacts = pa.Table.from_arrays(
        [
            rows.contact_id,
            demo.cpr.take(pa.array(enc.person[rows.enc])),
            rows.sor,
            pa.array(rows.start_us, pa.timestamp("us")),
            pa.array(rows.end_us, pa.timestamp("us")),
            pa.array(CONTACT_TYPES).take(pa.array(rows.ctype)),
            pa.array(PRIORITIES).take(pa.array(np.where(enc.acute[rows.enc], 0, 1))),
            rows.episode_id,
            pa.array(LABELS).take(pa.array(enc.label[rows.enc])),
        ],
        schema=SCHEMAS["lpr_contacts"],
    )
    diagnoses = _diagnoses(rows.contact_id, rows.a_code, enc.bdiag[rows.enc], vocabulary)
    row_of = np.full(enc.dept.shape, -1, dtype=np.int64)
    row_of[rows.enc, rows.seg] = np.arange(len(rows.enc))
    procedures = _procedures(enc, row_of, seg_start, rows.end_us, rows.contact_id, vocabulary)
    ex = _encounter_truth(enc, demo, hs, death, rng, rows, vocabulary)
    ex.contacts, ex.diagnoses, ex.procedures = contacts, diagnoses, procedures
    return ex


def _rows(
    enc: Encounters, demo: Demography, hs: HealthSystem, death: Floats, rng: np.random.Generator
) -> tuple[Floats, Rows]:
    """Segment start days and the surviving contact rows with their ids and SOR units."""
    present = enc.dept >= 0
    hours = np.where(present, enc.hours, 0.0)
    seg_start = np.empty_like(hours)
    seg_start[:, 0] = enc.start
    for k in range(1, SEGMENTS):
        seg_start[:, k] = seg_start[:, k - 1] + (hours[:, k - 1] + enc.gap[:, k]) / 24
    seg_end = seg_start + hours / 24
    e_idx, s_idx = np.nonzero(present)
    d = death[enc.person[e_idx]]
    keep = seg_start[e_idx, s_idx] < d
    e_idx, s_idx, d = e_idx[keep], s_idx[keep], d[keep]
    start_us = seconds(seg_start[e_idx, s_idx])
    end_us = np.maximum(seconds(np.minimum(seg_end[e_idx, s_idx], d)), start_us + 60_000_000)
    order = np.lexsort((s_idx, e_idx, start_us, enc.person[e_idx]))
    e_idx, s_idx, start_us, end_us = e_idx[order], s_idx[order], start_us[order], end_us[order]
    local = hs.muni_hospital[demo.muni_at(enc.person, enc.start)]
    hospital = hs.hospital_site[local[e_idx], enc.site[e_idx, s_idx]]
    unit = hs.dept_index[hospital, enc.dept[e_idx, s_idx]]
    unit = np.where(unit >= 0, unit, hs.dept_index[hospital, DEPT["MED"]])
    contact_id = uuid4_strings(rng, len(e_idx))
    keys, episode_of = np.unique(enc.episode[e_idx], return_inverse=True)
    return seg_start, Rows(
        enc=e_idx,
        seg=s_idx,
        start_us=start_us,
        end_us=end_us,
        ctype=enc.ctype[e_idx, s_idx],
        a_code=enc.adiag[e_idx, s_idx],
        contact_id=contact_id,
        sor=pa.array(hs.dept_sor).take(pa.array(unit)),
        episode_id=uuid4_strings(rng, len(keys)).take(pa.array(episode_of)),
    )


def _diagnoses(
    contact_id: pa.Array,
    a_code: npt.NDArray[np.int16],
    bdiag: npt.NDArray[np.int16],
    vocabulary: pa.Array,
) -> pa.Table:
    """One A-diagnosis per contact, then its B-diagnoses (not repeating the A)."""
    n = len(a_code)
    rows = [np.arange(n)]
    codes = [a_code.astype(np.int64)]
    kinds = [np.zeros(n, dtype=np.int64)]
    for j in range(bdiag.shape[1]):
        has = (bdiag[:, j] >= 0) & (bdiag[:, j] != a_code)
        rows.append(np.flatnonzero(has))
        codes.append(bdiag[has, j].astype(np.int64))
        kinds.append(np.full(int(has.sum()), j + 1))
    row, code, kind = np.concatenate(rows), np.concatenate(codes), np.concatenate(kinds)
    order = np.lexsort((kind, row))
    return pa.Table.from_arrays(
        [
            contact_id.take(pa.array(row[order])),
            vocabulary.take(pa.array(code[order])),
            pa.array(["A", "B", "B"]).take(pa.array(kind[order])),
        ],
        schema=SCHEMAS["lpr_diagnoses"],
    )


def _procedures(
    enc: Encounters,
    row_of: Ints,
    seg_start: Floats,
    end_us: Ints,
    contact_id: pa.Array,
    vocabulary: pa.Array,
) -> pa.Table:
    rows, codes, times = [], [], []
    for j in range(enc.proc.shape[1]):
        e = np.flatnonzero(enc.proc[:, j] >= 0)
        seg = enc.proc_seg[e, j].astype(np.int64)
        row = row_of[e, seg]
        ok = row >= 0
        e, seg, row = e[ok], seg[ok], row[ok]
        t = np.minimum(seconds(seg_start[e, seg] + enc.proc_hour[e, j] / 24), end_us[row])
        rows.append(row)
        codes.append(enc.proc[e, j].astype(np.int64))
        times.append(t)
    row, code, t = np.concatenate(rows), np.concatenate(codes), np.concatenate(times)
    order = np.lexsort((t, row))
    return pa.Table.from_arrays(
        [
            contact_id.take(pa.array(row[order])),
            vocabulary.take(pa.array(code[order])),
            pa.array(t[order], pa.timestamp("us")),
        ],
        schema=SCHEMAS["lpr_procedures"],
    )


def _encounter_truth(
    enc: Encounters,
    demo: Demography,
    hs: HealthSystem,
    death: Floats,
    rng: np.random.Generator,
    rows: Rows,
    vocabulary: pa.Array,
) -> Expanded:
    """The generator's own view of each encounter (admission or visit) that has contacts."""
    n, idx = len(enc), np.arange(len(rows.enc))
    n_contacts = np.bincount(rows.enc, minlength=n)
    kept = n_contacts > 0
    first_row = np.full(n, len(rows.enc), dtype=np.int64)
    np.minimum.at(first_row, rows.enc, idx)
    last_row = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_row, rows.enc, idx)
    physical = np.ones(n, dtype=bool)
    np.logical_and.at(physical, rows.enc, rows.ctype == PHYSICAL)
    k = np.flatnonzero(kept)
    first, last = pa.array(first_row[k]), pa.array(last_row[k])
    enc_start, enc_end = rows.start_us[first_row[k]], rows.end_us[last_row[k]]
    admission = (enc_end - enc_start) / 3.6e9 >= ADMISSION_MIN_HOURS
    kind = np.where(physical[k], np.where(admission, 0, 1), 1 + rows.ctype[first_row[k]])
    end_day = np.full(n, np.nan)
    end_day[k] = enc_end / 8.64e10
    muni = demo.muni_at(enc.person[k], enc.start[k])
    encounter_id = uuid4_strings(rng, len(k))
    table = pa.Table.from_arrays(
        [
            encounter_id,
            demo.cpr.take(pa.array(enc.person[k])),
            pa.array(PATHWAYS).take(pa.array(enc.pathway[k])),
            pa.array(ENCOUNTER_KINDS).take(pa.array(kind)),
            pa.array(PRIORITIES).take(pa.array(np.where(enc.acute[k], 0, 1))),
            pa.array(enc_start, pa.timestamp("us")),
            pa.array(enc_end, pa.timestamp("us")),
            pa.array(n_contacts[k].astype(np.int16)),
            rows.contact_id.take(first),
            rows.contact_id.take(last),
            rows.sor.take(last),
            rows.episode_id.take(first),
            vocabulary.take(pa.array(rows.a_code[last_row[k]].astype(np.int64))),
            pa.array(death[enc.person[k]] <= end_day[k] + 1 / 1440),
            pa.array(hs.kommunekoder).take(pa.array(muni)),
        ],
        schema=SCHEMAS["events/encounters"],
    )
    position = np.full(n, -1, dtype=np.int64)
    position[k] = np.arange(len(k))
    link = pa.Table.from_arrays(
        [
            rows.contact_id,
            encounter_id.take(pa.array(position[rows.enc])),
            pa.array(rows.seg.astype(np.int8)),
        ],
        schema=SCHEMAS["events/contact_encounter"],
    )
    last_code = np.full(n, -1, dtype=np.int16)
    last_code[k] = rows.a_code[last_row[k]]
    missing = pa.array(~kept)
    safe = pa.array(np.maximum(position, 0))
    empty = pa.scalar(None, pa.string())
    return Expanded(
        contacts=table.slice(0, 0),
        diagnoses=table.slice(0, 0),
        procedures=table.slice(0, 0),
        encounters=table,
        contact_encounter=link,
        kept=kept,
        end=end_day,
        last_sor=pc.if_else(missing, empty, rows.sor.take(last).take(safe))
        if len(k)
        else pa.nulls(n, pa.string()),
        last_code=last_code,
        encounter_id=pc.if_else(missing, empty, encounter_id.take(safe))
        if len(k)
        else pa.nulls(n, pa.string()),
    )
