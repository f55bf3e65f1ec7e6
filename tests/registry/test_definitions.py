"""Definition files: the shipped ones load; each broken case gives file:line:col and a fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tvaers.errors import DefinitionError
from tvaers.registry.indicators.run import load_definition, shipped_definitions
from tvaers.registry.indicators.schema import schema

CASES_DIR = Path(__file__).parent / "definition_cases"
BASE = (CASES_DIR / "base.yaml").read_text(encoding="utf-8")
CASES: list[dict[str, Any]] = yaml.safe_load((CASES_DIR / "cases.yaml").read_text(encoding="utf-8"))


def test_base_case_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(BASE, encoding="utf-8")
    db = load_definition(path)
    assert list(db.indicators) == ["X1"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_broken_definition_is_located(case: dict[str, Any], tmp_path: Path) -> None:
    text = BASE
    pairs = case["replace"]
    for old, new in zip(pairs[::2], pairs[1::2], strict=True):
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    message = str(caught.value)
    assert f"{path}:{case['where']}" in message
    assert case["message"] in message
    if "defined" in case:  # the parameter's own definition is pointed at too
        assert f"(defined at {path}:{case['defined']})" in message


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = BASE.replace("origin: pilot", "origin: pilott").replace("better: lower", "better: less")
    path = tmp_path / "two.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError, match="2 problems") as caught:
        load_definition(path)
    assert f"{path}:22:13" in str(caught.value) and f"{path}:33:13" in str(caught.value)


def test_shipped_definitions_load_and_label_pilots() -> None:
    shipped = shipped_definitions()
    assert {"copd", "heart"} <= set(shipped)
    for name in shipped:
        db = load_definition(name)
        for ind in db.indicators.values():
            assert ind.definition_hash and len(ind.definition_hash) == 64
    heart = yaml.safe_load(shipped["heart"].read_text(encoding="utf-8"))
    h1 = next(i for i in heart["indicators"] if i["id"] == "H1")
    assert h1["origin"] == "pilot" and h1["label"] == "tværsektoriel pilotindikator"


def test_published_schema_is_a_valid_json_schema() -> None:
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema())
    assert schema()["$id"] == "urn:tvaers:registry:quality-database:1"
    json.dumps(schema())


def test_unknown_definition_name_lists_the_shipped_ones() -> None:
    with pytest.raises(DefinitionError, match=r"shipped databases: .*copd.*heart"):
        load_definition("hjerte")


def test_override_of_an_unknown_parameter_is_refused() -> None:
    with pytest.raises(DefinitionError, match="unknown parameter 'follow_up_dayz'") as caught:
        load_definition("copd", {"follow_up_dayz": 60})
    assert "follow_up_days" in str(caught.value)


def test_titles_do_not_change_the_definition_hash(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.yaml"
    a.write_text(BASE, encoding="utf-8")
    b.write_text(BASE.replace("title: Tilbage", "title: Genindlagt"), encoding="utf-8")
    c.write_text(BASE.replace("  days: 30", "  days: 31"), encoding="utf-8")
    ha, hb, hc = (load_definition(p).indicators["X1"].definition_hash for p in (a, b, c))
    assert ha == hb != hc
