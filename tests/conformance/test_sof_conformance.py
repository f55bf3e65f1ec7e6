"""The official SQL-on-FHIR v2 suite and our extra cases, one pytest id per case.

Expected rows come from the test files (written by the spec authors, or by hand in
``extra/``), never from the code under test.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "views"))
from views_support import EXTRA_TESTS, SOF_TESTS, require

from tvaers.fhir.jsonio import parse_json
from tvaers.views.conformance import in_process_engine, run_case


def _cases(folder: Path) -> list[Any]:
    params = []
    for path in sorted(folder.glob("*.json")):
        suite = parse_json(path.read_bytes(), source=str(path))
        for index, case in enumerate(suite["tests"]):
            params.append(
                pytest.param(
                    path.name, index, case, suite["resources"], id=f"{path.stem}:{case['title']}"
                )
            )
    return params


@pytest.mark.parametrize(
    ("file", "index", "case", "resources"),
    _cases(SOF_TESTS) or [pytest.param(None, 0, None, None, id="missing")],
)
def test_official_case(
    file: str | None, index: int, case: dict[str, Any], resources: list[Any]
) -> None:
    require(file is not None, f"official suite not found at {SOF_TESTS}")
    result = run_case(file or "", index, case, resources, in_process_engine)
    assert result.passed, result.error


@pytest.mark.parametrize(("file", "index", "case", "resources"), _cases(EXTRA_TESTS))
def test_extra_case(file: str, index: int, case: dict[str, Any], resources: list[Any]) -> None:
    result = run_case(file, index, case, resources, in_process_engine)
    assert result.passed, result.error


def test_official_suite_is_complete() -> None:
    """Every file and case of our copy is collected (the copy has 17 files, 98 cases)."""
    require(SOF_TESTS.is_dir(), f"official suite not found at {SOF_TESTS}")
    files = sorted(SOF_TESTS.glob("*.json"))
    assert len(files) == 17
    assert sum(len(parse_json(p.read_bytes())["tests"]) for p in files) == 98
