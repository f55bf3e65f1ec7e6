"""``--strict``: the post-transition rules against the IG examples and a custom configuration.

The reference index marks which care examples use legacy FSIII keys or transitional
profiles; those must fail strict validation and the rest must pass (reference README).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tvaers.synth.factories import find, make_delivery_report
from tvaers.validation import ValidationOptions, validate_bytes, validate_report

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "kl"
STRICT = ValidationOptions(strict=True)


def _bundles() -> list[tuple[str, dict[str, str]]]:
    rows = []
    for ig in ("care", "rehab", "prevention"):
        index = REFERENCE / ig / "examples-index.csv"
        if index.exists():
            with index.open(encoding="utf-8") as fh:
                rows += [
                    (ig, r) for r in csv.DictReader(fh) if r["file"].startswith("examples/Bundle-")
                ]
    return rows


@pytest.mark.parametrize(
    ("ig", "row"), _bundles(), ids=lambda v: v if isinstance(v, str) else Path(v["file"]).stem
)
def test_examples_follow_the_index_under_strict(
    reference_dir: Path, ig: str, row: dict[str, str]
) -> None:
    result = validate_bytes((reference_dir / "kl" / ig / row["file"]).read_bytes(), STRICT)
    transitional = bool(row["uses_legacy_fsiii_keys"] or row["uses_transitional_profiles"])
    assert result.valid is not transitional, [i.rule for i in result.errors][:5]
    assert all(i.rule.startswith("strict:") for i in result.errors)


def test_strict_is_off_by_default() -> None:
    report = make_delivery_report("care", legacy_codes=True)
    assert validate_report(report).valid
    assert not validate_report(report, STRICT).valid


def test_legacy_key_names_its_uuid() -> None:
    report = make_delivery_report("care")
    find(report, "Condition")["severity"]["coding"] = [
        {"system": "urn:oid:1.2.208.176.2.21", "code": "B4"}
    ]
    issue = next(i for i in validate_report(report, STRICT).issues if i.rule.startswith("strict:"))
    assert issue.rule == "strict:klgateway-care-condition:Condition.severity.coding"
    assert "(UUID: 1ceef776-0cfa-4acd-b222-c5bb2424e0c1)" in issue.diagnostics


def test_rejected_concepts_are_configuration(tmp_path: Path) -> None:
    shipped = (
        Path(__file__).resolve().parents[2] / "src/tvaers/validation/data/strict.toml"
    ).read_text("utf-8")
    config = tmp_path / "strict.toml"
    config.write_text(
        shipped.replace(
            "rejected_codes = []", 'rejected_codes = ["4d46bd94-9518-431c-82e8-ebb91bca307a"]'
        )
    )
    report = make_delivery_report("care")
    find(report, "Condition")["code"]["coding"] = [
        {"system": "urn:oid:1.2.208.176.2.21", "code": "4d46bd94-9518-431c-82e8-ebb91bca307a"}
    ]
    assert validate_report(report, STRICT).valid  # "Vaske sig" is not rejected by default
    result = validate_report(report, ValidationOptions(strict=True, strict_config=str(config)))
    assert [i.rule for i in result.errors] == [
        "strict:klgateway-care-condition:Condition.code.coding"
    ]
    assert "pre-simplification" in result.errors[0].diagnostics


def test_deceased_is_an_error_only_under_strict() -> None:
    report = make_delivery_report("rehab", deceased=True)
    assert validate_report(report).valid
    assert [i.rule for i in validate_report(report, STRICT).errors] == [
        "strict:klgateway-140-citizen:Patient.deceased[x]"
    ]
