"""Golden files: one small fixture release, built and compared byte for byte.

The files under ``golden/`` were reviewed once by eye (pages rendered in Chromium, CSV in a
spreadsheet). After an intended change, regenerate them with
``TVAERS_UPDATE_GOLDEN=1 pytest tests/publish/test_golden.py``, review the diff, and commit.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
FILES = (
    "index.html",
    "aarsrapport/drkol-2024.html",
    "feedback/index.html",
    "feedback/101.html",
    "feedback/825.html",
    "export/resultater-excel.csv",
    "export/results.csv",
    "fhir/Measure-bundle.json",
    "fhir/MeasureReport.ndjson",
)


@pytest.mark.parametrize("name", FILES)
def test_golden(small_build: Path, name: str) -> None:
    actual = (small_build / name).read_bytes()
    golden = GOLDEN / name
    if os.environ.get("TVAERS_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(actual)
    assert golden.exists(), (
        f"no golden file {golden}; run with TVAERS_UPDATE_GOLDEN=1 and review it"
    )
    expected = golden.read_bytes()
    if actual != expected:
        diff = difflib.unified_diff(
            expected.decode("utf-8-sig").splitlines(),
            actual.decode("utf-8-sig").splitlines(),
            f"golden/{name}",
            f"built/{name}",
            lineterm="",
            n=2,
        )
        pytest.fail("built output differs from the golden file:\n" + "\n".join(list(diff)[:80]))
