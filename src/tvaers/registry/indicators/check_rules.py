"""Pass 3 (criteria): turn exclusion, uoplyst and numerator rules into criterion trees.

Part of :mod:`.check`; kept apart because each criterion kind has its own small checks
(windows, codes, table columns, needed sources).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tvaers.errors import nearest
from tvaers.registry.indicators import model as m

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
    "residence_unknown",
)
KINDS = (*LEAF_KINDS, "any_of", "all_of", "not")
#: The source each criterion kind reads.
NEEDS = {
    "died": "cpr",
    "emigrated": "cpr",
    "admission": "lpr",
    "procedure": "lpr",
    "not_reporting": "gateway_119",
    "residence_unknown": "cpr",
}
IG_SOURCES = {"prevention": "gateway_119", "rehab": "gateway_140", "care": "gateway_care"}


def rule_list(
    c: Checker, raw: list[dict[str, Any]], path: P, index: m.Anchor
) -> tuple[m.Rule, ...]:
    return tuple(single_rule(c, r, (*path, i), index) for i, r in enumerate(raw))


def single_rule(c: Checker, raw: dict[str, Any], path: P, index: m.Anchor) -> m.Rule:
    crit = criterion(c, raw, path, index)
    return m.Rule(raw["id"], raw["title"], crit or m.AnyOf(()))


def criterion(c: Checker, raw: dict[str, Any], path: P, index: m.Anchor) -> m.Criterion | None:
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
        items = [criterion(c, item, (*kpath, i), index) for i, item in enumerate(body)]
        kept = tuple(i for i in items if i is not None)
        return m.AnyOf(kept) if kind == "any_of" else m.AllOf(kept)
    if kind == "not":
        inner = criterion(c, body, kpath, index)
        return None if inner is None else m.Not(inner)
    if kind == "residence_unknown":
        return m.ResidenceUnknown()
    if kind == "follow_up_incomplete":
        days = c.integer(body["days"], (*kpath, "days"))
        return None if days is None else m.FollowUpIncomplete(_anchor(body, index), days)
    return _windowed(c, kind, body, kpath, index)


def _anchor(body: dict[str, Any], index: m.Anchor) -> m.Anchor:
    raw = body.get("from", "index")
    return index if raw == "index" else raw


def _window(
    c: Checker, body: dict[str, Any], key: str, path: P, index: m.Anchor
) -> m.Window | None:
    days = c.window_days(body[key], (*path, key))
    return None if days is None else m.Window(_anchor(body, index), days[0], days[1])


def _windowed(
    c: Checker, kind: str, body: dict[str, Any], path: P, index: m.Anchor
) -> m.Criterion | None:
    key = "start_days" if kind == "admission" else "days"
    window = _window(c, body, key, path, index)
    if window is None:
        return None
    if kind == "died":
        return m.Died(window)
    if kind == "emigrated":
        return m.Emigrated(window)
    if kind == "admission":
        return m.AdmissionExists(window, body.get("priority"))
    if kind == "procedure":
        return m.ProcedureExists(c.codes(body["codes"], (*path, "codes")), window)
    if kind == "not_reporting":
        ig = body["ig"]
        c.need(IG_SOURCES[ig], (*path, "ig"), f"coverage of {ig!r}")
        rule = c.resolve(body.get("rule", "no_reports_in_window"), (*path, "rule"))
        if rule not in ("no_reports_in_window", "any_month_missing"):
            c.fail(
                (*path, "rule"),
                f"coverage rule {rule!r}: expected no_reports_in_window or any_month_missing",
            )
            return None
        return m.NotReporting(ig, window, rule)
    return _record(c, body, path, window)


def _record(c: Checker, body: dict[str, Any], path: P, window: m.Window) -> m.Criterion | None:
    from tvaers.registry.flatten import flat_columns, shipped_views, source_of

    table = body["table"]
    columns = flat_columns(table)
    if columns is None:
        guess = nearest(table, list(shipped_views()))
        hint = f"; did you mean {guess!r}?" if guess else ""
        c.fail(
            (*path, "table"), f"unknown flat table {table!r}{hint} (see src/tvaers/registry/views)"
        )
        return None
    c.need(source_of(table), (*path, "table"), f"table {table!r}")
    usable = sorted(
        n for n in columns if n not in ("cpr", "pid", "known_from", "known_to", "invalid")
    )
    ok = True
    where = []
    for name, values in (body.get("where") or {}).items():
        if name not in usable:
            guess = nearest(name, usable)
            hint = f"; did you mean {guess!r}?" if guess else f"; columns: {', '.join(usable)}"
            c.fail((*path, "where", name), f"{table} has no column {name!r}{hint}", key=True)
            ok = False
            continue
        where.append((name, c.strings(values, (*path, "where", name), "values")))
    date_col = body["date"]
    if not columns.get(date_col):
        dates = [n for n, is_date in columns.items() if is_date]
        c.fail(
            (*path, "date"), f"{date_col!r} is not a date column of {table} ({', '.join(dates)})"
        )
        ok = False
    if not ok:
        return None
    return m.RecordExists(table, tuple(where), date_col, window)
