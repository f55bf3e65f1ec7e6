"""What the municipal part of one block needs from part 1's tables, as numpy arrays.

Built from the block's own output tables (``cpr``, ``cpr_residence``, ``events/persons``,
``events/referrals``, ``events/encounters``), so the municipal part depends on nothing but
what part 1 wrote. Days are epoch days; a missing date is ``NEVER``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tvaers.synth.municipal.levers import Levers
from tvaers.synth.municipal.plan import NEVER, Plan
from tvaers.synth.municipal.story import IdPool

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


def days(column: pa.ChunkedArray | pa.Array) -> Ints:
    """Epoch days of a date or timestamp column (floor; null -> NEVER)."""
    if pa.types.is_timestamp(column.type):
        column = pc.cast(pc.floor_temporal(column, unit="day"), pa.date32())
    values = pc.cast(column, pa.int32()).to_numpy(zero_copy_only=False)
    out: Ints = np.where(np.isnan(values.astype(np.float64)), NEVER, values).astype(np.int64)
    return out


def minutes(column: pa.ChunkedArray) -> Ints:
    """Minute of the day of a timestamp column."""
    hour = pc.hour(column).to_numpy(zero_copy_only=False).astype(np.int64)
    out: Ints = hour * 60 + pc.minute(column).to_numpy(zero_copy_only=False).astype(np.int64)
    return out


@dataclass
class BlockData:
    """Citizens of one block and the run's plan and levers."""

    cpr: list[str]
    index: dict[str, int]
    birth: Ints
    death: Ints
    emigration: Ints
    smoker: Bools
    res_person: Ints  # residence periods, sorted by person then start
    res_from: Ints
    res_to: Ints
    res_muni: Ints
    plan: Plan
    levers: Levers
    ids: IdPool
    muni_index: dict[str, int]

    @property
    def exit(self) -> Ints:
        """Death or emigration, whichever first (NEVER if neither)."""
        return np.minimum(self.death, self.emigration)

    def muni_at(self, person: Ints, day: Ints) -> Ints:
        """Residence municipality index on ``day`` (-1 when not resident)."""
        key = self.res_person * (1 << 24) + self.res_from
        pos = np.searchsorted(key, person * (1 << 24) + day, side="right") - 1
        ok = pos >= 0
        ok[ok] = (self.res_person[pos[ok]] == person[ok]) & (day[ok] < self.res_to[pos[ok]])
        return np.where(ok, self.res_muni[np.maximum(pos, 0)], -1)

    def stay_end(self, person: Ints, day: Ints) -> Ints:
        """First day the citizen no longer lives where they live on ``day`` (NEVER if never)."""
        key = self.res_person * (1 << 24) + self.res_from
        pos = np.searchsorted(key, person * (1 << 24) + day, side="right") - 1
        return np.where(pos >= 0, self.res_to[np.maximum(pos, 0)], day)

    def age(self, person: Ints, day: Ints) -> npt.NDArray[np.float64]:
        return (day - self.birth[person]) / 365.25


def block_data(tables: dict[str, pa.Table], plan: Plan, levers: Levers, ids: IdPool) -> BlockData:
    """The arrays of one block from its part-1 tables."""
    cpr_table = tables["cpr"]
    cprs = cpr_table.column("cpr").to_pylist()
    index = {c: i for i, c in enumerate(cprs)}
    res = tables["cpr_residence"]
    muni_index = {k: i for i, k in enumerate(plan.kommunekoder)}
    person = np.array([index[c] for c in res.column("cpr").to_pylist()], dtype=np.int64)
    muni = np.array([muni_index[k] for k in res.column("kommunekode").to_pylist()])
    frm, to = days(res.column("valid_from")), days(res.column("valid_to"))
    order = np.lexsort((frm, person))
    persons = tables["events/persons"]
    smoker = np.zeros(len(cprs), dtype=bool)
    rows = np.array([index[c] for c in persons.column("cpr").to_pylist()], dtype=np.int64)
    smoker[rows] = persons.column("smoker").to_numpy(zero_copy_only=False).astype(bool)
    return BlockData(
        cpr=cprs,
        index=index,
        birth=days(cpr_table.column("birth_date")),
        death=days(cpr_table.column("death_date")),
        emigration=days(cpr_table.column("emigration_date")),
        smoker=smoker,
        res_person=person[order],
        res_from=frm[order],
        res_to=to[order],
        res_muni=muni[order].astype(np.int64),
        plan=plan,
        levers=levers,
        ids=ids,
        muni_index=muni_index,
    )


def logistic(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def uniform_days(rng: np.random.Generator, bounds: tuple[int, int], n: int) -> Ints:
    """Whole days drawn uniformly from ``[lo, hi]`` (both included)."""
    return rng.integers(bounds[0], bounds[1] + 1, n).astype(np.int64)
