"""Delivery: which daily reports leave the EOJ, when, and whether the gateway will accept them.

Per report: not sent before the municipality reports the IG (coverage gap); sent after an
outage with the backlog (one report per covered day); occasionally sent late on its own;
occasionally broken in a known way (rejected with a recorded rule key) and then re-sent
corrected under a new id. Nothing sent after the window's last day (the data cut-off) is
delivered. Every version an accepted report carried is marked delivered.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from tvaers.synth.municipal import invalid
from tvaers.synth.municipal.levers import Levers
from tvaers.synth.municipal.options import MunicipalOptions
from tvaers.synth.municipal.plan import Plan
from tvaers.synth.municipal.reports import DailyReport, bundle_bytes, daily_reports
from tvaers.synth.municipal.story import IdPool, Story

COLUMNS = (
    "send_day", "kommunekode", "covered_day", "ig", "cpr", "seq", "report_id", "client_id",
    "expected", "rule_key", "invalid_kind", "resend_of", "late", "outage", "entries", "data",
)  # fmt: skip


@dataclass(frozen=True)
class Sent:
    """A daily report on its way: its stream, content, order in the stream, how it is late."""

    story: Story
    report: DailyReport
    seq: int
    late: bool
    outage: bool


@dataclass
class Courier:
    """Delivers the reports of a block's stories; collects one spill row per sent report."""

    plan: Plan
    levers: Levers
    options: MunicipalOptions
    rng: np.random.Generator
    ids: IdPool
    rows: dict[str, list[Any]] = field(default_factory=lambda: {k: [] for k in COLUMNS})

    def __post_init__(self) -> None:
        lv, o = self.levers, self.options
        self.late_share = (
            o.late_report_share
            if o.late_report_share is not None
            else lv.num("delivery.late_report_share")
        )
        self.invalid_share = (
            o.invalid_share if o.invalid_share is not None else lv.num("delivery.invalid_share")
        )
        self.resend_share = lv.num("delivery.resend_share")
        self.late_days = lv.days("delivery.late_report_days")
        self.resend_days = lv.days("delivery.resend_days")

    def deliver(self, story: Story) -> None:
        """Send every daily report of ``story`` (and mark what reached the gateway)."""
        plan, m, ig = self.plan, story.municipality, story.ig
        first = max(plan.start, int(plan.report_from[ig][m]))
        versions = story.clipped(plan.end)
        story.versions = versions
        reports = list(daily_reports(story, versions, first))
        u = self.rng.random((len(reports), 6))
        for j, report in enumerate(reports):
            send = plan.send_day(m, report.day)
            outage = send > report.day
            late = bool(u[j, 0] < self.late_share)
            if late:
                send = max(send, report.day + _between(u[j, 1], self.late_days))
            if send > plan.end:
                continue
            sent = Sent(story, report, 2 * j, late, outage)
            options = invalid.candidates(report, ig) if u[j, 2] < self.invalid_share else []
            if not options:
                self._add(send, sent)
                continue
            kind, entry = options[int(u[j, 3] * len(options))]
            rejected = self._add(send, sent, broken=(kind, entry))
            resend = send + _between(u[j, 5], self.resend_days)
            if u[j, 4] < self.resend_share and resend <= plan.end:
                self._add(resend, replace(sent, seq=2 * j + 1), resend_of=rejected)

    def _add(
        self,
        send: int,
        sent: Sent,
        *,
        broken: tuple[invalid.Kind, Any] | None = None,
        resend_of: str | None = None,
    ) -> str:
        story, report, seq, late, outage = sent.story, sent.report, sent.seq, sent.late, sent.outage
        report_id = self.ids.next()
        keys = [e.version.key for e in report.entries]
        datas = [e.data for e in report.entries]
        rule = kind_name = None
        if broken is not None:
            kind, target = broken
            datas = [invalid.broken(kind, e) if e is target else e.data for e in report.entries]
            rule, kind_name = kind.rule_key(story.ig), kind.name
        else:
            for e in report.entries:
                v = e.version
                v.delivered = send if v.delivered is None else min(v.delivered, send)
        m = story.municipality
        values = (
            send, self.plan.kommunekoder[m], report.day, story.ig, story.cpr, seq, report_id,
            self.plan.client_id[m], "rejected" if broken else "accepted", rule, kind_name,
            resend_of, late, outage, len(keys),
            bundle_bytes(story.ig, report_id, report.day, datas, keys),
        )  # fmt: skip
        for name, value in zip(COLUMNS, values, strict=True):
            self.rows[name].append(value)
        return report_id


def _between(u: float, bounds: tuple[int, int]) -> int:
    return bounds[0] + int(u * (bounds[1] - bounds[0] + 1))
