"""MeasureReport and Measure exports: FHIR structure (validated with fhir.resources) and bucket mapping."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from publish_factories import require

from tvaers.publish.definitions import IndicatorInfo
from tvaers.publish.measure_report import fhir_id, measure, measure_report, period_bounds
from tvaers.publish.results import ResultRow, Standard
from tvaers.publish.units import UnitDirectory

BASE = "https://kvalitet.example.org/fhir"


def _row(**changes: Any) -> ResultRow:
    values: dict[str, Any] = dict(
        database="drkol",
        indicator="K1",
        period="2024",
        unit_type="municipality",
        unit_id="101",
        numerator=30,
        denominator=200,
        uoplyst=12,
        excluded=8,
        proportion=0.15,
        ci_low=0.107,
        ci_high=0.207,
        ci_method="wilson",
        standard=Standard("<=", 0.15),
        standard_met=True,
        funnel_95_low=None,
        funnel_95_high=None,
        funnel_998_low=None,
        funnel_998_high=None,
        coverage=0.9,
        completeness=0.95,
        suppressed=False,
        data_cutoff=None,
        definition_hash="sha256:abc",
    )
    values.update(changes)
    return ResultRow(**values)


INFO = IndicatorInfo(
    "drkol", "K1", "Genindlæggelse", kind="outcome", description="Andel genindlagt"
)


def counts(report: dict[str, Any]) -> dict[str, int]:
    return {
        p["code"]["coding"][0]["code"]: p.get("count") for p in report["group"][0]["population"]
    }


def test_buckets_map_to_fhir_populations() -> None:
    report = measure_report(_row(), INFO, BASE, UnitDirectory(), "RKKP")
    assert counts(report) == {
        "initial-population": 220,
        "denominator": 220,
        "denominator-exclusion": 8,
        "denominator-exception": 12,
        "numerator": 30,
    }
    c = counts(report)
    # FHIR's proportion score: numerator / (denominator - exclusions - exceptions) = our proportion.
    assert (
        c["numerator"]
        / (c["denominator"] - c["denominator-exclusion"] - c["denominator-exception"])
        == 0.15
    )
    assert report["group"][0]["measureScore"] == {"value": 0.15}
    assert report["measure"] == f"{BASE}/Measure/drkol-k1|sha256:abc"
    assert report["subject"]["display"] == "København"


def test_uoplyst_inside_denominator_is_no_exception() -> None:
    report = measure_report(
        _row(), INFO, BASE, UnitDirectory(), "RKKP", uoplyst_in_denominator=True
    )
    assert counts(report)["denominator-exception"] == 0
    assert counts(report)["denominator"] == 208


def test_suppressed_row_is_masked() -> None:
    report = measure_report(
        _row(suppressed=True, numerator=None, denominator=None, proportion=None),
        INFO,
        BASE,
        UnitDirectory(),
        "RKKP",
    )
    assert set(counts(report).values()) == {None}
    assert report["group"][0]["measureScore"]["extension"][0]["valueCode"] == "masked"


def test_ids_and_periods() -> None:
    assert (
        fhir_id("drkol", "K1", "2024", "municipality", "<script>")
        == "drkol-K1-2024-municipality--script"
    )
    long = fhir_id("x" * 100)
    assert len(long) == 64
    assert period_bounds("2024") == {"start": "2024-01-01", "end": "2024-12-31"}
    assert period_bounds("2024-02") == {"start": "2024-02-01", "end": "2024-02-29"}


def test_measure_has_canonical_url_and_direction() -> None:
    resource = measure(INFO, [_row()], BASE, "RKKP")
    assert resource["url"] == f"{BASE}/Measure/drkol-k1"
    assert resource["version"] == "sha256:abc"
    assert resource["improvementNotation"]["coding"][0]["code"] == "decrease"
    assert resource["type"][0]["coding"][0]["code"] == "outcome"


def _fhir_models() -> Any:
    require(
        importlib.util.find_spec("fhir.resources") is not None,
        "fhir.resources==8.3.0 is not installed",
    )
    from fhir.resources.R4B import measure as m
    from fhir.resources.R4B import measurereport as mr

    return m.Measure, mr.MeasureReport


def test_exports_validate_against_fhir(small_build: Path) -> None:
    """R4B models (fhir.resources has no R4 package; Measure and MeasureReport are unchanged in R4B)."""
    measure_model, report_model = _fhir_models()
    bundle = json.loads((small_build / "fhir" / "Measure-bundle.json").read_text())
    urls = set()
    for entry in bundle["entry"]:
        parsed = measure_model.model_validate(entry["resource"])
        assert parsed.url == entry["fullUrl"]
        urls.add(parsed.url)
    lines = (small_build / "fhir" / "MeasureReport.ndjson").read_text().splitlines()
    assert len(lines) == 66
    for line in lines:
        data = json.loads(line)
        report_model.model_validate(data)
        assert data["measure"].split("|")[0] in urls


def test_validator_rejects_a_broken_report() -> None:
    """The structural check can fail: a MeasureReport without status is invalid."""
    _, report_model = _fhir_models()
    import pydantic

    data = measure_report(_row(), INFO, BASE, UnitDirectory(), "RKKP")
    data.pop("status")
    data["type"] = "not-a-type"
    try:
        report_model.model_validate(data)
    except pydantic.ValidationError:
        return
    raise AssertionError("an invalid MeasureReport passed validation")
