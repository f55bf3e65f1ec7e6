"""Hand-compiled forms of the hottest R4 core invariants (every report evaluates them).

Each function returns the invariant's truth for well-formed input, or None to defer to the
shared FHIRPath engine (unexpected shapes, where the general semantics decide). They are
registered by their exact expression text, so a changed definition falls back to the
evaluator; ``tests/validation/test_fhirpath_oracle.py`` checks each against the evaluator
and against fhirpathpy on the examples, the factories and the mutants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tvaers.fhir.fhirpath.temporal import compare, parse_datetime

Native = Callable[[Any, Any], "bool | None"]

REF_1 = (
    "ref-1",
    "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))",
)
PER_1 = ("per-1", "start.hasValue().not() or end.hasValue().not() or (start <= end)")
BDL_3 = (
    "bdl-3",
    "entry.all(request.exists() = (%resource.type = 'batch' or %resource.type = 'transaction' or %resource.type = 'history'))",
)
BDL_4 = (
    "bdl-4",
    "entry.all(response.exists() = (%resource.type = 'batch-response' or %resource.type = 'transaction-response' or %resource.type = 'history'))",
)
BDL_5 = ("bdl-5", "resource.exists() or request.exists() or response.exists()")
BDL_7 = (
    "bdl-7",
    "(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId).isDistinct()",
)
BDL_8 = ("bdl-8", "fullUrl.contains('/_history/').not()")  # fmt: skip


def _present(value: Any) -> bool:
    """FHIRPath ``exists()`` of a JSON property value (null items do not count)."""
    if isinstance(value, list):
        return any(item is not None for item in value)
    return value is not None


def ref_1(reference: Any, root: Any) -> bool | None:
    if not isinstance(reference, dict):
        return None
    text = reference.get("reference")
    if text is None or (isinstance(text, str) and not text.startswith("#")):
        return True
    if not isinstance(text, str) or isinstance(root, list):
        return None
    if len(text) == 1:
        return True  # substring(1) of "#" is empty: the comparison is empty, the invariant holds
    contained = root.get("contained") if isinstance(root, dict) else None
    if contained is None:
        return False
    if not isinstance(contained, list) or not all(isinstance(c, dict) for c in contained):
        return None
    return any(c.get("id") == text[1:] for c in contained)


def per_1(period: Any, root: Any) -> bool | None:
    if not isinstance(period, dict):
        return None
    start, end = period.get("start"), period.get("end")
    if start is None or end is None:
        return True
    if not isinstance(start, str) or not isinstance(end, str):
        return None
    first, last = parse_datetime(start), parse_datetime(end)
    if first is None or last is None:
        return True  # not a dateTime (type.format reports it): the order is unknown
    order = compare(first, last)
    return True if order is None else order <= 0


def _bundle_type(bundle: Any) -> str | None:
    kind = bundle.get("type") if isinstance(bundle, dict) else None
    return kind if isinstance(kind, str) else None


def _entries(bundle: Any) -> list[dict[str, Any]] | None:
    entries = bundle.get("entry", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return None
    return entries


def _entry_rule(key: str, kinds: tuple[str, ...]) -> Native:
    def rule(bundle: Any, root: Any) -> bool | None:
        kind, entries = _bundle_type(bundle), _entries(bundle) if isinstance(bundle, dict) else None
        if kind is None or entries is None:
            return None
        expected = kind in kinds
        return all(_present(entry.get(key)) == expected for entry in entries)

    return rule


def bdl_5(entry: Any, root: Any) -> bool | None:
    if not isinstance(entry, dict):
        return None
    return any(_present(entry.get(key)) for key in ("resource", "request", "response"))


def bdl_7(bundle: Any, root: Any) -> bool | None:
    kind, entries = _bundle_type(bundle), _entries(bundle) if isinstance(bundle, dict) else None
    if kind == "history":
        return True
    if kind is None or entries is None:
        return None
    seen: set[str] = set()
    for entry in entries:
        full_url = entry.get("fullUrl")
        if full_url is None:
            continue
        resource = entry.get("resource")
        meta = resource.get("meta") if isinstance(resource, dict) else None
        version = meta.get("versionId") if isinstance(meta, dict) else None
        if not isinstance(full_url, str) or not isinstance(version, str | None):
            return None
        key = full_url + (version or "")
        if key in seen:
            return False
        seen.add(key)
    return True


def bdl_8(entry: Any, root: Any) -> bool | None:
    if not isinstance(entry, dict):
        return None
    full_url = entry.get("fullUrl")
    if full_url is None:
        return True
    return "/_history/" not in full_url if isinstance(full_url, str) else None


# --------------------------------------------------------------------------- accept-only forms
# These return True for the common, clearly valid shape and None otherwise (the evaluator
# then decides), so they can only save time, never change an answer.
VER_STATUS = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def _type_is_not(bundle: Any, *kinds: str) -> bool:
    kind = _bundle_type(bundle)
    return kind is not None and kind not in kinds


def _accept(condition: Callable[[Any], bool]) -> Native:
    return lambda value, root: True if isinstance(value, dict) and condition(value) else None


def _entered_in_error(condition: dict[str, Any]) -> bool | None:
    status = condition.get("verificationStatus")
    if status is None:
        return False
    codings = status.get("coding") if isinstance(status, dict) else None
    if codings is None:
        return False
    if not isinstance(codings, list) or not all(isinstance(c, dict) for c in codings):
        return None
    return any(
        c.get("system") == VER_STATUS and c.get("code") == "entered-in-error" for c in codings
    )


ACCEPT: dict[tuple[str, str], Native] = {
    ("bdl-1", "total.empty() or (type = 'searchset') or (type = 'history')"):
        _accept(lambda b: "total" not in b),
    ("bdl-2", "entry.search.empty() or (type = 'searchset')"):
        _accept(lambda b: isinstance(b.get("entry", []), list) and all(isinstance(e, dict) and "search" not in e for e in b.get("entry", []))),
    ("bdl-9", "type = 'document' implies (identifier.system.exists() and identifier.value.exists())"):
        _accept(lambda b: _type_is_not(b, "document")),
    ("bdl-10", "type = 'document' implies (timestamp.hasValue())"): _accept(lambda b: _type_is_not(b, "document")),
    ("bdl-11", "type = 'document' implies entry.first().resource.is(Composition)"):
        _accept(lambda b: _type_is_not(b, "document")),
    ("bdl-12", "type = 'message' implies entry.first().resource.is(MessageHeader)"):
        _accept(lambda b: _type_is_not(b, "message")),
    ("con-3", "clinicalStatus.exists() or verificationStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-ver-status' and code = 'entered-in-error').exists() or category.select($this='problem-list-item').empty()"):
        _accept(lambda c: isinstance(c.get("clinicalStatus"), dict) or "category" not in c),
    ("con-4", "abatement.empty() or clinicalStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-clinical' and (code='resolved' or code='remission' or code='inactive')).exists()"):
        _accept(lambda c: not any(k.startswith("abatement") for k in c)),
    ("con-5", "verificationStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-ver-status' and code='entered-in-error').empty() or clinicalStatus.empty()"):
        _accept(lambda c: "clinicalStatus" not in c or _entered_in_error(c) is False),
    ("cpl-3", "detail.empty() or reference.empty()"): _accept(lambda a: "detail" not in a or "reference" not in a),
    ("org-1", "(identifier.count() + name.count()) > 0"):
        _accept(lambda o: isinstance(o.get("name"), str) or (isinstance(o.get("identifier"), list) and any(i is not None for i in o["identifier"]))),
    ("dk-core-organization-mandatory-identifier", "identifier.where(system='urn:oid:1.2.208.176.1.1' or system='https://kombit.dk/sts/organisation' or system='urn:oid:2.16.840.1.113883.2.24.1.1').exists()"):
        _accept(lambda o: isinstance(o.get("identifier"), list) and any(
            isinstance(i, dict) and i.get("system") in ("urn:oid:1.2.208.176.1.1", "https://kombit.dk/sts/organisation", "urn:oid:2.16.840.1.113883.2.24.1.1")
            for i in o["identifier"])),
}  # fmt: skip


NATIVE: dict[tuple[str, str], Native] = {
    REF_1: ref_1,
    PER_1: per_1,
    BDL_3: _entry_rule("request", ("batch", "transaction", "history")),
    BDL_4: _entry_rule("response", ("batch-response", "transaction-response", "history")),
    BDL_5: bdl_5,
    BDL_7: bdl_7,
    BDL_8: bdl_8,
    **ACCEPT,
}
