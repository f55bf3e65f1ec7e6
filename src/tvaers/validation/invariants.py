"""Invariants: every constraint of the IG profiles and of R4 core, evaluated with the shared
FHIRPath engine (:mod:`tvaers.fhir.fhirpath`, typed by :mod:`.expressions`) and the host
functions bound here: ``memberOf`` against the shipped expansions, ``resolve`` inside the
report, ``conformsTo`` by nested profile validation.

Severity policy (``contracts.md``): the constraint's own severity, except ``con-5`` on
profiles that require ``clinicalStatus`` (a warning: KL's correction procedure needs an
entered-in-error condition to keep its status) and ``dom-6`` (narrative, information).
An invariant fails only when it evaluates to ``false``; ``ele-1``/``ext-1`` are checked by
the walker, and dk-core's ``cpr``/``min-digits-sor`` by the CPR-mode aware identifier rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tvaers.fhir.fhirpath import Context, FhirPathEvaluationError, HostFunction
from tvaers.fhir.outcome import Issue, Severity
from tvaers.terminology import valuesets
from tvaers.validation.expressions import Invariant, compile_invariant, value_kind
from tvaers.validation.messages import MESSAGES
from tvaers.validation.model import Constraint, Element
from tvaers.validation.native import NATIVE as NATIVE_FORMS
from tvaers.validation.tables import datatype, ig

if TYPE_CHECKING:
    from tvaers.validation.walker import Walker

NATIVE = frozenset({"cpr", "min-digits-sor"})
#: Danish texts for the IGs' own invariants (the IGs publish English only).
DANISH = {
    "data-about-deceased-citizen-warning": "Der indberettes data om en afdød borger",
    "klgateway-severity-mandatory-in-home-care-not-allowed-in-nursing":
        "Funktionsniveau (severity) skal angives for hjemmeplejetilstande og må ikke angives for sygeplejetilstande",
    "klgateway-adresses-must-be-home-care-condition": "Et mål skal vedrøre en hjemmeplejetilstand",
    "klgateway-citizen-observation-code-and-value-must-match":
        "Borgerens egen vurdering: koden (Udførelse/Betydning) og værdien skal passe sammen",
    "klgateway-focus-must-be-home-care-condition-or-area":
        "Borgerens egen vurdering skal vedrøre en hjemmeplejetilstand eller et område",
    "gateway-care-follow-up-1": "En opfølgning skal have status final eller entered-in-error",
    "gateway-care-report-1": "Alle Observation-ressourcer skal følge en af care-IG'ens observationsprofiler",
    "gateway-care-report-2": "Alle Encounter-ressourcer skal følge en af care-IG'ens kontaktprofiler",
    "gateway-140-report-1": "Alle Condition-ressourcer skal følge §140-tilstands- eller fokustilstandsprofilen",
    "gateway-140-report-2": "Alle CarePlan-ressourcer skal følge §140-forløbs- eller indsatsprofilen",
    "gateway-119-report-1": "Alle Condition-ressourcer skal følge §119-tilstands- eller fokustilstandsprofilen",
    "gateway-119-report-2": "Alle CarePlan-ressourcer skal følge §119-forløbs- eller indsatsprofilen",
    "klgateway-140-care-plan-1": "Årsag til status (statusReason) skal angives, hvis og kun hvis aktiviteten er aflyst eller stoppet",
    "klgateway-119-care-plan-1": "Årsag til status (statusReason) skal angives, hvis og kun hvis aktiviteten er aflyst eller stoppet",
    "klgateway-140-intervention-1": "Behandlingsindsatser skal henvise til et forløb (basedOn)",
    "klgateway-140-intervention-2": "Udredning og koordinering må ikke henvise til et forløb (basedOn)",
    "klgateway-119-intervention-1": "Behandlingsindsatser skal henvise til et forløb (basedOn)",
    "klgateway-119-intervention-2": "Afklarende, behovs- og afsluttende samtaler må ikke henvise til et forløb (basedOn)",
    "gateway-140-service-request-1": "Genoptræningsplanen skal have kategorien almen, specialiseret eller rehabilitering",
    "dk-core-organization-mandatory-identifier": "Organisationen skal have en SOR-, KOMBIT- eller EAN-identifikator",
    "con-5": "En tilstand registreret ved en fejl (entered-in-error) må ikke have clinicalStatus",
    "con-3": "clinicalStatus bør angives, medmindre tilstanden er registreret ved en fejl",
    "dom-6": "Ressourcen har ingen læsbar tekst (narrative)",
    "per-1": "Periodens start skal ligge før eller på slutningen",
    "bdl-7": "fullUrl skal være unik i rapporten",
    "ref-1": "En lokal reference (#id) skal pege på en indlejret ressource",
}  # fmt: skip


def severity_of(constraint: Constraint, walker: Walker) -> Severity:
    """The severity after the ``contracts.md`` policy."""
    if constraint.key == "dom-6":
        return "information"
    if constraint.key == "con-5" and _requires_clinical_status(walker):
        return "warning"
    return "warning" if constraint.severity == "warning" else "error"


def _requires_clinical_status(walker: Walker) -> bool:
    status = walker.profile.root.children.get("clinicalStatus")
    return status is not None and status.min > 0


def member_of(url: str, value: Any, version: str) -> bool | None:
    """``memberOf`` for a Coding, CodeableConcept or code/string (FHIR R4 definition)."""
    if not valuesets.known(url):
        return None
    members = valuesets.members(url, version)
    if isinstance(value, dict) and isinstance(value.get("coding"), list):
        return any(_coding_in(c, members) for c in value["coding"])
    if isinstance(value, dict) and ("code" in value or "system" in value):
        return _coding_in(value, members)
    if isinstance(value, str):
        return len(members) == 1 and value in next(iter(members.values()))
    return None


def _coding_in(coding: Any, members: dict[str, frozenset[str]]) -> bool:
    if not isinstance(coding, dict):
        return False
    system, code = coding.get("system"), coding.get("code")
    return isinstance(system, str) and isinstance(code, str) and code in members.get(system, ())


def _one(name: str, focus: list[Any], args: list[list[Any]]) -> tuple[Any, Any] | None:
    """The single input and single argument of ``memberOf``/``conformsTo`` (None if empty)."""
    if len(focus) > 1 or len(args[0]) > 1:
        raise FhirPathEvaluationError(f"{name} needs a single input and a single argument")
    return (focus[0], args[0][0]) if focus and args[0] else None


def host_functions(walker: Walker) -> dict[str, HostFunction]:
    """``memberOf``, ``resolve`` and ``conformsTo`` for the resource ``walker`` validates."""
    ctx = walker.ctx
    version = ig(walker.profile.ig).kl_term if walker.profile.ig else "2.3.0"
    index = ctx.index  # the report of this resource (nested reports have their own)

    def resolve(focus: list[Any], args: list[list[Any]]) -> list[Any]:
        out = []
        for item in focus:
            reference = item.get("reference") if isinstance(item, dict) else item
            if isinstance(reference, str) and index is not None:
                target = ctx.resolve(reference) if ctx.index is index else index.resolve(reference)
                if target is not None:
                    out.append(target)
        return out

    def member(focus: list[Any], args: list[list[Any]]) -> list[Any]:
        pair = _one("memberOf", focus, args)
        found = None if pair is None else member_of(str(pair[1]), pair[0], version)
        return [] if found is None else [found]

    def conforms(focus: list[Any], args: list[list[Any]]) -> list[Any]:
        pair = _one("conformsTo", focus, args)
        if pair is None or not isinstance(pair[0], dict):
            return []
        found = ctx.conforms(pair[0], str(pair[1]))
        return [] if found is None else [found]

    return {"resolve": resolve, "memberOf": member, "conformsTo": conforms}


def environment(walker: Walker) -> Context:
    """The evaluation context of the resource ``walker`` is validating (``%resource`` and
    ``%rootResource`` are that resource; host functions bound to its report)."""
    resource = walker.current
    return Context(resource, root_resource=resource, functions=host_functions(walker))


def evaluate(
    walker: Walker,
    invariant: Invariant,
    value: Any,
    code: str | None,
    elem: Element | None,
    fp: Context,
) -> tuple[bool, str | None]:
    """Whether ``invariant`` holds on ``value`` (typed by ``code``/``elem``; the resource
    itself when both are None) in context ``fp``, and why it could not be evaluated."""
    kind = walker.resource_kind if elem is None and code is None else value_kind(value, code, elem)
    expression = invariant.compiled(kind, walker.resource_kind)
    fp.context = value
    try:
        return expression.boolean([value], fp) is not False, None
    except FhirPathEvaluationError as exc:
        return False, exc.message


Prepared = tuple[Constraint, Invariant, Any]  # (constraint, invariant, native form or None)


@dataclass(frozen=True, slots=True)
class Plan:
    """A constraint list compiled once: pure, guarded invariants that hold when their names
    are absent form ``group``; when the value carries none of ``names`` (``dom-2``..``dom-5``
    without ``contained``) the whole group is skipped with one test."""

    names: frozenset[str]
    rest: tuple[Prepared, ...]
    everything: tuple[Prepared, ...]  # group + rest, in that order


#: id(constraints) -> (constraints, plan): constraint tuples live as long as their elements;
#: keeping the tuple in the value makes the id lookup safe and spares hashing it.
_PLANS: dict[int, tuple[tuple[Constraint, ...], Plan]] = {}


def prepare(constraints: tuple[Constraint, ...]) -> Plan:
    """The plan of a constraint list (compiled on first use)."""
    entry = _PLANS.get(id(constraints))
    if entry is not None and entry[0] is constraints:
        return entry[1]
    items = [(c, compile_invariant(c.expression), NATIVE_FORMS.get((c.key, c.expression)))
             for c in constraints if c.key not in NATIVE]  # fmt: skip
    group = tuple(p for p in items if p[2] is None and p[1].roots is not None and not p[1].choice_roots
                  and p[1].holds_when_absent is True and p[1].pure)  # fmt: skip
    rest = tuple(p for p in items if p not in group)
    names: frozenset[str] = frozenset(name for p in group for name in p[1].roots or ())
    plan = Plan(names, rest, group + rest)
    _PLANS[id(constraints)] = (constraints, plan)
    return plan


def check(walker: Walker, constraints: tuple[Constraint, ...], value: Any, code: str | None,
          elem: Element | None, path: str, anchor: Element) -> None:  # fmt: skip
    """Evaluate ``constraints`` on one value and report those that fail."""
    root = walker.current
    plan = prepare(constraints)
    todo = plan.rest if type(value) is dict and plan.names.isdisjoint(value) else plan.everything
    impure = 0
    for constraint, invariant, fast in todo:
        problem = None
        verdict = fast(value, root) if fast is not None else None
        if not invariant.pure:
            impure += 1
        if verdict is not None:
            holds = verdict
        elif not invariant.touches(value):
            holds = invariant.holds_when_absent is not False
        else:
            if walker.fp is None:
                walker.fp = environment(walker)
            holds, problem = evaluate(walker, invariant, value, code, elem, walker.fp)
        if not holds:
            _report(walker, constraint, path, anchor, problem)
    if impure:
        walker.ctx.impure += impure


#: (id(constraint), element id, problem) -> (constraint, issue type, English, Danish)
_TEXTS: dict[tuple[int, str, str | None], tuple[Constraint, str, str, str]] = {}


def _report(
    walker: Walker, constraint: Constraint, path: str, anchor: Element, problem: str | None
) -> None:
    key = (id(constraint), anchor.id, problem)
    texts = _TEXTS.get(key)
    if texts is None or texts[0] is not constraint:
        human = constraint.human.strip() or constraint.expression
        message = MESSAGES["invariant.failed"]
        params = {
            "element": walker.display(anchor, anchor),
            "key": constraint.key,
            "human": human,
            "detail": f" (could not be evaluated: {problem})" if problem else "",
            "human_da": DANISH.get(constraint.key, f"(engelsk regeltekst) {human}"),
        }
        texts = (constraint, message.code, message.en.format(**params), message.da.format(**params))
        if len(_TEXTS) < 20_000:
            _TEXTS[key] = texts
    severity = severity_of(constraint, walker)
    walker.ctx.add(Issue(severity, texts[1], constraint.key, texts[2], expression=path,
                         text_da=texts[3]))  # fmt: skip


def datatype_constraints(code: str) -> tuple[Constraint, ...]:
    """Constraints of a core datatype itself (e.g. ``per-1`` on Period, ``ref-1``)."""
    found = _DATATYPE_CACHE.get(code)
    if found is None:
        core = datatype(code)
        found = core.constraints if core is not None else ()
        _DATATYPE_CACHE[code] = found
    return found


_DATATYPE_CACHE: dict[str, tuple[Constraint, ...]] = {}
