"""The engine's extension points (host functions, environment, type model) and the cases
where the two former engines disagreed, decided by the specification.

Expected values are worked out by hand from FHIRPath N1 (https://hl7.org/fhirpath/N1/)
and the FHIR R4 FHIRPath page (https://hl7.org/fhir/R4/fhirpath.html); the section is
named next to each case.
"""

from __future__ import annotations

from typing import Any

import pytest

from tvaers.fhir.fhirpath import (
    Child,
    Context,
    FhirPathEvaluationError,
    FhirPathSyntaxError,
    Kind,
    Temporal,
    Typing,
    compile_path,
)

_TYPES: dict[str, dict[str, tuple[Child, ...]]] = {
    "Observation": {
        "status": (Child("status", "code", None),),
        "value": (
            Child("valueQuantity", "Quantity", "Quantity"),
            Child("valueString", "string", None),
            Child("valueDateTime", "dateTime", None),
        ),
        "effective": (
            Child("effectivePeriod", "Period", "Period"),
            Child("effectiveDateTime", "dateTime", None),
        ),
        "subject": (Child("subject", "Reference", "Reference"),),
        "contained": (Child("contained", "Resource", None),),
    },
    "Period": {
        "start": (Child("start", "dateTime", None),),
        "end": (Child("end", "dateTime", None),),
    },
    "Quantity": {
        "value": (Child("value", "decimal", None),),
        "unit": (Child("unit", "string", None),),
        "system": (Child("system", "uri", None),),
        "code": (Child("code", "code", None),),
    },
    "Reference": {"reference": (Child("reference", "string", None),)},
    "Patient": {"id": (Child("id", "id", None),), "gender": (Child("gender", "code", None),)},
}


class TinyModel:
    """A hand-written type model: definitions are type names, children in ``_TYPES``."""

    def children(self, definition: str, name: str) -> tuple[Child, ...]:
        return _TYPES[definition].get(name, ())

    def type_definition(self, type_name: str) -> str | None:
        return type_name if type_name in _TYPES else None


TYPED = Typing(TinyModel(), Kind("Observation", "Observation"), Kind("Observation", "Observation"))
OBSERVATION: dict[str, Any] = {
    "resourceType": "Observation",
    "status": "final",
    "effectivePeriod": {"start": "2024-05-01T10:00:00+02:00", "end": "2024-05-01"},
    "valueQuantity": {
        "value": 5,
        "unit": "mg",
        "system": "http://unitsofmeasure.org",
        "code": "mg",
    },
    "subject": {"reference": "Patient/p1"},
    "contained": [{"resourceType": "Patient", "id": "p1", "gender": "female"}],
}


def typed(source: str, resource: dict[str, Any] = OBSERVATION) -> list[Any]:
    return compile_path(source, typing=TYPED).evaluate([resource], Context(resource))


def untyped(source: str, resource: dict[str, Any] = OBSERVATION) -> list[Any]:
    return compile_path(source)(resource)


# -- host functions ---------------------------------------------------------------------
def test_host_functions_are_declared_at_compile_time_and_bound_per_evaluation() -> None:
    expression = compile_path("code.memberOf('urn:vs') and subject.resolve().exists()",
                              functions={"memberOf": 1, "resolve": 0})  # fmt: skip
    seen: list[tuple[list[Any], list[list[Any]]]] = []

    def member_of(focus: list[Any], args: list[list[Any]]) -> list[Any]:
        seen.append((focus, args))
        return [focus == ["c1"]]

    resource = {"resourceType": "Observation", "code": "c1", "subject": {"reference": "x"}}
    ctx = Context(resource, functions={"memberOf": member_of, "resolve": lambda f, a: f})
    assert expression.evaluate([resource], ctx) == [True]
    assert seen == [(["c1"], [["urn:vs"]])]  # arguments evaluated against the input


def test_host_function_inside_an_iteration_sees_each_item() -> None:
    expression = compile_path("entry.all($this.conformsTo('urn:p'))", functions={"conformsTo": 1})
    bundle = {"entry": [{"ok": True}, {"ok": False}]}
    ctx = Context(bundle, functions={"conformsTo": lambda focus, args: [focus[0]["ok"]]})
    assert expression.evaluate([bundle], ctx) == [False]


def test_host_function_errors() -> None:
    with pytest.raises(FhirPathSyntaxError, match="unknown function memberof"):
        compile_path("memberof('x')", functions={"memberOf": 1})
    with pytest.raises(FhirPathSyntaxError, match=r"memberOf\(\) takes 1 argument"):
        compile_path("memberOf()", functions={"memberOf": 1})
    with pytest.raises(FhirPathSyntaxError, match="may not replace built-ins"):
        compile_path("where(true)", functions={"where": 1})
    with pytest.raises(FhirPathEvaluationError, match="not available"):
        compile_path("resolve()", functions={"resolve": 0})({"a": 1})  # no callable given


# -- environment (FHIR R4 §2.6.1: %resource, %rootResource; N1 §7: %context) --------------
def test_environment_variables_default_to_the_resource_and_can_be_set() -> None:
    container = {"resourceType": "Bundle", "id": "b"}
    inner = {"resourceType": "Patient", "id": "p"}
    expression = compile_path("%resource.id | %rootResource.id | %context.id")
    assert expression(inner) == ["p"]
    ctx = Context(inner, root_resource=container, context={"id": "e"})
    assert expression.evaluate([inner], ctx) == ["p", "b", "e"]


# -- typing ---------------------------------------------------------------------------------
def test_typed_dates_compare_by_precision_untyped_strings_do_not() -> None:
    # N1 §6.2: 10:00+02:00 on 2024-05-01 vs the date 2024-05-01 agree to the day, the
    # second has no hour: the comparison is empty. As JSON strings the longer one is greater.
    assert typed("effective.start <= effective.end") == []
    assert untyped("effective.start <= effective.end") == [False]
    start = typed("effective.start")[0]
    assert isinstance(start, Temporal) and start.kind == "dateTime"
    assert str(start) == "2024-05-01T10:00:00+02:00"  # the text as written is kept


def test_typed_choice_element_reads_the_declared_keys() -> None:
    assert typed("value.value") == [5]
    assert typed("value.is(Quantity)") == [True]  # the function form reads the typed key too
    assert untyped("value.is(Quantity)") == [True]
    assert typed("value.ofType(string)") == []


def test_declared_types_decide_type_tests() -> None:
    # FHIR R4: code specialises string; uri does not; a Quantity's unit is a string.
    assert typed("status.is(string)") == [True]
    assert typed("value.system is string") == [False]
    assert untyped("value.system is string") == [True]  # untyped: any JSON string
    assert typed("value.system.as(uri)") == ["http://unitsofmeasure.org"]


def test_typed_descendants_filter_by_declared_type() -> None:
    # strings in OBSERVATION: status (code), start/end (dateTime), unit (string), system
    # (uri), code (code), reference (string); contained Patient: id (id), gender (code).
    assert typed("descendants().as(string).count()") == [6]
    assert untyped("descendants().as(string).count()") == [9]
    assert typed("descendants().ofType(uri)") == ["http://unitsofmeasure.org"]


# -- decided by the specification where the former engines disagreed -----------------
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("'a  b' ~ 'A b'", [True]),  # N1 §6.1.3: case-insensitive, whitespace normalised
        ("(1 | 2).hasValue()", [False]),  # R4 §2.6.2: true only for one primitive value
        ("-7 div 2", [-3]),  # N1 §6.5.6: truncated division
        ("-7 mod 2", [-1]),  # N1 §6.5.7: remainder of the truncated division
        ("5 'mg' > 3 'mg'", [True]),  # N1 §6.2: quantities with the same unit compare
        ("'a' & 1", ["a1"]),  # & reads a primitive as its string form
        ("(1 | 2).as(Integer).count()", [2]),  # R4 invariants use as() as a filter (dom-3)
    ],
)
def test_specification_decides(source: str, expected: list[Any]) -> None:
    assert compile_path(source)({}) == expected


def test_range_low_and_high_compare_as_quantities() -> None:
    # rng-2 "low <= high": FHIR Quantity elements with the same code compare by value.
    bad = {"low": {"value": 5, "code": "mg"}, "high": {"value": 3, "code": "mg"}}
    other_units = {"low": {"value": 5, "code": "mg"}, "high": {"value": 3, "code": "g"}}
    assert compile_path("low <= high")(bad) == [False]
    assert compile_path("low <= high")(other_units) == []  # different units: unknown


def test_string_functions_on_a_non_string_are_errors() -> None:
    # N1 §5.6: "If there is more than one item, or an item that is not a String, the
    # evaluation of the expression will end and signal an error".
    with pytest.raises(FhirPathEvaluationError, match="string"):
        compile_path("fullUrl.contains('/_history/')")({"fullUrl": 42})


def test_is_function_needs_one_item() -> None:
    # N1 §6.3: is() is the function form of the operator, defined on one item.
    with pytest.raises(FhirPathEvaluationError):
        compile_path("(1 | 2).is(Integer)")({})


def test_children_skip_primitive_extension_siblings() -> None:
    # FHIR JSON: "_birthDate" carries the id/extensions of birthDate, it is no element.
    patient = {"resourceType": "Patient", "birthDate": "1970", "_birthDate": {"id": "b"}}
    assert compile_path("children()")(patient) == ["1970"]


def test_html_checks() -> None:
    narrative = '<div xmlns="http://www.w3.org/1999/xhtml">Hej</div>'
    assert compile_path("text.div.htmlChecks()")({"text": {"div": narrative}}) == [True]
    empty = '<div xmlns="http://www.w3.org/1999/xhtml"> </div>'
    assert compile_path("text.div.htmlChecks()")({"text": {"div": empty}}) == [False]


# -- repeated paths (compiled once, remembered per input collection) --------------------
def test_repeated_member_paths_are_shared_and_never_stale() -> None:
    from tvaers.fhir.fhirpath import parse
    from tvaers.fhir.fhirpath.sharing import repeated_paths

    source = "a.b = 1 or a.b = 2 or x.where(a.b = 3).exists()"
    assert len(repeated_paths(parse(source), {})) == 1  # a.b, three times
    expression = compile_path(source)
    assert expression({"a": {"b": 2}}) == [True]
    # the same path on other inputs (another resource, the items of x) is evaluated anew
    assert expression({"a": {"b": 5}, "x": [{"a": {"b": 3}}]}) == [True]
    assert expression({"a": {"b": 5}, "x": [{"a": {"b": 4}}]}) == [False]
    assert expression({"a": [{"b": 1}, {"b": 2}]}) == [False]  # two items: not = 1, not = 2
