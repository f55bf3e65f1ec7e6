"""Message templates: what went wrong (English ``diagnostics``, Danish ``details.text``) and
how to fix it, per kind of finding. Rule keys name *where* (profile and element); these
templates say *what*. The rule catalogue publishes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Message:
    """One kind of finding: family, FHIR issue type, templates and a how-to-fix text."""

    kind: str
    family: str
    code: str  # FHIR IssueType
    en: str
    da: str
    fix: str


def _m(kind: str, code: str, en: str, da: str, fix: str) -> Message:
    return Message(kind, kind.split(".", 1)[0], code, en, da, fix)


MESSAGES: dict[str, Message] = {
    m.kind: m
    for m in (
        _m(
            "json.parse",
            "structure",
            "{detail}",
            "Input er ikke gyldig JSON: {detail}",
            "Send one FHIR JSON resource (UTF-8, RFC 8259).",
        ),
        _m(
            "json.encoding",
            "structure",
            "{detail}",
            "Input er ikke UTF-8-kodet JSON: {detail}",
            "Encode the report as UTF-8 without a byte-order mark.",
        ),
        _m(
            "json.too-large",
            "too-long",
            "input is {size} bytes; the limit is {limit} bytes",
            "Input fylder {size} bytes; grænsen er {limit} bytes",
            "Send one citizen per report and only what changed since the last report.",
        ),
        _m(
            "json.too-deep",
            "structure",
            "{detail}",
            "JSON er indlejret for dybt: {detail}",
            "Flatten the document; FHIR resources are shallow.",
        ),
        _m(
            "json.not-a-resource",
            "structure",
            "input is not a FHIR resource (a JSON object with a resourceType): got {got}",
            "Input er ikke en FHIR-ressource (et JSON-objekt med resourceType): fik {got}",
            'Send a FHIR Bundle (a delivery report) with "resourceType": "Bundle".',
        ),
        _m(
            "json.unknown-profile",
            "not-supported",
            "cannot tell which KL Gateway IG {what} follows: no meta.profile of the care, rehab "
            "(§140) or prevention (§119) IG{seen}",
            "Kan ikke afgøre hvilken KL Gateway-IG {what} følger: ingen meta.profile fra "
            "care, rehab (§140) eller prevention (§119){seen}",
            "Put the IG's delivery-report profile URL in Bundle.meta.profile.",
        ),
        _m(
            "json.issue-cap",
            "too-costly",
            "stopped after {count} issues; fix these and validate again",
            "Stoppede efter {count} fejl; ret dem og valider igen",
            "Fix the reported issues first; the rest are found on the next run.",
        ),
        _m(
            "bundle.resource-type",
            "structure",
            "resource type {type} is not allowed in {profile}; allowed: {allowed}",
            "Ressourcetypen {type} er ikke tilladt i {profile}; tilladt: {allowed}",
            "Only send the resource types the IG's delivery-report profile lists.",
        ),
        _m(
            "bundle.citizen-count",
            "structure",
            "a delivery report holds exactly one citizen (Patient); found {count}",
            "En leveringsrapport skal indeholde præcis én borger (Patient); fundet {count}",
            "Send one report per citizen, with that citizen's Patient resource in it.",
        ),
        _m(
            "bundle.profile-type",
            "structure",
            "profile {profile} is for {expected} resources, but this is a {got}",
            "Profilen {profile} gælder {expected}-ressourcer, men dette er en {got}",
            "Declare a profile of the resource's own type in meta.profile.",
        ),
        _m(
            "cardinality.min",
            "required",
            "{element} is required by {profile}: at least {min}, found {count}",
            "{element} er påkrævet i {profile}: mindst {min}, fundet {count}",
            "Add the element; the profile requires it.",
        ),
        _m(
            "cardinality.max",
            "structure",
            "{element} occurs {count} times; {profile} allows at most {max}",
            "{element} forekommer {count} gange; {profile} tillader højst {max}",
            "Send at most the allowed number of repetitions.",
        ),
        _m(
            "cardinality.prohibited",
            "structure",
            "{element} is not allowed in {profile}",
            "{element} må ikke forekomme i {profile}",
            "Remove the element; the profile prohibits it (max 0).",
        ),
        _m(
            "cardinality.choice",
            "structure",
            "{element} may have only one type, found {keys}",
            "{element} må kun have én type, fundet {keys}",
            "Keep exactly one of the alternatives.",
        ),
        _m(
            "unknown-element.key",
            "structure",
            "unknown element '{key}' in {element}{hint}",
            "Ukendt element '{key}' i {element}{hint_da}",
            "Remove the element or correct its spelling (FHIR names are case-sensitive).",
        ),
        _m(
            "type.array",
            "structure",
            "{element} must be a JSON array",
            "{element} skal være et JSON-array",
            "Wrap the value in [ ]; this element repeats.",
        ),
        _m(
            "type.single",
            "structure",
            "{element} must be a single value, not an array",
            "{element} skal være en enkelt værdi, ikke et array",
            "Send one value without [ ]; this element does not repeat.",
        ),
        _m(
            "type.empty-array",
            "structure",
            "{element} is an empty array; leave the element out instead",
            "{element} er et tomt array; udelad elementet i stedet",
            "Omit elements that have no value.",
        ),
        _m(
            "type.object",
            "structure",
            "{element} must be a JSON object ({type}), got {got}",
            "{element} skal være et JSON-objekt ({type}), fik {got}",
            "Send the element as a JSON object of its FHIR datatype.",
        ),
        _m(
            "type.json",
            "value",
            "{element} must be a {type} (JSON {json}), got {got}",
            "{element} skal være en {type} (JSON {json}), fik {got}",
            "Send the value with the JSON type the FHIR datatype prescribes.",
        ),
        _m(
            "type.format",
            "value",
            "{element}: {value} is not a valid {type}",
            "{element}: {value} er ikke en gyldig {type}",
            "Use the FHIR format of the datatype (e.g. dates as YYYY-MM-DD, instants with zone).",
        ),
        _m(
            "type.choice",
            "structure",
            "{element}: '{key}' is not allowed; allowed: {allowed}",
            "{element}: '{key}' er ikke tilladt; tilladt: {allowed}",
            "Use one of the types the profile allows.",
        ),
        _m(
            "type.resource",
            "structure",
            "{element} must hold a resource with a resourceType, got {got}",
            "{element} skal indeholde en ressource med resourceType, fik {got}",
            "Put a complete FHIR resource here.",
        ),
        _m(
            "ele-1.empty",
            "invariant",
            "{element} has neither a value nor children (ele-1)",
            "{element} har hverken værdi eller indhold (ele-1)",
            "Leave out empty elements.",
        ),
        _m(
            "fixed.value",
            "value",
            "{element} must be exactly {expected}, got {got}",
            "{element} skal være præcis {expected}, fik {got}",
            "Send exactly the value the profile fixes.",
        ),
        _m(
            "pattern.value",
            "value",
            "{element} must match {expected}, got {got}",
            "{element} skal matche {expected}, fik {got}",
            "Send a value containing the profile's pattern.",
        ),
        _m(
            "binding.code",
            "code-invalid",
            "{element}: {coding} is not in the required value set {valueset}",
            "{element}: {coding} er ikke i det krævede værdisæt {valueset}",
            "Use a code from the bound value set (see the IG / kl-term).",
        ),
        _m(
            "slice.closed",
            "structure",
            "{element}: {what} matches none of the allowed slices ({allowed}); the list is closed",
            "{element}: {what} passer ikke til nogen af de tilladte (ud)snit ({allowed}); listen er lukket",
            "Only send codings/items of the kinds the profile lists.",
        ),
        _m(
            "unknown-element.extension",
            "structure",
            "{element}: extension {url} is not defined here by {profile}{known}",
            "{element}: udvidelsen {url} er ikke defineret her i {profile}{known}",
            "Only send the extensions the profile defines for this element.",
        ),
        _m(
            "reference.unresolved",
            "not-found",
            "{element}: reference {reference} does not resolve to a resource in this report",
            "{element}: referencen {reference} peger ikke på en ressource i denne rapport",
            "Include every referenced resource in the report (also unchanged ones).",
        ),
        _m(
            "reference.type",
            "structure",
            "{element}: reference {reference} points at a {got}; allowed: {allowed}",
            "{element}: referencen {reference} peger på en {got}; tilladt: {allowed}",
            "Reference a resource of the type the profile names.",
        ),
        _m(
            "reference.profile",
            "structure",
            "{element}: {reference} does not conform to {allowed}",
            "{element}: {reference} følger ikke {allowed}",
            "Make the referenced resource valid against the profile the reference requires.",
        ),
        _m(
            "reference.full-url",
            "value",
            "fullUrl {full_url} does not end with the resource's {expected}",
            "fullUrl {full_url} ender ikke med ressourcens {expected}",
            "Build fullUrl as <base>/<resourceType>/<id> of the entry's resource.",
        ),
        _m(
            "cardinality.last-updated",
            "informational",
            "{element}: meta.lastUpdated is missing; the IG asks every resource to carry it",
            "{element}: meta.lastUpdated mangler; IG'en beder om det på alle ressourcer",
            "Set meta.lastUpdated to when the resource last changed in the record system.",
        ),
        _m(
            "strict.legacy-code",
            "code-invalid",
            "{element}: {coding} is a pre-transition FSIII key; after the transition only UUID codes are accepted{hint}",
            "{element}: {coding} er en FSIII-nøgle fra før forenklingen; efter overgangen modtages kun UUID-koder{hint}",
            "Send the FSIII UUID code (FK-klassifikation) instead of the legacy key.",
        ),
        _m(
            "strict.rejected-concept",
            "code-invalid",
            "{element}: {coding} is a pre-simplification FSIII concept, rejected after the transition",
            "{element}: {coding} er et FSIII-begreb fra før forenklingen og afvises efter overgangen",
            "Use the simplified FSIII concept (e.g. 'Personlig pleje' instead of 'Vaske sig').",
        ),
        _m(
            "strict.display",
            "code-invalid",
            "{element}: display {display} of {coding} is not the current title {current}",
            "{element}: visningsnavnet {display} for {coding} er ikke den gældende titel {current}",
            "Send the current FSIII title as display (or leave display out).",
        ),
        _m(
            "strict.deprecated",
            "business-rule",
            "{what} is deprecated after the FSIII transition",
            "{what} udgår efter FSIII-overgangen",
            "Use the replacement (GeneralEncounter; FollowUpObservation with a Condition focus).",
        ),
        _m(
            "strict.deceased",
            "business-rule",
            "{element}: {problem}",
            "{element}: {problem_da}",
            "Send deceasedBoolean = false; reports on deceased citizens are rejected after the transition.",
        ),
        _m(
            "strict.focus",
            "business-rule",
            "{element}: a follow-up must focus on a Condition after the transition, not {got}",
            "{element}: en opfølgning skal efter overgangen vedrøre en Condition, ikke {got}",
            "Reference the followed-up condition in Observation.focus.",
        ),
        _m(
            "invariant.failed",
            "invariant",
            "{element}: invariant {key} failed: {human}{detail}",
            "{element}: invarianten {key} er ikke opfyldt: {human_da}",
            "Change the data so that the rule holds (the IG's or FHIR's own constraint).",
        ),
        _m(
            "cpr.syntax",
            "value",
            "CPR number {value}: {reason}",
            "CPR-nummer {value}: {reason_da}",
            "Send the citizen's CPR number as 10 digits without hyphen (DDMMYYSSSS).",
        ),
        _m(
            "sor.syntax",
            "value",
            "SOR code {value}: {reason}",
            "SOR-kode {value}: {reason_da}",
            "Send the SOR code of the organisation: at least 11 digits.",
        ),
    )
}


def describe(value: Any, limit: int = 80) -> str:
    """A short, quoted rendering of a JSON value for messages."""
    import orjson

    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    text = repr(text) if isinstance(value, str) else text
    return text if len(text) <= limit else text[: limit - 3] + "..."


def json_kind(value: Any) -> str:
    """The JSON kind of a Python value from orjson."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
