"""§119 courses (heart, COPD and diabetes rehabilitation) after a referral.

Timelines are drawn for all referrals of a block at once (numpy); each referral is then
told as versions of its resources: the ServiceRequest with its focus diagnosis, a first
"Afklarende samtale" with an Encounter, the forløb with its planned interventions and
weekly sessions, and the end: completed, cancelled with a reason, or ended by death.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tvaers.synth.municipal import codes as c
from tvaers.synth.municipal.context import BlockData, Ints, days, logistic, logit, minutes
from tvaers.synth.municipal.context import uniform_days as ud
from tvaers.synth.municipal.plan import NEVER
from tvaers.synth.municipal.sessions import Sessions, close_after_death, draw_sessions
from tvaers.synth.municipal.story import Story

PROGRAMMES = ("heart", "copd", "diabetes")


@dataclass
class Timeline:
    """Drawn days of every §119 referral of a block (one row per referral)."""

    person: Ints
    muni: Ints
    programme: Ints
    authored: Ints
    authored_minute: Ints
    registered: Ints
    contacted: npt.NDArray[np.bool_]
    contact: Ints
    started: npt.NDArray[np.bool_]
    start: Ints
    sessions: Sessions
    declined: Ints
    tobacco_offer: npt.NDArray[np.bool_]
    disease_management: npt.NDArray[np.bool_]


def draw(data: BlockData, refs: pa.Table, rng: np.random.Generator) -> Timeline:
    lv, plan = data.levers, data.plan
    n = refs.num_rows
    person = np.array([data.index[x] for x in refs.column("cpr").to_pylist()], dtype=np.int64)
    muni = np.array([data.muni_index[k] for k in refs.column("kommunekode").to_pylist()])
    prog = np.array([PROGRAMMES.index(p) for p in refs.column("programme").to_pylist()])
    authored = days(refs.column("authored"))
    perf, delay_m = plan.performance[muni], plan.delay[muni]
    p_contact = np.array([lv.num(f"prevention.contact_share.{p}") for p in PROGRAMMES])[prog]
    contacted = rng.random(n) < logistic(np.log(p_contact / (1 - p_contact)) + perf)
    median = np.array([lv.num(f"prevention.contact_delay.{p}") for p in PROGRAMMES])[prog]
    sigma = lv.num("prevention.contact_delay_sigma")
    wait = np.maximum(1, np.rint(median * delay_m * np.exp(sigma * rng.standard_normal(n))))
    registered = authored + ud(rng, lv.days("prevention.registration_days"), n)
    contact = np.maximum(authored + wait.astype(np.int64), registered)
    started = contacted & (rng.random(n) < lv.num("prevention.start_share"))
    start = contact + ud(rng, lv.days("prevention.start_after_contact_days"), n)
    bounds = np.array([lv.days(f"prevention.sessions.{p}") for p in PROGRAMMES])[prog]
    complete = np.array([lv.num(f"prevention.complete_share.{p}") for p in PROGRAMMES])[prog]
    sessions = draw_sessions(
        rng, start, bounds, lv.days("prevention.session_interval_days"),
        logistic(np.log(complete / (1 - complete)) + perf), lv,
    )  # fmt: skip
    declined = np.where(
        contacted,
        contact + ud(rng, (7, 21), n),
        authored + ud(rng, lv.days("prevention.decline_after_days"), n),
    )
    p_tobacco = logistic(logit(lv.num("prevention.smoking_offer_share")) + perf)
    dm = np.array([lv.num(f"prevention.disease_management_share.{p}") for p in PROGRAMMES])
    return Timeline(
        person, muni, prog, authored, minutes(refs.column("authored")), registered,
        contacted, contact, started, start, sessions, declined,
        rng.random(n) < p_tobacco, rng.random(n) < dm[prog],
    )  # fmt: skip


def tell(data: BlockData, refs: pa.Table, rng: np.random.Generator) -> list[Story]:
    """The §119 stories of a block: one per (citizen, municipality), referrals in order."""
    if refs.num_rows == 0:
        return []
    t = draw(data, refs, rng)
    rows = refs.to_pylist()
    stories: dict[tuple[int, int], Story] = {}
    for i in np.lexsort((t.authored, t.muni, t.person)).tolist():
        key = (int(t.person[i]), int(t.muni[i]))
        story = stories.get(key)
        if story is None:
            story = Story("prevention", data.cpr[key[0]], key[1], key[0], data.ids)
            story.open(int(t.registered[i]), 480, data.plan.unit_sor(key[1], "prevention"))
            stories[key] = story
        _course(story, data, t, i, rows[i])
    return [stories[k] for k in sorted(stories)]


def _course(story: Story, data: BlockData, t: Timeline, i: int, row: dict[str, object]) -> None:
    reg = int(t.registered[i])
    requester = None
    if row["requester_sor"]:
        requester = story.organisation(reg, str(row["requester_sor"]))
    performer = story.organisation(reg, data.plan.unit_sor(story.municipality, "prevention"))
    focus = story.put(reg, 481, "focus", story.new_key("focus"),
                      code=row["focus_code"], system=row["focus_system"])  # fmt: skip
    sr = story.put(reg, 482, "sr", story.new_key("sr"), status="active",
                   authored=int(t.authored[i]), requester=requester, focus=focus,
                   focus_code=row["focus_code"], focus_system=row["focus_system"])  # fmt: skip
    death = int(data.death[t.person[i]])
    contact = int(t.contact[i])
    if not t.contacted[i] or contact >= death:
        story.put(max(reg, min(int(t.declined[i]), death)), 600, "sr", sr, status="revoked")
        return
    prog = PROGRAMMES[int(t.programme[i])]
    common: dict[str, Any] = {"performer": performer, "service_request": sr}
    clarify = story.put(contact, 600, "pi", story.new_key("pi"), code=c.I119_CLARIFY,
                        status="completed", detail_status="completed", start=contact,
                        end=contact, delivery=c.DELIVERY_INDIVIDUAL, **common)  # fmt: skip
    story.put(contact, 601, "enc", story.new_key("enc"), status="finished", cls="AMB",
              based_on=clarify, at=(contact, 600, 45))  # fmt: skip
    conditions = list(c.C119[prog])
    if data.smoker[t.person[i]]:
        conditions.append(c.C119_TOBACCO)
    for code in conditions:
        story.put(contact, 602, "cond", story.new_key("cond"), code=code, recorded=contact)
    start = int(t.start[i])
    if not t.started[i] or start >= death:
        story.put(max(reg, min(int(t.declined[i]), death)), 610, "sr", sr, status="revoked")
        return
    forloeb = story.put(start, 540, "forloeb", story.new_key("forloeb"), status="active",
                        start=start, detail_status="in-progress", **common)  # fmt: skip
    codes = _interventions(prog, t, i, bool(data.smoker[t.person[i]]))
    plans = [
        story.put(start, 541 + k, "pi", story.new_key("pi"), code=code, status="active",
                  detail_status="in-progress", start=start, based_on=forloeb,
                  delivery=c.DELIVERY_GROUP if k == 0 else c.DELIVERY_INDIVIDUAL, **common)
        for k, code in enumerate(codes)
    ]  # fmt: skip
    end, reason = t.sessions.tell(story, i, plans[0], death, data.levers)
    if end is None:
        return
    final = "completed" if reason is None else "revoked"
    detail = "completed" if reason is None else "cancelled"
    story.put(end, 900, "forloeb", forloeb, status=final, end=end, detail_status=detail,
              status_reason=reason)  # fmt: skip
    for key in plans:
        story.put(end, 901, "pi", key, status=final, end=end, detail_status=detail)
    if reason is None:
        story.put(end, 902, "pi", story.new_key("pi"), code=c.I119_CLOSING, status="completed",
                  detail_status="completed", start=end, end=end,
                  delivery=c.DELIVERY_INDIVIDUAL, **common)  # fmt: skip
    story.put(end, 903, "sr", sr, status="completed")
    if reason == c.CANCEL_EVENT:
        close_after_death(story, end)


def _interventions(prog: str, t: Timeline, i: int, smoker: bool) -> list[str]:
    """Planned interventions of a forløb; the first one carries the sessions."""
    if prog == "diabetes":
        codes = [c.I119_DISEASE, c.I119_DIET]
    else:
        codes = [c.I119_TRAINING]
        if t.disease_management[i]:
            codes.append(c.I119_DISEASE)
    if smoker and t.tobacco_offer[i]:
        codes.append(c.I119_TOBACCO)
    return codes


__all__ = ["NEVER", "tell"]
