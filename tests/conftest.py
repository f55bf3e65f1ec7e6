"""Shared test setup: Hypothesis profiles, reference-data location, service requirements.

With ``CI=true`` a test that would skip because a service (PostgreSQL, Spark, Chromium)
is missing fails instead, so CI can never pass by skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference"
IN_CI = os.environ.get("CI", "").lower() == "true"

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=40, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))


def require(condition: bool, reason: str) -> None:
    """Skip when ``condition`` is false, or fail under CI (services must be there)."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """``../shared/reference``: public KL/DK reference data (tests only)."""
    require(REFERENCE.is_dir(), f"reference data not found at {REFERENCE}")
    return REFERENCE
