"""Every IG example gets the outcome its ``examples-index.csv`` states (one id per example).

``valid``: no error and no warning; ``valid-with-warning``: no error, and the named warning;
``invalid``: the named rule key among the errors.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from tvaers.validation import validate_bytes

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "kl"
IGS = ("care", "rehab", "prevention")
#: Warnings the index names in prose, as rule keys.
FULLURL_WARNING = "reference:{report}:Bundle.entry.fullUrl"
REPORTS = {
    "care": "klgateway-care-delivery-report",
    "rehab": "klgateway-140-delivery-report",
    "prevention": "klgateway-119-delivery-report",
}


def _rows() -> list[tuple[str, dict[str, str]]]:
    rows = []
    for ig in IGS:
        index = REFERENCE / ig / "examples-index.csv"
        if not index.exists():
            continue
        with index.open(encoding="utf-8") as fh:
            rows.extend((ig, row) for row in csv.DictReader(fh))
    return rows


def expected_key(ig: str, row: dict[str, str]) -> str | None:
    """The rule key the index names (for invalid and valid-with-warning examples)."""
    text = row["light_check_errors"] or row["light_check_warnings"]
    found = re.search(r"invariant ([\w-]+) failed", text)
    if found:
        return found.group(1)
    if "fullUrl" in text:
        return FULLURL_WARNING.format(report=REPORTS[ig])
    return None


def _param(ig: str, row: dict[str, str]) -> object:
    return pytest.param(ig, row, id=f"{ig}/{Path(row['file']).stem}")


@pytest.mark.parametrize(("ig", "row"), [_param(ig, row) for ig, row in _rows()])
def test_example_outcome(reference_dir: Path, ig: str, row: dict[str, str]) -> None:
    data = (reference_dir / "kl" / ig / row["file"]).read_bytes()
    result = validate_bytes(data, source=row["file"])
    errors = [(i.rule, i.expression) for i in result.issues if i.is_error]
    warnings = [i.rule for i in result.issues if i.severity == "warning"]
    assert result.ig == ig
    if row["expected"] == "valid":
        assert errors == [] and warnings == []
    elif row["expected"] == "valid-with-warning":
        assert errors == []
        assert expected_key(ig, row) in warnings
    else:
        assert expected_key(ig, row) in [rule for rule, _ in errors]


def test_the_index_is_read(reference_dir: Path) -> None:
    rows = _rows()
    assert len(rows) == 73
    assert {row["expected"] for _ig, row in rows} == {"valid", "valid-with-warning", "invalid"}
