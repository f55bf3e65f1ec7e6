"""Pass 3: semantic checks of a schema-valid definition, producing the typed model.

Resolves ``$parameter`` references (every window, threshold and code list may be a named
parameter of the database), applies defaults, and checks what a JSON Schema cannot:
exactly one kind per criterion, ``lo <= hi`` in windows, unique ids, known populations,
columns of the flat tables, and that each criterion's data source is declared. All
problems are collected and reported with ``file:line:col``.
"""

from __future__ import annotations

from typing import Any

from tvaers.errors import nearest
from tvaers.registry.indicators import model as m
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
    populations: dict[str, m.Population] = {}
    for i, raw in enumerate(data["populations"]):
        path: P = ("populations", i)
        if raw["id"] in populations:
            c.fail((*path, "id"), f"population id {raw['id']!r} is used twice")
        pop = _population(c, raw, path)
        if pop is not None:
            populations[pop.id] = pop
    indicators: dict[str, m.Indicator] = {}
    for i, raw in enumerate(data["indicators"]):
        path = ("indicators", i)
        if raw["id"] in indicators:
            c.fail((*path, "id"), f"indicator id {raw['id']!r} is used twice")
        ind = _indicator(c, raw, path, populations, data)
        if ind is not None:
            pop = populations[ind.population]
            digest = m.semantic_hash(admissions, pop, ind)
            indicators[ind.id] = m.Indicator(**{**ind.__dict__, "definition_hash": digest})
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
    )


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


def _population(c: Checker, raw: dict[str, Any], path: P) -> m.Population | None:
    c.need("lpr", (*path, "unit"), "an admission population")
    age = raw.get("age") or {}
    age_min = c.integer(age.get("min"), (*path, "age", "min"))
    age_max = c.integer(age.get("max"), (*path, "age", "max"))
    if age_min is not None and age_max is not None and age_min > age_max:
        c.fail((*path, "age"), f"age min {age_min} exceeds max {age_max}")
    if age:
        c.need("cpr", (*path, "age"), "an age limit")
    index = raw.get("index", "discharge")
    rules = []
    seen: set[str] = set()
    for j, rule in enumerate(raw["any_of"]):
        rpath = (*path, "any_of", j)
        if rule["id"] in seen:
            c.fail((*rpath, "id"), f"rule id {rule['id']!r} is used twice")
        seen.add(rule["id"])
        rules.append(_contact_rule(c, rule, rpath))
    lockout = c.integer(raw.get("new_index_after_days"), (*path, "new_index_after_days"))
    if lockout is not None and lockout < 0:
        c.fail((*path, "new_index_after_days"), "must be 0 or more days")
    return m.Population(
        id=raw["id"],
        title=raw["title"],
        unit=raw["unit"],
        priority=raw.get("priority"),
        index=index,
        age_min=age_min,
        age_max=age_max,
        age_at=_anchor(age.get("at", "index"), index),
        new_index_after_days=lockout,
        any_of=tuple(rules),
    )


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


def _anchor(raw: str, index: m.Anchor) -> m.Anchor:
    return index if raw == "index" else raw  # type: ignore[return-value]


def _indicator(
    c: Checker,
    raw: dict[str, Any],
    path: P,
    populations: dict[str, m.Population],
    data: dict[str, Any],
) -> m.Indicator | None:
    pop = populations.get(raw["population"])
    if pop is None:
        guess = nearest(raw["population"], list(populations))
        hint = f"; did you mean {guess!r}?" if guess else ""
        c.fail((*path, "population"), f"unknown population {raw['population']!r}{hint}")
        return None
    index: m.Anchor = raw.get("index", pop.index)
    exclusions = rule_list(c, raw.get("exclusions", []), (*path, "exclusions"), index)
    uoplyst = rule_list(c, raw.get("uoplyst", []), (*path, "uoplyst"), index)
    numerator = single_rule(c, raw["numerator"], (*path, "numerator"), index)
    ids = [r.id for r in (*exclusions, *uoplyst, numerator)]
    for rule_id in {i for i in ids if ids.count(i) > 1}:
        c.fail(path, f"rule id {rule_id!r} is used twice in indicator {raw['id']}")
    standard = None
    if "standard" in raw:
        s = raw["standard"]
        value = c.resolve(s["value"], (*path, "standard", "value"))
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
            note = c.defined_at(s["value"])
            c.fail(
                (*path, "standard", "value"), f"standard {value!r} must be a proportion 0..1{note}"
            )
        else:
            standard = m.Standard(s["direction"], float(value), s["set_by"])
    target = raw.get("funnel_target", "national")
    if target == "standard" and standard is None:
        c.fail((*path, "funnel_target"), "funnel_target 'standard' needs a `standard`")
    return m.Indicator(
        id=raw["id"],
        title=raw["title"],
        origin=raw["origin"],
        population=pop.id,
        index=index,
        period_by=raw.get("period_by", index),
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
    )
