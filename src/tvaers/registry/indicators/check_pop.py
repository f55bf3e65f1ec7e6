"""Pass 3 (populations): admission populations (LPR3) and record populations (flat
municipal tables), with their derived values.

Part of :mod:`.check`. A record population's *fields* are the columns common to its
tables, ``pair_<column>`` for a paired table, ``snapshot_date`` for a period-end snapshot,
and its derived values; the date fields are its anchors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tvaers.registry.indicators import model as m
from tvaers.registry.indicators.check_rules import (
    column,
    criterion,
    link_on,
    record,
    rule_list,
    where,
    window,
)
from tvaers.registry.indicators.fields import common_fields, table_fields

if TYPE_CHECKING:
    from tvaers.registry.indicators.check import Checker

P = tuple[str | int, ...]
SNAPSHOT_FIELD = "snapshot_date"
DELIVERING = "delivering_municipality"


def admission_population(c: Checker, raw: dict[str, Any], path: P) -> m.Population | None:
    c.need("lpr", (*path, "unit"), f"a population of unit {raw['unit']!r}")
    age = raw.get("age") or {}
    age_min, age_max = _age(c, age, path)
    index = raw.get("index", "discharge")
    if index not in ("admission_start", "discharge"):
        c.fail((*path, "index"), f"index {index!r}: expected admission_start or discharge")
        return None
    rules = []
    seen: set[str] = set()
    for j, rule in enumerate(raw["any_of"]):
        rpath = (*path, "any_of", j)
        if rule["id"] in seen:
            c.fail((*rpath, "id"), f"rule id {rule['id']!r} is used twice")
        seen.add(rule["id"])
        rules.append(_contact_rule(c, rule, rpath))
    lockout = c.integer(raw.get("new_index_after_days"), (*path, "new_index_after_days"))
    washout = c.integer(raw.get("washout_days"), (*path, "washout_days"))
    for value, key in ((lockout, "new_index_after_days"), (washout, "washout_days")):
        if value is not None and value < 0:
            c.fail((*path, key), "must be 0 or more days")
    at = age.get("at", "index")
    return m.Population(
        id=raw["id"],
        title=raw["title"],
        unit=raw["unit"],
        priority=raw.get("priority"),
        index=index,
        age_min=age_min,
        age_max=age_max,
        age_at=index if at == "index" else at,
        new_index_after_days=lockout,
        any_of=tuple(rules),
        washout_days=washout,
    )


def _age(c: Checker, age: dict[str, Any], path: P) -> tuple[int | None, int | None]:
    age_min = c.integer(age.get("min"), (*path, "age", "min"))
    age_max = c.integer(age.get("max"), (*path, "age", "max"))
    if age_min is not None and age_max is not None and age_min > age_max:
        c.fail((*path, "age"), f"age min {age_min} exceeds max {age_max}")
    if age:
        c.need("cpr", (*path, "age"), "an age limit")
    return age_min, age_max


def _contact_rule(c: Checker, raw: dict[str, Any], path: P) -> m.ContactRule:
    contact = raw["contact"]
    cpath = (*path, "contact")
    days = None
    if "days_from_admission_start" in contact:
        days = c.window_days(
            contact["days_from_admission_start"], (*cpath, "days_from_admission_start")
        )
    diagnoses = tuple(
        m.DiagnosisRequirement(
            d.get("type"), c.codes(d["codes"], (*cpath, "diagnoses", k, "codes"))
        )
        for k, d in enumerate(contact.get("diagnoses", []))
    )
    procedures = tuple(
        c.codes(p["codes"], (*cpath, "procedures", k, "codes"))
        for k, p in enumerate(contact.get("procedures", []))
    )
    if not diagnoses and not procedures:
        c.fail(cpath, "a contact rule needs `diagnoses` or `procedures`")
    return m.ContactRule(raw["id"], raw.get("title", raw["id"]), days, diagnoses, procedures)


def record_population(c: Checker, raw: dict[str, Any], path: P) -> m.RecordPopulation | None:
    from tvaers.registry.indicators.check_rules import _table

    names = raw["table"] if isinstance(raw["table"], list) else [raw["table"]]
    tables = [_table(c, t, (*path, "table")) for t in names]
    if any(t is None for t in tables):
        return None
    chosen = tuple(t for t in tables if t is not None)
    fields = common_fields(chosen)
    fields[DELIVERING] = "text"
    filters = where(c, chosen[0], raw.get("where"), (*path, "where"))
    present = _present(c, chosen[0], raw.get("present"), (*path, "present"))
    snapshot = raw.get("snapshot", "current") == "period_end"
    if snapshot:
        fields[SNAPSHOT_FIELD] = "date"
    pair = _pair(c, raw.get("pair"), (*path, "pair"), fields)
    base_fields = dict(fields)
    values = []
    for name, spec in (raw.get("values") or {}).items():
        vpath = (*path, "values", name)
        value = _value(c, name, spec, vpath, base_fields)
        if value is not None:
            values.append(value)
            fields[name] = value.kind
    population_fields = tuple(fields.items())
    age_min, age_max = _age(c, raw.get("age") or {}, path)
    index = raw["index"]
    if fields.get(index) != "date":
        dates = [n for n, k in fields.items() if k == "date"]
        c.fail((*path, "index"), f"index {index!r} is not a date field ({', '.join(dates)})")
        return None
    rules: dict[str, tuple[m.Rule, ...]] = {}
    for key in ("all_of", "any_of"):
        c.uses = []
        rules[key] = rule_list(c, raw.get(key) or [], (*path, key))
        check_uses(c, raw["id"], fields)
    if filters is None or present is None:
        return None
    return m.RecordPopulation(
        id=raw["id"],
        title=raw["title"],
        unit="record",
        tables=chosen,
        snapshot=snapshot,
        where=filters,
        present=present,
        index=index,
        fields=population_fields,
        age_min=age_min,
        age_max=age_max,
        all_of=rules["all_of"],
        any_of=rules["any_of"],
        pair=pair,
        values=tuple(values),
    )


def _present(c: Checker, table: str, raw: Any, path: P) -> tuple[str, ...] | None:
    names = raw or []
    ok = all(column(c, table, n, (*path, k)) for k, n in enumerate(names))
    return tuple(names) if ok else None


def _pair(c: Checker, raw: Any, path: P, fields: dict[str, str]) -> m.Pair | None:
    from tvaers.registry.indicators.check_rules import _table

    if raw is None:
        return None
    table = _table(c, raw["table"], (*path, "table"))
    if table is None:
        return None
    filters = where(c, table, raw.get("where"), (*path, "where"))
    present = _present(c, table, raw.get("present"), (*path, "present"))
    unit_columns = dict(fields)
    match = []
    for name, ref in (raw.get("match") or {}).items():
        mpath = (*path, "match", name)
        if not column(c, table, name, mpath, key=True):
            continue
        refs = ref if isinstance(ref, list) else [ref]
        for r in refs:
            wanted = r[4:] if r.startswith("any:") else r
            kind = "list" if r.startswith("any:") else None
            if wanted not in unit_columns or (kind and unit_columns[wanted] != kind):
                c.fail(mpath, f"{r!r} is not a {'list ' if kind else ''}column of the unit's table")
        match.append((name, tuple(refs)))
    for name, kind in (table_fields(table) or {}).items():
        fields[f"pair_{name}"] = kind
    return m.Pair(table, filters or (), present or (), tuple(match))


def _value(
    c: Checker, name: str, spec: dict[str, Any], path: P, fields: dict[str, str]
) -> m.Value | None:
    ((kind, body),) = spec.items()
    kpath = (*path, kind)
    c.uses = []
    out: m.Value | None = None
    if kind in ("earliest", "latest"):
        options = []
        for k, option in enumerate(body):
            if "date" not in option:
                c.fail((*kpath, k), f"{kind} needs the `date` of each option")
                continue
            found = record(c, option, (*kpath, k))
            if found is not None:
                options.append(found)
        if len(options) == len(body):
            out = m.Value(name, "date", m.Earliest(tuple(options), kind == "latest"))
    elif kind == "value_at":
        out = _value_at(c, name, body, kpath)
    else:
        out = _count_active(c, name, body, kpath)
    check_uses(c, f"value {name!r}", fields)
    return out


def _value_at(c: Checker, name: str, body: dict[str, Any], path: P) -> m.Value | None:
    from tvaers.registry.indicators.check_rules import _table

    table = _table(c, body["table"], (*path, "table"))
    if table is None or not column(c, table, body["column"], (*path, "column")):
        return None
    on = link_on(c, table, body["match"], (*path, "match"), [])
    filters = where(c, table, body.get("where"), (*path, "where"))
    present = _present(c, table, body.get("present"), (*path, "present"))
    kind = "date" if (table_fields(table) or {})[body["column"]] == "date" else "text"
    within = window(c, body["within"], "days", (*path, "within")) if "within" in body else None
    anchor = None
    if within is None and ("from" in body or "days" in body):
        anchor = str(body.get("from", "index"))
        c.use((*path, "from"), "anchor", anchor)
    days = c.integer(body.get("days"), (*path, "days"), 0) or 0
    if filters is None or present is None:
        return None
    spec = m.ValueAt(table, body["column"], on, filters, present, anchor, days, within)
    return m.Value(name, kind, spec)  # type: ignore[arg-type]


def _count_active(c: Checker, name: str, body: dict[str, Any], path: P) -> m.Value | None:
    from tvaers.registry.indicators.check_rules import _table

    table = _table(c, body["table"], (*path, "table"))
    if table is None:
        return None
    for needed in ("period_start", "period_end"):
        if not column(c, table, needed, (*path, "table")):
            return None
    filters = where(c, table, body.get("where"), (*path, "where"))
    c.use((*path, "from"), "anchor", body["from"])
    days = c.integer(body.get("days"), (*path, "days"), 0) or 0
    if filters is None:
        return None
    return m.Value(name, "number", m.CountActive(table, filters, body["from"], days))


def check_uses(c: Checker, owner: str, fields: dict[str, str] | None) -> None:
    """Check the anchors and fields the last parsed rules named against a population.

    ``fields`` is None for an admission population (anchors ``admission_start`` and
    ``discharge``, no fields).
    """
    from tvaers.errors import nearest

    anchors = (
        {"admission_start", "discharge"}
        if fields is None
        else {n for n, k in fields.items() if k == "date"}
    )
    available = fields or {}
    for path, kind, name in c.uses:
        if kind == "anchor":
            ok, choices = name == "index" or name in anchors, sorted(anchors | {"index"})
            what = "anchor"
        elif kind == "date":
            ok, choices, what = available.get(name) == "date", sorted(anchors), "date field"
        elif kind == "list":
            choices = sorted(n for n, k in available.items() if k == "list")
            ok, what = name in choices, "list field"
        else:
            ok, choices, what = name in available, sorted(available), "field"
        if ok:
            continue
        guess = nearest(name, choices)
        hint = (
            f"; did you mean {guess!r}?" if guess else f"; choices: {', '.join(choices) or 'none'}"
        )
        c.fail(path, f"{name!r} is not a {what} of {owner}{hint}")
    c.uses = []


__all__ = ["DELIVERING", "SNAPSHOT_FIELD", "admission_population", "check_uses", "criterion"]
