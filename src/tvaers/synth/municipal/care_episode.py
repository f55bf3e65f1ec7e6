"""One citizen's care episode told as resource versions, event by event in time order.

Events: the visitation (home-care conditions with functional levels, goals, then either a
§83a reablement course or §83 home care), follow-ups (a planned GeneralEncounter
"opfølgning", a reassessment and, where the municipality reports them, FollowUpObservations),
the vendor's switch to simplified FSIII codes (old conditions and interventions end, new
ones start), home nursing (§138), and the end (death, emigration or a move).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from tvaers.synth.municipal import codes as c
from tvaers.synth.municipal.levers import Levers
from tvaers.synth.municipal.story import Story
from tvaers.terminology.fsiii import functional_levels, uuid_to_legacy


@dataclass
class Episode:
    """The state of one care episode while its events are told (see the module docstring)."""

    story: Story
    levers: Levers
    unit_sor: str
    visitation: int
    exit: int
    died: bool
    prevalent: bool
    switch: int
    legacy_keys: bool
    reports_follow_up: bool
    shares: dict[str, float]
    draws: npt.NDArray[np.float64]
    last_day: int
    _at: int = 0
    legacy: bool = True
    cond: dict[int, str] = field(default_factory=dict)
    level: dict[int, int] = field(default_factory=dict)
    concept: dict[int, int] = field(default_factory=dict)
    goal: dict[int, str] = field(default_factory=dict)
    target: dict[int, int] = field(default_factory=dict)
    pis: list[dict[str, Any]] = field(default_factory=list)
    enc: str | None = None
    reabling: bool = False
    closed: bool = False
    planned: int = 0
    nursing_pair: int = 0
    nursing_cond: str = ""

    # ------------------------------------------------------------------ draws and codes
    def u(self) -> float:
        value = float(self.draws[self._at % len(self.draws)])
        self._at += 1
        return value

    def between(self, bounds: tuple[int, int]) -> int:
        return bounds[0] + int(self.u() * (bounds[1] - bounds[0] + 1))

    def pick(self, dotted: str) -> str:
        names, weights = self.levers.weights(dotted)
        x, total = self.u(), 0.0
        for name, w in zip(names, weights, strict=True):
            total += w
            if x < total:
                return name
        return names[-1]

    def code(self, uuid: str, day: int) -> str:
        """An FSIII code as this vendor sends it on ``day`` (legacy key before the switch)."""
        if self.legacy_keys and day < self.switch:
            return uuid_to_legacy().get(uuid, uuid)
        return uuid

    def level_code(self, level: int, day: int) -> str:
        found = functional_levels()[level]
        return found.legacy if self.legacy_keys and day < self.switch else found.uuid

    def cond_uuid(self, g: int) -> str:
        group = c.CARE_GROUPS[g]
        return group[1][self.concept[g]] if self.legacy else group[0]

    # ------------------------------------------------------------------ telling
    def tell(self) -> None:
        v = self.visitation
        self.legacy = v < self.switch
        self.story.open(v, 470, self.unit_sor)
        groups = list(range(len(c.CARE_GROUPS)))
        for _ in range(self.between(self.levers.days("care.conditions"))):
            g = groups.pop(int(self.u() * len(groups)))
            self.concept[g] = int(self.u() * len(c.CARE_GROUPS[g][1]))
            self.level[g] = int(self.pick("care.baseline_level"))
            self._condition(v, g)
            if self.u() < self.shares["goal"]:
                self.target[g] = max(0, self.level[g] - 1 - int(self.u() < 0.3))
                self._goal(v, g)
        if not self.prevalent and self.u() < self.shares["reablement"]:
            planned = self._reablement(v)
        else:
            self._home_care(v)
            planned = v + self.between(self.levers.days("care.follow_up_interval_days"))
        self._plan_follow_up(v, planned)
        nursing = self._nursing_days()
        self._run(planned, nursing)

    def _run(self, planned: int, nursing: list[tuple[int, str]]) -> None:
        follow_up = planned + self._delay()
        switch_pending = self.legacy
        while True:
            events = [
                (follow_up, 1, "follow_up"),
                (self.exit, 0, "exit"),
                *[(d, 2, w) for d, w in nursing],
            ]
            if switch_pending:
                events.append((max(self.switch, self.visitation + 1), 3, "switch"))
            day, _, what = min(events)
            if day > self.last_day:
                return
            if what == "exit":
                self._exit(day)
                return
            if what == "switch":
                switch_pending = False
                self._switch(day)
            elif what == "follow_up":
                nxt = self._follow_up(day)
                follow_up = 10**7 if nxt is None else nxt + self._delay()
            else:
                nursing = [(d, w) for d, w in nursing if (d, w) != (day, what)]
                self._nursing(day, what)

    def _delay(self) -> int:
        if self.u() < self.shares["on_time"]:
            return self.between((0, 14))
        return self.between(self.levers.days("care.follow_up_late_days"))

    # ------------------------------------------------------------------ resources
    def _condition(self, day: int, g: int) -> None:
        key = self.story.new_key("care_cond")
        self.cond[g] = key
        self.story.put(day, 480 + g, "care_cond", key, code=self.code(self.cond_uuid(g), day),
                       level=self.level_code(self.level[g], day), level_n=self.level[g],
                       recorded=day, clinical="active",
                       generation="legacy" if self.legacy else "simplified")  # fmt: skip

    def _goal(self, day: int, g: int) -> None:
        key = self.story.new_key("goal")
        self.goal[g] = key
        self.story.put(day, 490 + g, "goal", key, lifecycle="active", start=day,
                       target=self.level_code(self.target[g], day), target_n=self.target[g],
                       condition=self.cond[g])  # fmt: skip

    def _intervention(self, day: int, kind: str, slot: int) -> None:
        """A planned intervention of ``kind`` (reablement, home, practical) in its generation."""
        local: tuple[str, str] | None = None
        if kind == "reablement":
            uuid = c.REABLEMENT_LEGACY[slot] if self.legacy else c.PERSONAL_CARE
            local = None if self.legacy else c.REABLEMENT_LOCAL
        elif kind == "home":
            uuid = c.HOME_CARE_LEGACY[slot] if self.legacy else c.PERSONAL_CARE
            local = None if self.legacy else c.HOME_CARE_LOCAL[slot]
        else:
            uuid = c.PRACTICAL_LEGACY if self.legacy else c.PRACTICAL_HELP
        key = self.story.new_key("care_pi")
        self.pis.append({"key": key, "kind": kind, "slot": slot})
        self.story.put(day, 500 + len(self.pis), "care_pi", key, code=self.code(uuid, day),
                       local=local, status="active", detail_status="in-progress", start=day,
                       end=None, conditions=[self.cond[g] for g in sorted(self.cond)],
                       care_class=kind, generation="legacy" if self.legacy else "simplified")  # fmt: skip

    def _end_intervention(self, day: int, pi: dict[str, Any]) -> None:
        self.story.put(day, 800, "care_pi", pi["key"], status="completed",
                       detail_status="completed", end=day)  # fmt: skip
        self.pis.remove(pi)

    def _reablement(self, day: int) -> int:
        self.reabling = True
        main = min(self.cond)
        self._intervention(day, "reablement", min(main, len(c.REABLEMENT_LEGACY) - 1))
        return day + self.between(self.levers.days("care.reablement_days"))

    def _home_care(self, day: int) -> None:
        slots = list(range(len(c.HOME_CARE_LEGACY)))
        for _ in range(self.between(self.levers.days("care.interventions"))):
            self._intervention(day, "home", slots.pop(int(self.u() * len(slots))))
        if self.u() < 0.5:
            self._intervention(day, "practical", 0)

    def _plan_follow_up(self, day: int, planned: int) -> None:
        self.enc = self.story.new_key("care_enc")
        self.story.put(day, 700, "care_enc", self.enc, status="planned", start=planned,
                       conditions=[self.cond[g] for g in sorted(self.cond)])  # fmt: skip
        self.planned = planned

    # ------------------------------------------------------------------ events
    def _follow_up(self, day: int) -> int | None:
        """The follow-up on ``day``: reassessment, observations; returns the next planned day."""
        s = self.story
        if self.enc is not None:
            s.put(day, 610, "care_enc", self.enc, status="finished")
        improved = False
        for g in sorted(self.cond):
            step = self._step("care.improvement" if self.reabling else "care.drift")
            new = min(4, max(0, self.level[g] + step))
            improved |= new < self.level[g]
            self.level[g] = new
            s.put(day, 620 + g, "care_cond", self.cond[g], level=self.level_code(new, day),
                  level_n=new)  # fmt: skip
        done = self.reabling and max(self.level.values()) < int(
            self.levers.num("care.home_care_after_level")
        )
        if self.reports_follow_up:
            value = c.FOLLOW_UP_ENDS if done else c.FOLLOW_UP_CONTINUES
            for g in sorted(self.cond):
                s.put(day, 640 + g, "fuo", s.new_key("fuo"), status="final", at=(day, 640 + g),
                      condition=self.cond[g], value=self.code(value, day))  # fmt: skip
        interval = self.between(self.levers.days("care.follow_up_interval_days"))
        if self.reabling:
            self.reabling = False
            for pi in [p for p in self.pis if p["kind"] == "reablement"]:
                self._end_intervention(day, pi)
            homes = [p for p in self.pis if p["kind"] == "home"]
            if homes and improved:
                for pi in homes:
                    if self.u() < 0.4 and len([p for p in self.pis if p["kind"] == "home"]) > 1:
                        self._end_intervention(day, pi)
            elif not homes and not done:
                self._home_care(day)
            if done and not homes:
                self._close(day)
                return None
        elif self.u() < 0.15 * self.shares["reablement"]:
            interval = self._reablement(day) - day
        self._plan_follow_up(day, day + interval)
        return day + interval

    def _step(self, dotted: str) -> int:
        return {"minus2": -2, "minus1": -1, "same": 0, "plus1": 1}[self.pick(dotted)]

    def _close(self, day: int) -> None:
        """Reablement made the citizen independent: conditions end, goals are completed."""
        for g in sorted(self.cond):
            self.story.put(day, 650 + g, "care_cond", self.cond[g], clinical="inactive")
        for g in sorted(self.goal):
            self.story.put(day, 660 + g, "goal", self.goal[g], lifecycle="completed")
        for pi in [p for p in self.pis if p["kind"] != "nursing"]:
            self._end_intervention(day, pi)
        self.enc = None
        self.closed = True

    def _switch(self, day: int) -> None:
        """Simplified FSIII from ``day``: every active condition, goal and intervention is
        ended and registered again with the new codes (a changed code is a new resource)."""
        if self.closed:
            self.legacy = False
            return
        s = self.story
        for g in sorted(self.cond):
            s.put(day, 520 + g, "care_cond", self.cond[g], clinical="inactive")
        for g in sorted(self.goal):
            s.put(day, 530 + g, "goal", self.goal[g], lifecycle="completed")
        self.legacy = False
        for g in sorted(self.cond):
            self._condition(day, g)
            if g in self.goal:
                self._goal(day, g)
        for pi in [p for p in self.pis if p["kind"] != "nursing"]:
            self._end_intervention(day, pi)
            self._intervention(day, pi["kind"], pi["slot"])
        if self.enc is not None:
            s.put(day, 540, "care_enc", self.enc,
                  conditions=[self.cond[g] for g in sorted(self.cond)])  # fmt: skip

    def _nursing_days(self) -> list[tuple[int, str]]:
        if self.u() >= self.levers.num("care.nursing_share"):
            return []
        self.nursing_pair = int(self.u() * len(c.NURSING))
        start = self.visitation + self.between((0, 60))
        return [(start, "nursing_start"), (start + self.between((30, 180)), "nursing_end")]

    def _nursing(self, day: int, what: str) -> None:
        s = self.story
        if what == "nursing_start":
            condition, intervention = c.NURSING[self.nursing_pair]
            self.nursing_cond = s.put(day, 560, "care_cond", s.new_key("care_cond"),
                                      code=self.code(condition, day), level=None, level_n=None,
                                      recorded=day, clinical="active", generation=None)  # fmt: skip
            key = s.new_key("care_pi")
            self.pis.append({"key": key, "kind": "nursing", "slot": 0})
            s.put(day, 561, "care_pi", key, code=self.code(intervention, day), local=None,
                  status="active", detail_status="in-progress", start=day, end=None,
                  conditions=[self.nursing_cond], care_class="nursing", generation=None)  # fmt: skip
            return
        for pi in [p for p in self.pis if p["kind"] == "nursing"]:
            self._end_intervention(day, pi)
            s.put(day, 562, "care_cond", self.nursing_cond, clinical="inactive")

    def _exit(self, day: int) -> None:
        """Death, emigration or a move ends the episode; the EOJ closes it days later."""
        close = day + self.between(self.levers.days("care.close_after_death_days"))
        if close > self.last_day:
            return
        for pi in list(self.pis):
            self.story.put(close, 850, "care_pi", pi["key"], status="completed",
                           detail_status="completed", end=day)  # fmt: skip
        if self.enc is not None:
            self.story.put(close, 851, "care_enc", self.enc, status="cancelled")
        if self.died:
            self.story.put(close, 852, "patient", self.story.patient_key, deceased=True)
