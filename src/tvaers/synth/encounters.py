"""Planned hospital encounters as struct-of-arrays: one row per admission chain or visit.

An encounter has up to three segments (contacts): e.g. emergency department, transfer to the
PCI centre's cardiology, transfer back to the local hospital. Pathway modules build batches;
:mod:`tvaers.synth.contacts` expands them into LPR3-like contacts, diagnoses and procedures.
Keeping the plan (not just the contacts) gives the ground truth later issues need.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

SEGMENTS = 3
B_DIAGNOSES = 2
PROCEDURES = 2
CONTACT_TYPES = ("physical", "home", "virtual")
PHYSICAL, HOME, VIRTUAL = 0, 1, 2
PRIORITIES = ("acute", "planned")
PROGRAMMES = ("heart", "copd", "diabetes")
HEART, COPD, DIABETES = 0, 1, 2
GOP_TYPES = ("almen", "specialiseret", "rehabilitering")
LABELS = ("Iskæmisk hjertesygdom", "Hjertesvigt", "KOL", "Diabetes", "Anden sygdom")
L_IHD, L_HF, L_COPD, L_DIABETES, L_OTHER = 0, 1, 2, 3, 4
PATHWAYS = (
    "ami",
    "ami_recurrent",
    "ami_followup",
    "cabg",
    "pci_elective",
    "unstable_angina",
    "ihd_outpatient",
    "hf_admission",
    "hf_outpatient",
    "copd_exacerbation",
    "acute_other",
    "copd_outpatient",
    "t1d_admission",
    "diabetes_outpatient",
    "other_gop",
)
PATHWAY = {name: i for i, name in enumerate(PATHWAYS)}
EPISODE_EVENT_BASE = 16  # episode slots below are chronic courses, above single events

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass
class Segment:
    """One contact of an encounter; fields are scalars or arrays of the batch length."""

    dept: Any
    hours: Any
    adiag: Any
    site: Any = 0
    gap: Any = 0.0
    ctype: Any = PHYSICAL
    present: Any = True


@dataclass
class Encounters:
    """A batch of planned encounters (all arrays have the batch length in axis 0)."""

    person: Ints
    pathway: npt.NDArray[np.int8]
    start: Floats
    acute: npt.NDArray[np.bool_]
    dept: npt.NDArray[np.int8]
    site: npt.NDArray[np.int8]
    hours: Floats
    gap: Floats
    ctype: npt.NDArray[np.int8]
    adiag: npt.NDArray[np.int16]
    bdiag: npt.NDArray[np.int16]
    proc: npt.NDArray[np.int16]
    proc_seg: npt.NDArray[np.int8]
    proc_hour: Floats
    episode: Ints  # person * 2**20 + slot
    label: npt.NDArray[np.int8]
    death: Floats  # latent death day caused by this event; inf if none
    programme: npt.NDArray[np.int8]  # §119 referral at discharge: -1 or a PROGRAMMES index
    gop: npt.NDArray[np.int8]  # §140 GOP at discharge: -1 or a GOP_TYPES index

    def __len__(self) -> int:
        return len(self.person)

    def select(self, mask: npt.NDArray[Any]) -> Encounters:
        return Encounters(**{f.name: getattr(self, f.name)[mask] for f in fields(self)})

    @staticmethod
    def concat(batches: list[Encounters]) -> Encounters:
        items = [b for b in batches if len(b)] or batches[:1] or [empty()]
        return Encounters(
            **{
                f.name: np.concatenate([getattr(b, f.name) for b in items])
                for f in fields(Encounters)
            }
        )

    def end(self) -> Floats:
        """Planned end day (before any truncation by death)."""
        hours = np.where(self.dept >= 0, self.hours, 0.0).sum(1) + self.gap.sum(1)
        return np.asarray(self.start + hours / 24, dtype=np.float64)


def _full(value: Any, n: int, dtype: Any) -> npt.NDArray[Any]:
    arr = np.asarray(value, dtype=dtype)
    return np.broadcast_to(arr, (n,)).copy() if arr.ndim == 0 else arr.astype(dtype, copy=True)


def build(
    person: Ints,
    start: Floats,
    pathway: str,
    acute: Any,
    segments: list[Segment],
    *,
    label: int,
    episode_slot: Any,
    bdiag: tuple[Any, ...] = (),
    procs: tuple[tuple[Any, int, Any], ...] = (),
    death: Any = np.inf,
    programme: Any = -1,
    gop: Any = -1,
) -> Encounters:
    """A batch from per-segment specs; ``procs`` are (code, segment, hours after its start)."""
    n = len(person)
    enc = empty(n)
    enc.person = person.astype(np.int64)
    enc.start = start.astype(np.float64)
    enc.pathway[:] = PATHWAYS.index(pathway)
    enc.acute = _full(acute, n, bool)
    for k, seg in enumerate(segments):
        present = _full(seg.present, n, bool)
        enc.dept[:, k] = np.where(present, _full(seg.dept, n, np.int8), -1)
        enc.site[:, k] = _full(seg.site, n, np.int8)
        enc.hours[:, k] = _full(seg.hours, n, np.float64)
        enc.gap[:, k] = np.where(present, _full(seg.gap, n, np.float64), 0.0) if k else 0.0
        enc.ctype[:, k] = _full(seg.ctype, n, np.int8)
        enc.adiag[:, k] = _full(seg.adiag, n, np.int16)
    for j, code in enumerate(bdiag):
        enc.bdiag[:, j] = _full(code, n, np.int16)
    for j, (code, seg_no, hour) in enumerate(procs):
        enc.proc[:, j] = _full(code, n, np.int16)
        enc.proc_seg[:, j] = seg_no
        enc.proc_hour[:, j] = _full(hour, n, np.float64)
    enc.episode = enc.person * (1 << 20) + _full(episode_slot, n, np.int64)
    enc.label[:] = label
    enc.death = _full(death, n, np.float64)
    enc.programme = _full(programme, n, np.int8)
    enc.gop = _full(gop, n, np.int8)
    return enc


def empty(n: int = 0) -> Encounters:
    """A batch of ``n`` blank rows (no segments, no codes)."""
    return Encounters(
        person=np.zeros(n, dtype=np.int64),
        pathway=np.zeros(n, dtype=np.int8),
        start=np.zeros(n),
        acute=np.zeros(n, dtype=bool),
        dept=np.full((n, SEGMENTS), -1, dtype=np.int8),
        site=np.zeros((n, SEGMENTS), dtype=np.int8),
        hours=np.zeros((n, SEGMENTS)),
        gap=np.zeros((n, SEGMENTS)),
        ctype=np.zeros((n, SEGMENTS), dtype=np.int8),
        adiag=np.full((n, SEGMENTS), -1, dtype=np.int16),
        bdiag=np.full((n, B_DIAGNOSES), -1, dtype=np.int16),
        proc=np.full((n, PROCEDURES), -1, dtype=np.int16),
        proc_seg=np.zeros((n, PROCEDURES), dtype=np.int8),
        proc_hour=np.zeros((n, PROCEDURES)),
        episode=np.zeros(n, dtype=np.int64),
        label=np.zeros(n, dtype=np.int8),
        death=np.full(n, np.inf),
        programme=np.full(n, -1, dtype=np.int8),
        gop=np.full(n, -1, dtype=np.int8),
    )


def occurrence(person: Ints) -> Ints:
    """0-based number of each row among earlier rows of the same person (input order)."""
    order = np.argsort(person, kind="stable")
    sp = person[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sp)) + 1] if len(sp) else np.empty(0, dtype=np.int64)
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(sp)]))
    out = np.empty(len(person), dtype=np.int64)
    out[order] = np.arange(len(person)) - group_start
    return out


def lognormal_hours(
    rng: np.random.Generator, median: float, sigma: float, n: int, lo: float, hi: float
) -> Floats:
    """Durations in hours: lognormal around ``median``, clipped to [lo, hi]."""
    return np.clip(median * np.exp(sigma * rng.standard_normal(n)), lo, hi)


def daytime(
    rng: np.random.Generator, day: Floats, first: float = 8.0, last: float = 15.0
) -> Floats:
    """A time between ``first`` and ``last`` o'clock on the (floored) day."""
    return np.floor(day) + (first + rng.random(len(day)) * (last - first)) / 24
