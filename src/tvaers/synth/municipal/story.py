"""A report stream's story: every version of every resource one EOJ record holds about a citizen.

A stream is (citizen, municipality, IG): one Patient resource and everything the
municipality registers under that IG. ``Story.put`` records a change at a local time and
merges it into the resource's attributes, so each version is a complete snapshot; the
versions are later grouped into daily reports (``reports``). A version marked ``erroneous``
never happened in reality (a registration error that the EOJ later sets entered-in-error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tvaers.synth.municipal.resources import RESOURCE_TYPE, Attrs
from tvaers.synth.rng import uuid4_strings

ENTERED_IN_ERROR = "entered-in-error"


class IdPool:
    """UUIDs drawn in bulk from one stream (deterministic in the order of use)."""

    def __init__(self, rng: np.random.Generator, chunk: int = 4096):
        self._rng, self._chunk = rng, chunk
        self._ids: list[str] = []
        self._at = 0

    def next(self) -> str:
        if self._at >= len(self._ids):
            self._ids = uuid4_strings(self._rng, self._chunk).to_pylist()
            self._at = 0
        self._at += 1
        return self._ids[self._at - 1]


@dataclass(slots=True)
class Version:
    """One version of one resource: changed at local (day, minute), with all its attributes."""

    day: int
    minute: int
    key: str
    kind: str
    attrs: Attrs
    erroneous: bool
    order: int  # position in the story (breaks ties between changes of one minute)
    delivered: int | None = None  # first day an accepted report carried it (None: never)


@dataclass
class Story:
    """The versions of one report stream, in the order they were put."""

    ig: str
    cpr: str
    municipality: int  # index into Plan.kommunekoder
    person: int  # row of the citizen in the block
    ids: IdPool
    versions: list[Version] = field(default_factory=list)
    _current: dict[str, Attrs] = field(default_factory=dict)
    _orgs: dict[str, str] = field(default_factory=dict)
    patient_key: str = ""

    def new_key(self, kind: str) -> str:
        return f"{RESOURCE_TYPE[kind]}/{self.ids.next()}"

    def put(
        self, day: int, minute: int, kind: str, key: str, erroneous: bool = False, **attrs: Any
    ) -> str:
        """Record a change of ``key`` (created if new); returns the key."""
        merged = {**self._current.get(key, {}), **attrs}
        if "id" not in merged:
            merged["id"] = key.split("/", 1)[1]
        if kind != "patient" and kind != "org":
            merged.setdefault("patient", self.patient_key)
        self._current[key] = merged
        self.versions.append(Version(day, minute, key, kind, merged, erroneous, len(self.versions)))
        return key

    def attrs(self, key: str) -> Attrs:
        return self._current[key]

    def open(self, day: int, minute: int, sor: str) -> None:
        """Create the citizen (Patient) of this stream on its first day."""
        self.patient_key = self.new_key("patient")
        self.put(day, minute, "patient", self.patient_key, cpr=self.cpr, sor=sor, deceased=False)

    def organisation(self, day: int, sor: str) -> str:
        """The Organization resource of a SOR code (one per stream and code)."""
        if sor not in self._orgs:
            self._orgs[sor] = self.new_key("org")
            self.put(day, 0, "org", self._orgs[sor], sor=sor)
        return self._orgs[sor]

    def clipped(self, last_day: int) -> list[Version]:
        """Versions up to ``last_day`` (the data cut-off) in time order, one per resource and
        day: a daily snapshot carries only the day's last version of a resource."""
        kept = [v for v in self.versions if v.day <= last_day]
        kept.sort(key=lambda v: (v.day, v.minute, v.order))
        last = {(v.key, v.day): i for i, v in enumerate(kept)}
        return [v for i, v in enumerate(kept) if last[(v.key, v.day)] == i]
