"""A small enriched Synthetic Denmark generated once per test session."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tvaers.synth.config import SynthConfig
from tvaers.synth.generate import generate

SMALL = SynthConfig(
    citizens=3000,
    start=date(2023, 1, 1),
    end=date(2025, 12, 31),
    seed=11,
    enrich={"heart": 5.0, "copd": 5.0, "diabetes": 3.0},
    block_size=1000,
)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Output folder of ``SMALL`` generated with one process."""
    out = tmp_path_factory.mktemp("synth-small")
    generate(SMALL, out, workers=1)
    return out
