"""The validator's side of the shared FHIRPath engine: the element tables as a type model,
compiled invariants and their guards. Expected values are worked out by hand."""

from __future__ import annotations

from typing import Any

from tvaers.fhir.fhirpath import Context, Kind
from tvaers.validation.expressions import (
    MODEL,
    compile_invariant,
    resource_kind,
    root_names,
    value_kind,
)
from tvaers.validation.tables import core_resource, datatype

PER_1 = "start.hasValue().not() or end.hasValue().not() or (start <= end)"
DOM_3 = (
    "contained.where((('#'+id in (%resource.descendants().reference | "
    "%resource.descendants().as(canonical) | %resource.descendants().as(uri) | "
    "%resource.descendants().as(url))) or descendants().where(reference = '#').exists() or "
    "descendants().where(as(canonical) = '#').exists() or "
    "descendants().where(as(canonical) = '#').exists()).not()).trace('unmatched', id).empty()"
)


def _holds(expression: str, value: Any, focus: Kind | None, resource: dict[str, Any]) -> bool:
    compiled = compile_invariant(expression).compiled(focus, resource_kind(resource))
    functions = {
        "resolve": lambda f, a: [],
        "memberOf": lambda f, a: [],
        "conformsTo": lambda f, a: [],
    }
    return compiled.boolean([value], Context(resource, functions=functions)) is not False


def test_the_model_names_choice_keys_with_their_declared_types() -> None:
    patient = core_resource("Patient")
    assert patient is not None
    children = {(c.key, c.type) for c in MODEL.children(patient.root, "deceased")}
    assert children == {("deceasedBoolean", "boolean"), ("deceasedDateTime", "dateTime")}
    assert MODEL.children(patient.root, "nonsense") == ()
    assert MODEL.type_definition("Period") is datatype("Period")


def test_per_1_is_typed_as_datetime_by_the_model() -> None:
    # Period.start/end are dateTimes (R4): 10:00+02:00 on 2024-05-01 vs the date 2024-05-01
    # agree to the day and the end has no hour, so start <= end is empty and per-1 holds;
    # read as strings the start would sort after the end and per-1 would fail.
    period = {"start": "2024-05-01T10:00:00+02:00", "end": "2024-05-01"}
    kind = value_kind(period, "Period", None)
    assert kind == Kind("Period", datatype("Period"))
    plan = {"resourceType": "CarePlan", "period": period}
    assert _holds(PER_1, period, kind, plan) is True
    later = {"start": "2024-05-02", "end": "2024-05-01T10:00:00+02:00"}
    assert _holds(PER_1, later, kind, plan) is False


def test_dom_3_reads_descendants_by_their_declared_types() -> None:
    # The contained Condition is named only in a note's text (a string, not a reference,
    # uri or canonical): it is unmatched, dom-3 fails. A reference to it makes it hold.
    contained = [{"resourceType": "Condition", "id": "c1"}]
    loose = {"resourceType": "CarePlan", "contained": contained, "note": [{"text": "#c1"}]}
    linked = {"resourceType": "CarePlan", "contained": contained,
              "addresses": [{"reference": "#c1"}]}  # fmt: skip
    assert _holds(DOM_3, loose, resource_kind(loose), loose) is False
    assert _holds(DOM_3, linked, resource_kind(linked), linked) is True


def test_guards_name_what_an_invariant_reads() -> None:
    from tvaers.fhir.fhirpath import parse

    assert root_names(parse("contained.meta.versionId.empty() and text.exists()")) == {
        "contained",
        "text",
    }
    assert root_names(parse("%resource.id.exists()")) is None  # reads the environment
    assert root_names(parse("exists()")) is None  # a function of the input itself
    invariant = compile_invariant("abatement.empty() or clinicalStatus.exists()")
    assert invariant.holds_when_absent is True
    assert invariant.choice_roots == ("abatement",)
    assert invariant.touches({"abatementDateTime": "2024"})
    assert not invariant.touches({"code": {}})
