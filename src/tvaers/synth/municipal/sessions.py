"""Training sessions of §119 and §140 courses: days, dropouts, deaths and duplicate visits.

All draws happen at once per block (``draw_sessions``); ``Sessions.tell`` writes one course's
session Encounters into its story and says how the course ended. A duplicate registration
(the same visit twice) is put as an erroneous Encounter and set entered-in-error a few days
later, as the KL correction procedure prescribes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tvaers.synth.municipal import codes as c
from tvaers.synth.municipal.context import Ints
from tvaers.synth.municipal.levers import Levers
from tvaers.synth.municipal.story import ENTERED_IN_ERROR, Story

MAX_SESSIONS = 16


@dataclass
class Sessions:
    """Per course: session days (``start`` + offsets), count, dropout and duplicates."""

    start: Ints
    offsets: Ints  # (n, MAX_SESSIONS) cumulative day offsets; session 0 is on the start day
    count: Ints
    complete: npt.NDArray[np.bool_]
    attended: Ints  # sessions attended before a dropout (>= 1)
    reason: list[str]
    quit_after: Ints  # days from the last attended session to the cancellation
    minute: Ints  # (n, MAX_SESSIONS) start minute of each session
    duplicate: npt.NDArray[np.bool_]  # (n, MAX_SESSIONS)
    fix_after: Ints  # (n, MAX_SESSIONS)
    death_close: Ints

    def tell(
        self, story: Story, i: int, plan: str, death: int, levers: Levers
    ) -> tuple[int | None, str | None]:
        """Put course ``i``'s sessions; returns (end day, cancellation reason or None)."""
        k = int(self.count[i]) if self.complete[i] else int(self.attended[i])
        last = int(self.start[i])
        for j in range(k):
            day = int(self.start[i] + self.offsets[i, j])
            if day >= death:
                return death + int(self.death_close[i]), c.CANCEL_EVENT
            at = (day, int(self.minute[i, j]), 60)
            story.put(day, at[1] + 60, "enc", story.new_key("enc"), status="finished",
                      cls="AMB", based_on=plan, at=at)  # fmt: skip
            if self.duplicate[i, j]:
                twin = story.put(day, at[1] + 61, "enc", story.new_key("enc"), erroneous=True,
                                 status="finished", cls="AMB", based_on=plan, at=at)  # fmt: skip
                fix = day + int(self.fix_after[i, j])
                story.put(fix, 700, "enc", twin, erroneous=True, status=ENTERED_IN_ERROR)
            last = day
        if self.complete[i]:
            return last, None
        end = last + int(self.quit_after[i])
        if end >= death:
            return death + int(self.death_close[i]), c.CANCEL_EVENT
        return end, self.reason[i]


def draw_sessions(
    rng: np.random.Generator,
    start: Ints,
    count_bounds: npt.NDArray[np.int64],
    interval: tuple[int, int],
    p_complete: npt.NDArray[np.float64],
    levers: Levers,
) -> Sessions:
    """Session plans for ``n`` courses; ``count_bounds`` is (n, 2) [lo, hi] sessions."""
    n = len(start)
    duplicate_share = levers.num("corrections.duplicate_encounter_share")
    fix_after = levers.days("corrections.fix_after_days")
    death_close = levers.days("care.close_after_death_days")
    count = rng.integers(count_bounds[:, 0], count_bounds[:, 1] + 1).astype(np.int64)
    count = np.minimum(count, MAX_SESSIONS)
    steps = rng.integers(interval[0], interval[1] + 1, (n, MAX_SESSIONS)).astype(np.int64)
    steps[:, 0] = 0
    complete = rng.random(n) < p_complete
    attended = np.maximum(1, np.floor(rng.random(n) * (count - 1)).astype(np.int64) + 1)
    attended = np.minimum(attended, np.maximum(count - 1, 1))
    weights = np.array(c.CANCELLATION_WEIGHTS) / sum(c.CANCELLATION_WEIGHTS)
    reasons = rng.choice(len(c.CANCELLATION), size=n, p=weights)
    return Sessions(
        start=start,
        offsets=np.cumsum(steps, axis=1),
        count=count,
        complete=complete,
        attended=attended,
        reason=[c.CANCELLATION[r] for r in reasons.tolist()],
        quit_after=rng.integers(7, 22, n).astype(np.int64),
        minute=(480 + 30 * rng.integers(0, 14, (n, MAX_SESSIONS))).astype(np.int64),
        duplicate=rng.random((n, MAX_SESSIONS)) < duplicate_share,
        fix_after=rng.integers(fix_after[0], fix_after[1] + 1, (n, MAX_SESSIONS)).astype(np.int64),
        death_close=rng.integers(death_close[0], death_close[1] + 1, n).astype(np.int64),
    )


def close_after_death(story: Story, day: int) -> None:
    """The EOJ learns of the death: the citizen is reported deceased."""
    story.put(day, 905, "patient", story.patient_key, deceased=True)
