"""Run SQL-on-FHIR v2 test files (the official format) and write the official test report.

A test file is ``{title, resources[], tests[{title, tags, view, expect | expectCount |
expectError, expectColumns?}]}``. Comparison follows the reference runner: row order is
ignored, each row must have exactly the expected columns, values compare strictly
(numbers numerically, so ``1.5`` equals ``Decimal('1.500000000')``; lists element-wise).
``expectError`` passes only if the view is rejected with a tvaers error (a definition or
input error), not by a crash. The report is ``{file: {"tests": [{name, result}]}}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from tvaers.errors import InputError, TvaersError
from tvaers.fhir.jsonio import parse_json

#: Runs a view over fixture resources, returning rows as dicts in column order.
Engine = Callable[[dict[str, Any], list[dict[str, Any]], str], list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class CaseResult:
    """Outcome of one test case."""

    file: str
    name: str
    tags: tuple[str, ...]
    passed: bool
    error: str | None = None

    def to_report(self) -> dict[str, Any]:
        result: dict[str, Any] = {"passed": self.passed}
        if self.error:
            result["error"] = self.error
        return {"name": self.name, "result": result}


def in_process_engine(
    view: dict[str, Any], resources: list[dict[str, Any]], source: str
) -> list[dict[str, Any]]:
    """The default engine: compile and run in this process."""
    from tvaers.views.compile import compile_view
    from tvaers.views.runner import to_table

    compiled = compile_view(view, source=source)
    rows: list[dict[str, Any]] = to_table(compiled, resources).to_pylist()
    return rows


def load_suite(path: Path) -> dict[str, Any]:
    """Parse and shape-check one test file."""
    suite = parse_json(path.read_bytes(), source=str(path))
    if not isinstance(suite, dict) or not isinstance(suite.get("tests"), list):
        raise InputError("not a SQL-on-FHIR test file (no 'tests' array)", location=str(path))
    if not isinstance(suite.get("resources"), list):
        raise InputError("not a SQL-on-FHIR test file (no 'resources' array)", location=str(path))
    return suite


def run_suite(path: Path, engine: Engine = in_process_engine) -> list[CaseResult]:
    """Run every case of one file."""
    suite = load_suite(path)
    return [
        run_case(path.name, i, case, suite["resources"], engine)
        for i, case in enumerate(suite["tests"])
    ]


def run_case(
    file: str, index: int, case: dict[str, Any], resources: list[dict[str, Any]], engine: Engine
) -> CaseResult:
    """Run one case and compare with its expectation."""
    name = str(case.get("title", f"test {index}"))
    tags = tuple(case.get("tags") or ())
    source = f"{file}#/tests/{index}/view"
    try:
        rows = engine(case.get("view"), resources, source)  # type: ignore[arg-type]
    except TvaersError as exc:
        if case.get("expectError"):
            return CaseResult(file, name, tags, True)
        return CaseResult(file, name, tags, False, f"unexpected error: {exc}")
    if case.get("expectError"):
        return CaseResult(file, name, tags, False, f"expected an error, got {len(rows)} rows")
    problem = compare(case, rows)
    return CaseResult(file, name, tags, problem is None, problem)


def compare(case: dict[str, Any], rows: list[dict[str, Any]]) -> str | None:
    """None when ``rows`` meet the case's expectation, else what differs."""
    if "expectColumns" in case and rows and list(rows[0]) != case["expectColumns"]:
        return f"columns {list(rows[0])} != expected {case['expectColumns']}"
    if "expectCount" in case:
        return (
            None
            if len(rows) == case["expectCount"]
            else f"{len(rows)} rows, expected {case['expectCount']}"
        )
    expected = list(case.get("expect") or [])
    if len(rows) != len(expected):
        return f"{len(rows)} rows, expected {len(expected)}: got {rows!r}"
    remaining = list(rows)
    for want in expected:
        for k, got in enumerate(remaining):
            if set(got) == set(want) and all(same(got[c], want[c]) for c in want):
                del remaining[k]
                break
        else:
            return f"expected row {want!r} not found in {rows!r}"
    return None


def same(actual: Any, expected: Any) -> bool:
    """Strict equality with numbers compared by value (never booleans as numbers)."""
    if expected is None or isinstance(expected, (bool, str)):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, (int, float)):
        if type(actual) not in (int, float, Decimal):
            return False
        return Decimal(repr(expected)) == Decimal(repr(actual) if type(actual) is float else actual)
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(same(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return bool(actual == expected)


def run_paths(paths: Iterable[str | Path], engine: Engine = in_process_engine) -> list[CaseResult]:
    """Run every ``*.json`` test file under the given files/folders (sorted by name)."""
    results: list[CaseResult] = []
    for path in test_files(paths):
        results.extend(run_suite(path, engine))
    return results


def test_files(paths: Iterable[str | Path]) -> list[Path]:
    """The test files named or found (``*.json``) under folders."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(path.glob("*.json")))
        elif path.is_file():
            found.append(path)
        else:
            raise InputError("no such file or folder", location=str(path))
    return found


def report(results: Iterable[CaseResult]) -> dict[str, Any]:
    """The official test-report JSON object."""
    out: dict[str, Any] = {}
    for result in results:
        out.setdefault(result.file, {"tests": []})["tests"].append(result.to_report())
    return out
