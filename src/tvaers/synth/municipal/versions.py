"""``events/municipal_versions``: every version of every municipal resource, as typed columns.

The generator's own record of what the EOJ systems held (``erroneous`` = never happened in
reality) and what reached the gateway (``delivered``, ``known_from``). The ground truth of
the indicators is computed from this table: ``truth_actual`` from the real versions,
``truth_observable`` from the delivered ones. Columns: docs/data-formats.md.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from tvaers.synth.municipal import codes as c
from tvaers.synth.municipal.plan import Plan
from tvaers.synth.municipal.resources import Attrs
from tvaers.synth.municipal.story import ENTERED_IN_ERROR, Story, Version

DATE = pa.date32()
SCHEMA = pa.schema(
    [
        ("cpr", pa.string()), ("kommunekode", pa.string()), ("ig", pa.string()),
        ("resource_type", pa.string()), ("resource_id", pa.string()), ("kind", pa.string()),
        ("last_updated", pa.timestamp("us")), ("status", pa.string()), ("invalid", pa.bool_()),
        ("erroneous", pa.bool_()), ("code", pa.string()), ("generation", pa.string()),
        ("local_code", pa.string()), ("category", pa.string()), ("care_class", pa.string()),
        ("start", DATE), ("end", DATE), ("status_reason", pa.string()),
        ("based_on", pa.string()), ("service_request", pa.string()), ("refs", pa.string()),
        ("level", pa.int8()), ("authored", DATE), ("discharge", DATE), ("occurrence", DATE),
        ("delivered", pa.bool_()), ("known_from", DATE),
    ]
)  # fmt: skip
MICROS_PER_MINUTE = 60_000_000
CATEGORY = {("forloeb", "prevention"): c.FORLOEB_119, ("forloeb", "rehab"): c.FORLOEB_140}


def _status(kind: str, a: Attrs) -> Any:
    if kind in ("cond", "care_cond", "focus"):
        return "entered-in-error" if a.get("invalid") else a.get("clinical", "active")
    if kind == "goal":
        return a["lifecycle"]
    if kind == "patient":
        return "deceased" if a.get("deceased") else "active"
    return a.get("status")


def _refs(kind: str, a: Attrs) -> str | None:
    if kind in ("care_pi", "care_enc"):
        return ",".join(a["conditions"])
    if kind in ("goal", "fuo"):
        return str(a["condition"])
    if kind == "sr":
        return str(a["focus"])
    return None


def row(story: Story, kommunekode: str, v: Version) -> tuple[Any, ...]:
    """The typed columns of one version (in ``SCHEMA`` order)."""
    a, kind = v.attrs, v.kind
    status = _status(kind, a)
    at = a.get("at")
    start = a.get("start", a.get("recorded", at[0] if at else None))
    end = a.get("end", at[0] if kind == "enc" and at else None)
    local = a.get("local")
    categories = a.get("categories")
    category = categories[0] if categories else CATEGORY.get((kind, story.ig))
    if kind == "care_enc":
        category = c.ENC_FOLLOW_UP
    rtype, rid = v.key.split("/", 1)
    # dates stay epoch days and times minutes since the epoch: typed in one cast per column
    return (
        story.cpr, kommunekode, story.ig, rtype, rid, kind,
        (v.day * 1440 + v.minute) * MICROS_PER_MINUTE, status, status == ENTERED_IN_ERROR,
        v.erroneous, a.get("focus_code") if kind == "sr" else a.get("code"),
        a.get("generation"), local[0] if local else None, category, a.get("care_class"),
        start, end, a.get("status_reason"), a.get("based_on"),
        a.get("service_request"), _refs(kind, a), a.get("level_n", a.get("target_n")),
        a.get("authored"), a.get("discharge"), a.get("occurrence"),
        v.delivered is not None, v.delivered,
    )  # fmt: skip


def versions_table(stories: list[Story], plan: Plan) -> pa.Table:
    """One row per version of every story (versions up to the cut-off, day-end only)."""
    rows = [
        row(story, plan.kommunekoder[story.municipality], v)
        for story in stories
        for v in story.versions
    ]
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in SCHEMA.names]
    return pa.Table.from_arrays(
        [_array(col, f.type) for col, f in zip(columns, SCHEMA, strict=True)], schema=SCHEMA
    )


def _array(values: Any, kind: pa.DataType) -> pa.Array:
    """Dates from epoch days, timestamps from microseconds; the rest as they are."""
    if kind == DATE:
        return pa.array(values, pa.int32()).cast(DATE)
    if pa.types.is_timestamp(kind):
        return pa.array(values, pa.int64()).cast(kind)
    return pa.array(values, type=kind)
