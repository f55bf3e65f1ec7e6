"""Pass 3: semantic checks of a schema-valid definition, producing the typed model.

Resolves ``$parameter`` references (every window, threshold and code list may be a named
parameter of the database), applies defaults, and checks what a JSON Schema cannot:
exactly one kind per criterion, ``lo <= hi`` in windows, unique ids, known populations,
columns of the flat tables, anchors and fields against every population a rule is applied
to, and that each criterion's data source is declared. All problems are collected and
reported with ``file:line:col``.
"""

from __future__ import annotations

from typing import Any

from tvaers.errors import nearest
from tvaers.registry.indicators import model as m
from tvaers.registry.indicators.check_pop import (
    admission_population,
    check_uses,
    criterion,
    record_population,
)
from tvaers.registry.indicators.check_rules import rule_list, single_rule
from tvaers.registry.indicators.load import Loaded
from tvaers.registry.indicators.schema import DefinitionErrors

P = tuple[str | int, ...]

DEFAULT_UNITS = ("national", "region", "municipality", "hospital")


class Checker:
    """Walks the raw definition, resolving parameters and collecting problems."""

    def __init__(self, loaded: Loaded):
        self.loaded = loaded
        self.data: dict[str, Any] = loaded.data
        self.params: dict[str, Any] = self.data.get("parameters") or {}
        self.sources = set(self.data["sources"])
        self.problems: list[tuple[str, str]] = []
        #: anchors and fields named by the rules parsed last: (path, kind, name)
        self.uses: list[tuple[P, str, str]] = []

    def use(self, path: P, kind: str, name: Any) -> None:
        self.uses.append((path, kind, str(name)))

    def fail(self, path: P, message: str, *, key: bool = False) -> None:
        self.problems.append((self.loaded.where(path, key=key), message))

    def defined_at(self, raw: Any) -> str:
        """`` (defined at file:line:col)`` when ``raw`` is a parameter reference."""
        if isinstance(raw, str) and raw.startswith("$") and raw[1:] in self.params:
            return f" (defined at {self.loaded.where(('parameters', raw[1:]))})"
        return ""

    # -- parameters -------------------------------------------------------------------
    def resolve(self, raw: Any, path: P) -> Any:
        if isinstance(raw, str) and raw.startswith("$"):
            name = raw[1:]
            if name not in self.params:
                guess = nearest(name, list(self.params))
                hint = f"; did you mean ${guess}?" if guess else ""
                self.fail(path, f"unknown parameter {raw!r}{hint}")
                return None
            return self.params[name]
        return raw

    def integer(self, raw: Any, path: P, default: int | None = None) -> int | None:
        if raw is None:
            return default
        value = self.resolve(raw, path)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            self.fail(
                path, f"parameter {raw!r} is {value!r}, expected an integer{self.defined_at(raw)}"
            )
            return None
        return value

    def window_days(self, raw: Any, path: P) -> tuple[int, int] | None:
        lo = self.integer(raw[0], (*path, 0))
        hi = self.integer(raw[1], (*path, 1))
        if lo is None or hi is None:
            return None
        if lo > hi:
            self.fail(path, f"window [{lo}, {hi}] is empty: the first day must not exceed the last")
            return None
        return lo, hi

    def strings(self, raw: Any, path: P, what: str) -> tuple[str, ...]:
        value = self.resolve(raw, path)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(
                path,
                f"parameter {raw!r} is {value!r}, expected a list of {what}{self.defined_at(raw)}",
            )
            return ()
        return tuple(value)

    def codes(self, raw: Any, path: P) -> tuple[str, ...]:
        import re

        found = self.strings(raw, path, "codes")
        for code in found:
            if not re.fullmatch(r"[A-Z][A-Z0-9]{1,9}\*?", code):
                note = self.defined_at(raw)
                self.fail(path, f"{code!r} is not an SKS code (e.g. 'DJ44*' or 'KFNG02'){note}")
        return found

    def need(self, source: str, path: P, what: str) -> None:
        if source not in self.sources:
            self.fail(path, f"{what} needs the source {source!r}; add it to `sources`")


def check(loaded: Loaded) -> m.Database:
    """Build the typed :class:`~.model.Database`, or raise every problem found."""
    c = Checker(loaded)
    data = c.data
    admissions = _admissions(c, data.get("admissions") or {})
    populations: dict[str, m.AnyPopulation] = {}
    for i, raw in enumerate(data["populations"]):
        path: P = ("populations", i)
        if raw["id"] in populations:
            c.fail((*path, "id"), f"population id {raw['id']!r} is used twice")
        pop: m.AnyPopulation | None
        if raw["unit"] in ("admission", "contact_day"):
            pop = admission_population(c, raw, path)
        else:
            pop = record_population(c, raw, path)
        if pop is not None:
            populations[pop.id] = pop
    indicators: dict[str, m.Indicator] = {}
    for i, raw in enumerate(data["indicators"]):
        path = ("indicators", i)
        if raw["id"] in indicators:
            c.fail((*path, "id"), f"indicator id {raw['id']!r} is used twice")
        ind = _indicator(c, raw, path, populations, data)
        if ind is not None:
            pops = [populations[k.population] for k in ind.cohorts]
            if ind.completeness is not None:
                pops.append(populations[ind.completeness.population])
            digest = m.semantic_hash(admissions, *pops, ind)
            indicators[ind.id] = m.Indicator(**{**ind.__dict__, "definition_hash": digest})
    overlaps = _overlaps(c, data.get("overlaps") or [], populations)
    if c.problems:
        raise DefinitionErrors(sorted(set(c.problems), key=_order))
    return m.Database(
        id=data["id"],
        title=data["title"],
        file=loaded.file,
        sources=tuple(data["sources"]),
        admissions=admissions,
        populations=populations,
        indicators=indicators,
        overlaps=overlaps,
    )


def _overlaps(
    c: Checker, raw: list[dict[str, Any]], populations: dict[str, m.AnyPopulation]
) -> tuple[m.Overlap, ...]:
    out = []
    for k, item in enumerate(raw):
        for side in ("hospital", "municipal"):
            if item[side] not in populations:
                guess = nearest(item[side], list(populations))
                hint = f"; did you mean {guess!r}?" if guess else ""
                c.fail(("overlaps", k, side), f"unknown population {item[side]!r}{hint}")
        out.append(m.Overlap(item["id"], item["title"], item["hospital"], item["municipal"]))
    return tuple(out)


def _order(problem: tuple[str, str]) -> tuple[int, int, str]:
    parts = problem[0].rsplit(":", 2)
    return int(parts[1]), int(parts[2]), problem[1]


def _admissions(c: Checker, raw: dict[str, Any]) -> m.AdmissionRule:
    base = m.AdmissionRule()
    return m.AdmissionRule(
        contact_types=tuple(raw.get("contact_types", base.contact_types)),
        max_gap_hours=c.integer(
            raw.get("max_gap_hours"), ("admissions", "max_gap_hours"), base.max_gap_hours
        )
        or 0,
        min_duration_hours=c.integer(
            raw.get("min_duration_hours"),
            ("admissions", "min_duration_hours"),
            base.min_duration_hours,
        )
        or 0,
    )


def fields_of(pop: m.AnyPopulation) -> dict[str, str] | None:
    """A record population's fields (None for an admission population)."""
    return dict(pop.fields) if isinstance(pop, m.RecordPopulation) else None


def _cohorts(
    c: Checker, raw: dict[str, Any], path: P, populations: dict[str, m.AnyPopulation]
) -> tuple[m.Cohort, ...] | None:
    items = raw.get("cohorts") or [
        {"id": None, "title": raw["title"], "population": raw["population"], **raw}
    ]
    out = []
    for k, item in enumerate(items):
        kpath = (*path, "cohorts", k) if "cohorts" in raw else path
        pop = populations.get(item["population"])
        if pop is None:
            guess = nearest(item["population"], list(populations))
            hint = f"; did you mean {guess!r}?" if guess else ""
            c.fail((*kpath, "population"), f"unknown population {item['population']!r}{hint}")
            return None
        index = item.get("index", pop.index)
        period_by = item.get("period_by", index)
        anchors = pop.anchors()
        for key, value in (("index", index), ("period_by", period_by)):
            if value not in anchors:
                c.fail(
                    (*kpath, key),
                    f"{key} {value!r} is not a date of {pop.id} ({', '.join(anchors)})",
                )
                return None
        cohort_id = item["id"] if "cohorts" in raw else None
        out.append(m.Cohort(cohort_id, item["title"], pop.id, index, period_by))
    return tuple(out)


def _indicator(
    c: Checker,
    raw: dict[str, Any],
    path: P,
    populations: dict[str, m.AnyPopulation],
    data: dict[str, Any],
) -> m.Indicator | None:
    cohorts = _cohorts(c, raw, path, populations)
    if cohorts is None:
        return None
    c.uses = []
    exclusions = rule_list(c, raw.get("exclusions", []), (*path, "exclusions"))
    uoplyst = rule_list(c, raw.get("uoplyst", []), (*path, "uoplyst"))
    numerator = single_rule(c, raw["numerator"], (*path, "numerator"))
    strata = rule_list(c, raw.get("strata", []), (*path, "strata"))
    measures = _measures(c, raw, path)
    distributions = tuple(
        m.Distribution(d["id"], d["field"], tuple(d.get("among", ["denominator_only"])))
        for d in raw.get("distributions", [])
    )
    for k, d in enumerate(raw.get("distributions", [])):
        c.use((*path, "distributions", k, "field"), "field", d["field"])
    uses = list(c.uses)
    for cohort in cohorts:
        c.uses = list(uses)
        check_uses(c, f"population {cohort.population}", fields_of(populations[cohort.population]))
    ids = [r.id for r in (*exclusions, *uoplyst, numerator, *strata)]
    for rule_id in {i for i in ids if ids.count(i) > 1}:
        c.fail(path, f"rule id {rule_id!r} is used twice in indicator {raw['id']}")
    target = raw.get("funnel_target", "national")
    standard = _standard(c, raw, path)
    if target == "standard" and standard is None:
        c.fail((*path, "funnel_target"), "funnel_target 'standard' needs a `standard`")
    return m.Indicator(
        id=raw["id"],
        title=raw["title"],
        origin=raw["origin"],
        cohorts=cohorts,
        exclusions=exclusions,
        uoplyst=uoplyst,
        numerator=numerator,
        uoplyst_in_denominator=bool(raw.get("uoplyst_in_denominator", False)),
        units=tuple(raw.get("units") or data.get("reporting_units") or DEFAULT_UNITS),
        ci_method=raw.get("ci_method") or data.get("ci_method") or "wilson",
        standard=standard,
        funnel_target=target,
        better=raw["better"],
        type=raw["type"],
        strata=strata,
        total=bool(raw.get("total", len(cohorts) == 1)),
        measures=measures,
        distributions=distributions,
        completeness=_completeness(c, raw, path, populations),
    )


def _standard(c: Checker, raw: dict[str, Any], path: P) -> m.Standard | None:
    if "standard" not in raw:
        return None
    s = raw["standard"]
    value = c.resolve(s["value"], (*path, "standard", "value"))
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
        note = c.defined_at(s["value"])
        c.fail((*path, "standard", "value"), f"standard {value!r} must be a proportion 0..1{note}")
        return None
    return m.Standard(s["direction"], float(value), s["set_by"])


def _measures(c: Checker, raw: dict[str, Any], path: P) -> tuple[m.Measure, ...]:
    out = []
    for k, item in enumerate(raw.get("measures", [])):
        spec = item["median_days"]
        mpath = (*path, "measures", k, "median_days")
        c.use((*mpath, "from"), "anchor", spec["from"])
        c.use((*mpath, "to"), "anchor", spec["to"])
        among = tuple(item.get("among", ["numerator", "denominator_only"]))
        out.append(m.Measure(item["id"], spec["from"], spec["to"], among))
    return tuple(out)


def _completeness(
    c: Checker, raw: dict[str, Any], path: P, populations: dict[str, m.AnyPopulation]
) -> m.Completeness | None:
    if "completeness" not in raw:
        return None
    spec = raw["completeness"]
    cpath = (*path, "completeness")
    pop = populations.get(spec["population"])
    if pop is None:
        c.fail((*cpath, "population"), f"unknown population {spec['population']!r}")
        return None
    c.uses = []
    found = criterion(c, spec["found"], (*cpath, "found"))
    check_uses(c, f"population {pop.id}", fields_of(pop))
    bar = c.resolve(spec.get("bar", 0.9), (*cpath, "bar"))
    if not isinstance(bar, int | float) or isinstance(bar, bool) or not 0 <= bar <= 1:
        c.fail((*cpath, "bar"), f"completeness bar {bar!r} must be a proportion 0..1")
        return None
    if found is None:
        return None
    return m.Completeness(spec["title"], pop.id, found, float(bar))
