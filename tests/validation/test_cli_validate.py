"""`tvaers validate`: files, folders, NDJSON (plain and zstd), stdin, formats, exit codes."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
import zstandard

from tvaers.cli.main import main
from tvaers.synth.factories import make_delivery_report


def _write(path: Path, *reports: dict[str, object]) -> Path:
    if path.name.endswith(".json"):
        path.write_bytes(orjson.dumps(reports[0], option=orjson.OPT_INDENT_2))
    else:
        data = b"".join(orjson.dumps(r) + b"\n" for r in reports)
        path.write_bytes(
            zstandard.ZstdCompressor().compress(data) if path.name.endswith(".zst") else data
        )
    return path


def test_valid_file_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "r.json", make_delivery_report("care"))
    assert main(["validate", str(path)]) == 0
    captured = capsys.readouterr()
    assert f"VALID {path} [care]" in captured.out
    assert "1 report(s): 1 valid, 0 invalid" in captured.err


def test_invalid_report_exits_one_and_names_the_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "r.json", make_delivery_report("rehab", cpr="3201010101"))
    assert main(["validate", str(path)]) == 1
    captured = capsys.readouterr()
    assert "INVALID" in captured.out
    assert "cpr:klgateway-140-citizen:Patient.identifier:cpr.value" in captured.out
    assert "1 of 1 report(s) are invalid" in captured.err


def test_folder_with_ndjson_and_zst(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    day = tmp_path / "reports" / "2024-03-06"
    day.mkdir(parents=True)
    _write(
        day / "101.ndjson.zst",
        make_delivery_report("care"),
        make_delivery_report("prevention", seed=3),
    )
    _write(day / "147.ndjson", make_delivery_report("rehab"))
    (day / "notes.txt").write_text("ignored")
    assert main(["validate", str(tmp_path / "reports"), "--format", "json"]) == 0
    lines = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(Path(x["source"]).name, x["valid"], x["ig"]) for x in lines] == [
        ("101.ndjson.zst:1", True, "care"),
        ("101.ndjson.zst:2", True, "prevention"),
        ("147.ndjson:1", True, "rehab"),
    ]
    assert all(x["outcome"]["resourceType"] == "OperationOutcome" for x in lines)


def test_stdin_and_cpr_mode(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = orjson.dumps(make_delivery_report("care", cpr="6101410001"))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["validate", "-"]) == 1
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["validate", "-", "--cpr-mode", "synthetic"]) == 0
    assert "VALID <stdin>" in capsys.readouterr().out


def test_not_json_on_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"hello")))
    assert main(["validate", "-", "--format", "json"]) == 1
    line = orjson.loads(capsys.readouterr().out)
    assert line["outcome"]["issue"][0]["details"]["coding"][0]["code"] == "json:parse"


def test_list_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--list-rules", "--format", "json"]) == 0
    rules = orjson.loads(capsys.readouterr().out)
    keys = {r["key"] for r in rules}
    assert "cpr:klgateway-care-citizen:Patient.identifier:cpr.value" in keys
    assert all(r["message_da"] for r in rules)


def test_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "missing.json")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["validate"]) == 2
    assert main(["validate", "--format", "xml", "-"]) == 2
    assert main(["validate", "--cpr-mode", "lenient", "-"]) == 2
