"""FHIRPath semantics, expected values written by hand from the FHIRPath N1 specification."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tvaers.fhir.fhirpath import (
    Context,
    FhirPathEvaluationError,
    FhirPathSyntaxError,
    compile_path,
)

PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "p1",
    "active": True,
    "gender": "female",
    "birthDate": "1970-06",
    "name": [
        {"use": "official", "family": "Hansen", "given": ["Anna", "Marie"]},
        {"use": "nickname", "given": ["Mia"]},
    ],
    "extension": [
        {"url": "http://ex/a", "valueCode": "F"},
        {"url": "http://ex/b", "extension": [{"url": "inner", "valueCoding": {"code": "x"}}]},
    ],
    "managingOrganization": {"reference": "https://test.fhir.dk/fhir/Organization/o1/_history/3"},
    "generalPractitioner": [{"reference": "urn:uuid:0b5e6c3e-2a4f-4d58-9f4e-5bb9b3d0a1c7"}],
    "deceasedBoolean": False,
}

CASES = [
    # navigation and collections
    ("name.given", ["Anna", "Marie", "Mia"]),
    ("Patient.name.family", ["Hansen"]),
    ("name[1].given", ["Mia"]),
    ("name[5].given", []),
    ("name.where(use = 'official').given.first()", ["Anna"]),
    ("name.given.last()", ["Mia"]),
    ("name.given.tail()", ["Marie", "Mia"]),
    ("name.given.skip(1).take(1)", ["Marie"]),
    ("name.given.count()", [3]),
    ("name.family.exists()", [True]),
    ("name.exists(family = 'Nobody')", [False]),
    ("telecom.empty()", [True]),
    ("name.all(given.exists())", [True]),
    ("name.select(given.first())", ["Anna", "Mia"]),
    ("(1 | 2 | 2 | 3).count()", [3]),
    ("(1 | 2).combine(2).count()", [3]),
    ("name.given.distinct().count()", [3]),
    ("deceased", [False]),
    ("deceased.ofType(boolean)", [False]),
    ("deceased.ofType(dateTime)", []),
    ("extension('http://ex/a').value.ofType(code)", ["F"]),
    ("extension('http://ex/b').extension('inner').value.ofType(Coding).code", ["x"]),
    ("$this.id", ["p1"]),
    ("name.given.where($this.startsWith('M'))", ["Marie", "Mia"]),
    ("name.given.where($index = 1)", ["Marie"]),
    # empty propagation
    ("telecom.value = 'x'", []),
    ("telecom.value + 1", []),
    ("telecom.value & 'x'", ["x"]),
    ("{}.exists()", [False]),
    # three-valued logic (FHIRPath truth tables)
    ("true and {}", []),
    ("false and {}", [False]),
    ("true or {}", [True]),
    ("false or {}", []),
    ("{} implies true", [True]),
    ("false implies {}", [True]),
    ("true xor false", [True]),
    ("{}.not()", []),
    ("gender.exists() and gender = 'female'", [True]),
    # equality and ordering
    ("1 = 1.0", [True]),
    ("'a' = 'A'", [False]),
    ("'a' ~ 'A'", [True]),
    ("1 != 2", [True]),
    ("true = 1", [False]),
    ("name.given = ('Anna' | 'Marie' | 'Mia')", [True]),
    ("name.given = ('Anna' | 'Mia')", [False]),
    ("'abc' < 'abd'", [True]),
    ("@2024-03 < @2024-04-05", [True]),
    ("@2024-03 = @2024-03-05", []),
    ("@2024-03-05 = @2024-03-05", [True]),
    ("@2015-02-07T13:28:17.239+02:00 = @2015-02-07T11:28:17.239Z", [True]),
    ("birthDate < @1971", [True]),
    ("birthDate = @1970-06", [True]),
    ("@T10:00 < @T10:30", [True]),
    ("2 'mg' = 2 'mg'", [True]),
    # arithmetic
    ("1 + 2 * 3", [7]),
    ("7 / 2", [Decimal("3.5")]),
    ("7 div 2", [3]),
    ("7 mod 2", [1]),
    ("-7 div 2", [-3]),
    ("0.1 + 0.2 = 0.3", [True]),
    ("1 / 0", []),
    ("-(3)", [-3]),
    ("'a' + 'b'", ["ab"]),
    ("'a' & {}", ["a"]),
    # membership and types
    ("'Mia' in name.given", [True]),
    ("name.given contains 'Eva'", [False]),
    ("gender is code", [True]),
    ("active is boolean", [True]),
    ("deceased is boolean", [True]),
    ("deceased as boolean", [False]),
    # functions
    ("name.given.join(', ')", ["Anna, Marie, Mia"]),
    ("name.given.join()", ["AnnaMarieMia"]),
    ("iif(active, 'yes', 'no')", ["yes"]),
    ("iif(telecom.exists(), 'yes')", []),
    ("'Hansen'.substring(1, 3)", ["ans"]),
    ("'Hansen'.upper()", ["HANSEN"]),
    ("'Hansen'.length()", [6]),
    ("'a,b'.split(',')", ["a", "b"]),
    ("'abc'.matches('^a.c$')", [True]),
    ("'12'.toInteger() + 1", [13]),
    ("'1.5'.toDecimal()", [Decimal("1.5")]),
    ("1.5.round()", [Decimal("2")]),
    ("(-1.5).abs()", [Decimal("1.5")]),
    ("2.1.ceiling()", [3]),
    ("true.toString()", ["true"]),
    ("name.children().count()", [6]),
    # keys
    ("getResourceKey()", ["p1"]),
    ("managingOrganization.getReferenceKey()", ["o1"]),
    ("managingOrganization.getReferenceKey(Organization)", ["o1"]),
    ("managingOrganization.getReferenceKey(Patient)", []),
    ("generalPractitioner.getReferenceKey()", ["0b5e6c3e-2a4f-4d58-9f4e-5bb9b3d0a1c7"]),
    ("generalPractitioner.getReferenceKey(Practitioner)", []),  # type unknown without bundle
    # constants / environment
    ("%ucum", ["http://unitsofmeasure.org"]),
    ("%resource.id", ["p1"]),
]


@pytest.mark.parametrize(("expression", "expected"), CASES, ids=[c[0] for c in CASES])
def test_expression(expression: str, expected: list[Any]) -> None:
    result = compile_path(expression)(PATIENT)
    assert [str(v) if type(v).__name__ == "Temporal" else v for v in result] == expected
    assert [type(v) for v in result] == [type(v) for v in expected]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("birthDate.lowBoundary()", "1970-06-01"),
        ("birthDate.highBoundary()", "1970-06-30"),
        ("@2010-10-10T10:30.lowBoundary()", "2010-10-10T10:30:00.000+14:00"),
        ("@2024-02.highBoundary()", "2024-02-29"),
        ("@T12:34.highBoundary()", "12:34:59.999"),
        ("1.587.lowBoundary()", "1.5865"),
        ("1.587.highBoundary()", "1.5875"),
    ],
)
def test_boundaries(expression: str, expected: str) -> None:
    assert [str(v) for v in compile_path(expression)(PATIENT)] == [expected]


def test_urn_reference_type_comes_from_the_bundle() -> None:
    urn = "urn:uuid:0b5e6c3e-2a4f-4d58-9f4e-5bb9b3d0a1c7"
    path = compile_path("generalPractitioner.getReferenceKey(Practitioner)")
    assert path(PATIENT, urn_types={urn: "Practitioner"}) == [urn[9:]]
    assert path(PATIENT, urn_types={urn: "Organization"}) == []


def test_resource_key_from_urn_full_url_when_no_id() -> None:
    resource = {"resourceType": "Condition"}
    key = compile_path("getResourceKey()")
    assert key(resource, full_url="urn:uuid:7d6c8f2e-1111-4222-8333-944455556666") == [
        "7d6c8f2e-1111-4222-8333-944455556666"
    ]
    assert key(resource) == []


def test_constants_and_row_index() -> None:
    path = compile_path(
        "name[%n].given.first() & %rowIndex.toString()",
        constants={"n": [1]},
        variables=frozenset({"rowIndex"}),
    )
    ctx = Context(PATIENT)
    ctx.row_index = 4
    assert path.evaluate([PATIENT], ctx) == ["Mia4"]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("name.", "expected an identifier"),
        ("name.given.frist()", "did you mean first()"),
        ("%unknown", "undefined variable %unknown"),
        ("where()", "takes 1 argument"),
        ("'unterminated", "unexpected character"),
        ("1 +", "unexpected 'end of expression'"),
        ("getReferenceKey(Patiant)", "unknown resource type"),
    ],
)
def test_syntax_errors_say_what_and_where(expression: str, message: str) -> None:
    with pytest.raises(FhirPathSyntaxError) as info:
        compile_path(expression)
    assert message in str(info.value)
    assert info.value.position is not None


@pytest.mark.parametrize(
    "expression",
    ["name.given + 'x'", "name.given < 'x'", "'a' < 1", "name.given.substring(1)"],
)
def test_evaluation_errors(expression: str) -> None:
    with pytest.raises(FhirPathEvaluationError):
        compile_path(expression)(PATIENT)
