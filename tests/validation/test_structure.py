"""Hand-worked structural cases built with the factories (each states the expected issue)."""

from __future__ import annotations

from typing import Any

import pytest

from tvaers.synth.factories import find, make_delivery_report
from tvaers.validation import ValidationOptions, validate_report


def issues(report: dict[str, Any], **options: Any) -> list[tuple[str, str | None]]:
    result = validate_report(report, ValidationOptions(**options))
    return [(i.rule, i.expression) for i in result.issues if i.is_error]


@pytest.mark.parametrize("ig", ["care", "rehab", "prevention"])
def test_factory_reports_are_valid(ig: str) -> None:
    result = validate_report(make_delivery_report(ig))
    assert result.valid and result.ig == ig
    assert [i for i in result.issues if i.severity in ("error", "warning")] == []


def test_legacy_and_transitional_care_reports_are_valid() -> None:
    assert validate_report(make_delivery_report("care", legacy_codes=True)).valid
    assert validate_report(make_delivery_report("care", transitional=True)).valid


def test_misspelt_element_gets_the_nearest_name() -> None:
    report = make_delivery_report("care")
    condition = report["entry"][1]["resource"]
    condition["recordedDte"] = condition.pop("recordedDate")
    result = validate_report(report)
    unknown = next(i for i in result.issues if i.rule.startswith("unknown-element"))
    assert unknown.rule == "unknown-element:klgateway-care-condition:Condition"
    assert unknown.expression == "Bundle.entry[1].resource.recordedDte"
    assert "did you mean 'recordedDate'?" in unknown.diagnostics
    assert "mente du 'recordedDate'?" in (unknown.text_da or "")
    assert ("cardinality:klgateway-care-condition:Condition.recordedDate",
            "Bundle.entry[1].resource.recordedDate") in issues(report)  # fmt: skip


def test_unknown_element_deep_inside_a_datatype() -> None:
    report = make_delivery_report("care")
    report["entry"][1]["resource"]["code"]["coding"][0]["sytem"] = "x"
    assert ("unknown-element:klgateway-care-condition:Condition.code.coding",
            "Bundle.entry[1].resource.code.coding[0].sytem") in issues(report)  # fmt: skip
    report = make_delivery_report("care")
    report["entry"][1]["resource"]["meta"]["lastUpdate"] = "2024-01-01T00:00:00Z"
    assert ("unknown-element:klgateway-care-condition:Condition.meta",
            "Bundle.entry[1].resource.meta.lastUpdate") in issues(report)  # fmt: skip


def test_prohibited_element_and_choice_type() -> None:
    report = make_delivery_report("care")
    patient = report["entry"][0]["resource"]
    patient["gender"] = "male"  # citizen: gender 0..0
    condition = report["entry"][1]["resource"]
    condition["onsetDateTime"] = "2024-01-01"  # onset[x] 0..0
    found = issues(report)
    assert (
        "cardinality:klgateway-care-citizen:Patient.gender",
        "Bundle.entry[0].resource.gender",
    ) in found
    assert ("cardinality:klgateway-care-condition:Condition.onset[x]",
            "Bundle.entry[1].resource.onset.ofType(dateTime)") in found  # fmt: skip


def test_array_and_single_shapes() -> None:
    report = make_delivery_report("care")
    condition = report["entry"][1]["resource"]
    condition["category"] = condition["category"][0]  # must be an array
    condition["subject"] = [condition["subject"]]  # must not be one
    found = issues(report)
    assert (
        "type:klgateway-care-condition:Condition.category",
        "Bundle.entry[1].resource.category",
    ) in found
    assert (
        "type:klgateway-care-condition:Condition.subject",
        "Bundle.entry[1].resource.subject",
    ) in found


@pytest.mark.parametrize(
    ("value", "ok"),
    [("2024-02-29", True), ("2024-02-30", True), ("2024-13-01", False), ("14-08-2020", False),
     ("2024-03-01T10:00:00+01:00", True), ("2024-03-01T10:00:00", False), ("", False)],
)  # fmt: skip
def test_date_time_formats(value: str, ok: bool) -> None:
    # the FHIR dateTime regex checks the lexical form (day 30 in February passes it)
    report = make_delivery_report("care")
    report["entry"][1]["resource"]["recordedDate"] = value
    rule = (
        "type:klgateway-care-condition:Condition.recordedDate",
        "Bundle.entry[1].resource.recordedDate",
    )
    assert (rule in issues(report)) is not ok


def test_json_types_of_primitives() -> None:
    report = make_delivery_report("care")
    report["entry"][0]["resource"]["deceasedBoolean"] = "false"
    report["entry"][1]["resource"]["recordedDate"] = 20240301
    found = issues(report)
    assert ("type:klgateway-care-citizen:Patient.deceased[x]:deceasedBoolean",
            "Bundle.entry[0].resource.deceased.ofType(boolean)") in found  # fmt: skip
    assert (
        "type:klgateway-care-condition:Condition.recordedDate",
        "Bundle.entry[1].resource.recordedDate",
    ) in found


def test_code_outside_the_required_value_set() -> None:
    report = make_delivery_report("care")
    find(report, "Condition")["severity"]["coding"][0]["code"] = "J1.1"  # a condition, not a level
    assert ("binding:klgateway-care-condition:Condition.severity",
            "Bundle.entry[1].resource.severity") in issues(report)  # fmt: skip


def test_status_code_binding_on_a_primitive() -> None:
    report = make_delivery_report("rehab")
    find(report, "Encounter")["status"] = "done"
    found = issues(report)
    assert any(rule == "binding:klgateway-140-encounter:Encounter.status" for rule, _ in found)


def test_fixed_and_pattern_values() -> None:
    report = make_delivery_report("rehab")
    report["type"] = "batch"
    find(report, "Patient")["identifier"][0]["use"] = "usual"  # dk-core fixes official
    found = issues(report)
    assert ("pattern:klgateway-140-delivery-report:Bundle.type", "Bundle.type") in found
    assert ("fixed:klgateway-140-citizen:Patient.identifier:cpr.use",
            "Bundle.entry[0].resource.identifier[0].use") in found  # fmt: skip


def test_closed_slicing_rejects_a_foreign_coding_system() -> None:
    report = make_delivery_report("prevention")
    plan = find(report, "CarePlan", "119-planned-intervention")
    plan["activity"][0]["detail"]["code"]["coding"].append(
        {"system": "urn:oid:1.2.208.176.2.4", "code": "KFNG02"}
    )
    index = next(i for i, e in enumerate(report["entry"]) if e["resource"] is plan)
    assert ("slice:klgateway-119-planned-intervention:CarePlan.activity.detail.code.coding",
            f"Bundle.entry[{index}].resource.activity[0].detail.code.coding[1]") in issues(report)  # fmt: skip


def test_required_extension_slice() -> None:
    report = make_delivery_report("rehab")
    request = find(report, "ServiceRequest")
    del request["extension"]  # the discharge date is 1..1
    assert ("cardinality:klgateway-140-servicerequest:ServiceRequest.extension:dischargeDate",
            "Bundle.entry[4].resource.extension") in issues(report)  # fmt: skip


@pytest.mark.parametrize(
    ("cpr", "mode", "ok"),
    [("0101010101", "dk-core", True), ("3201010101", "dk-core", False), ("010101-0101", "dk-core", False),
     ("010101010", "dk-core", False), ("6101010101", "dk-core", False), ("6101010101", "synthetic", True),
     ("9201010101", "synthetic", False), ("2902000101", "dk-core", True)],
)  # fmt: skip
def test_cpr_syntax_follows_the_cpr_mode(cpr: str, mode: str, ok: bool) -> None:
    report = make_delivery_report("rehab", cpr=cpr)
    rule = (
        "cpr:klgateway-140-citizen:Patient.identifier:cpr.value",
        "Bundle.entry[0].resource.identifier[0].value",
    )
    assert (rule in issues(report, cpr_mode=mode)) is not ok


def test_cpr_message_is_precise_in_both_languages() -> None:
    result = validate_report(make_delivery_report("care", cpr="3201010101"))
    issue = next(i for i in result.issues if i.rule.startswith("cpr:"))
    assert issue.diagnostics == "CPR number '3201010101': day 32 is not valid for month 01"
    assert issue.text_da == "CPR-nummer '3201010101': dag 32 er ikke gyldig i måned 01"


@pytest.mark.parametrize(
    ("sor", "ok"), [("451000016003", True), ("1234567890", False), ("45100001600A", False)]
)
def test_sor_syntax(sor: str, ok: bool) -> None:
    report = make_delivery_report("care", sor=sor)
    rule = ("sor:klgateway-care-citizen:Patient.managingOrganization.identifier.value",
            "Bundle.entry[0].resource.managingOrganization.identifier.value")  # fmt: skip
    assert (rule in issues(report)) is not ok


def test_resource_type_not_allowed_in_the_report() -> None:
    report = make_delivery_report("prevention")
    report["entry"].append(
        {"fullUrl": "https://x/Goal/1", "resource": {"resourceType": "Goal", "id": "1"}}
    )
    assert ("bundle:klgateway-119-delivery-report:Bundle.entry.resource",
            f"Bundle.entry[{len(report['entry']) - 1}].resource") in issues(report)  # fmt: skip


def test_care_report_needs_exactly_one_citizen() -> None:
    report = make_delivery_report("care")
    report["entry"].append(report["entry"][0])
    assert ("bundle:klgateway-care-delivery-report:Bundle.entry", "Bundle.entry") in issues(report)
    report = make_delivery_report("rehab")
    report["entry"].pop(0)
    assert (
        "cardinality:klgateway-140-delivery-report:Bundle.entry:citizen",
        "Bundle.entry",
    ) in issues(report)


def test_standalone_resource_uses_its_declared_profile() -> None:
    condition = find(make_delivery_report("rehab"), "Condition", "140-condition")
    result = validate_report(condition)
    assert result.valid and result.ig == "rehab"
    del condition["recordedDate"]
    assert issues(condition) == [
        ("cardinality:klgateway-140-condition:Condition.recordedDate", "Condition.recordedDate")
    ]


def test_forced_ig_when_nothing_declares_a_profile() -> None:
    report = make_delivery_report("prevention")
    del report["meta"]
    for entry in report["entry"]:
        entry["resource"].pop("meta")
    # Bundle.meta is 0..1 in the report profile (meta.profile is required only inside meta)
    assert [i.rule for i in validate_report(report).issues] == ["json:unknown-profile"]
    forced = validate_report(report, ValidationOptions(ig="prevention"))
    assert forced.ig == "prevention" and forced.valid


def test_outcome_shape() -> None:
    result = validate_report(make_delivery_report("care", cpr="0113010101"))
    outcome = result.outcome()
    issue = outcome["issue"][0]
    assert issue["severity"] == "error" and issue["code"] == "value"
    assert issue["expression"] == ["Bundle.entry[0].resource.identifier[0].value"]
    assert issue["details"]["coding"][0]["system"] == "urn:tvaers:validation-rule"
    ok = validate_report(make_delivery_report("care")).outcome()
    assert ok["issue"][0]["severity"] == "information"
