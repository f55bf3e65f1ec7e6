"""Differential test: our compiled evaluator against the fhirpathpy oracle.

The same ViewDefinitions (``kl_views.json``: the kinds of views the registry needs) run
over every KL example resource and a seeded synthetic sample; both must give the same
multiset of rows.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fhirpathpy_oracle import evaluate
from synthetic import sample
from views_support import KL_EXAMPLES, require

from tvaers.views import compile_view, to_table

VIEWS = json.loads((Path(__file__).parent / "kl_views.json").read_text())


def _norm(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_norm(v) for v in value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, Decimal)):
        return ("number", Decimal(repr(value) if isinstance(value, float) else value).normalize())
    return str(value)


def _bag(rows: list[dict[str, Any]], columns: list[str]) -> Counter[tuple[Any, ...]]:
    return Counter(tuple(_norm(row[c]) for c in columns) for row in rows)


def _compare(view: dict[str, Any], resources: list[dict[str, Any]]) -> int:
    compiled = compile_view(view)
    ours = to_table(compiled, resources).to_pylist()
    theirs = evaluate(view, resources)
    columns = compiled.schema.names
    assert all(list(row) == columns for row in ours)
    assert _bag(ours, columns) == _bag(theirs, columns)
    return len(ours)


@pytest.fixture(scope="module")
def kl_resources() -> list[dict[str, Any]]:
    require(bool(KL_EXAMPLES), "KL example files not found")
    return [json.loads(p.read_text()) for p in KL_EXAMPLES]


@pytest.mark.parametrize("view", VIEWS, ids=[v["name"] for v in VIEWS])
def test_same_rows_as_fhirpathpy_on_kl_examples(
    view: dict[str, Any], kl_resources: list[dict[str, Any]]
) -> None:
    assert _compare(view, kl_resources) > 0


@pytest.mark.parametrize("view", VIEWS, ids=[v["name"] for v in VIEWS])
def test_same_rows_as_fhirpathpy_on_synthetic_sample(view: dict[str, Any]) -> None:
    assert _compare(view, sample(150)) > 0
