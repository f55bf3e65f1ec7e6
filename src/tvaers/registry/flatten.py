"""Gateway data -> versioned flat tables, with the shipped ViewDefinitions.

The registry folds delivery reports per citizen with :func:`tvaers.fhir.state.apply_report`
(the gateway's own identity and version rules) and, after each report, re-flattens only the
resources the report changed (:func:`~tvaers.fhir.state.changed_keys`). Each flat row is one
version of one resource as the registry knew it: ``known_from`` (when the report arrived)
until ``known_to`` (when a newer version replaced it; null = current). A late report that
carries an older version changes nothing current, so it opens no row. ``invalid`` is true
when the current version is entered-in-error (or an inactive Patient).

The view tables are ``src/tvaers/registry/views/<name>.json`` (one per profile of the three
inbound IGs); the registry adds ``pid`` (the pseudonym), ``resource_key`` (``Type/id``),
``kommunekode`` (the reporting municipality), ``known_from``, ``known_to`` and ``invalid``;
a view's own ``cpr`` column is dropped. FHIR date and dateTime columns become DATE
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

from tvaers.fhir.state import EMPTY, CitizenState, Report, apply_report, changed_keys

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


def covered_month(bundle: Mapping[str, Any], received: datetime) -> date:
    """The month a report covers: that of ``Bundle.timestamp`` (its local date), else receipt.

    Coverage is counted by the month the municipality's system produced the report, so a
    late delivery, a resend or a replay of history counts for the month it describes.
    """
    stamp = bundle.get("timestamp")
    if isinstance(stamp, str) and len(stamp) >= 7:
        try:
            return date(int(stamp[:4]), int(stamp[5:7]), 1)
        except ValueError:
            pass
    return received.date().replace(day=1)


@dataclass
class Flattener:
    """Folds reports in arrival order into per-view history rows and coverage counts.

    ``person`` is the pseudonym: reports are pseudonymised before they are folded. For an
    incremental import, :meth:`resume` seeds a citizen's state (folded from the logged
    reports) and the still-open rows of the stored tables, so only changed resources are
    flattened again.
    """

    views: Mapping[str, Any] = field(default_factory=shipped_views)
    states: dict[str, CitizenState] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    open: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    coverage: dict[tuple[str, str, date], int] = field(default_factory=lambda: defaultdict(int))
    _by_type: dict[Any, list[tuple[str, Any, set[str], list[str]]]] | None = field(
        default=None, init=False, repr=False
    )

    def resume(
        self, person: str, state: CitizenState, open_rows: Mapping[str, list[dict[str, Any]]]
    ) -> None:
        """Continue a citizen: its state so far and its current rows per table."""
        self.states[person] = state
        for name, rows in open_rows.items():
            for row in rows:
                self.rows[name].append(row)
                if row["known_to"] is None:
                    self.open.setdefault((person, row["resource_key"]), []).append(row)

    def add(
        self,
        bundle: Mapping[str, Any],
        sequence: int,
        person: str,
        kommunekode: str | None,
        received: datetime,
    ) -> None:
        """Apply one delivery report received at ``received`` for citizen ``person``."""
        old = self.states.get(person, EMPTY)
        new = apply_report(old, Report.of(bundle, sequence))
        self.states[person] = new
        ig = report_ig(bundle)
        if ig and kommunekode and new is not old:
            self.coverage[(kommunekode, ig, covered_month(bundle, received))] += 1
        for key in changed_keys(old, new):
            for row in self.open.pop((person, str(key)), []):
                row["known_to"] = received
            state = new.get(key)
            if state is None:
                continue
            opened = self._flatten(
                state.current.resource, str(key), person, kommunekode, received, state.invalidated
            )
            if opened:
                self.open[(person, str(key))] = opened

    def _flatten(
        self,
        resource: Mapping[str, Any],
        key: str,
        person: str,
        kommunekode: str | None,
        received: datetime,
        invalid: bool,
    ) -> list[dict[str, Any]]:
        opened = []
        for name, view, dates, names in self._views_of(resource.get("resourceType")):
            for values in view.rows(dict(resource)):
                row = {
                    n: (local_date(v) if n in dates else v)
                    for n, v in zip(names, values, strict=True)
                }
                row.update(
                    pid=person,
                    resource_key=key,
                    kommunekode=kommunekode,
                    known_from=received,
                    known_to=None,
                    invalid=invalid,
                )
                row.pop("cpr", None)  # the citizen views' CPR column: never stored
                self.rows[name].append(row)
                opened.append(row)
        return opened

    def _views_of(self, resource_type: Any) -> list[tuple[str, Any, set[str], list[str]]]:
        """The views over ``resource_type``: (name, view, date columns, column names)."""
        if self._by_type is None:
            self._by_type = defaultdict(list)
            for name, view in self.views.items():
                self._by_type[view.definition.resource].append(
                    (name, view, view_date_columns(view), view.schema.names)
                )
        return self._by_type.get(resource_type, [])

    def tables(self) -> dict[str, Any]:
        """Arrow tables of the rows seen, per view (every shipped view, empty ones too)."""
        import pyarrow as pa

        out = {}
        for name, view in self.views.items():
            schema = table_schema(view)
            rows = sorted(
                self.rows.get(name, []),
                key=lambda r: (r["pid"], r["resource_key"], r["known_from"]),
            )
            out[name] = pa.Table.from_pylist(
                [{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema
            )
        return out


def table_schema(view: Any) -> Any:
    """The stored schema of a view's table: pid, resource_key, the view's columns, metadata."""
    import pyarrow as pa

    dates = view_date_columns(view)
    fields = [pa.field("pid", pa.string()), pa.field("resource_key", pa.string())]
    for f in view.schema:
        if f.name != "cpr":
            fields.append(pa.field(f.name, pa.date32()) if f.name in dates else f)
    fields += [
        pa.field("kommunekode", pa.string()),
        pa.field("known_from", pa.timestamp("us")),
        pa.field("known_to", pa.timestamp("us")),
        pa.field("invalid", pa.bool_()),
    ]
    return pa.schema(fields)


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
