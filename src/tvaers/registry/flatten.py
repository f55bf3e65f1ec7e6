"""Gateway data -> versioned flat tables, with the shipped ViewDefinitions.

The registry folds delivery reports per citizen with :func:`tvaers.fhir.state.apply_report`
(the gateway's own identity and version rules) and, after each report, re-flattens only the
resources the report changed (:func:`~tvaers.fhir.state.changed_keys`). Each flat row is one
version of one resource as the registry knew it: ``known_from`` (when the report arrived)
until ``known_to`` (when a newer version replaced it; null = current). A late report that
carries an older version changes nothing current, so it opens no row. ``invalid`` is true
when the current version is entered-in-error (or an inactive Patient).

The view tables are ``src/tvaers/registry/views/<name>.json`` (one per profile of the three
inbound IGs); the registry adds ``cpr`` (pseudonymised at import), ``kommunekode``,
``known_from``, ``known_to`` and ``invalid``. FHIR date and dateTime columns become DATE
(the Danish local date; a partial date becomes its first day).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from tvaers.fhir.references import ResourceKey
from tvaers.fhir.state import EMPTY, CitizenState, Report, apply_report, changed_keys

ADDED = ("cpr", "kommunekode", "known_from", "known_to", "invalid")
DATE_TYPES = ("date", "dateTime", "instant")
IG_OF_PROFILE = {
    "klgateway-119-delivery-report": "prevention",
    "klgateway-140-delivery-report": "rehab",
    "klgateway-care-delivery-report": "care",
}


@cache
def shipped_views() -> dict[str, Any]:
    """The compiled shipped views by table name."""
    from tvaers.views import compile_view

    folder = resources.files("tvaers.registry.views")
    found = {}
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".json"):
            definition = json.loads(item.read_text("utf-8"))
            found[definition["name"]] = compile_view(
                definition, source=f"registry/views/{item.name}"
            )
    return found


def flat_columns(table: str) -> dict[str, bool] | None:
    """Columns of a flat municipal table (name -> is a date), or None if unknown."""
    from tvaers.registry.schemas import EXTRACTS

    views = shipped_views()
    if table in views:
        dates = view_date_columns(views[table])
        found = {name: name in dates for name in views[table].schema.names}
        return {**found, "kommunekode": False}
    spec = EXTRACTS.get(table)
    if spec is None or not any(col.name == "known_from" for col in spec.columns):
        return None
    return {col.name: col.type == "DATE" for col in spec.columns}


def source_of(table: str) -> str:
    """The definition source a flat table belongs to (``gateway_119`` ...)."""
    return "gateway_" + table.rsplit("_", 1)[-1]


def view_date_columns(view: Any) -> set[str]:
    return {c.name for c in view.definition.columns if c.type in DATE_TYPES}


def local_date(value: Any) -> date | None:
    """A FHIR date/dateTime as a Danish local date (partial dates: their first day)."""
    from zoneinfo import ZoneInfo

    if value is None:
        return None
    text = str(value)
    if len(text) == 4:
        return date(int(text), 1, 1)
    if len(text) == 7:
        return date(int(text[:4]), int(text[5:7]), 1)
    if len(text) == 10:
        return date.fromisoformat(text)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo("Europe/Copenhagen"))
    return moment.date()


def report_ig(bundle: Mapping[str, Any]) -> str | None:
    """``care``, ``rehab`` or ``prevention`` from the delivery report's profile."""
    for profile in (bundle.get("meta") or {}).get("profile") or ():
        found = IG_OF_PROFILE.get(str(profile).rsplit("/", 1)[-1])
        if found:
            return found
    return None


@dataclass
class Flattener:
    """Folds reports in arrival order into per-view history rows and coverage counts."""

    views: Mapping[str, Any] = field(default_factory=shipped_views)
    states: dict[str, CitizenState] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    open: dict[tuple[str, ResourceKey], list[dict[str, Any]]] = field(default_factory=dict)
    coverage: dict[tuple[str, str, date], int] = field(default_factory=lambda: defaultdict(int))
    sequence: int = 0

    def add(
        self, bundle: Mapping[str, Any], cpr: str, kommunekode: str | None, received: datetime
    ) -> None:
        """Apply one delivery report received at ``received`` for citizen ``cpr``."""
        self.sequence += 1
        old = self.states.get(cpr, EMPTY)
        new = apply_report(old, Report.of(bundle, self.sequence))
        self.states[cpr] = new
        ig = report_ig(bundle)
        if ig and kommunekode:
            self.coverage[(kommunekode, ig, received.date().replace(day=1))] += 1
        for key in changed_keys(old, new):
            for row in self.open.pop((cpr, key), []):
                row["known_to"] = received
            state = new.get(key)
            if state is None:
                continue
            opened = self._flatten(
                state.current.resource, cpr, kommunekode, received, state.invalidated
            )
            if opened:
                self.open[(cpr, key)] = opened

    def _flatten(
        self,
        resource: Mapping[str, Any],
        cpr: str,
        kommunekode: str | None,
        received: datetime,
        invalid: bool,
    ) -> list[dict[str, Any]]:
        opened = []
        for name, view in self.views.items():
            if view.definition.resource != resource.get("resourceType"):
                continue
            dates = view_date_columns(view)
            names = view.schema.names
            for values in view.rows(dict(resource)):
                row = {
                    n: (local_date(v) if n in dates else v)
                    for n, v in zip(names, values, strict=True)
                }
                row.update(
                    cpr=cpr,
                    kommunekode=kommunekode,
                    known_from=received,
                    known_to=None,
                    invalid=invalid,
                )
                self.rows[name].append(row)
                opened.append(row)
        return opened

    def tables(self) -> dict[str, Any]:
        """Arrow tables per view (every shipped view, empty ones too) plus ``coverage``."""
        import pyarrow as pa

        out = {}
        for name, view in self.views.items():
            fields = []
            dates = view_date_columns(view)
            for f in view.schema:
                fields.append(pa.field(f.name, pa.date32()) if f.name in dates else f)
            added = [
                pa.field("cpr", pa.string()),
                pa.field("kommunekode", pa.string()),
                pa.field("known_from", pa.timestamp("us")),
                pa.field("known_to", pa.timestamp("us")),
                pa.field("invalid", pa.bool_()),
            ]
            fields += [f for f in added if f.name not in view.schema.names]
            schema = pa.schema(fields)
            names = [f.name for f in fields]
            data = [{n: r.get(n) for n in names} for r in self.rows.get(name, [])]
            out[name] = pa.Table.from_pylist(data, schema=schema)
        out["coverage"] = coverage_table(self.coverage.items())
        return out


def coverage_table(items: Iterable[tuple[tuple[str, str, date], int]]) -> Any:
    import pyarrow as pa

    rows = sorted(items)
    return pa.table(
        {
            "kommunekode": [k for (k, _, _), _ in rows],
            "ig": [ig for (_, ig, _), _ in rows],
            "month": pa.array([m for (_, _, m), _ in rows], type=pa.date32()),
            "accepted": pa.array([n for _, n in rows], type=pa.int64()),
            "rejected": pa.array([0 for _ in rows], type=pa.int64()),
        }
    )
