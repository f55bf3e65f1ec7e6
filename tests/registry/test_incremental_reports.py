"""Incremental report imports equal a full import and a rebuild, for any split (Hypothesis).

Reports for two citizens carry versions of the same resources with colliding and late
``meta.lastUpdated`` instants, entered-in-error corrections and repeated report ids; they
arrive on non-decreasing days and are imported in random batches.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_factory import careplan, intervention, report

from tvaers.registry.pseudonym import load_or_create_key
from tvaers.registry.reports import import_reports
from tvaers.registry.store import RegistryStore

CITIZENS = ("0101501111", "0202602222")
STATUSES = ("active", "completed", "entered-in-error")


@st.composite
def resource(draw: st.DrawFn) -> dict[str, Any]:
    updated = f"2025-01-{draw(st.integers(1, 4)):02d}T10:00:00Z"
    start = (date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 60)))).isoformat()
    if draw(st.booleans()):
        return careplan(
            draw(st.sampled_from(("cp1", "cp2"))),
            start,
            status=draw(st.sampled_from(STATUSES)),
            updated=updated,
        )
    return intervention("i1", start, basis=draw(st.sampled_from((None, "cp1"))), updated=updated)


@st.composite
def reports(draw: st.DrawFn) -> list[tuple[int, dict[str, Any]]]:
    count = draw(st.integers(1, 8))
    day = 0
    out = []
    for _ in range(count):
        day += draw(st.integers(0, 2))
        cpr = draw(st.sampled_from(CITIZENS))
        bundle_id = f"r{draw(st.integers(1, 6))}"  # repeats: resubmissions are no-ops
        body = draw(st.lists(resource(), min_size=0, max_size=3, unique_by=lambda r: r["id"]))
        out.append((day, report(bundle_id, cpr, *body)))
    return out


def write(folder: Path, items: list[tuple[int, dict[str, Any]]]) -> Path:
    for day, bundle in items:
        path = folder / (date(2025, 2, 1) + timedelta(days=day)).isoformat() / "101.ndjson"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(bundle) + "\n")
    return folder


def contents(store: RegistryStore) -> dict[str, list[str]]:
    import pyarrow.parquet as pq

    return {
        name: sorted(repr(sorted(row.items())) for row in pq.read_table(path).to_pylist())
        for name, path in sorted(store.tables().items())
    }


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(items=reports(), cuts=st.lists(st.integers(1, 7), max_size=3), data=st.data())
def test_incremental_equals_full_and_rebuild(
    items: list[tuple[int, dict[str, Any]]],
    cuts: list[int],
    data: st.DataObject,
    tmp_path_factory: Any,
) -> None:
    base = tmp_path_factory.mktemp("inc")
    key = load_or_create_key(base / "key")
    points = sorted({c for c in cuts if c < len(items)})
    batches = [items[a:b] for a, b in zip([0, *points], [*points, len(items)], strict=True)]
    incremental = RegistryStore(base / "incremental")
    for i, batch in enumerate(batches):
        import_reports(incremental, key, write(base / f"batch{i}", batch))
    full = RegistryStore(base / "full")
    import_reports(full, key, write(base / "all", items))
    assert contents(incremental) == contents(full)
    import_reports(full, key, base / "all", rebuild=True)  # nothing new: replay the log
    assert contents(incremental) == contents(full)
    again = data.draw(st.integers(0, len(batches) - 1))
    import_reports(incremental, key, base / f"batch{again}")  # a re-sent batch changes nothing
    assert contents(incremental) == contents(full)
