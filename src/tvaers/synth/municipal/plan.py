"""Per-municipality facts of a run: who reports which IG from when, outages, vendors.

Drawn once per run from the seed (``GLOBAL_BLOCK``), so every block sees the same plan.
Municipalities are indexed in ``HealthSystem.kommunekoder`` order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from tvaers.synth.clients import client_groups
from tvaers.synth.config import SynthConfig
from tvaers.synth.health_system import health_system, sor
from tvaers.synth.municipal.levers import Levers
from tvaers.synth.municipal.options import IGS, MunicipalOptions
from tvaers.synth.population import epoch_day
from tvaers.synth.rng import GLOBAL_BLOCK, stream

NEVER = 10**7  # an epoch day after any window
ALWAYS = -(10**7)
Ints = npt.NDArray[np.int64]
#: The municipal unit (see ``health_system.MUNICIPAL_UNITS``) that is custodian per IG.
UNIT = {"care": 1, "nursing": 2, "rehab": 3, "prevention": 4}


@dataclass(frozen=True)
class Plan:
    """Reporting and behaviour of each municipality during one run."""

    kommunekoder: tuple[str, ...]
    report_from: dict[str, Ints]  # per IG: first covered day reported (NEVER / ALWAYS)
    outage_start: list[Ints]  # per municipality, sorted
    outage_end: list[Ints]  # first day after each outage (the backlog is sent then)
    follow_up_observations: npt.NDArray[np.bool_]
    client_id: tuple[str, ...]
    code_switch: Ints  # first day with simplified FSIII codes (care)
    legacy_keys: npt.NDArray[np.bool_]  # sends legacy FSIII keys before the switch
    performance: npt.NDArray[np.float64]  # logit shift of municipal performance
    delay: npt.NDArray[np.float64]  # multiplier of waiting times
    start: int
    end: int  # last day of the window (the data cut-off)

    def unit_sor(self, m: int, unit: str) -> str:
        """SOR code of a municipal unit (custodian, performer) of municipality ``m``."""
        return sor(5, int(self.kommunekoder[m]), UNIT[unit])

    def send_day(self, m: int, covered: int) -> int:
        """The day the report covering ``covered`` leaves the EOJ (after an outage: its end)."""
        starts = self.outage_start[m]
        if len(starts) == 0:
            return covered
        i = int(np.searchsorted(starts, covered, side="right")) - 1
        if i >= 0 and covered < self.outage_end[m][i]:
            return int(self.outage_end[m][i])
        return covered


def draw_plan(config: SynthConfig, options: MunicipalOptions, levers: Levers) -> Plan:
    """The plan of a run (deterministic in the seed, the window and the options)."""
    hs = health_system()
    n = len(hs.kommunekoder)
    rng = stream(config.seed, GLOBAL_BLOCK, "municipal_plan")
    start, end = epoch_day(config.start), epoch_day(config.end)
    report_from = {}
    for ig in IGS:  # always draw, so an override of one IG never shifts another's draws
        u, late = rng.random(n), rng.integers(*_incl(levers.days("delivery.late_start_days")), n)
        never = u < levers.num(f"delivery.never_share.{ig}")
        late_start = ~never & (u < levers.num(f"delivery.never_share.{ig}")
                               + levers.num(f"delivery.late_start_share.{ig}"))  # fmt: skip
        first = np.where(never, NEVER, np.where(late_start, start + late, ALWAYS))
        if ig in options.not_reporting:
            listed = np.isin(np.array(hs.kommunekoder), options.not_reporting[ig])
            first = np.where(listed, NEVER, np.where(first == NEVER, ALWAYS, first))
        report_from[ig] = first.astype(np.int64)
    rate = (
        options.outages_per_year
        if options.outages_per_year is not None
        else levers.num("delivery.outages_per_year")
    )
    years = (end - start + 1) / 365.25
    lo, hi = levers.days("delivery.outage_days")
    o_start, o_end = [], []
    for _ in range(n):
        k = int(rng.poisson(rate * years))
        s = np.sort(rng.integers(start, end + 1, k))
        e = s + rng.integers(lo, hi + 1, k)
        s, e = _merge(s, e)
        o_start.append(s)
        o_end.append(e)
    fuo = rng.random(n) < levers.num("delivery.follow_up_observation_share")
    z = rng.standard_normal((2, n))
    clients, vendor = _clients(config.seed, hs.kommunekoder)
    switch = levers.get("delivery.code_switch")
    legacy_vendors = set(levers.get("delivery.legacy_key_vendors"))
    return Plan(
        kommunekoder=hs.kommunekoder,
        report_from=report_from,
        outage_start=o_start,
        outage_end=o_end,
        follow_up_observations=fuo,
        client_id=clients,
        code_switch=np.array([epoch_day(date.fromisoformat(switch[v])) for v in vendor]),
        legacy_keys=np.array([v in legacy_vendors for v in vendor]),
        performance=levers.num("effects.performance_logit_sd") * z[0],
        delay=np.exp(levers.num("effects.delay_log_sd") * z[1]),
        start=start,
        end=end,
    )


def _incl(bounds: tuple[int, int]) -> tuple[int, int]:
    return bounds[0], bounds[1] + 1


def _merge(starts: Ints, ends: Ints) -> tuple[Ints, Ints]:
    """Merge overlapping outage windows (sorted by start)."""
    out_s: list[int] = []
    out_e: list[int] = []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        if out_s and s <= out_e[-1]:
            out_e[-1] = max(out_e[-1], e)
        else:
            out_s.append(s)
            out_e.append(e)
    return np.array(out_s, dtype=np.int64), np.array(out_e, dtype=np.int64)


def _clients(seed: int, kommunekoder: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    """Client id and vendor key (``alfa``, ``beta``, ``gamma``) per municipality."""
    client_of: dict[str, str] = {}
    for group in client_groups(seed):
        codes = group["kommunekoder"]
        assert isinstance(codes, list)
        for k in codes:
            client_of[k] = str(group["client_id"])
    clients = tuple(client_of[k] for k in kommunekoder)
    return clients, [c.split("-")[1] for c in clients]
