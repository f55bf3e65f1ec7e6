"""Negative cases derived from the compiled profile tables, one per constraint.

For every resource profile of the three IGs and every element constraint of the
structural families (each ``min >= 1`` removed, each ``..0`` added, each fixed/pattern
changed, a code outside each required binding, a wrong datatype, an unknown element per
profile, a foreign item in each closed slicing, a bad CPR/SOR), a valid instance is mutated
and the expected rule key and FHIRPath ``expression`` are recorded. Constraints that cannot
be exercised are returned as exceptions with the reason.

Run ``python tests/validation/negative_cases.py`` for the coverage table.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from tvaers.synth.factories import find, make_delivery_report, make_incremental_delivery
from tvaers.validation.model import PRIMITIVES, Element, json_suffix
from tvaers.validation.tables import IG_NAMES, Profile, ig
from tvaers.validation.values import choose_slice

FAMILIES = (
    "cardinality", "fixed", "pattern", "binding", "type", "unknown-element", "slice", "cpr", "sor",
    "invariant", "reference",
)  # fmt: skip
SAMPLES: dict[str, Any] = {
    "boolean": True, "integer": 7, "positiveInt": 7, "unsignedInt": 7, "decimal": 1.5,
    "date": "2024-01-01", "dateTime": "2024-01-01T10:00:00+01:00", "instant": "2024-01-01T10:00:00+01:00",
    "time": "10:00:00", "base64Binary": "dGVzdA==", "oid": "urn:oid:1.2.3", "uri": "urn:tvaers:x",
    "url": "https://example.org/x", "canonical": "https://example.org/x", "code": "tvaers-code",
    "id": "tvaers-id", "uuid": "urn:uuid:2f3b8a4e-0d6e-4a8e-9b1e-2f3b8a4e0d6e",
    "xhtml": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>',
    "CodeableConcept": {"text": "tvaers"}, "Coding": {"system": "urn:tvaers", "code": "x"},
    "Identifier": {"value": "x"}, "Reference": {"display": "x"}, "Period": {"start": "2024-01-01"},
    "Annotation": {"text": "x"}, "Quantity": {"value": 1}, "Narrative": {"status": "generated",
    "div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'}, "Extension": {"url": "urn:tvaers:e", "valueString": "x"},
    "Resource": {"resourceType": "Basic", "id": "x"},
}  # fmt: skip


@dataclass
class Case:
    """One mutant: the report, and the issue it must produce."""

    id: str
    family: str
    report: dict[str, Any]
    rule: str
    expression: str
    text: str | None = None  # a fragment the diagnostics must contain


@dataclass
class Skipped:
    id: str
    family: str
    reason: str


@dataclass
class Instance:
    report: dict[str, Any]
    index: int | None  # entry index, None for the report itself

    def resource(self, report: dict[str, Any]) -> dict[str, Any]:
        return report if self.index is None else report["entry"][self.index]["resource"]

    @property
    def prefix(self) -> str:
        return "Bundle" if self.index is None else f"Bundle.entry[{self.index}].resource"


def instances() -> dict[str, Instance]:
    """A valid instance of every resource profile, from the factories."""
    found: dict[str, Instance] = {}
    for name in IG_NAMES:
        variants = [make_delivery_report(name)]
        if name == "care":
            variants += [
                make_delivery_report(name, legacy_codes=True),
                make_delivery_report(name, transitional=True),
            ]
        for report in variants:
            found.setdefault(report["meta"]["profile"][0], Instance(report, None))
            for index, entry in enumerate(report["entry"]):
                for url in entry["resource"]["meta"]["profile"]:
                    found.setdefault(url, Instance(report, index))
        if name != "prevention":
            incremental = make_incremental_delivery(name, [make_delivery_report(name)])
            found.setdefault(incremental["meta"]["profile"][0], Instance(incremental, None))
    return found


# --------------------------------------------------------------------------- navigation
def _key(
    elem: Element, container: dict[str, Any], code: str | None = None
) -> tuple[str, str | None]:
    if not elem.is_choice:
        return elem.name, (elem.types[0] if len(elem.types) == 1 else None)
    stem = elem.name[:-3]
    if code is None:
        for option in elem.types:
            if stem + json_suffix(option) in container:
                return stem + json_suffix(option), option
    prohibited = {t for s in elem.slices if s.max == 0 for t in s.types}
    code = code or next((t for t in elem.types if t not in prohibited), elem.types[0])
    return stem + json_suffix(code), code


def _expr(base: str, elem: Element, code: str | None) -> str:
    return f"{base}.{elem.name[:-3]}.ofType({code})" if elem.is_choice else f"{base}.{elem.name}"


def _new_item(elem: Element) -> Any:
    item: dict[str, Any] = {}
    for path, value in elem.match.items():
        if ":" not in path:
            item[path.split(".")[-1]] = copy.deepcopy(value)
    return item


@dataclass
class Found:
    container: dict[str, Any]
    target: Element  # the element (or slice) to mutate
    base: str  # expression of the container
    holder: Element  # the element that owns the JSON key (the unsliced element)
    discriminator: bool  # the target is the discriminator of the slice it is in


def descend(resource: dict[str, Any], root: Element, elem_id: str, prefix: str,
            create: bool) -> Found | None:  # fmt: skip
    """Where ``elem_id`` first occurs (creating missing parents when ``create``)."""
    segments = elem_id.split(".")[1:]
    container, elem, expr = resource, root, prefix
    paths: tuple[str, ...] = ()
    for depth, segment in enumerate(segments):
        name, _, slice_name = segment.partition(":")
        child = elem.children.get(name)
        if child is None:
            return None
        target = (
            next((s for s in child.slices if s.slice_name == slice_name), None)
            if slice_name
            else child
        )
        if target is None:
            return None
        if depth == len(segments) - 1:
            return Found(container, target, expr, child, name in paths)
        key, code = _key(
            child, container, target.types[0] if slice_name and child.is_choice else None
        )
        value = container.get(key)
        paths = (
            tuple(p for _k, p in child.slicing.discriminator)
            if slice_name and child.slicing
            else ()
        )
        if child.array:
            items = value if isinstance(value, list) else None
            index = next((i for i, it in enumerate(items or ())
                          if (choose_slice(it, child.slices) is (target if slice_name else None))), None)  # fmt: skip
            if index is None:
                if (
                    not create
                    or target.max == 0
                    or (child.slicing and child.slicing.closed and not slice_name)
                ):
                    return None
                items = container.setdefault(key, [])
                items.append(_new_item(target) if slice_name else {})
                index = len(items) - 1
            container, expr = items[index], f"{_expr(expr, child, code)}[{index}]"  # type: ignore[index]
        else:
            if not isinstance(value, dict):
                if not create:
                    return None
                value = container[key] = {}
            container, expr = value, _expr(expr, child, code)
        elem = target
    return None


# --------------------------------------------------------------------------- mutations
def _wrong(code: str | None) -> Any:
    if code in PRIMITIVES:
        return "yes" if code == "boolean" else ("1" if SAMPLES.get(code) in (7, 1.5) else 12345)
    return "not-an-object"


def _sample(code: str | None) -> Any:
    return copy.deepcopy(SAMPLES.get(code or "", {"id": "tvaers"}))


def mutations(profile: Profile, elem: Element, inst: Instance) -> Iterator[Case | Skipped]:
    pid = profile.id
    for family in _families(elem):
        case_id = f"{pid}/{family}/{elem.id}"
        report = orjson.loads(orjson.dumps(inst.report))
        resource = inst.resource(report)
        found = descend(resource, profile.root, elem.id, inst.prefix, True)
        if found is None:
            yield Skipped(case_id, family.split("-")[0], "its parent element cannot exist here")
            continue
        if found.discriminator:
            yield Skipped(
                case_id,
                family.split("-")[0],
                "it is the slice discriminator: a changed value leaves the slice (slice/cardinality cases)",
            )
            continue
        if elem.id == f"{profile.type}.meta" and family == "type":
            yield Skipped(
                case_id,
                "type",
                "meta.profile selects the profile: a broken meta validates against the base type",
            )
            continue
        holder, target = found.holder, found.target
        key, code = _key(
            holder,
            found.container,
            target.types[0] if holder.is_choice and target is not holder else None,
        )
        expr = _expr(found.base, holder, code)
        if family == "type" and holder.is_choice and target is holder and holder.slices:
            target = next(
                (s for s in holder.slices if code in s.match.get("type:$this", ())), holder
            )
        outcome = _apply(family, pid, target, holder, found.container, key, code, expr)
        if isinstance(outcome, str):
            yield Skipped(case_id, family.split("-")[0], outcome)
            continue
        rule, expression, text = outcome
        yield Case(
            case_id,
            family.split("-")[0] if family != "unknown-element" else family,
            report,
            rule,
            expression,
            text,
        )


def _families(elem: Element) -> list[str]:
    out = []
    if elem.max == 0:
        return ["cardinality-max0"]
    if elem.min > 0:
        out.append("cardinality-min")
    out.append("type")
    if elem.fixed is not _MISSING:
        out.append("fixed")
    if elem.pattern is not _MISSING:
        out.append("pattern")
    if elem.binding_members is not None:
        out.append("binding")
    if elem.slicing is not None and elem.slicing.closed:
        out.append("slice")
    if elem.check:
        out.append(elem.check)
    return out


def _apply(family: str, pid: str, target: Element, holder: Element, container: dict[str, Any],
           key: str, code: str | None, expr: str) -> tuple[str, str, str | None] | str:  # fmt: skip
    sliced = target is not holder and not holder.is_choice and target.slice_name != ""
    if family == "cardinality-min":
        if key not in container:
            if sliced:
                return "the sliced element is absent: its own minimum reports it"
            return (
                f"cardinality:{pid}:{target.id}",
                expr if not holder.is_choice else expr.rsplit(".ofType", 1)[0],
                None,
            )
        if sliced:
            items = [it for it in container[key] if choose_slice(it, holder.slices) is not target]
            container[key] = items or [{"system": "urn:tvaers:other", "value": "x"}]
        else:
            del container[key]
            required_slices = [s for s in holder.slices if s.min > 0]
            where = expr.rsplit(".ofType", 1)[0] if holder.is_choice else expr
            if required_slices:
                return f"cardinality:{pid}:{required_slices[0].id}", where, None
            if holder.is_choice:
                return f"cardinality:{pid}:{holder.id}", where, None
        return f"cardinality:{pid}:{target.id}", expr, None
    if family == "cardinality-max0":
        if sliced:
            if not target.match or any(":" in k for k in target.match):
                return "the slice has no fixed discriminator value (matched by value set)"
            container.setdefault(key, []).append(_new_item(target))
            return f"cardinality:{pid}:{target.id}", f"{expr}[{len(container[key]) - 1}]", None
        if holder.is_choice and target is not holder:
            for other in holder.types:
                if other != code:
                    container.pop(holder.name[:-3] + json_suffix(other), None)
        value = _sample(code)
        container[key] = [value] if holder.array else value
        return f"cardinality:{pid}:{target.id}", expr, None
    if sliced and family in ("type", "fixed", "pattern", "binding"):
        return "an item of a slice: covered by the slice's own element rules"
    if family == "slice":
        container.setdefault(key, []).append({"system": "urn:tvaers:foreign", "code": "x"})
        return f"slice:{pid}:{target.id}", f"{expr}[{len(container[key]) - 1}]", None
    wrapped_expr = f"{expr}[0]" if holder.array else expr
    if family == "type":
        container[key] = [_wrong(code)] if holder.array else _wrong(code)
        return f"type:{pid}:{target.id}", wrapped_expr, None
    if family in ("fixed", "pattern"):
        changed: Any = (
            "tvaers-changed"
            if code in PRIMITIVES
            else {"coding": [{"system": "urn:tvaers", "code": "changed"}]}
        )
        if code == "Coding":
            changed = {"system": "urn:tvaers", "code": "changed"}
        container[key] = [changed] if holder.array else changed
        return f"{family}:{pid}:{target.id}", wrapped_expr, None
    if family == "binding":
        system = next(iter(target.binding_members or {"urn:tvaers": frozenset()}))
        wrong: Any = {"code": "tvaers-not-a-member", "system": system}
        wrong = {"coding": [wrong]} if code == "CodeableConcept" else wrong
        wrong = "tvaers-not-a-member" if code == "code" else wrong
        container[key] = [wrong] if holder.array else wrong
        return f"binding:{pid}:{target.id}", wrapped_expr, None
    if family in ("cpr", "sor"):
        container[key] = "12345"
        return f"{family}:{pid}:{target.id}", expr, None
    return "no mutation for this family"


_MISSING = Element({"id": "x"}).fixed  # the MISSING sentinel


def unknown_element_cases(profile: Profile, inst: Instance) -> Iterator[Case]:
    report = copy.deepcopy(inst.report)
    inst.resource(report)["tvaersUnknownElement"] = "x"
    yield Case(f"{profile.id}/unknown-element", "unknown-element", report,
               f"unknown-element:{profile.id}:{profile.root.id}", f"{inst.prefix}.tvaersUnknownElement")  # fmt: skip
    report = copy.deepcopy(inst.report)
    resource = inst.resource(report)
    name = next(k for k in resource if k not in ("resourceType", "id", "meta") and len(k) > 3)
    resource[name[:-2] + name[-1] + name[-2]] = resource.pop(name)
    yield Case(f"{profile.id}/misspelt", "unknown-element", report,
               f"unknown-element:{profile.id}:{profile.root.id}", f"{inst.prefix}.{name[:-2] + name[-1] + name[-2]}",
               f"did you mean '{name}'?")  # fmt: skip


def generate() -> tuple[list[Case], list[Skipped]]:
    """Every negative case of the structural families, and the exceptions."""
    cases: list[Case] = []
    skipped: list[Skipped] = []
    found = instances()
    for name in IG_NAMES:
        for profile in ig(name).resource_profiles():
            inst = found.get(profile.url)
            if inst is None:
                skipped.append(Skipped(profile.id, "profile", "no factory builds an instance"))
                continue
            for elem in profile.root.walk()[1:]:
                for item in mutations(profile, elem, inst):
                    (cases if isinstance(item, Case) else skipped).append(item)
            cases.extend(unknown_element_cases(profile, inst))
    for extra in (invariant_cases(), reference_cases()):
        cases.extend(extra[0])
        skipped.extend(extra[1])
    return cases, skipped


def run(cases: list[Case]) -> dict[str, bool]:
    """Validate every case: True when the expected issue (rule and expression) was reported."""
    from tvaers.validation import validate_report

    results = {}
    for case in cases:
        result = validate_report(case.report)
        results[case.id] = (not result.valid or case.family == "invariant") and any(
            i.rule == case.rule
            and i.expression == case.expression
            and (case.text is None or case.text in i.diagnostics)
            for i in result.issues
        )
    return results


def coverage_table(cases: list[Case], skipped: list[Skipped], results: dict[str, bool]) -> str:
    """A per-family table: constraints, mutants, detected, exceptions, coverage."""
    rows = ["family            constraints  mutants  detected  exceptions  coverage"]
    for family in FAMILIES:
        fam_cases = [c for c in cases if c.family == family]
        fam_skips = [s for s in skipped if s.family == family]
        detected = sum(results[c.id] for c in fam_cases)
        total = len(fam_cases) + len(fam_skips)
        covered = detected / len(fam_cases) * 100 if fam_cases else 100.0
        rows.append(
            f"{family:<17} {total:>11}  {len(fam_cases):>7}  {detected:>8}  {len(fam_skips):>10}  {covered:>7.1f}%"
        )
    reasons: dict[str, int] = {}
    for item in skipped:
        reasons[f"{item.family}: {item.reason}"] = (
            reasons.get(f"{item.family}: {item.reason}", 0) + 1
        )
    rows.append("exceptions (not mutable, with the reason):")
    rows.extend(f"  {count:>4} x {reason}" for reason, count in sorted(reasons.items()))
    return "\n".join(rows)


# --------------------------------------------------------------------------- invariants, references
#: One violation per invariant of the IG profiles: (IG, resource type, profile suffix, mutation,
#: element path below the resource). ``None`` as resource type mutates the report Bundle.
INVARIANT_MUTANTS: dict[str, tuple[str, str | None, str | None, Any, str]] = {
    "dom-2": ("care", "Condition", None, lambda r: r.__setitem__("contained", [{"resourceType": "Basic", "id": "a", "contained": [{"resourceType": "Basic", "id": "b"}]}]), ""),
    "dom-3": ("care", "Condition", None, lambda r: r.__setitem__("contained", [{"resourceType": "Basic", "id": "a"}]), ""),
    "dom-4": ("care", "Condition", None, lambda r: r.__setitem__("contained", [{"resourceType": "Basic", "id": "a", "meta": {"versionId": "1"}}]), ""),
    "dom-5": ("care", "Condition", None, lambda r: r.__setitem__("contained", [{"resourceType": "Basic", "id": "a", "meta": {"security": [{"code": "R"}]}}]), ""),
    "dom-6": ("care", "Condition", None, lambda r: r.pop("text", None), ""),
    "con-3": ("care", "Condition", None, lambda r: r.pop("clinicalStatus"), ""),
    "con-4": ("care", "Condition", None, lambda r: r.__setitem__("abatementDateTime", "2024-05-01"), ""),
    "con-5": ("care", "Condition", None, lambda r: r.__setitem__("verificationStatus", {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "entered-in-error"}]}), ""),
    "cpl-3": ("care", "CarePlan", None, lambda r: r["activity"][0].__setitem__("reference", {"reference": "ServiceRequest/x"}), ".activity[0]"),
    "gol-1": ("care", "Goal", None, lambda r: r["target"][0].pop("measure"), ".target[0]"),
    "obs-6": ("care", "Observation", "follow-up-observation", lambda r: r.__setitem__("dataAbsentReason", {"text": "x"}), ""),
    "obs-7": ("care", "Observation", "follow-up-observation", lambda r: r.__setitem__("component", [{"code": r["code"]}]), ""),
    "org-1": ("rehab", "Organization", None, lambda r: r.pop("identifier"), ""),
    "bdl-1": ("care", None, None, lambda r: r.__setitem__("total", 3), ""),
    "bdl-2": ("care", None, None, lambda r: r["entry"][1].__setitem__("search", {"mode": "match"}), ""),
    "bdl-3": ("care", None, None, lambda r: r["entry"][1].__setitem__("request", {"method": "PUT", "url": "x"}), ""),
    "bdl-4": ("care", None, None, lambda r: r["entry"][1].__setitem__("response", {"status": "200"}), ""),
    "bdl-5": ("care", None, None, lambda r: r["entry"][1].pop("resource"), ".entry[1]"),
    "bdl-7": ("care", None, None, lambda r: r["entry"].append(r["entry"][1]), ""),
    "bdl-8": ("care", None, None, lambda r: r["entry"][1].__setitem__("fullUrl", "https://x/Condition/1/_history/1"), ".entry[1]"),
    "bdl-9": ("care", None, None, lambda r: r.__setitem__("type", "document"), ""),
    "bdl-10": ("care", None, None, lambda r: (r.__setitem__("type", "document"), r.pop("timestamp")), ""),
    "bdl-11": ("care", None, None, lambda r: r.__setitem__("type", "document"), ""),
    "bdl-12": ("care", None, None, lambda r: r.__setitem__("type", "message"), ""),
    "per-1": ("care", "CarePlan", None, lambda r: r.__setitem__("period", {"start": "2024-05-02", "end": "2024-05-01"}), ".period"),
    "ref-1": ("care", "CarePlan", None, lambda r: r["activity"][0]["detail"].__setitem__("reasonReference", [{"reference": "#nowhere"}]), ".activity[0].detail.reasonReference[0]"),
    "gateway-care-report-2": ("care", None, None, lambda r: _unprofiled(r, "Encounter", "general-encounter", lambda e: e.pop("type")), ""),
    "gateway-140-report-1": ("rehab", None, None, lambda r: _unprofiled(r, "Condition", "140-condition", lambda c: c["code"]["coding"][0].update(code="J1.1")), ""),
    "gateway-140-report-2": ("rehab", None, None, lambda r: _unprofiled(r, "CarePlan", "140-care-plan", lambda c: c.update(intent="order")), ""),
    "gateway-119-report-1": ("prevention", None, None, lambda r: _unprofiled(r, "Condition", "119-condition", lambda c: c["code"]["coding"][0].update(code="J1.1")), ""),
    "gateway-119-report-2": ("prevention", None, None, lambda r: _unprofiled(r, "CarePlan", "119-care-plan", lambda c: c.update(intent="order")), ""),
    "klgateway-focus-must-be-home-care-condition-or-area": ("care", None, None, lambda r: _focus_on_nursing(r), ""),
    "data-about-deceased-citizen-warning": ("care", "Patient", None, lambda r: r.__setitem__("deceasedBoolean", True), ""),
}  # fmt: skip
INVARIANT_EXCEPTIONS = {
    "pat-1": "Patient.contact is prohibited (0..0) in every citizen profile",
    "marital-status-unknown-usage": "Patient.maritalStatus is prohibited (0..0) in every citizen profile",
    "obs-3": "Observation.referenceRange is prohibited (0..0) in the observation profiles",
    "con-1": "Condition.stage is prohibited (0..0) in the condition profiles",
    "con-2": "Condition.evidence is prohibited (0..0) in the condition profiles",
    "org-2": "Organization.address is prohibited (0..0) in the organisation profiles",
    "org-3": "Organization.telecom is prohibited (0..0) in the organisation profiles",
    "prr-1": "ServiceRequest.orderDetail is prohibited (0..0) in the referral profiles",
    "uuid": "dk-core KOMBIT identifier rule: the KOMBIT slice value is fixed by its own pattern",
}


def _unprofiled(report: dict[str, Any], kind: str, profile: str, change: Any) -> None:
    """A resource that declares no profile and matches none of the IG's for its type."""
    resource = find(report, kind, profile)
    resource.pop("meta")
    change(resource)


def _focus_on_nursing(report: dict[str, Any]) -> str:
    """A citizen's own observation focused on a nursing condition (not home care)."""
    from tvaers.synth.factories import make_care_condition

    nursing = make_care_condition(find(report, "Patient"), code=("116ff724-09b7-45c0-bee5-8bbf1d500c63", "x"),
                                  level=None, rng=__import__("random").Random(3))  # fmt: skip
    report["entry"].append(
        {"fullUrl": f"https://eoj.example.dk/fhir/Condition/{nursing['id']}", "resource": nursing}
    )
    observation = find(report, "Observation", "citizens-own-observation")
    observation["focus"] = [{"reference": f"Condition/{nursing['id']}"}]
    return _where(report, observation)


def invariant_cases() -> tuple[list[Case], list[Skipped]]:
    """One mutant per invariant of the IG profiles (IG ones from the invalid-report set)."""
    from invalid_reports import CASES  # type: ignore[import-not-found]

    declared = {
        c.key
        for n in IG_NAMES
        for p in ig(n).resource_profiles()
        for e in p.root.walk()
        for c in e.constraints
    }
    keys = sorted(
        (declared | {"per-1", "ref-1"}) - {"cpr", "min-digits-sor"}
    )  # cpr/sor: own families
    cases, skipped = [], []
    for key in keys:
        if key in INVARIANT_MUTANTS:
            name, kind, profile, mutate, suffix = INVARIANT_MUTANTS[key]
            report = (
                make_delivery_report(name, transitional=True)
                if name == "care"
                else make_delivery_report(name)
            )  # type: ignore[arg-type]
            target = report if kind is None else find(report, kind, profile)
            where = mutate(target)  # a mutation may name the resource it breaks
            expression = where if isinstance(where, str) else _where(report, target) + suffix
            cases.append(Case(f"invariant/{key}", "invariant", report, key, expression))
            continue
        hand = next((c for c in CASES if c.rule == key and not c.strict), None)
        if hand is not None:
            report = hand.report()
            cases.append(
                Case(
                    f"invariant/{key}",
                    "invariant",
                    report,
                    key,
                    hand.expression or _any_expression(report, key),
                )
            )
        elif key in INVARIANT_EXCEPTIONS:
            skipped.append(Skipped(f"invariant/{key}", "invariant", INVARIANT_EXCEPTIONS[key]))
        else:
            skipped.append(Skipped(f"invariant/{key}", "invariant", "no violation written yet"))
    return cases, skipped


def _where(report: dict[str, Any], target: dict[str, Any]) -> str:
    if target is report:
        return "Bundle"
    index = next(i for i, e in enumerate(report["entry"]) if e.get("resource") is target)
    return f"Bundle.entry[{index}].resource"


def _any_expression(report: dict[str, Any], key: str) -> str:
    from tvaers.validation import validate_report

    return next((i.expression or "" for i in validate_report(report).issues if i.rule == key), "")


def reference_cases() -> tuple[list[Case], list[Skipped]]:
    """Each Reference element of each profile instance pointed at a missing resource."""
    cases, skipped = [], []
    found = instances()
    for name in IG_NAMES:
        for profile in ig(name).resource_profiles():
            inst = found.get(profile.url)
            if inst is None:
                continue
            for elem in profile.root.walk()[1:]:
                if "Reference" not in elem.types or elem.max == 0:
                    continue
                report = orjson.loads(orjson.dumps(inst.report))
                where = descend(inst.resource(report), profile.root, elem.id, inst.prefix, True)
                case_id = f"{profile.id}/reference/{elem.id}"
                if where is None or where.discriminator:
                    skipped.append(
                        Skipped(case_id, "reference", "its parent element cannot exist here")
                    )
                    continue
                key, code = _key(
                    where.holder, where.container, "Reference" if where.holder.is_choice else None
                )
                expr = _expr(where.base, where.holder, code)
                broken = {"reference": "Basic/tvaers-missing"}
                where.container[key] = [broken] if where.holder.array else broken
                cases.append(Case(case_id, "reference", report, f"reference:{profile.id}:{where.target.id}",
                                  f"{expr}[0]" if where.holder.array else expr))  # fmt: skip
    return cases, skipped


if __name__ == "__main__":
    all_cases, all_skipped = generate()
    outcome = run(all_cases)
    print(coverage_table(all_cases, all_skipped, outcome))
    for case in all_cases:
        if not outcome[case.id]:
            print("MISSED", case.id, case.rule, case.expression)
