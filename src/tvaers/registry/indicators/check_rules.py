"""Pass 3 (criteria): turn exclusion, uoplyst, numerator, stratum and inclusion rules into
criterion trees.

Part of :mod:`.check`; kept apart because each criterion kind has its own small checks
(windows, codes, table columns, needed sources). Anchors and unit fields named by a rule
are recorded as *uses* and checked against every population the rule is applied to
(an indicator's cohorts, or the population a value or inclusion rule belongs to).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tvaers.errors import nearest
from tvaers.registry.indicators import model as m
from tvaers.registry.indicators.fields import table_fields

if TYPE_CHECKING:
    from tvaers.registry.indicators.check import Checker

P = tuple[str | int, ...]

LEAF_KINDS = (
    "died",
    "emigrated",
    "follow_up_incomplete",
    "admission",
    "procedure",
    "record",
    "not_reporting",
    "never_reported",
    "residence_unknown",
    "field",
    "missing",
    "date",
    "compare",
)
KINDS = (*LEAF_KINDS, "any_of", "all_of", "not")
#: The source each criterion kind reads.
NEEDS = {
    "died": "cpr",
    "emigrated": "cpr",
    "admission": "lpr",
    "procedure": "lpr",
    "residence_unknown": "cpr",
}
IG_SOURCES = {"prevention": "gateway_119", "rehab": "gateway_140", "care": "gateway_care"}


def rule_list(c: Checker, raw: list[dict[str, Any]], path: P) -> tuple[m.Rule, ...]:
    return tuple(single_rule(c, r, (*path, i)) for i, r in enumerate(raw))


def single_rule(c: Checker, raw: dict[str, Any], path: P) -> m.Rule:
    crit = criterion(c, raw, path)
    return m.Rule(raw["id"], raw["title"], crit or m.AnyOf(()))


def criterion(c: Checker, raw: dict[str, Any], path: P) -> m.Criterion | None:
    kinds = [k for k in KINDS if k in raw]
    if len(kinds) != 1:
        found = ", ".join(kinds) if kinds else "none"
        c.fail(path, f"a criterion needs exactly one of {', '.join(KINDS)} (found: {found})")
        return None
    kind = kinds[0]
    body = raw[kind]
    kpath = (*path, kind)
    if kind in NEEDS:
        c.need(NEEDS[kind], kpath, f"criterion {kind!r}")
    if kind in ("any_of", "all_of"):
        items = [criterion(c, item, (*kpath, i)) for i, item in enumerate(body)]
        kept = tuple(i for i in items if i is not None)
        return m.AnyOf(kept) if kind == "any_of" else m.AllOf(kept)
    if kind == "not":
        inner = criterion(c, body, kpath)
        return None if inner is None else m.Not(inner)
    if kind == "residence_unknown":
        return m.ResidenceUnknown()
    if kind in ("field", "missing", "date", "compare"):
        return _unit_field(c, kind, body, kpath)
    if kind == "follow_up_incomplete":
        days = c.integer(body["days"], (*kpath, "days"))
        anchor = _anchor(c, body, kpath)
        return None if days is None else m.FollowUpIncomplete(anchor, days)
    if kind == "record":
        return record(c, body, kpath)
    if kind == "never_reported":
        table = _table(c, body["table"], (*kpath, "table"))
        return None if table is None else m.NeverReported(table, _municipality(c, body, kpath))
    return _windowed(c, kind, body, kpath)


def _anchor(c: Checker, body: dict[str, Any], path: P, key: str = "from") -> m.Anchor:
    raw = body.get(key, "index")
    c.use((*path, key), "anchor", raw)
    return str(raw)


def window(c: Checker, body: dict[str, Any], key: str, path: P) -> m.Window | None:
    days = c.window_days(body[key], (*path, key))
    anchor = _anchor(c, body, path)
    until = _anchor(c, body, path, "until") if "until" in body else None
    return None if days is None else m.Window(anchor, days[0], days[1], until)


def _municipality(c: Checker, body: dict[str, Any], path: P) -> m.Municipality:
    value = body.get("municipality", "residence")
    if value == "delivering":
        c.use((*path, "municipality"), "field", "delivering_municipality")
    return value  # type: ignore[no-any-return]


def _windowed(c: Checker, kind: str, body: dict[str, Any], path: P) -> m.Criterion | None:
    key = "start_days" if kind == "admission" else "days"
    win = window(c, body, key, path)
    if win is None:
        return None
    if kind == "died":
        return m.Died(win)
    if kind == "emigrated":
        return m.Emigrated(win)
    if kind == "admission":
        return m.AdmissionExists(win, body.get("priority"))
    if kind == "procedure":
        return m.ProcedureExists(c.codes(body["codes"], (*path, "codes")), win)
    ig = body["ig"]
    c.need(IG_SOURCES[ig], (*path, "ig"), f"coverage of {ig!r}")
    rule = c.resolve(body.get("rule", "no_reports_in_window"), (*path, "rule"))
    if rule not in ("no_reports_in_window", "any_month_missing"):
        c.fail(
            (*path, "rule"),
            f"coverage rule {rule!r}: expected no_reports_in_window or any_month_missing",
        )
        return None
    return m.NotReporting(ig, win, rule, _municipality(c, body, path))


def _unit_field(c: Checker, kind: str, body: Any, path: P) -> m.Criterion | None:
    if kind == "missing":
        c.use(path, "field", body)
        return m.Missing(body)
    if kind == "field":
        ((name, values),) = body.items()
        c.use((*path, name), "field", name)
        return m.Field(name, c.strings(values, (*path, name), "values"))
    if kind == "date":
        c.use((*path, "of"), "date", body["of"])
        win = window(c, body, "days", path)
        return None if win is None else m.DateIn(body["of"], win)
    c.use((*path, "left"), "field", body["left"])
    c.use((*path, "right"), "field", body["right"])
    levels = c.resolve(body.get("levels", {}), (*path, "levels"))
    if not isinstance(levels, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in levels.values()
    ):
        c.fail((*path, "levels"), f"levels {levels!r} must map codes to numbers")
        return None
    pairs = tuple(sorted((str(k), float(v)) for k, v in levels.items()))
    return m.Compare(body["left"], body["op"], body["right"], pairs)


def _table(c: Checker, table: str, path: P) -> str | None:
    from tvaers.registry.flatten import shipped_views, source_of

    if table_fields(table) is None:
        guess = nearest(table, list(shipped_views()))
        hint = f"; did you mean {guess!r}?" if guess else ""
        c.fail(path, f"unknown flat table {table!r}{hint} (see src/tvaers/registry/views)")
        return None
    c.need(source_of(table), path, f"table {table!r}")
    return table


def column(c: Checker, table: str, name: str, path: P, *, key: bool = False) -> bool:
    """Whether ``name`` is a column of ``table`` (reported with the nearest name if not)."""
    columns = table_fields(table) or {}
    if name in columns:
        return True
    guess = nearest(name, list(columns))
    hint = f"; did you mean {guess!r}?" if guess else f"; columns: {', '.join(columns)}"
    c.fail(path, f"{table} has no column {name!r}{hint}", key=key)
    return False


def where(c: Checker, table: str, raw: Any, path: P) -> m.Where | None:
    """``{column: values}`` or a list of such mappings (any of them)."""
    if raw is None:
        return ()
    alternatives = raw if isinstance(raw, list) else [raw]
    out = []
    ok = True
    for k, alt in enumerate(alternatives):
        apath = (*path, k) if isinstance(raw, list) else path
        filters = []
        for name, values in alt.items():
            if not column(c, table, name, (*apath, name), key=True):
                ok = False
                continue
            filters.append((name, c.strings(values, (*apath, name), "values")))
        out.append(tuple(filters))
    return tuple(out) if ok else None


def refs(c: Checker, raw: Any, path: P, hops: list[str]) -> tuple[str, ...]:
    """References of a ``match`` entry: unit fields, ``via<k>.<column>`` or ``any:<list>``."""
    items = raw if isinstance(raw, list) else [raw]
    for k, ref in enumerate(items):
        rpath = (*path, k) if isinstance(raw, list) else path
        if ref.startswith("via") and "." in ref:
            hop, col = ref.split(".", 1)
            number = hop[3:]
            if not number.isdigit() or not 1 <= int(number) <= len(hops):
                c.fail(rpath, f"{ref!r}: only via1..via{len(hops)} are defined here")
            else:
                column(c, hops[int(number) - 1], col, rpath)
        elif ref.startswith("any:"):
            c.use(rpath, "list", ref[4:])
        else:
            c.use(rpath, "field", ref)
    return tuple(items)


def link_on(c: Checker, table: str, raw: Any, path: P, hops: list[str]) -> Any:
    """A ``match`` mapping: the linked table's column -> references."""
    out = []
    for name, ref in (raw or {}).items():
        if column(c, table, name, (*path, name), key=True):
            out.append((name, refs(c, ref, (*path, name), hops)))
    return tuple(out)


def record(c: Checker, body: dict[str, Any], path: P) -> m.RecordExists | None:
    """A ``record`` criterion (also the options of ``earliest``/``latest`` values)."""
    table = _table(c, body["table"], (*path, "table"))
    if table is None:
        return None
    hops: list[str] = []
    via = []
    for k, hop in enumerate(body.get("via") or []):
        hpath = (*path, "via", k)
        name = _table(c, hop["table"], (*hpath, "table"))
        if name is None:
            return None
        via.append(m.Hop(name, link_on(c, name, hop["match"], (*hpath, "match"), hops)))
        hops.append(name)
    filters = where(c, table, body.get("where"), (*path, "where"))
    codes = []
    for name, raw in (body.get("codes") or {}).items():
        if column(c, table, name, (*path, "codes", name), key=True):
            codes.append((name, c.codes(raw, (*path, "codes", name))))
    date_col = body.get("date")
    win = None
    if date_col is not None and table_fields(table).get(date_col) != "date":  # type: ignore[union-attr]
        dates = [n for n, k in (table_fields(table) or {}).items() if k == "date"]
        c.fail(
            (*path, "date"), f"{date_col!r} is not a date column of {table} ({', '.join(dates)})"
        )
        return None
    if "days" in body:
        if date_col is None:
            c.fail((*path, "days"), "a window (`days`) needs the row's `date` column")
            return None
        win = window(c, body, "days", path)
    in_force = _anchor(c, body, path, "in_force_at") if "in_force_at" in body else None
    on = link_on(c, table, body.get("match"), (*path, "match"), hops)
    present = body.get("present") or []
    if filters is None or not all(
        column(c, table, n, (*path, "present", k)) for k, n in enumerate(present)
    ):
        return None
    return m.RecordExists(
        table, filters, tuple(codes), on, tuple(via), date_col, win, in_force, tuple(present)
    )
