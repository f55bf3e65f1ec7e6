"""Run parameters: precise errors for bad --enrich, --region and windows."""

from __future__ import annotations

from datetime import date

import pytest

from tvaers.errors import InputError
from tvaers.synth.config import SynthConfig, parse_enrich, region_population

START, END = date(2023, 1, 1), date(2025, 12, 31)


def test_parse_enrich_reads_factors() -> None:
    assert parse_enrich("heart=x5, copd=x5,diabetes=3") == {
        "heart": 5.0,
        "copd": 5.0,
        "diabetes": 3.0,
    }
    assert parse_enrich(None) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hearts=x5", "unknown cohort 'hearts'"),
        ("heart", "is not COHORT=xFACTOR"),
        ("heart=xfive", "factor 'xfive' is not a number"),
        ("heart=x0.5", "factor must be 1..100"),
        ("heart=x2,heart=x3", "given twice"),
    ],
)
def test_parse_enrich_errors_are_precise(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_enrich(text)


def test_unknown_cohort_suggests_the_nearest() -> None:
    with pytest.raises(InputError) as info:
        parse_enrich("hearts=x5")
    assert info.value.hint is not None and "did you mean heart" in info.value.hint


def test_region_must_be_a_region_code() -> None:
    with pytest.raises(InputError, match="not a region code") as info:
        SynthConfig(citizens=10, start=START, end=END, seed=1, region="1086")
    assert info.value.hint is not None and "1081 (Region Nordjylland)" in info.value.hint


def test_window_and_size_are_checked() -> None:
    with pytest.raises(InputError, match="must be after"):
        SynthConfig(citizens=10, start=END, end=START, seed=1)
    with pytest.raises(InputError, match="at least 1"):
        SynthConfig(citizens=0, start=START, end=END, seed=1)
    with pytest.raises(InputError, match="CPR numbering allows at most 2000"):
        SynthConfig(citizens=2001 * 100, start=START, end=END, seed=1, block_size=100)


def test_enrichment_factor_applies_to_its_conditions() -> None:
    config = SynthConfig(citizens=10, start=START, end=END, seed=1, enrich={"heart": 5.0})
    assert (config.factor("ami"), config.factor("hf"), config.factor("copd")) == (5.0, 5.0, 1.0)


def test_region_population_scales_2020_by_growth() -> None:
    # Region Nordjylland: 589,936 in 2020 (sum of its municipalities) x 1.0054.
    assert region_population("1081") == round(589_936 * 1.0054)
