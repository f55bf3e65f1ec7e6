"""§140 rehabilitation after discharge (GGOP): referral, first offered contact, course.

The municipality registers the GGOP (ServiceRequest with the discharge-date extension),
books the first contact (``occurrencePeriod.start``; the 7-day rule), or records a status
reason (Udskudt, Frit valg, Frit valg afslået, Anden kommune). A citizen who shows up gets a
Terapeutfaglig udredning, a forløb with a training intervention and sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tvaers.synth.municipal import codes as c
from tvaers.synth.municipal.context import BlockData, Ints, days, logistic, logit
from tvaers.synth.municipal.context import uniform_days as ud
from tvaers.synth.municipal.sessions import Sessions, close_after_death, draw_sessions
from tvaers.synth.municipal.story import Story

NO_COURSE = ("frit_valg", "anden_kommune")


@dataclass
class Timeline:
    """Drawn days of every GGOP of a block (one row per referral)."""

    person: Ints
    muni: Ints
    authored: Ints
    discharge: Ints
    registered: Ints
    reason: list[str | None]
    offer: Ints
    offer_registered: Ints
    reason_registered: Ints
    attend: npt.NDArray[np.bool_]
    declined: Ints
    condition: Ints  # (n, 2) indices into codes.C140; the second may be -1
    training: Ints
    sessions: Sessions


def draw(data: BlockData, refs: pa.Table, rng: np.random.Generator) -> Timeline:
    lv, plan = data.levers, data.plan
    n = refs.num_rows
    person = np.array([data.index[x] for x in refs.column("cpr").to_pylist()], dtype=np.int64)
    muni = np.array([data.muni_index[k] for k in refs.column("kommunekode").to_pylist()])
    authored, discharge = days(refs.column("authored")), days(refs.column("discharge_date"))
    registered = np.maximum(authored, discharge) + ud(rng, lv.days("rehab.registration_days"), n)
    names, weights = lv.weights("rehab.status_reasons")
    has_reason = rng.random(n) < lv.num("rehab.status_reason_share")
    drawn = rng.choice(len(names), size=n, p=weights)
    reason = [
        names[k] if h else None for k, h in zip(drawn.tolist(), has_reason.tolist(), strict=True)
    ]
    perf = plan.performance[muni]
    on_time = rng.random(n) < logistic(logit(lv.num("rehab.offer_on_time_share")) + perf)
    wait = np.where(
        on_time, ud(rng, lv.days("rehab.on_time_days"), n), ud(rng, lv.days("rehab.late_days"), n)
    )
    postponed = np.array([r == "udskudt" for r in reason])
    wait = np.where(postponed, ud(rng, lv.days("rehab.postponed_days"), n), wait)
    offer = np.maximum(discharge + wait, registered)
    offer_registered = np.minimum(
        offer, registered + ud(rng, lv.days("rehab.offer_registered_days"), n)
    )
    second = rng.integers(0, len(c.C140), n)
    first = rng.integers(0, len(c.C140), n)
    second = np.where((second == first) | (rng.random(n) < 0.5), -1, second)
    bounds = np.tile(np.array(lv.days("rehab.sessions")), (n, 1))
    p_complete = logistic(logit(lv.num("rehab.complete_share")) + perf)
    sessions = draw_sessions(
        rng, offer + ud(rng, (2, 7), n), bounds, lv.days("rehab.session_interval_days"),
        p_complete, lv,
    )  # fmt: skip
    return Timeline(
        person, muni, authored, discharge, registered, reason, offer, offer_registered,
        registered + ud(rng, (1, 5), n), rng.random(n) < lv.num("rehab.attend_share"),
        offer + ud(rng, (7, 21), n), np.stack([first, second], axis=1),
        rng.integers(0, len(c.I140_TRAINING), n), sessions,
    )  # fmt: skip


def tell(data: BlockData, refs: pa.Table, rng: np.random.Generator) -> list[Story]:
    """The §140 stories of a block: one per (citizen, municipality), referrals in order."""
    if refs.num_rows == 0:
        return []
    t = draw(data, refs, rng)
    rows = refs.to_pylist()
    stories: dict[tuple[int, int], Story] = {}
    for i in np.lexsort((t.authored, t.muni, t.person)).tolist():
        key = (int(t.person[i]), int(t.muni[i]))
        story = stories.get(key)
        if story is None:
            story = Story("rehab", data.cpr[key[0]], key[1], key[0], data.ids)
            story.open(int(t.registered[i]), 480, data.plan.unit_sor(key[1], "rehab"))
            stories[key] = story
        _course(story, data, t, i, rows[i])
    return [stories[k] for k in sorted(stories)]


def _course(story: Story, data: BlockData, t: Timeline, i: int, row: dict[str, object]) -> None:
    reg = int(t.registered[i])
    requester = story.organisation(reg, str(row["requester_sor"]))
    performer = story.organisation(reg, data.plan.unit_sor(story.municipality, "rehab"))
    focus = story.put(reg, 481, "focus", story.new_key("focus"),
                      code=row["focus_code"], system=row["focus_system"])  # fmt: skip
    sr = story.put(reg, 482, "sr", story.new_key("sr"), status="active",
                   authored=int(t.authored[i]), discharge=int(t.discharge[i]),
                   categories=[c.GOP_CATEGORY[str(row["gop_type"])]], requester=requester,
                   focus=focus, focus_code=row["focus_code"], focus_system=row["focus_system"],
                   occurrence=None, status_reason=None)  # fmt: skip
    death = int(data.death[t.person[i]])
    reason = t.reason[i]
    if reason in NO_COURSE:
        day = max(reg, min(int(t.reason_registered[i]), death))
        story.put(day, 560, "sr", sr, status="revoked", status_reason=c.SR_STATUS_REASON[reason])
        return
    offer = int(t.offer[i])
    extra: dict[str, Any] = {"status_reason": c.SR_STATUS_REASON[reason]} if reason else {}
    story.put(
        max(reg, min(int(t.offer_registered[i]), death)), 570, "sr", sr, occurrence=offer, **extra
    )
    if offer >= death or not t.attend[i]:
        story.put(max(reg, min(int(t.declined[i]), death)), 600, "sr", sr, status="revoked")
        return
    common: dict[str, Any] = {"performer": performer, "service_request": sr}
    assess = story.put(offer, 600, "pi", story.new_key("pi"), code=c.I140_ASSESS,
                       status="completed", detail_status="completed", start=offer, end=offer,
                       delivery=c.DELIVERY_INDIVIDUAL, **common)  # fmt: skip
    story.put(offer, 601, "enc", story.new_key("enc"), status="finished", cls="HH",
              based_on=assess, at=(offer, 600, 60))  # fmt: skip
    for k in t.condition[i].tolist():
        if k >= 0:
            story.put(offer, 602, "cond", story.new_key("cond"), code=c.C140[k], recorded=offer)
    forloeb = story.put(offer, 603, "forloeb", story.new_key("forloeb"), status="active",
                        start=offer, detail_status="in-progress", **common)  # fmt: skip
    training = story.put(offer, 604, "pi", story.new_key("pi"),
                         code=c.I140_TRAINING[int(t.training[i])], status="active",
                         detail_status="in-progress", start=offer, based_on=forloeb,
                         delivery=c.DELIVERY_INDIVIDUAL, **common)  # fmt: skip
    end, cancel = t.sessions.tell(story, i, training, death, data.levers)
    if end is None:
        return
    final = "completed" if cancel is None else "revoked"
    detail = "completed" if cancel is None else "cancelled"
    story.put(end, 900, "forloeb", forloeb, status=final, end=end, detail_status=detail,
              status_reason=cancel)  # fmt: skip
    story.put(end, 901, "pi", training, status=final, end=end, detail_status=detail)
    story.put(end, 903, "sr", sr, status="completed")
    if cancel == c.CANCEL_EVENT:
        close_after_death(story, end)
