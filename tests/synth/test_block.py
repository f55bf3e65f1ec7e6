"""Block assembly rules on hand-made encounters: overlaps and the final death."""

from __future__ import annotations

import numpy as np

from tvaers.synth.block import drop_overlaps, final_death
from tvaers.synth.conditions import Conditions
from tvaers.synth.encounters import VIRTUAL, Encounters, Segment, build


def enc(
    person: int, start: float, hours: float, ctype: int = 0, death: float = np.inf
) -> Encounters:
    return build(
        np.array([person]),
        np.array([start]),
        "acute_other",
        True,
        [Segment(0, hours, 0, ctype=ctype)],
        label=4,
        episode_slot=300,
        death=death,
    )


def test_a_physical_encounter_within_4_hours_of_another_is_dropped() -> None:
    batch = Encounters.concat(
        [
            enc(0, 10.0, 24.0),  # day 10 00:00 - day 11 00:00
            enc(0, 11.0 + 3 / 24, 2.0),  # starts 3 h after: would chain -> dropped
            enc(0, 11.0 + 5 / 24, 2.0),  # starts 5 h after: kept
            enc(0, 10.5, 1.0, ctype=VIRTUAL),  # virtual contacts never chain: kept
            enc(1, 11.0 + 3 / 24, 2.0),  # another person: kept
        ]
    )
    kept = drop_overlaps(batch)
    assert sorted(zip(kept.person.tolist(), kept.start.tolist(), strict=True)) == [
        (0, 10.0),
        (0, 10.5),
        (0, 11.0 + 5 / 24),
        (1, 11.0 + 3 / 24),
    ]


def test_final_death_is_the_earliest_and_unknown_after_emigration() -> None:
    cond = Conditions()
    cond.background_death = np.array([50.0, np.inf, 30.0])
    batch = Encounters.concat([enc(0, 5.0, 1.0, death=20.0), enc(1, 5.0, 1.0, death=25.0)])

    class Demo:
        emigration = np.array([np.inf, np.inf, 10.0])

    death = final_death(batch, cond, Demo(), end=40.0)  # type: ignore[arg-type]
    # person 0: event death 20 < 50; person 1: 25; person 2 emigrated on day 10 -> unknown
    assert death.tolist() == [20.0, 25.0, np.inf]
