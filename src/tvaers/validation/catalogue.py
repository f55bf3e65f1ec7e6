"""The rule catalogue: every rule key the validator can emit, derived from the same tables.

Derived keys are ``<family>:<profile-id>:<element id>`` (``contracts.md``); IG and core
invariant keys are used verbatim; ``json:*`` keys concern the input as a whole. Each rule
carries its family, IG, severity, English and Danish templates and a how-to-fix text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from tvaers.validation.fixes_da import FIXES_DA
from tvaers.validation.messages import MESSAGES
from tvaers.validation.model import PRIMITIVES, UNBOUNDED, Element
from tvaers.validation.tables import IG_NAMES, Profile, core_resource, datatype, datatype_names, ig

#: Message kinds per family, in the order the catalogue shows them.
FAMILY_KINDS: dict[str, tuple[str, ...]] = {
    "cardinality": ("cardinality.min", "cardinality.max", "cardinality.prohibited", "cardinality.choice"),
    "type": ("type.json", "type.format", "type.array", "type.single", "type.empty-array",
             "type.object", "type.choice", "type.resource"),
    "unknown-element": ("unknown-element.key",),
    "fixed": ("fixed.value",),
    "pattern": ("pattern.value",),
    "binding": ("binding.code",),
    "slice": ("slice.closed",),
    "cpr": ("cpr.syntax",),
    "sor": ("sor.syntax",),
    "reference": ("reference.unresolved", "reference.type", "reference.profile"),
    "strict": ("strict.legacy-code", "strict.rejected-concept", "strict.display"),
}  # fmt: skip
CORE_RESOURCES = (
    "Bundle", "CarePlan", "Condition", "Encounter", "Goal", "Observation", "Organization",
    "Patient", "Procedure", "ServiceRequest",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Rule:
    """One catalogue entry."""

    key: str
    family: str
    ig: str  # care | rehab | prevention | core | any
    severity: str
    message_en: str
    message_da: str
    how_to_fix: str
    profile: str | None = None
    element: str | None = None
    how_to_fix_da: str = ""

    def as_dict(self) -> dict[str, str | None]:
        """The rule as JSON-ready fields (the shape of ``GET /fhir/rules``)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _rule(key: str, family: str, ig_name: str, kinds: tuple[str, ...], **extra: str) -> Rule:
    messages = [MESSAGES[k] for k in kinds]
    return Rule(
        key=key,
        family=family,
        ig=ig_name,
        severity=extra.pop("severity", "error"),
        message_en=" | ".join(m.en for m in messages),
        message_da=" | ".join(m.da for m in messages),
        how_to_fix=" ".join(dict.fromkeys(m.fix for m in messages)),
        how_to_fix_da=" ".join(dict.fromkeys(FIXES_DA[m.kind] for m in messages)),
        **extra,
    )


def element_families(element: Element, ig_profile: bool = True) -> list[str]:
    """The derived-rule families that can fire at ``element``."""
    if element.max == 0:
        return ["cardinality"]
    families = ["type"]
    complex_type = not element.types or any(t not in PRIMITIVES for t in element.types)
    if (
        element.min > 0
        or (element.array and element.max != UNBOUNDED)
        or element.is_choice
        or element.slices
        or complex_type
    ):
        families.insert(0, "cardinality")
    if complex_type:
        families.append("unknown-element")
    if _has(element, "fixed"):
        families.append("fixed")
    if _has(element, "pattern"):
        families.append("pattern")
    if element.binding_members is not None:
        families.append("binding")
    if element.slicing is not None and element.slicing.closed:
        families.append("slice")
    if element.check:
        families.append(element.check)
    inside = (
        set().union(*(_core_families(t) for t in element.types)) if not element.children else set()
    )
    if "binding" in inside and "binding" not in families:
        families.append("binding")
    if "Reference" in element.types or "reference" in inside:
        families.append("reference")
    if ig_profile and ({"Coding", "CodeableConcept"} & set(element.types) or "strict" in inside):
        families.append("strict")
    return families


@cache
def _core_families(type_name: str, seen: frozenset[str] = frozenset()) -> frozenset[str]:
    """Families that can fire inside a core datatype (reported under the using element)."""
    core = datatype(type_name)
    if core is None or type_name in seen:
        return frozenset()
    found: set[str] = set()
    for element in core.walk()[1:]:
        if element.binding_members is not None:
            found.add("binding")
        if "Reference" in element.types:
            found.add("reference")
        if "Coding" in element.types:
            found.add("strict")
        for code in element.types:
            found |= _core_families(code, seen | {type_name})
    return frozenset(found)


def _has(element: Element, attribute: str) -> bool:
    from tvaers.validation.model import MISSING

    return getattr(element, attribute) is not MISSING


def profile_rules(profile: Profile, ig_name: str) -> list[Rule]:
    """The derived rules of one profile."""
    out = []
    for element in profile.root.walk():
        for family in element_families(element, ig_name != "core"):
            out.append(
                _rule(
                    f"{family}:{profile.id}:{element.id}",
                    family,
                    ig_name,
                    FAMILY_KINDS[family],
                    profile=profile.id,
                    element=element.id,
                )
            )
    out.append(
        _rule(
            f"bundle:{profile.id}:{profile.type}",
            "bundle",
            ig_name,
            ("bundle.profile-type",),
            profile=profile.id,
            element=profile.type,
        )
    )
    for element in profile.root.walk():
        if element.name == "resource" and element.id.startswith("Bundle.entry"):
            out.append(
                _rule(
                    f"bundle:{profile.id}:{element.id}",
                    "bundle",
                    ig_name,
                    ("bundle.resource-type",),
                    profile=profile.id,
                    element=element.id,
                )
            )
    return out


def _global_rules() -> list[Rule]:
    out = [
        _rule(
            f"json:{kind.split('.', 1)[1]}",
            "json",
            "any",
            (kind,),
            severity="information" if kind == "json.issue-cap" else "fatal",
        )
        for kind in MESSAGES
        if kind.startswith("json.")
    ]
    out.append(_rule("ele-1", "invariant", "core", ("ele-1.empty",)))
    out.append(_rule("ext-1", "invariant", "core", ("ele-1.empty",)))
    return out


def invariant_rules(profile: Profile, ig_name: str) -> list[Rule]:
    """The invariants of a profile, keyed verbatim (severity after the contract policy)."""
    from tvaers.validation.invariants import NATIVE

    out = []
    for element in profile.root.walk():
        for constraint in element.constraints:
            if constraint.key in NATIVE:
                continue
            severity = "information" if constraint.key == "dom-6" else constraint.severity
            out.append(_rule(constraint.key, "invariant", ig_name, ("invariant.failed",),
                             severity=severity))  # fmt: skip
    return out


def kl_rules(profile: Profile, ig_name: str) -> list[Rule]:
    """Report, reference and strict rules that no single element definition states."""
    from tvaers.validation.strict import load

    pid, kind = profile.id, profile.type
    found: list[Rule] = []
    if kind == "Bundle":
        if profile.url == ig(profile.ig).report if profile.ig else False:
            found.append(_rule(f"reference:{pid}:Bundle.entry.fullUrl", "reference", ig_name,
                               ("reference.full-url",), severity="warning", profile=pid,
                               element="Bundle.entry.fullUrl"))  # fmt: skip
        return found
    found.append(_rule(f"cardinality:{pid}:{kind}.meta.lastUpdated", "cardinality", ig_name,
                       ("cardinality.last-updated",), severity="information", profile=pid,
                       element=f"{kind}.meta.lastUpdated"))  # fmt: skip
    rules = load()
    strict_elements = [f"{kind}.extension"]
    if profile.url in rules.deprecated_profiles:
        strict_elements.append(kind)
    if kind == "Patient":
        strict_elements.append("Patient.deceased[x]")
    if profile.url == rules.follow_up_profile:
        strict_elements.append("Observation.focus")
    for element in strict_elements:
        kinds = (
            ("strict.deceased",)
            if "deceased" in element
            else ("strict.focus",)
            if "focus" in element
            else ("strict.deprecated",)
        )
        found.append(
            _rule(f"strict:{pid}:{element}", "strict", ig_name, kinds, profile=pid, element=element)
        )
    return found


@cache
def _catalogue() -> tuple[Rule, ...]:
    rules: dict[str, Rule] = {}
    for rule in _global_rules():
        rules[rule.key] = rule
    for type_name in CORE_RESOURCES:
        base = core_resource(type_name)
        assert base is not None
        for rule in (*profile_rules(base, "core"), *invariant_rules(base, "core")):
            rules.setdefault(rule.key, rule)
    for name in IG_NAMES:
        tables = ig(name)
        for profile in tables.resource_profiles():
            for rule in (
                *profile_rules(profile, name),
                *kl_rules(profile, name),
                *invariant_rules(profile, name),
            ):
                rules.setdefault(rule.key, rule)
        report = tables.profile(tables.report)
        if report is not None and name == "care":
            key = f"bundle:{report.id}:Bundle.entry"
            rules[key] = _rule(key, "bundle", name, ("bundle.citizen-count",),
                               profile=report.id, element="Bundle.entry")  # fmt: skip
    for type_name in _reachable_datatypes():
        element = datatype(type_name)
        if element is not None:
            for constraint in element.constraints:
                rules.setdefault(constraint.key, _rule(constraint.key, "invariant", "core",
                                 ("invariant.failed",), severity=constraint.severity))  # fmt: skip
    return tuple(rules.values())


def _reachable_datatypes() -> list[str]:
    """Datatypes that occur in the IG profiles or the core resources (transitively)."""
    pending: list[Element] = [p.root for n in IG_NAMES for p in ig(n).resource_profiles()]
    pending += [r.root for t in CORE_RESOURCES if (r := core_resource(t)) is not None]
    names = set(datatype_names())
    seen: set[str] = set()
    while pending:
        for element in pending.pop().walk():
            for code in element.types:
                if code in names and code not in seen:
                    seen.add(code)
                    found = datatype(code)
                    if found is not None:
                        pending.append(found)
    return sorted(seen)


def rule_catalogue() -> list[Rule]:
    """Every rule the validator can emit (keys are API; see ``docs/rules.md``)."""
    return list(_catalogue())


@cache
def rule_index() -> dict[str, Rule]:
    """The catalogue by key."""
    return {rule.key: rule for rule in _catalogue()}
