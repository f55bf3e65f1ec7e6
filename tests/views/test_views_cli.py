"""`tvaers views run` and `tvaers views conformance` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import jsonschema
import pyarrow.parquet as pq
from views_support import EXTRA_TESTS, REFERENCE, SOF_TESTS, require

from tvaers.cli.main import main

KL_BUNDLE = REFERENCE / "kl/care/examples/Bundle-0c1112c3-77b5-4d85-965c-0c26228ec7ef.json"
PATIENT = "4a45e179-ace1-4ace-9991-8276c0ba490a"

CONDITION_VIEW = {
    "resourceType": "ViewDefinition",
    "name": "fsiii_condition",
    "resource": "Condition",
    "status": "active",
    "select": [
        {
            "column": [
                {"name": "id", "path": "getResourceKey()", "type": "id"},
                {"name": "patient", "path": "subject.getReferenceKey(Patient)", "type": "id"},
                {
                    "name": "code",
                    "path": "code.coding.where(system = 'urn:oid:1.2.208.176.2.21').code.first()",
                    "type": "code",
                },
            ]
        }
    ],
}


def _write_view(tmp_path: Path) -> Path:
    path = tmp_path / "condition.json"
    path.write_text(json.dumps(CONDITION_VIEW))
    return path


def test_run_kl_bundle_to_parquet(tmp_path: Path) -> None:
    require(KL_BUNDLE.is_file(), f"KL example missing: {KL_BUNDLE}")
    out = tmp_path / "conditions.parquet"
    assert (
        main(["views", "run", str(_write_view(tmp_path)), str(KL_BUNDLE), "--out", str(out)]) == 0
    )
    rows = sorted(pq.read_table(out).to_pylist(), key=lambda r: r["id"])
    assert rows == [
        {"id": "a881788d-1b27-46e3-8b76-607bc49876fd", "patient": PATIENT, "code": "I7.1"},
        {"id": "ad506910-9030-4ddb-b8ce-7bb6a69d808e", "patient": PATIENT, "code": "I2.1"},
    ]


def test_run_ndjson_zst_to_duckdb(tmp_path: Path) -> None:
    import zstandard

    resources = [
        {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"},
         "code": {"coding": [{"system": "urn:oid:1.2.208.176.2.21", "code": "A1"}]}},
        {"resourceType": "Patient", "id": "p1"},
        {"resourceType": "Condition", "id": "c2", "subject": {"reference": "https://h/fhir/Patient/p2"}},
    ]  # fmt: skip
    data = tmp_path / "reports.ndjson.zst"
    data.write_bytes(zstandard.compress("\n".join(json.dumps(r) for r in resources).encode()))
    out = tmp_path / "v.duckdb"
    assert main(["views", "run", str(_write_view(tmp_path)), str(data), "--out", str(out)]) == 0
    with duckdb.connect(str(out)) as con:
        rows = con.execute("SELECT id, patient, code FROM fsiii_condition ORDER BY id").fetchall()
    assert rows == [("c1", "p1", "A1"), ("c2", "p2", None)]


def test_run_reports_a_located_error(tmp_path: Path, capsys: object) -> None:
    view = tmp_path / "bad.json"
    view.write_text(
        json.dumps(
            {"resource": "Patient", "select": [{"column": [{"name": "x", "path": "name.("}]}]}
        )
    )
    data = tmp_path / "p.ndjson"
    data.write_text('{"resourceType": "Patient", "id": "p"}\n')
    assert main(["views", "run", str(view), str(data), "--out", str(tmp_path / "o.parquet")]) == 2
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert f"{view}#/select/0/column/0/path" in err
    assert "offset 5" in err


def test_conformance_report_follows_the_official_schema(tmp_path: Path) -> None:
    require(SOF_TESTS.is_dir(), f"official suite not found at {SOF_TESTS}")
    report_path = tmp_path / "report.json"
    code = main(
        ["views", "conformance", str(SOF_TESTS), str(EXTRA_TESTS), "--report", str(report_path)]
    )
    assert code == 0
    report = json.loads(report_path.read_text())
    schema = json.loads((SOF_TESTS.parent / "schema" / "test-report.schema.json").read_text())
    jsonschema.validate(report, schema)
    official = {p.name: len(json.loads(p.read_text())["tests"]) for p in SOF_TESTS.glob("*.json")}
    for name, count in official.items():
        assert len(report[name]["tests"]) == count
        assert all(t["result"]["passed"] for t in report[name]["tests"])
    assert len(report) == len(official) + len(list(EXTRA_TESTS.glob("*.json")))


def test_conformance_fails_on_a_wrong_expectation(tmp_path: Path) -> None:
    suite = {
        "title": "wrong",
        "resources": [{"resourceType": "Patient", "id": "p"}],
        "tests": [{"title": "t", "view": {"resource": "Patient", "select": [{"column": [{"name": "id", "path": "id"}]}]},
                   "expect": [{"id": "q"}]}],
    }  # fmt: skip
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps(suite))
    report_path = tmp_path / "r.json"
    assert main(["views", "conformance", str(path), "--report", str(report_path)]) == 1
    result = json.loads(report_path.read_text())["wrong.json"]["tests"][0]["result"]
    assert result["passed"] is False and "not found" in result["error"]
