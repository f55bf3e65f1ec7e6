"""Deliberately invalid reports: known vendor mistakes that break exactly one validation rule.

Each kind breaks one resource that no other entry of the report references (a leaf), so
the validator reports exactly one error rule key and no follow-on reference errors; the
key is recorded in the report ledger. The vendor then re-sends the correct content.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from tvaers.synth.municipal.reports import DailyReport, Entry
from tvaers.synth.municipal.resources import PREFIX

Mutation = Callable[[dict[str, Any]], None]


def _drop_end(resource: dict[str, Any]) -> None:
    del resource["period"]["end"]


def _bad_class(resource: dict[str, Any]) -> None:
    resource["class"] = {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
        "code": "HOME",
    }


def _drop_discharge(resource: dict[str, Any]) -> None:
    kept = [e for e in resource["extension"] if not e["url"].endswith("/PreconditionDate")]
    if kept:
        resource["extension"] = kept
    else:
        del resource["extension"]  # an empty array would break a second rule


def _drop_goal_start(resource: dict[str, Any]) -> None:
    del resource["startDate"]


def _drop_period_start(resource: dict[str, Any]) -> None:
    del resource["period"]["start"]


@dataclass(frozen=True)
class Kind:
    """A kind of invalid report: which resources it breaks, how, and the rule it breaks."""

    name: str
    igs: tuple[str, ...]
    resource_kind: str  # story kind of the broken resource
    mutate: Mutation
    rule: str  # with {p} = the IG's profile prefix, e.g. klgateway-119

    def rule_key(self, ig: str) -> str:
        return self.rule.format(p=PREFIX[ig])


KINDS: tuple[Kind, ...] = (
    Kind("encounter-no-end", ("prevention", "rehab"), "enc", _drop_end,
         "cardinality:{p}-encounter:Encounter.period.end"),
    Kind("encounter-bad-class", ("prevention", "rehab"), "enc", _bad_class,
         "binding:{p}-encounter:Encounter.class"),
    Kind("sr-no-discharge-date", ("rehab",), "sr", _drop_discharge,
         "cardinality:{p}-servicerequest:ServiceRequest.extension:dischargeDate"),
    Kind("goal-no-start", ("care",), "goal", _drop_goal_start, "cardinality:{p}-goal:Goal.start[x]"),
    Kind("intervention-no-start", ("care",), "care_pi", _drop_period_start,
         "cardinality:{p}-planned-intervention:CarePlan.period.start"),
)  # fmt: skip


def candidates(report: DailyReport, ig: str) -> list[tuple[Kind, Entry]]:
    """Every (kind, leaf entry) this report could be broken with, in a fixed order."""
    leaves = report.leaves()
    out = []
    for kind in KINDS:
        if ig not in kind.igs:
            continue
        for entry in leaves:
            if entry.version.kind == kind.resource_kind:
                out.append((kind, entry))
                break
    return out


def broken(kind: Kind, entry: Entry) -> bytes:
    """The entry's resource with the kind's mistake, as JSON bytes."""
    resource = orjson.loads(entry.data)
    kind.mutate(resource)
    return orjson.dumps(resource)
