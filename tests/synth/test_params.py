"""Parameter tables: every lever names a known source, scaling reproduces published levels,
and code texts agree with the reference code list."""

from __future__ import annotations

import csv
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tvaers.synth.params import load_parameters


def _raw(name: str) -> dict[str, Any]:
    text = resources.files("tvaers.synth").joinpath(f"data/{name}").read_text("utf-8")
    return tomllib.loads(text)


def _sources_used(node: Any, path: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("source", "pyramid_source", "births_source") and isinstance(value, str):
                found.append((f"{path}.{key}", value))
            else:
                found.extend(_sources_used(value, f"{path}.{key}"))
    return found


def test_every_source_key_is_listed() -> None:
    raw = _raw("parameters.toml")
    known = set(raw["sources"])
    used = _sources_used({k: v for k, v in raw.items() if k != "sources"})
    assert len(used) > 20
    for where, value in used:
        for key in (part.strip() for part in value.split(",")):
            assert key in known, f"{where}: unknown source {key!r}"


def _single_year_pyramid() -> list[tuple[int, float, float]]:
    demo = _raw("parameters.toml")["demography"]
    rows = []
    for edge, men, women in zip(
        demo["pyramid_edges"], demo["pyramid_male"], demo["pyramid_female"], strict=True
    ):
        rows.extend((edge + k, men * 200.0, women * 200.0) for k in range(5))  # thousands / 5 years
    return rows


def test_ami_incidence_is_scaled_to_the_published_adult_level() -> None:
    table = load_parameters().table("conditions.ami.incidence", divisor=1e5)
    men = women = py_men = py_women = 0.0
    for age, m, w in _single_year_pyramid():
        if age < 18:
            continue
        band = max(i for i, e in enumerate(table.edges) if e <= age)
        men += m * table.male[band]
        women += w * table.female[band]
        py_men, py_women = py_men + m, py_women + w
    assert men / py_men * 1e5 == pytest.approx(174.0)
    assert women / py_women * 1e5 == pytest.approx(80.0)


def test_heart_failure_incidence_is_s17_split_by_sex() -> None:
    table = load_parameters().table("conditions.hf.incidence", divisor=1e4)
    s17 = [0.0, 0.7, 2.0, 6.4, 17.0, 35.0, 115.0]  # per 10,000, bands 0,18,35,45,55,65,75
    assert list(table.edges) == [0, 18, 35, 45, 55, 65, 75]
    for i, rate in enumerate(s17):
        assert table.male[i] == pytest.approx(rate * 1.2 / 1e4)
        assert table.female[i] == pytest.approx(rate * 0.8 / 1e4)


def test_total_scaling_gives_the_national_count() -> None:
    params = load_parameters()
    table = params.table("conditions.t2d.prevalence")
    national = 5_961_249
    pyramid = _single_year_pyramid()
    people = sum(m + w for _, m, w in pyramid)
    expected_men = expected_women = 0.0
    for age, m, w in pyramid:
        band = max(i for i, e in enumerate(table.edges) if e <= age)
        expected_men += m * table.male[band] * national / people
        expected_women += w * table.female[band] * national / people
    assert expected_men + expected_women == pytest.approx(310_000)
    assert expected_men / (expected_men + expected_women) == pytest.approx(0.56)


def test_code_texts_agree_with_the_reference_list(reference_dir: Path) -> None:
    with (reference_dir / "dk" / "icd10_population_codes.csv").open(encoding="utf-8") as fh:
        reference = {row["sks_code"]: row["danish_text"] for row in csv.DictReader(fh)}
    texts = _raw("codes.toml")["diagnosis_text"]
    checked = [code for code in texts if code in reference]
    assert len(checked) >= 20
    for code in checked:
        assert texts[code] == reference[code], code


def test_every_drawn_code_has_a_text() -> None:
    params = load_parameters()
    for name in _raw("codes.toml")["choices"]:
        choice = params.choice(name)
        assert choice.p.sum() == pytest.approx(1.0)
        assert all(
            params.vocabulary[i] == c for i, c in zip(choice.index, choice.codes, strict=True)
        )
