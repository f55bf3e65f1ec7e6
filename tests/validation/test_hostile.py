"""Bad input never crashes or hangs the validator: it becomes a precise OperationOutcome."""

from __future__ import annotations

import orjson
import pytest

from tvaers.synth.factories import make_delivery_report
from tvaers.validation import ValidationOptions, validate_bytes, validate_report


def _only_rule(data: bytes, rule: str, **options: object) -> dict[str, object]:
    result = validate_bytes(data, ValidationOptions(**options))  # type: ignore[arg-type]
    assert not result.valid
    assert [i.rule for i in result.issues] == [rule]
    outcome = result.outcome()
    assert outcome["resourceType"] == "OperationOutcome"
    issue = outcome["issue"][0]
    assert issue["severity"] == "fatal"
    assert issue["details"]["coding"][0] == {"system": "urn:tvaers:validation-rule", "code": rule}
    assert issue["diagnostics"] and issue["details"]["text"]
    return issue  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "data",
    [b"", b"   ", b"{", b'{"resourceType": "Bundle",}', b"not json at all", b"\x00\x01\x02",
     b'{"a": 1} {"b": 2}', b"[1, 2", b'{"n": 1e999999}', b"NaN"],
    ids=["empty", "blank", "open-brace", "trailing-comma", "text", "binary", "two-documents",
         "open-array", "huge-exponent", "nan"],
)  # fmt: skip
def test_not_json(data: bytes) -> None:
    issue = _only_rule(data, "json:parse")
    assert "not valid JSON" in str(issue["diagnostics"])


def test_line_and_column_are_reported() -> None:
    issue = _only_rule(b'{\n  "resourceType": "Bundle",\n  "type": }', "json:parse")
    assert "line 3" in str(issue["diagnostics"])


@pytest.mark.parametrize(
    "data",
    [
        '{"resourceType": "Bundle", "id": "æøå"}'.encode("latin-1"),
        '{"resourceType": "Bundle"}'.encode("utf-16"),
        b'\xef\xbb\xbf{"resourceType": "Bundle"}',
    ],
    ids=["latin-1", "utf-16-bom", "utf-8-bom"],
)
def test_wrong_encoding(data: bytes) -> None:
    _only_rule(data, "json:encoding")


@pytest.mark.parametrize("value", [[], [1, 2], "Bundle", 42, None, True, {"type": "collection"}],
                         ids=["array", "numbers", "string", "number", "null", "bool", "no-type"])  # fmt: skip
def test_not_a_resource(value: object) -> None:
    _only_rule(orjson.dumps(value), "json:not-a-resource")


def test_resource_without_kl_profile_is_out_of_scope() -> None:
    issue = _only_rule(b'{"resourceType": "Patient", "id": "x"}', "json:unknown-profile")
    assert "no meta.profile" in str(issue["diagnostics"])


def test_bundle_without_any_kl_profile() -> None:
    data = orjson.dumps(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": {"resourceType": "Basic"}}],
        }
    )
    _only_rule(data, "json:unknown-profile")


def test_deeply_nested() -> None:
    data = b'{"resourceType": "Bundle", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    _only_rule(data, "json:too-deep")
    moderately = b'{"resourceType": "Bundle", "x": ' + b"[" * 200 + b"]" * 200 + b"}"
    _only_rule(moderately, "json:too-deep")


def test_fifty_megabytes_is_refused_before_parsing() -> None:
    data = b'{"resourceType": "Bundle", "pad": "' + b"x" * (50 * 1024 * 1024) + b'"}'
    issue = _only_rule(data, "json:too-large")
    assert "52428" in str(issue["diagnostics"])


def test_many_problems_are_capped_with_a_note() -> None:
    report = make_delivery_report("care")
    for n in range(600):
        report["entry"][0]["resource"][f"unknownElement{n}"] = n
    result = validate_bytes(orjson.dumps(report), ValidationOptions(max_issues=50))
    assert not result.valid
    assert len(result.issues) == 51
    assert result.issues[-1].rule == "json:issue-cap"
    assert result.issues[-1].severity == "information"


def test_hostile_values_inside_a_valid_shape() -> None:
    report = make_delivery_report("rehab")
    patient = report["entry"][0]["resource"]
    patient["identifier"] = "0101010101"
    patient["deceasedBoolean"] = {"nested": [None, {"deep": True}]}
    patient["managingOrganization"] = [None]
    patient["meta"]["profile"].append(12)
    report["entry"].append(None)
    report["entry"].append({"resource": []})
    result = validate_report(report)
    assert not result.valid
    assert all(i.expression for i in result.issues)


def test_pre_parsed_recursion_is_contained() -> None:
    value: dict[str, object] = {"url": "urn:x", "valueString": "x"}
    for _ in range(3000):
        value = {"url": "urn:x", "extension": [value]}
    report = make_delivery_report("care")
    report["entry"][0]["resource"]["extension"] = [value]
    result = validate_report(report)
    assert not result.valid
    assert result.outcome()["resourceType"] == "OperationOutcome"
