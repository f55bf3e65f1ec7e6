"""Daily per-citizen change reports from a story, as an EOJ system builds them.

For every day with changes, one delivery report (Bundle, type ``collection``) carries the
citizen, every resource that changed that day (its day-end version) and, so that the report
is self-contained, every resource those reference, at its current version (KL Gateway:
"all referenced resources are included in the report"). Each version is rendered and
serialised once and reused by every report that carries it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import orjson

from tvaers.synth.municipal.fhirtime import instant
from tvaers.synth.municipal.resources import CANONICAL, PREFIX, render
from tvaers.synth.municipal.story import Story, Version

TIMESTAMP_MINUTE = 23 * 60 + 30  # the nightly report job
BASE_URL = "https://eoj.example.dk/fhir"


@dataclass(slots=True)
class Entry:
    """A rendered version: its JSON bytes, the keys it references, and the version itself."""

    version: Version
    data: bytes
    refs: tuple[str, ...]


@dataclass(slots=True)
class DailyReport:
    """The change report of one stream for one covered day."""

    day: int
    entries: list[Entry]

    def leaves(self) -> list[Entry]:
        """Entries no other entry of this report references (safe to break alone)."""
        referenced = {k for e in self.entries for k in e.refs}
        return [e for e in self.entries if e.version.key not in referenced]


def _rendered(version: Version, ig: str, cache: dict[int, Entry]) -> Entry:
    entry = cache.get(id(version))
    if entry is None:
        resource, refs = render(version.kind, version.attrs, ig, version.day, version.minute)
        entry = Entry(version, orjson.dumps(resource), refs)
        cache[id(version)] = entry
    return entry


def daily_reports(story: Story, versions: list[Version], first_day: int) -> Iterator[DailyReport]:
    """The stream's reports for covered days from ``first_day`` (earlier changes are never
    sent on their own; they reach the gateway as referenced resources). ``versions`` are the
    story's versions up to the cut-off (``Story.clipped``)."""
    current: dict[str, Version] = {}
    created: dict[str, int] = {}
    cache: dict[int, Entry] = {}
    i = 0
    while i < len(versions):
        day = versions[i].day
        changed: list[str] = []
        while i < len(versions) and versions[i].day == day:
            v = versions[i]
            current[v.key] = v
            created.setdefault(v.key, len(created))
            changed.append(v.key)
            i += 1
        if day < first_day:
            continue
        seen = {story.patient_key, *changed}
        stack = list(seen)
        while stack:
            for ref in _rendered(current[stack.pop()], story.ig, cache).refs:
                if ref not in seen:
                    seen.add(ref)
                    stack.append(ref)
        keys = sorted(seen, key=created.__getitem__)
        yield DailyReport(day, [_rendered(current[k], story.ig, cache) for k in keys])


def bundle_bytes(ig: str, report_id: str, day: int, entries: list[bytes], keys: list[str]) -> bytes:
    """A delivery report as compact JSON, assembled from pre-serialised entries."""
    head = orjson.dumps(
        {
            "resourceType": "Bundle",
            "id": report_id,
            "meta": {
                "profile": [f"{CANONICAL[ig]}/StructureDefinition/{PREFIX[ig]}-delivery-report"]
            },
            "type": "collection",
            "timestamp": instant(day, TIMESTAMP_MINUTE),
        }
    )
    parts = [
        b'{"fullUrl":"' + f"{BASE_URL}/{key}".encode() + b'","resource":' + data + b"}"
        for key, data in zip(keys, entries, strict=True)
    ]
    return head[:-1] + b',"entry":[' + b",".join(parts) + b"]}"
